"""One overdue rule (motcua.services.deadlines): a step due exactly now is not overdue, a
microsecond later it is — in the inbox, the API's task, the reminder mail and the timeline."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from motcua.extensions import db
from motcua.models import Notification, Task, TaskStatus, User
from motcua.services import deadlines, inbox, reminders, timeline
from motcua.vocabulary import Verdict
from tests.services.test_notifications import _open_step, dossier_of, give_emails, outbox

TICK = timedelta(microseconds=1)
DUE = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_the_rule_is_strictly_after_the_due_time():
    assert not deadlines.is_overdue(DUE, DUE)
    assert deadlines.is_overdue(DUE, DUE + TICK)
    # A finished step is judged at its completion, whenever it is looked at.
    assert not deadlines.is_overdue(DUE, DUE + timedelta(days=9), done_at=DUE)
    assert deadlines.is_overdue(DUE, DUE - timedelta(days=9), done_at=DUE + TICK)
    assert str(deadlines.overdue(Task.due_at, DUE)) == "tasks.due_at < :due_at_1"


def test_the_inbox_counts_a_step_overdue_only_after_its_due_time(app, login_as, make_dossier):
    code, task_id = _open_step(app, login_as, make_dossier)
    with app.app_context():
        leader = db.session.scalar(select(User).where(User.username == "clo.ld.tckh"))
        due_at = db.session.get(Task, task_id).due_at

        on_time = inbox.inbox(leader, tab="overdue", now=due_at)
        assert task_id not in [r.task_id for r in on_time.rows]
        late = inbox.inbox(leader, tab="overdue", now=due_at + TICK)
        [row] = [r for r in late.rows if r.task_id == task_id]
        assert row.urgency == "overdue" and late.counts["overdue"] == on_time.counts["overdue"] + 1

        soon = due_at + timedelta(days=1)
        assert inbox.urgency(due_at=due_at, completed_at=None, now=due_at, soon=soon) == "due-soon"
        assert inbox.urgency(due_at=due_at, completed_at=due_at, now=soon, soon=soon) == "ontime"
        late_done = due_at + TICK
        assert inbox.urgency(due_at=due_at, completed_at=late_done, now=soon, soon=soon) == (
            "overdue"
        )


def test_the_api_flags_a_task_overdue_only_after_its_due_time(
    app, login_as, make_dossier, monkeypatch
):
    code, task_id = _open_step(app, login_as, make_dossier)
    with app.app_context():
        due_at = db.session.get(Task, task_id).due_at
    api = login_as("admin")
    monkeypatch.setattr("motcua.api.serialize.utcnow", lambda: due_at)
    assert api.get(f"/tasks/{task_id}").get_json()["overdue"] is False
    monkeypatch.setattr("motcua.api.serialize.utcnow", lambda: due_at + TICK)
    assert api.get(f"/tasks/{task_id}").get_json()["overdue"] is True


def test_the_reminder_says_overdue_only_after_the_due_time(app, login_as, make_dossier):
    with app.app_context():
        give_emails("clo.cv.tckh1")
    code, task_id = _open_step(app, login_as, make_dossier)
    with app.app_context():
        dossier_id = dossier_of(code).id
        due_at = db.session.get(Task, task_id).due_at

        reminders.queue_due_soon(due_at)
        [mail] = outbox(kind="due_soon", dossier_id=dossier_id)
        assert mail.subject.startswith(f"[{code}] Sắp đến hạn: ")

        db.session.execute(delete(Notification).where(Notification.id == mail.id))
        reminders.queue_due_soon(due_at + TICK)
        [mail] = outbox(kind="due_soon", dossier_id=dossier_id)
        assert mail.subject.startswith(f"[{code}] Đã quá hạn: ")


def test_the_timeline_judges_a_step_by_the_same_rule(app):
    with app.app_context():
        cal = deadlines.calendar()

        def verdict(completed_at, now):
            return timeline.timing(
                cal, due_at=DUE, completed_at=completed_at, status=TaskStatus.OPEN, now=now
            ).verdict

        assert verdict(None, DUE) == Verdict.IN_PROGRESS
        assert verdict(None, DUE + TICK) == Verdict.OVERDUE
        assert verdict(DUE, DUE + timedelta(days=1)) == Verdict.ON_TIME
        assert verdict(DUE + TICK, DUE + TICK) == Verdict.LATE
