"""A dossier's fees through the API: read, the amount of a fee by the case, paid at the desk,
a notified transfer confirmed or rejected, a waiver; each refusal (wrong role, wrong state, a bad
amount) changes nothing; and a step marked requiresFeesPaid blocks until the fees are settled."""

import io

from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Event, Notification, Role, User
from motcua.services import applicant_access, fee_lines, fees
from motcua.unit_of_work import unit_of_work
from tests.api.test_tasks import active_task
from tests.factories import SIMPLE_BPMN
from tests.services.test_fees import dossier_fees, give_lines

TWO_LINES = "LP01 | Lệ phí đăng ký | lệ phí | 100000\n | Phí thẩm định | phí | theo từng trường hợp"


def fees_of(api, code):
    response = api.get(f"/dossiers/{code}/fees")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def event_kinds(app, code):
    with app.app_context():
        dossier, _ = dossier_fees(code)
        return [
            e.kind for e in db.session.scalars(select(Event).where(Event.dossier_id == dossier.id))
        ]


def test_the_desk_enters_an_amount_and_takes_the_fees(app, login_as, make_dossier):
    give_lines(app, TWO_LINES)
    code = make_dossier()["code"]
    desk = login_as("clo.mc1")
    body = fees_of(desk, code)
    assert body["unsettled"] is True
    fixed, by_case = body["fees"]
    assert (fixed["amount"], fixed["kind"], by_case["amount"]) == (100000, "charge", None)

    # Nothing can be taken before its amount is known; a bad amount is refused.
    refused = desk.post(f"/dossiers/{code}/fees/{by_case['id']}/paid-at-desk", json={})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "amount_unknown")
    for bad in ("-5", "abc", "0", "1" * 20):
        refused = desk.post(f"/dossiers/{code}/fees/{by_case['id']}/amount", json={"amount": bad})
        assert refused.status_code == 422, bad
        assert refused.get_json()["error"]["code"] == "invalid_amount"
    assert fees_of(desk, code) == body

    ok = desk.post(f"/dossiers/{code}/fees/{by_case['id']}/amount", json={"amount": "50.000"})
    assert ok.status_code == 200 and ok.get_json()["fees"][1]["amount"] == 50000
    for fee in (fixed, by_case):
        ok = desk.post(
            f"/dossiers/{code}/fees/{fee['id']}/paid-at-desk", json={"receipt_number": "BL-7"}
        )
        assert ok.status_code == 200, ok.get_json()
    after = fees_of(desk, code)
    assert after["unsettled"] is False
    assert [(f["state"], f["method"], f["reference"]) for f in after["fees"]] == [
        ("confirmed", "at_desk", "BL-7")
    ] * 2
    again = desk.post(f"/dossiers/{code}/fees/{fixed['id']}/paid-at-desk", json={})
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "fee_not_due")
    kinds = event_kinds(app, code)
    assert kinds.count("fee_paid_at_desk") == 2 and kinds.count("fees_assessed") == 2


def test_others_may_not_act_on_the_fees(app, login_as, make_dossier):
    give_lines(app, TWO_LINES)
    code = make_dossier()["code"]
    fee = fees_of(login_as("clo.mc1"), code)["fees"][0]
    before = fees_of(login_as("clo.mc1"), code)
    specialist = login_as("clo.cv.tckh1")
    for act, body in (
        ("amount", {"amount": "5"}),
        ("paid-at-desk", {}),
        ("waive", {"reason": "x"}),
        ("confirm", {}),
    ):
        refused = specialist.post(f"/dossiers/{code}/fees/{fee['id']}/{act}", json=body)
        assert refused.status_code in (403, 404), (act, refused.get_json())
    # A stranger's unit does not even see the dossier.
    assert login_as("hkh.mc1").get(f"/dossiers/{code}/fees").status_code == 404
    # The desk may not waive; a leader of the unit may, with a reason.
    refused = login_as("clo.mc1").post(
        f"/dossiers/{code}/fees/{fee['id']}/waive", json={"reason": "Hộ nghèo"}
    )
    assert refused.status_code == 403
    leader = login_as("clo.ld1")
    refused = leader.post(f"/dossiers/{code}/fees/{fee['id']}/waive", json={"reason": " "})
    assert refused.status_code == 422
    assert fees_of(leader, code) == before
    ok = leader.post(f"/dossiers/{code}/fees/{fee['id']}/waive", json={"reason": "Hộ nghèo"})
    assert ok.status_code == 200
    assert ok.get_json()["fees"][0]["state"] == "waived"
    assert ok.get_json()["fees"][0]["note"] == "Hộ nghèo"


def notify(app, code, fee_ids, reference="FT123"):
    """The applicant notifies a transfer (the service their page calls), with a PDF receipt."""
    with app.app_context(), unit_of_work():
        dossier, _ = dossier_fees(code)
        return fees.notify_transfer(
            dossier, fee_ids, reference, ("bien-lai.pdf", io.BytesIO(b"%PDF-1.4 bien lai"))
        )


def test_a_notified_transfer_is_confirmed_or_rejected_by_the_desk(app, login_as, make_dossier):
    give_lines(app, "LP01 | Lệ phí | lệ phí | 100000\nLP02 | Lệ phí khác | lệ phí | 20000")
    code = make_dossier()["code"]
    with app.app_context(), unit_of_work():
        db.session.scalar(select(User).where(User.username == "clo.mc1")).email = "mc1@clo.vn"
    desk = login_as("clo.mc1")
    first, second = fees_of(desk, code)["fees"]
    # Nothing notified yet: nothing to confirm.
    refused = desk.post(f"/dossiers/{code}/fees/{first['id']}/confirm")
    assert refused.status_code == 409
    notify(app, code, [first["id"], second["id"]])
    notified = fees_of(desk, code)
    assert [f["state"] for f in notified["fees"]] == ["notified", "notified"]
    assert notified["unsettled"] is True and notified["fees"][0]["receipt_id"]
    with app.app_context():
        mails = db.session.scalars(
            select(Notification).where(Notification.kind == "fee_transfer")
        ).all()
        assert [m.to_address for m in mails] == ["mc1@clo.vn"]
        assert code in mails[0].subject
        assert "FT123" in mails[0].body and "120.000" in mails[0].body

    assert desk.post(f"/dossiers/{code}/fees/{first['id']}/confirm").status_code == 200
    refused = desk.post(f"/dossiers/{code}/fees/{second['id']}/reject", json={"reason": ""})
    assert refused.status_code == 422
    ok = desk.post(
        f"/dossiers/{code}/fees/{second['id']}/reject", json={"reason": "Chưa thấy tiền về"}
    )
    assert ok.status_code == 200
    a, b = ok.get_json()["fees"]
    assert (a["state"], b["state"], b["reference"], b["note"]) == (
        "confirmed",
        "due",
        None,
        "Chưa thấy tiền về",
    )
    with app.app_context():
        told = db.session.scalars(
            select(Notification).where(Notification.kind == "fee_rejected")
        ).all()
        assert len(told) == 1 and "Chưa thấy tiền về" in told[0].body


BLOCKING_BPMN = SIMPLE_BPMN.replace(
    '<spiffworkflow:property name="timeLimit" value="1d"/>',
    '<spiffworkflow:property name="timeLimit" value="1d"/>'
    '<spiffworkflow:property name="requiresFeesPaid" value="true"/>',
)


def test_a_step_that_requires_fees_paid_waits_for_them(
    app, login_as, make_unit, make_user, make_procedure
):
    unit = make_unit()
    desk = make_user(None, unit, [Role.RECEPTIONIST])
    specialist = make_user(None, unit, [Role.SPECIALIST])
    procedure = make_procedure(None, BLOCKING_BPMN, unit=unit)
    with app.app_context(), unit_of_work():
        fee_lines.set_lines(
            db.session.merge(procedure), fee_lines.parse(" | Phí | phí | theo từng trường hợp")
        )
    api = login_as(desk.username)
    created = api.post(
        "/dossiers",
        json={
            "procedure_code": procedure.code,
            "unit_code": unit.code,
            "applicant": {"name": "Trần Văn Bình", "id_number": "042190009999"},
            "complete": True,
        },
    )
    assert created.status_code == 201, created.get_json()
    code = created.get_json()["code"]
    officer = login_as(specialist.username)
    task = active_task(officer, code)
    assert task["step_id"] == "tham_dinh"
    assert officer.post(f"/tasks/{task['id']}/claim").status_code == 200
    blocked = officer.post(f"/tasks/{task['id']}/complete", json={"data": {}})
    assert blocked.status_code == 409
    error = blocked.get_json()["error"]
    assert error["code"] == "fees_due" and "Phí" in error["message"]
    assert active_task(officer, code)["id"] == task["id"]  # still open, nothing changed

    fee = fees_of(api, code)["fees"][0]
    assert (
        api.post(f"/dossiers/{code}/fees/{fee['id']}/amount", json={"amount": 30000}).status_code
        == 200
    )
    # Still due: still blocked.
    assert officer.post(f"/tasks/{task['id']}/complete", json={"data": {}}).status_code == 409
    assert api.post(f"/dossiers/{code}/fees/{fee['id']}/paid-at-desk", json={}).status_code == 200
    done = officer.post(f"/tasks/{task['id']}/complete", json={"data": {}})
    assert done.status_code == 200, done.get_json()


def test_the_applicants_link_names_the_dossier_for_its_fees(app, make_dossier):
    give_lines(app, "LP01 | Lệ phí | lệ phí | 100000")
    code = make_dossier()["code"]
    with app.app_context():
        dossier, owed = dossier_fees(code)
        assert applicant_access.dossier_for(applicant_access.token_for(dossier)).id == dossier.id
        assert fees.payable(dossier) == owed
