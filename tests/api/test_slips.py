"""The slips of a dossier through the API: issuing (a POST that stores the slip), listing and
reading the stored PDF; reading never issues one."""

import hashlib

from sqlalchemy import func, select

from motcua.extensions import db
from motcua.models import Attachment, AttachmentKind, Dossier, Event

HOUSEHOLD = "1.001612"


def counts(app, code: str) -> tuple[int, int]:
    """(slips stored, slip_issued events) of the dossier."""
    with app.app_context():
        dossier_id = select(Dossier.id).where(Dossier.code == code).scalar_subquery()
        return (
            db.session.scalar(
                select(func.count(Attachment.id)).where(
                    Attachment.kind == AttachmentKind.SLIP, Attachment.dossier_id == dossier_id
                )
            ),
            db.session.scalar(
                select(func.count(Event.id)).where(
                    Event.kind == "slip_issued", Event.dossier_id == dossier_id
                )
            ),
        )


def test_issuing_a_slip_stores_it_and_points_to_its_pdf(app, login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")

    response = desk.post(f"/dossiers/{code}/slips", json={"form": "01"})

    assert response.status_code == 201, response.get_json()
    slip = response.get_json()
    assert slip["form"] == "01" and slip["kind"] == "slip"
    assert slip["file_name"] == f"01-giay-tiep-nhan-hen-tra-ket-qua-{code}.pdf"
    assert slip["uploaded_by"] == "clo.mc1" and slip["media_type"] == "application/pdf"
    assert response.headers["Location"].endswith(f"/api/v1/dossiers/{code}/slips/{slip['id']}")
    assert counts(app, code) == (1, 1)

    pdf = desk.get(f"/dossiers/{code}/slips/{slip['id']}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == slip["sha256"]
    assert len(pdf.data) == slip["size"]

    listed = desk.get(f"/dossiers/{code}/slips").get_json()["slips"]
    assert [s["id"] for s in listed] == [slip["id"]]
    assert listed[0]["url"] == slip["url"]

    # The control slip is form 06 of Circular 03/2025/TT-VPCP (05 of Circular 01/2018).
    control = desk.post(f"/dossiers/{code}/slips", json={"form": "06"}).get_json()
    assert control["form"] == "06"
    assert control["file_name"] == f"06-phieu-kiem-soat-{code}.pdf"
    assert [s["form"] for s in desk.get(f"/dossiers/{code}/slips").get_json()["slips"]] == [
        "01",
        "06",
    ]
    assert counts(app, code) == (2, 2)


def test_reading_never_issues_a_slip(app, login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")

    assert desk.get(f"/dossiers/{code}/slips").get_json() == {"slips": []}
    assert desk.get(f"/dossiers/{code}/slips/01").status_code == 404
    assert desk.get(f"/dossiers/{code}").status_code == 200

    assert counts(app, code) == (0, 0)


def test_only_the_receipt_and_control_slip_are_issued_and_only_slips_are_read(
    app, login_as, make_dossier
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    for body in ({"form": "02"}, {"form": "05"}, {"form": "07"}, {"form": 1}, {}):
        response = desk.post(f"/dossiers/{code}/slips", json=body)
        assert response.status_code == 404, body
        assert response.get_json()["error"]["code"] == "slip_not_printable"
    assert desk.post(f"/dossiers/{code}/slips", data="x").status_code == 422
    assert counts(app, code) == (0, 0)

    # A component file is a file of the dossier, not a slip.
    paper = desk.upload(code).get_json()
    response = desk.get(f"/dossiers/{code}/slips/{paper['id']}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "slip_not_found"


def test_an_officer_of_another_district_neither_issues_nor_reads(app, login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    slip = login_as("clo.mc1").post(f"/dossiers/{code}/slips", json={"form": "01"}).get_json()
    outsider = login_as("hkh.mc1")
    for response in (
        outsider.post(f"/dossiers/{code}/slips", json={"form": "06"}),
        outsider.get(f"/dossiers/{code}/slips"),
        outsider.get(f"/dossiers/{code}/slips/{slip['id']}"),
    ):
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "dossier_not_found"
    assert counts(app, code) == (1, 1)
