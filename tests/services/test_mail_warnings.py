"""Mails of the legal paper trail (issue 5): the unit warned one working day before a dossier's
appointment (form 04 must come before it passes), the officer a leader gives a step to, and the
outbox's failed mails as the system administrator sees and sends them again."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from motcua.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.extensions import db
from motcua.models import AuditEntry, Notification, NotificationStatus, Task, User
from motcua.services import apologies, deadlines, processing, reminders
from motcua.services import outbox as outbox_service
from motcua.services.formdata import example_data
from tests.services.test_notifications import (
    HOUSEHOLD,
    dossier_of,
    give_emails,
    local,
    outbox,
)


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


# -- one working day before the appointment ------------------------------------------------


@pytest.fixture
def running(app, make_dossier):
    """A dossier received long before its appointment, whose unit's leaders and desk have
    addresses (clo.ld2 no longer works there; the unit admin is not told)."""
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    with app.app_context():
        give_emails("clo.ld1", "clo.ld2", "clo.mc1", "clo.mc2", "clo.qt", "clo.cv1")
        user("clo.ld2").active = False
        dossier = dossier_of(code)
        dossier.received_at = dossier.appointment_at - timedelta(days=20)
        db.session.commit()
    return code


def warnings(code: str) -> list[Notification]:
    return outbox(kind="appointment_soon", dossier_id=dossier_of(code).id)


def test_the_unit_is_warned_once_a_working_day_before_the_appointment(app, running):
    with app.app_context():
        dossier = dossier_of(running)
        appointment = dossier.appointment_at
        assert reminders.queue_appointment_soon(appointment - timedelta(days=30)) == 0
        assert warnings(running) == []
        assert reminders.queue_appointment_soon(appointment - timedelta(hours=2)) == 3
        db.session.commit()
        mails = warnings(running)
        assert sorted(m.to_address for m in mails) == [
            "clo.ld1@canloc.gov.vn",
            "clo.mc1@canloc.gov.vn",
            "clo.mc2@canloc.gov.vn",
        ]
        stamp = appointment.astimezone(UTC).strftime("%Y%m%dT%H%M")
        assert {m.dedup_key for m in mails} == {
            f"appointment-soon:{dossier.id}:{stamp}:{user(name).id}"
            for name in ("clo.ld1", "clo.mc1", "clo.mc2")
        }
        mail = next(m for m in mails if m.to_address.startswith("clo.ld1"))
        assert mail.user_id == user("clo.ld1").id
        assert mail.subject == (
            f"[{running}] Sắp đến ngày hẹn trả kết quả: {dossier.procedure.name}"
        )
        assert f"Kính gửi {user('clo.ld1').display_name}," in mail.body
        assert f"có ngày hẹn trả kết quả lúc {local(appointment)}" in mail.body
        assert "còn chưa đầy một ngày làm việc" in mail.body
        assert "Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu số 04)" in mail.body
        assert "(Mẫu số 04) trước thời điểm hẹn trả, nêu rõ lý do chậm và ngày hẹn mới" in mail.body
        assert f"»): http://127.0.0.1:5000/dossiers/{running}\n" in mail.body
        # The step under way, so that the leader knows whom to ask.
        step = db.session.scalar(
            select(Task).where(Task.dossier_id == dossier.id, Task.status.in_(["open", "claimed"]))
        )
        assert f"  - {step.step_name} ({step.unit.name}" in mail.body
        # The next rounds queue nothing more.
        assert reminders.queue_appointment_soon(appointment - timedelta(hours=1)) == 0
        assert len(warnings(running)) == 3


def test_a_new_appointment_is_warned_again_and_an_apology_ends_the_warnings(app, running):
    with app.app_context():
        dossier = dossier_of(running)
        first = dossier.appointment_at
        reminders.queue_appointment_soon(first - timedelta(hours=2))
        # The appointment moved (papers added after a supplement request, say).
        dossier.appointment_at = second = first + timedelta(days=14)
        db.session.commit()
        assert reminders.queue_appointment_soon(second - timedelta(hours=2)) == 3
        db.session.commit()
        assert len(warnings(running)) == 6
        # The unit apologises with a third appointment: nothing more to warn about.
        apologies.apologize(
            user("clo.ld1"),
            running,
            "Chờ ý kiến của Sở Xây dựng",
            deadlines.calendar().add(second, days=5),  # a working day, as the rule wants
        )
        third = dossier_of(running).appointment_at
        assert reminders.queue_appointment_soon(third - timedelta(hours=2)) == 0


@pytest.mark.parametrize("status", ["waiting_applicant", "paused", "result_ready", "returned"])
def test_no_warning_when_the_clock_is_stopped_or_the_result_is_ready(app, running, status):
    with app.app_context():
        dossier = dossier_of(running)
        dossier.status = status
        db.session.commit()
        reminders.queue_appointment_soon(dossier.appointment_at - timedelta(hours=2))
        assert warnings(running) == []


def test_no_warning_once_the_appointment_has_passed(app, running):
    with app.app_context():
        appointment = dossier_of(running).appointment_at
        assert reminders.queue_appointment_soon(appointment + timedelta(minutes=1)) == 0


def test_no_warning_for_an_appointment_that_close_at_the_receipt(app, running):
    # The desk set a same-day appointment knowing it: a warning would repeat it at once.
    with app.app_context():
        dossier = dossier_of(running)
        dossier.appointment_at = dossier.received_at + timedelta(hours=3)
        db.session.commit()
        assert reminders.queue_appointment_soon(dossier.received_at + timedelta(hours=1)) == 0


# -- a step given to another officer ---------------------------------------------------------


def _appraisal(app, login_as, make_dossier) -> tuple[str, int]:
    """A dossier at the specialists' appraisal step, claimed by clo.cv.tckh1."""
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    task = next(t for t in desk.get(f"/dossiers/{code}").get_json()["tasks"] if t["assignee"])
    done = desk.post(f"/tasks/{task['id']}/complete", json={"data": example_data(task["form"])})
    assert done.status_code == 200, done.get_json()
    step = next(
        t for t in desk.get(f"/dossiers/{code}").get_json()["tasks"] if t["status"] == "open"
    )
    assert login_as("clo.cv.tckh1").post(f"/tasks/{step['id']}/claim").status_code == 200
    return code, step["id"]


def test_the_officer_given_a_step_is_told_why_and_by_when(app, login_as, make_dossier, officer):
    with app.app_context():
        give_emails("clo.cv.tckh1", "clo.cv.tckh2")
    code, task_id = _appraisal(app, login_as, make_dossier)
    leader = officer("clo.ld.tckh")
    response = leader.post(
        f"/tasks/{task_id}/reassign",
        data={"assignee": "clo.cv.tckh2", "reason": "Chị Bình nghỉ phép đến hết tuần"},
    )
    assert response.status_code == 302
    with app.app_context():
        dossier, task = dossier_of(code), db.session.get(Task, task_id)
        [mail] = outbox(kind="reassigned", dossier_id=dossier.id)
        assert mail.to_address == "clo.cv.tckh2@canloc.gov.vn"
        assert mail.user_id == user("clo.cv.tckh2").id and mail.dedup_key is None
        assert mail.subject == f"[{code}] Được giao lại việc: {task.step_name}"
        body = mail.body
        assert f"Kính gửi {user('clo.cv.tckh2').display_name}," in body
        assert (
            f"{user('clo.ld.tckh').display_name} đã giao cho Ông/Bà bước «{task.step_name}»" in body
        )
        assert f"hồ sơ {code} ({dossier.procedure.name})" in body
        assert f"trước đây do {user('clo.cv.tckh1').display_name} giữ" in body
        assert "Lý do giao lại: Chị Bình nghỉ phép đến hết tuần" in body
        assert f"Hạn xử lý bước: {local(task.due_at)}" in body
        assert f"http://127.0.0.1:5000/tasks/{task_id}" in body
        # Given back to the first officer: a mail of its own.
        processing.reassign(user("clo.ld.tckh"), task_id, "clo.cv.tckh1", "Chị Bình đã đi làm")
        mails = outbox(kind="reassigned", dossier_id=dossier.id)
        assert [m.to_address for m in mails] == [
            "clo.cv.tckh2@canloc.gov.vn",
            "clo.cv.tckh1@canloc.gov.vn",
        ]
        assert "Lý do giao lại: Chị Bình đã đi làm" in mails[1].body


def test_no_reassignment_mail_without_an_address_or_when_refused(app, login_as, make_dossier):
    code, task_id = _appraisal(app, login_as, make_dossier)
    with app.app_context():
        leader = user("clo.ld.tckh")
        processing.reassign(leader, task_id, "clo.cv.tckh2", "Cân đối công việc")
        give_emails("clo.cv.tckh1")
        with pytest.raises(Invalid):  # no reason: refused, nothing queued
            processing.reassign(leader, task_id, "clo.cv.tckh1", "  ")
        db.session.rollback()
        assert outbox(kind="reassigned", dossier_id=dossier_of(code).id) == []


# -- the outbox's problems, for the system administrator -------------------------------------


def _mails(ctx_now: datetime) -> dict[str, Notification]:
    rows = {
        "failed": Notification(
            kind="receipt",
            to_address="sai@example.vn",
            subject="Thư hỏng",
            body="x",
            status=NotificationStatus.FAILED,
            attempts=8,
            last_error="SMTPRecipientsRefused: 550 No such user",
            next_attempt_at=ctx_now,
        ),
        "retrying": Notification(
            kind="task",
            to_address="cho@canloc.gov.vn",
            subject="Thư chờ",
            body="x",
            attempts=2,
            last_error="ConnectionRefusedError: [Errno 111] Connection refused",
            next_attempt_at=ctx_now + timedelta(minutes=2),
        ),
        "new": Notification(kind="task", to_address="moi@canloc.gov.vn", subject="Mới", body="x"),
        "sent": Notification(
            kind="task",
            to_address="xong@canloc.gov.vn",
            subject="Xong",
            body="x",
            status=NotificationStatus.SENT,
            attempts=1,
        ),
    }
    db.session.add_all(rows.values())
    db.session.commit()
    return rows


def test_the_admin_sees_the_failed_and_failing_mails_only(ctx):
    rows = _mails(datetime.now(UTC))
    seen = outbox_service.problems(user("admin"))
    assert [m.id for m in seen.failed] == [rows["failed"].id] and seen.failed_total == 1
    assert [m.id for m in seen.retrying] == [rows["retrying"].id] and seen.retrying_total == 1
    with pytest.raises(Forbidden):
        outbox_service.problems(user("clo.qt"))


def test_sending_again_gives_the_mail_back_to_the_worker_and_is_audited(ctx):
    rows = _mails(datetime.now(UTC))
    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    admin = user("admin")
    mail = outbox_service.retry(admin, rows["failed"].id, now=now)
    [again] = outbox(id=rows["failed"].id)
    assert again.status == NotificationStatus.PENDING and again.attempts == 0
    assert again.next_attempt_at == now
    assert again.last_error.startswith("SMTPRecipientsRefused")  # until it goes through
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "mail.retry").order_by(AuditEntry.id.desc())
    )
    assert entry.actor_id == admin.id and entry.target_type == "notification"
    assert entry.target_key == str(mail.id)
    assert entry.summary == f"Gửi lại thư #{mail.id} (receipt) đến sai@example.vn: Thư hỏng"
    assert entry.data == {
        "status": "failed",
        "attempts": 8,
        "error": "SMTPRecipientsRefused: 550 No such user",
    }
    # A failing mail goes at the next round instead of after its backoff.
    outbox_service.retry(admin, rows["retrying"].id, now=now)
    assert outbox(id=rows["retrying"].id)[0].next_attempt_at == now


def test_sending_again_is_for_the_admin_and_unsent_mails_only(ctx):
    rows = _mails(datetime.now(UTC))
    with pytest.raises(Forbidden):
        outbox_service.retry(user("clo.ld1"), rows["failed"].id)
    with pytest.raises(Conflict):
        outbox_service.retry(user("admin"), rows["sent"].id)
    with pytest.raises(NotFound):
        outbox_service.retry(user("admin"), 10**9)
    db.session.rollback()
    assert outbox(id=rows["failed"].id)[0].status == NotificationStatus.FAILED
