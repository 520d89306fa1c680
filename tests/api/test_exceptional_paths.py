"""The exceptional paths end to end through the API: supplement request (a step's outcome, as the
diagram says) and the papers' receipt, refusal, apology with a new appointment, withdrawal,
pause and resumption. Each leaves a reasoned event,
its slip (stored with its hash) and, where the applicant gave an address, an email in the
outbox."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Attachment, AttachmentKind, Dossier, Notification, SupplementRequest
from motcua.services import slips as slip_service
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


REASON = "Thiếu bản sao giấy tờ pháp lý của chủ hộ"


def ask_for_papers(login_as, code: str, **overrides) -> object:
    """The specialist's appraisal decides the dossier needs papers from the applicant."""
    task = active(login_as("admin"), code)[0]
    assert task["step_id"] == "tham_dinh"
    specialist = login_as("clo.cv.tckh1")
    assert specialist.post(f"/tasks/{task['id']}/claim").status_code == 200
    data = {
        "opinion": "Hồ sơ chưa đủ để thẩm định",
        "proposal": "supplement",
        "reason": REASON,
        "items": "Bản sao CCCD của chủ hộ\n\n  Giấy xác nhận nơi cư trú  ",
        **overrides,
    }
    return specialist.post(f"/tasks/{task['id']}/complete", json={"data": data})


def test_a_supplement_request_stops_the_clock_and_the_papers_restart_it(
    app, login_as, in_processing, monkeypatch
):
    monkeypatch.setitem(app.config, "SUPPLEMENT_RULE", "restart")
    code = in_processing
    response = ask_for_papers(login_as, code)
    assert response.status_code == 200, response.get_json()
    specialist = login_as("clo.cv.tckh1")
    dossier = specialist.get(f"/dossiers/{code}").get_json()
    assert dossier["status"] == "waiting_applicant"
    requested = next(e for e in dossier["events"] if e["kind"] == "supplement_requested")
    assert requested["note"] == REASON
    assert requested["from_step"] == "Thẩm định hồ sơ, dự thảo Giấy chứng nhận"
    assert requested["data"]["items"] == ["Bản sao CCCD của chủ hộ", "Giấy xác nhận nơi cư trú"]
    assert [s.file_name[:2] for s in slips(app, code)] == ["02"]
    assert "supplement" in mails(app, code)

    # The diagram now waits at the desk's step for the papers; nothing else can be worked.
    [waiting] = active(specialist, code)
    assert waiting["step_id"] == "cho_bo_sung"
    claim = specialist.post(f"/tasks/{waiting['id']}/claim")
    assert claim.status_code == 403

    desk = login_as("clo.mc1")
    before = datetime.now().astimezone()
    assert desk.post(f"/tasks/{waiting['id']}/claim").status_code == 200
    done = desk.post(f"/tasks/{waiting['id']}/complete", json={"data": {"received": True}})
    after = datetime.now().astimezone()
    assert done.status_code == 200, done.get_json()
    dossier = specialist.get(f"/dossiers/{code}").get_json()
    new = at(dossier["appointment_at"])
    # Restart (a setting): the whole 3-day limit again from the papers' receipt.
    assert CALENDAR.add(before, days=3) <= new <= CALENDAR.add(after, days=3)
    assert dossier["status"] == "processing"
    [step] = active(specialist, code)
    assert step["step_id"] == "tham_dinh"
    assert CALENDAR.add(before, hours=3.75) <= at(step["due_at"]) <= CALENDAR.add(after, hours=3.75)
    received = next(e for e in dossier["events"] if e["kind"] == "supplement_received")
    assert at(received["data"]["new_appointment"]) == new
    with app.app_context():
        request = db.session.scalar(
            select(SupplementRequest).join(Dossier).where(Dossier.code == code)
        )
        assert request.received_at is not None and request.new_appointment_at == new
        assert request.items == ["Bản sao CCCD của chủ hộ", "Giấy xác nhận nơi cư trú"]
        # The promised date moved by the rule: a result on the new date is not late.
        assert request.dossier.first_appointment_at == new
    work(login_as, code, "tham_dinh")


def test_the_resume_rule_only_moves_the_appointment_by_the_wait(app, login_as, in_processing):
    code = in_processing  # resume is the default rule
    old = at(login_as("admin").get(f"/dossiers/{code}").get_json()["appointment_at"])
    assert ask_for_papers(login_as, code).status_code == 200
    work(login_as, code, "cho_bo_sung")
    new = at(login_as("admin").get(f"/dossiers/{code}").get_json()["appointment_at"])
    assert old <= new <= old + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"reason": "  "}, "reason"), ({"items": ""}, "items"), ({"items": " \n "}, "items")],
)
def test_a_supplement_request_needs_a_reason_and_items(
    app, login_as, in_processing, overrides, field
):
    code = in_processing
    response = ask_for_papers(login_as, code, **overrides)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]
    dossier = login_as("admin").get(f"/dossiers/{code}").get_json()
    assert dossier["status"] == "processing"
    assert [t["step_id"] for t in active(login_as("admin"), code)] == ["tham_dinh"]
    assert not any(e["kind"] == "supplement_requested" for e in dossier["events"])
    assert slips(app, code) == []


def test_an_incomplete_dossier_at_the_desk_gets_form_02_instead_of_a_receipt(
    app, login_as, make_dossier
):
    code = make_dossier("CLO", "1.001612")["code"]
    [check] = active(login_as("admin"), code)
    desk = login_as("clo.mc1")
    assert desk.post(f"/tasks/{check['id']}/claim").status_code == 200
    data = {"complete": False, "reason": "Thiếu giấy tờ", "items": "Bản sao hợp đồng thuê nhà"}
    done = desk.post(f"/tasks/{check['id']}/complete", json={"data": data})
    assert done.status_code == 200, done.get_json()
    dossier = desk.get(f"/dossiers/{code}").get_json()
    assert dossier["status"] == "waiting_applicant"
    assert [t["step_id"] for t in active(desk, code)] == ["cho_bo_sung_tiep_nhan"]
    requested = next(e for e in dossier["events"] if e["kind"] == "supplement_requested")
    assert requested["data"]["at_receipt"] is True
    assert [s.file_name[:2] for s in slips(app, code)] == ["02"]
    assert "receipt" not in mails(app, code) and "supplement" in mails(app, code)
    # The papers come: the applicant is told the appointment; the desk checks the dossier
    # again, then it goes on as usual.
    before = datetime.now().astimezone()
    work(login_as, code, "cho_bo_sung_tiep_nhan")
    assert "receipt" in mails(app, code)
    received = login_as("admin").get(f"/dossiers/{code}").get_json()
    assert at(received["received_at"]) >= before
    assert at(received["appointment_at"]) >= CALENDAR.add(before, days=3)
    assert [t["step_id"] for t in active(desk, code)] == ["tiep_nhan"]
    work(login_as, code, "tiep_nhan")
    assert [t["step_id"] for t in active(desk, code)] == ["tham_dinh"]


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


def test_an_act_whose_slip_cannot_be_made_is_not_taken(app, login_as, in_processing, monkeypatch):
    """The slip is part of the act: if the PDF fails, nothing of the act is kept."""

    def broken(*args, **kwargs):
        raise OSError("font missing")

    monkeypatch.setattr(slip_service, "render", broken)
    code = in_processing
    with pytest.raises(OSError):
        ask_for_papers(login_as, code)
    dossier = login_as("admin").get(f"/dossiers/{code}").get_json()
    assert dossier["status"] == "processing"
    assert [t["step_id"] for t in active(login_as("admin"), code)] == ["tham_dinh"]
    assert not any(e["kind"].startswith("supplement") for e in dossier["events"])
    with app.app_context():
        asked = select(SupplementRequest).join(Dossier).where(Dossier.code == code)
        assert db.session.scalar(asked) is None
    assert "supplement" not in mails(app, code)


def test_nothing_is_sent_back_into_or_out_of_a_waiting_step(login_as, make_dossier):
    code = make_dossier("CLO", "1.001612")["code"]
    work(login_as, code, "tiep_nhan", complete=False, reason="Thiếu", items="Tờ khai")
    [waiting] = active(login_as("admin"), code)
    desk = login_as("clo.mc1")
    assert desk.post(f"/tasks/{waiting['id']}/claim").status_code == 200
    out = desk.post(f"/tasks/{waiting['id']}/send-back", json={"reason": "Nhầm"})
    assert out.status_code == 409 and out.get_json()["error"]["code"] == "waiting_applicant"
    work(login_as, code, "cho_bo_sung_tiep_nhan")
    [check] = active(login_as("admin"), code)
    assert check["step_id"] == "tiep_nhan"
    assert desk.post(f"/tasks/{check['id']}/claim").status_code == 200
    into = desk.post(f"/tasks/{check['id']}/send-back", json={"reason": "Kiểm tra lại"})
    assert into.status_code == 422 and into.get_json()["error"]["code"] == "no_previous_step"
    dossier = login_as("admin").get(f"/dossiers/{code}").get_json()
    assert dossier["status"] == "processing"
    assert [t["step_id"] for t in active(login_as("admin"), code)] == ["tiep_nhan"]
