"""The exceptional paths end to end through the API: supplement request and receipt, refusal,
apology with a new appointment, withdrawal, pause and resumption. Each leaves a reasoned event,
its slip (stored with its hash) and, where the applicant gave an address, an email in the
outbox."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Attachment, AttachmentKind, Dossier, Notification, SupplementRequest
from motcua.services.formdata import example_data
from motcua.workcalendar import WorkCalendar

CALENDAR = WorkCalendar()  # the demo declares no provincial days


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def active(api, code: str) -> list[dict]:
    return [
        t
        for t in api.get(f"/dossiers/{code}").get_json()["tasks"]
        if t["status"] in ("open", "claimed")
    ]


def work(login_as, code: str, step_id: str | None = None, **overrides) -> dict:
    """The first active step (or `step_id`) completed by its first candidate."""
    admin = login_as("admin")
    task = next(t for t in active(admin, code) if step_id in (None, t["step_id"]))
    detail = admin.get(f"/tasks/{task['id']}").get_json()
    officer = login_as(task["assignee"] or sorted(c["username"] for c in detail["candidates"])[0])
    if task["assignee"] is None:
        assert officer.post(f"/tasks/{task['id']}/claim").status_code == 200
    done = officer.post(
        f"/tasks/{task['id']}/complete", json={"data": example_data(task["form"], **overrides)}
    )
    assert done.status_code == 200, done.get_json()
    return task


def slips(app, code: str) -> list[Attachment]:
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        return list(
            db.session.scalars(
                select(Attachment).where(
                    Attachment.dossier_id == dossier.id, Attachment.kind == AttachmentKind.SLIP
                )
            )
        )


def mails(app, code: str) -> list[str]:
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        return [
            n.kind
            for n in db.session.scalars(
                select(Notification).where(Notification.dossier_id == dossier.id)
            )
        ]


@pytest.fixture
def in_processing(login_as, make_dossier):
    """A CLO household-business dossier past the desk, at the specialist's appraisal."""
    code = make_dossier("CLO", "1.001612")["code"]
    work(login_as, code, "tiep_nhan")
    return code


def test_a_supplement_request_stops_the_clock_and_the_papers_restart_it(
    app, login_as, in_processing
):
    code = in_processing
    specialist = login_as("clo.cv.tckh1")
    response = specialist.post(
        f"/dossiers/{code}/supplement-requests",
        json={"reason": "Thiếu bản sao giấy tờ pháp lý của chủ hộ", "items": ["Bản sao CCCD"]},
    )
    assert response.status_code == 201, response.get_json()
    dossier = specialist.get(f"/dossiers/{code}").get_json()
    assert dossier["status"] == "waiting_applicant"
    event = dossier["events"][-1]
    assert event["kind"] in ("supplement_requested", "slip_issued")
    requested = next(e for e in dossier["events"] if e["kind"] == "supplement_requested")
    assert requested["note"] == "Thiếu bản sao giấy tờ pháp lý của chủ hộ"
    assert [s.file_name[:2] for s in slips(app, code)] == ["02"]
    assert "supplement" in mails(app, code)

    # The step waits: nobody works it until the desk records the papers.
    task = active(specialist, code)[0]
    claim = specialist.post(f"/tasks/{task['id']}/claim")
    assert claim.status_code == 409 and claim.get_json()["error"]["code"] == "waiting_applicant"

    before = datetime.now().astimezone()
    received = login_as("clo.mc1").post(f"/dossiers/{code}/supplement-received", json={})
    after = datetime.now().astimezone()
    assert received.status_code == 200, received.get_json()
    new = at(received.get_json()["appointment_at"])
    # Restart (the default rule): the whole 3-day limit again from the papers' receipt.
    assert CALENDAR.add(before, days=3) <= new <= CALENDAR.add(after, days=3)
    dossier = specialist.get(f"/dossiers/{code}").get_json()
    assert dossier["status"] == "processing"
    step = active(specialist, code)[0]
    assert CALENDAR.add(before, hours=3.75) <= at(step["due_at"]) <= CALENDAR.add(after, hours=3.75)
    with app.app_context():
        request = db.session.scalar(select(SupplementRequest))
        assert request.received_at is not None and request.new_appointment_at == new
    work(login_as, code, "tham_dinh")


def test_the_resume_rule_only_moves_the_appointment_by_the_wait(
    app, login_as, in_processing, monkeypatch
):
    monkeypatch.setitem(app.config, "SUPPLEMENT_RULE", "resume")
    code = in_processing
    old = at(login_as("admin").get(f"/dossiers/{code}").get_json()["appointment_at"])
    login_as("clo.cv.tckh1").post(
        f"/dossiers/{code}/supplement-requests", json={"reason": "Thiếu", "items": ["Đơn"]}
    )
    received = login_as("clo.mc1").post(f"/dossiers/{code}/supplement-received", json={})
    new = at(received.get_json()["appointment_at"])
    assert old <= new <= old + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("body", "code_"),
    [
        ({"reason": "  ", "items": ["Đơn"]}, "reason_required"),
        ({"reason": "Thiếu", "items": []}, "items_required"),
        ({"reason": "Thiếu", "items": "Đơn"}, "items_required"),
    ],
)
def test_a_supplement_request_needs_a_reason_and_items(app, login_as, in_processing, body, code_):
    code = in_processing
    response = login_as("clo.cv.tckh1").post(f"/dossiers/{code}/supplement-requests", json=body)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == code_
    assert login_as("admin").get(f"/dossiers/{code}").get_json()["status"] == "processing"
    assert slips(app, code) == []


def test_only_the_dossiers_officers_request_supplements(login_as, in_processing):
    body = {"reason": "Thiếu", "items": ["Đơn"]}
    stranger = login_as("hkh.mc1").post(f"/dossiers/{in_processing}/supplement-requests", json=body)
    assert stranger.status_code == 404
    # An officer of another office of the district sees nothing of it either.
    other = login_as("clo.cv.ktht1")
    assert (
        other.post(f"/dossiers/{in_processing}/supplement-requests", json=body).status_code == 404
    )


def test_a_refusal_ends_the_dossier_with_its_reason_and_slip(app, login_as, make_dossier):
    code = make_dossier("CLO", "1.009994")["code"]
    reason = "Công trình nằm trong hành lang bảo vệ đê điều, không đủ điều kiện cấp phép"
    for _ in range(10):
        tasks = active(login_as("admin"), code)
        if not tasks:
            break
        if tasks[0]["step_id"] == "xem_xet":
            work(login_as, code, "xem_xet", decision="refuse", reason=reason)
        else:
            work(login_as, code)
    dossier = login_as("admin").get(f"/dossiers/{code}").get_json()
    assert dossier["status"] == "refused"
    refused = next(e for e in dossier["events"] if e["kind"] == "refused")
    assert refused["note"] == reason
    assert "03" in [s.file_name[:2] for s in slips(app, code)]
    assert "refusal" in mails(app, code)


def test_an_apology_gives_a_new_appointment_once_and_the_dossier_stays_late(
    app, login_as, in_processing
):
    code = in_processing
    leader = login_as("clo.ld1")
    old = at(leader.get(f"/dossiers/{code}").get_json()["appointment_at"])
    new = (old + timedelta(days=2)).isoformat()
    earlier = leader.post(
        f"/dossiers/{code}/apology",
        json={"reason": "Chờ xác minh", "new_appointment": old.isoformat()},
    )
    assert earlier.status_code == 422
    response = leader.post(
        f"/dossiers/{code}/apology",
        json={"reason": "Phải xác minh thực địa", "new_appointment": new},
    )
    assert response.status_code == 201, response.get_json()
    assert at(response.get_json()["appointment_at"]) == at(new)
    again = leader.post(
        f"/dossiers/{code}/apology",
        json={"reason": "Lần nữa", "new_appointment": (old + timedelta(days=4)).isoformat()},
    )
    assert again.status_code == 409
    assert "04" in [s.file_name[:2] for s in slips(app, code)]
    assert "delay" in mails(app, code)
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier.first_appointment_at == old  # the report still counts it as late
    specialist = login_as("clo.cv.tckh1")
    assert (
        specialist.post(
            f"/dossiers/{code}/apology", json={"reason": "x", "new_appointment": new}
        ).status_code
        == 403
    )


def test_a_withdrawn_dossier_ends_and_its_steps_are_cancelled(login_as, in_processing):
    code = in_processing
    desk = login_as("clo.mc1")
    refused = desk.post(f"/dossiers/{code}/withdraw", json={"reason": ""})
    assert refused.status_code == 422
    response = desk.post(
        f"/dossiers/{code}/withdraw", json={"reason": "Công dân xin rút để bổ sung sau"}
    )
    assert response.status_code == 200, response.get_json()
    dossier = desk.get(f"/dossiers/{code}").get_json()
    assert dossier["status"] == "withdrawn" and dossier["finished_at"]
    assert all(t["status"] in ("done", "cancelled") for t in dossier["tasks"])
    assert next(e for e in dossier["events"] if e["kind"] == "withdrawn")["note"]
    assert desk.post(f"/dossiers/{code}/withdraw", json={"reason": "x"}).status_code == 409


def test_a_paused_dossier_cannot_be_worked_and_resumes_later(login_as, in_processing):
    code = in_processing
    leader = login_as("clo.ld1")
    assert (
        login_as("clo.mc1").post(f"/dossiers/{code}/pause", json={"reason": "x"}).status_code == 403
    )
    old = at(leader.get(f"/dossiers/{code}").get_json()["appointment_at"])
    response = leader.post(f"/dossiers/{code}/pause", json={"reason": "Chờ kết quả giám định"})
    assert response.status_code == 200 and response.get_json()["status"] == "paused"
    task = active(leader, code)[0]
    assert login_as("clo.cv.tckh1").post(f"/tasks/{task['id']}/claim").status_code == 409
    resumed = leader.post(f"/dossiers/{code}/resume", json={})
    assert resumed.status_code == 200 and resumed.get_json()["status"] == "processing"
    assert old <= at(resumed.get_json()["appointment_at"]) <= old + timedelta(minutes=5)
    kinds = [e["kind"] for e in leader.get(f"/dossiers/{code}").get_json()["events"]]
    assert kinds.index("paused") < kinds.index("resumed")
