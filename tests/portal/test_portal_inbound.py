"""Dossiers submitted at the national portal taken into ours (issue 15, "Inbound"), against the
fake portal of tests/portal_fake.py: pushed to POST /api/v1/portal/dossiers with the shared
secret, or pulled by `motcua worker --once`; kept as they came before anything is made of them,
then in the desk's online queue with their papers' files fetched from the portal; idempotent on
MaHoSo; a record that cannot be imported stays failed with its reason on the admin's page and
is made a dossier once the cause is fixed."""

import re
import uuid

import pytest
from sqlalchemy import func, select

from motcua.cli import main
from motcua.extensions import db
from motcua.models import Attachment, Dossier, DossierStatus, PortalInbound, PortalMessage
from motcua.services import portal_wire
from motcua.vocabulary import Channel, PortalInboundState
from tests.portal.test_portal_sync import deliver, portal  # noqa: F401 (a fixture)

PROCEDURE = "1.001612"  # four papers, the fourth "(nếu có)"
CLO = "000.20.50.H30"  # Xã Can Lộc's identifier code: its madonvi at the portal
TOKEN = "bi-mat-chung-cua-cong"


@pytest.fixture
def push(app):
    saved = {k: app.config.get(k) for k in ("PORTAL_INBOUND", "PORTAL_INBOUND_TOKEN")}
    app.config.update(PORTAL_INBOUND="push", PORTAL_INBOUND_TOKEN=TOKEN)
    yield
    app.config.update(saved)


@pytest.fixture
def pull(app):
    saved = app.config.get("PORTAL_INBOUND")
    app.config["PORTAL_INBOUND"] = "pull"
    yield
    app.config["PORTAL_INBOUND"] = saved


def record(portal, code=None, procedure=PROCEDURE, files=None, **fields) -> dict:  # noqa: F811
    """A dossier as the portal has it, its papers' files served by the fake portal."""
    code = code or f"G22.99-{uuid.uuid4().hex[:10]}"
    if files is None:
        files = [
            (1, "don-de-nghi.pdf", b"%PDF-1.4 don " + code.encode()),
            (2, "cccd.pdf", b"%PDF-1.4 cccd " + code.encode()),
            (3, "bien-ban.pdf", b"%PDF-1.4 bien ban " + code.encode()),
        ]
    return {
        "MaHoSo": code,
        "MaTTHC": procedure,
        "ChuHoSo": "Nguyễn Văn Cổng",
        "MaDoiTuong": "042190007777",
        "Email": "cong.dan@example.vn",
        "SoDienThoai": "0912000222",
        "DiaChi": "Thôn 1, xã Can Lộc",
        "TaiLieuNop": [
            {
                "TepDinhKemId": f"{code}-{paper}",
                "TenTepDinhKem": name,
                "MaThanhPhanHoSo": str(paper),
                "DuongDanTaiTepTin": portal.serve_file(f"{code}-{name}", data),
                "IsDeleted": False,
            }
            for paper, name, data in files
        ],
        **fields,
    }


def post(client, records, token=TOKEN, madonvi=CLO):
    return client.post(
        "/api/v1/portal/dossiers",
        json={"madonvi": madonvi, "service": "DongBoHoSoMC", "data": records},
        headers={"Authorization": f"Bearer {token}"},
    )


def inbound(app, code) -> PortalInbound | None:
    with app.app_context():
        row = db.session.scalar(
            select(PortalInbound)
            .where(PortalInbound.portal_code == code)
            .execution_options(populate_existing=True)
        )
        if row is not None:
            db.session.expunge(row)
        return row


def dossier_of(app, portal_code) -> Dossier | None:
    with app.app_context():
        found = db.session.scalar(select(Dossier).where(Dossier.portal_code == portal_code))
        if found is not None:
            found.procedure, found.receiving_unit  # noqa: B018 (loaded before the session ends)
            db.session.expunge_all()
        return found


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_pushed_dossier_waits_in_the_desks_online_queue_with_its_files(
    app,
    client,
    officer,
    portal,  # noqa: F811
    push,
):
    sent = record(portal)
    response = post(client, [sent])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["error_code"] == "0"
    (result,) = body["data"]
    assert result["MaHoSo"] == sent["MaHoSo"] and result["TrangThai"] == "imported"
    row = inbound(app, sent["MaHoSo"])
    assert row.raw == sent and row.unit_code == CLO and row.state == PortalInboundState.IMPORTED
    dossier = dossier_of(app, sent["MaHoSo"])
    assert result["SoBienNhan"] == dossier.code != sent["MaHoSo"]
    assert dossier.status == DossierStatus.SUBMITTED and dossier.channel == Channel.ONLINE
    assert dossier.applicant_name == "Nguyễn Văn Cổng" and dossier.receiving_unit.code == "CLO"
    with app.app_context():
        files = db.session.scalars(
            select(Attachment).where(Attachment.dossier_id == dossier.id).order_by(Attachment.id)
        ).all()
        assert [f.file_name for f in files] == ["don-de-nghi.pdf", "cccd.pdf", "bien-ban.pdf"]
        assert all(f.media_type == "application/pdf" and len(f.sha256) == 64 for f in files)
    assert len(portal.downloads) == 3

    desk = officer("clo.mc1")
    queue = desk.page("/desk/online")
    assert dossier.code in queue
    page = desk.page(f"/desk/online/{dossier.code}")
    assert "cccd.pdf" in page and "Nguyễn Văn Cổng" in page
    # The desk sees where it was submitted, and under which code the portal knows it.
    through = re.search(r'<dd id="submitted-through">(.*?)</dd>', page).group(1)
    assert "Cổng Dịch vụ công quốc gia" in through and dossier.portal_code in through


def test_a_resent_dossier_changes_nothing_and_succeeds(app, client, portal, push):  # noqa: F811
    sent = record(portal)
    assert post(client, [sent]).status_code == 200
    before = (count(app, Dossier), count(app, PortalInbound), count(app, Attachment))
    again = post(client, [sent | {"ChuHoSo": "Tên khác"}])
    assert again.status_code == 200 and again.get_json()["error_code"] == "0"
    assert again.get_json()["data"][0]["TrangThai"] == "imported"
    assert (count(app, Dossier), count(app, PortalInbound), count(app, Attachment)) == before
    assert inbound(app, sent["MaHoSo"]).raw == sent  # kept as it first came
    assert dossier_of(app, sent["MaHoSo"]).applicant_name == "Nguyễn Văn Cổng"


def test_the_push_needs_the_shared_secret_and_a_well_formed_envelope(
    app,
    client,
    portal,  # noqa: F811
    push,
):
    before = count(app, PortalInbound)
    wrong = post(client, [record(portal)], token="doan-mo")
    assert wrong.status_code == 401
    assert wrong.get_json()["error_code"] == "401"
    assert wrong.get_json()["error"]["code"] == "portal_token"
    none = client.post("/api/v1/portal/dossiers", json={"data": [record(portal)]})
    assert none.status_code == 401
    bad = post(client, "not a list")
    assert bad.status_code == 422 and bad.get_json()["error_code"] == "422"
    no_code = post(client, [record(portal), {"MaTTHC": PROCEDURE}])
    assert no_code.status_code == 422
    assert "data.1.MaHoSo" in no_code.get_json()["error"]["details"]
    assert count(app, PortalInbound) == before  # nothing kept of a refused push


def test_without_push_the_endpoint_is_not_there(app, client, portal):  # noqa: F811
    app.config["PORTAL_INBOUND_TOKEN"] = TOKEN
    try:
        response = post(client, [record(portal)])
    finally:
        app.config["PORTAL_INBOUND_TOKEN"] = ""
    assert response.status_code == 404 and response.get_json()["error_code"] == "404"


def test_a_dossier_that_cannot_be_imported_is_kept_failed_and_retried_from_the_admins_page(
    app,
    client,
    officer,
    portal,  # noqa: F811
    push,
):
    unknown = record(portal, procedure="9.999999")
    unreachable = record(portal)
    unreachable["TaiLieuNop"][1]["DuongDanTaiTepTin"] += "-gone"
    elsewhere = record(portal, MaDonVi="000.00.25.H30")  # a land office: not its procedure
    response = post(client, [unknown, unreachable, elsewhere])
    assert response.status_code == 200 and response.get_json()["error_code"] == "0"
    assert [r["TrangThai"] for r in response.get_json()["data"]] == ["failed"] * 3
    for sent in (unknown, unreachable, elsewhere):
        row = inbound(app, sent["MaHoSo"])
        assert row.state == PortalInboundState.FAILED and row.raw == sent
        assert dossier_of(app, sent["MaHoSo"]) is None
    assert "9.999999" in inbound(app, unknown["MaHoSo"]).error
    assert "HTTP 404" in inbound(app, unreachable["MaHoSo"]).error
    assert "không giải quyết" in inbound(app, elsewhere["MaHoSo"]).error

    admin = officer("admin")
    page = admin.page("/admin/portal")
    row = inbound(app, unreachable["MaHoSo"])
    assert f'data-inbound="{row.id}"' in page and unreachable["MaHoSo"] in page
    assert "HTTP 404" in page
    assert officer("clo.mc1").post(f"/admin/portal/inbound/{row.id}/retry").status_code == 403
    # Still unreachable: still failed, tried twice.
    assert admin.post(f"/admin/portal/inbound/{row.id}/retry").status_code == 302
    assert inbound(app, unreachable["MaHoSo"]).attempts == 2
    # The portal serves the file again: the dossier is made.
    name = unreachable["TaiLieuNop"][1]["DuongDanTaiTepTin"].rsplit("/", 1)[1]
    portal.serve_file(name, b"%PDF-1.4 found again")
    assert admin.post(f"/admin/portal/inbound/{row.id}/retry").status_code == 302
    assert inbound(app, unreachable["MaHoSo"]).state == PortalInboundState.IMPORTED
    assert dossier_of(app, unreachable["MaHoSo"]).status == DossierStatus.SUBMITTED
    assert admin.post(f"/admin/portal/inbound/{row.id}/retry").status_code == 409


def test_a_file_the_online_form_would_refuse_fails_the_import(app, client, portal, push):  # noqa: F811
    sent = record(portal, files=[(1, "don.exe", b"MZ\x90\x00 not a paper")])
    response = post(client, [sent])
    assert response.get_json()["data"][0]["TrangThai"] == "failed"
    assert "PDF" in inbound(app, sent["MaHoSo"]).error  # the accepted types, as the form says


def test_the_worker_pulls_new_dossiers_once_each(app, portal, pull):  # noqa: F811
    first, second = record(portal, MaDonVi=CLO), record(portal, MaDonVi=CLO)
    portal.new_dossiers = [first, second]
    before = count(app, Dossier)
    runner = app.test_cli_runner()
    assert runner.invoke(main, ["worker", "--once"]).exit_code == 0
    assert count(app, Dossier) == before + 2
    asked = [a for a in portal.asked if a[0] == "LayDanhSachHoSoMoi"]
    assert asked and asked[0][1] == "000.00.00.H30"  # the province's code
    assert dossier_of(app, first["MaHoSo"]).status == DossierStatus.SUBMITTED
    # The portal hands them out again: nothing new.
    assert runner.invoke(main, ["worker", "--once"]).exit_code == 0
    assert count(app, Dossier) == before + 2
    # A portal that fails is asked again at the next round; the round goes on.
    third = record(portal, MaDonVi=CLO)
    portal.new_dossiers.append(third)
    portal.faults = ["500"]
    assert runner.invoke(main, ["worker", "--once"]).exit_code == 0
    assert inbound(app, third["MaHoSo"]) is None
    assert runner.invoke(main, ["worker", "--once"]).exit_code == 0
    assert dossier_of(app, third["MaHoSo"]).status == DossierStatus.SUBMITTED


def test_the_portal_hears_of_its_dossier_under_its_own_code(app, client, portal, push):  # noqa: F811
    sent = record(portal)
    assert post(client, [sent]).status_code == 200
    dossier = dossier_of(app, sent["MaHoSo"])
    deliver(app)
    mine = [c for c in portal.calls if c.record["MaHoSo"] == sent["MaHoSo"]]
    assert mine and mine[0].service == "DongBoHoSoMC"
    assert mine[0].is_updating  # the portal has the dossier: ours updates it
    assert mine[0].record["SoBienNhan"] == dossier.code
    assert portal.statuses(sent["MaHoSo"]) == [1]
    with app.app_context():
        assert not db.session.scalar(
            select(func.count())
            .select_from(PortalMessage)
            .where(PortalMessage.body["MaHoSo"].as_string() == dossier.code)
        )
    assert portal_wire.dossier_code(dossier) == sent["MaHoSo"]
