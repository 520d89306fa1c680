"""The one service that drives the engine for a dossier: load, run, save, mirror into tasks.

An action on a dossier's workflow is a ``Progress``: the run in memory, started (receipt) or
restored once from the locked dossier; ``advance`` mirrors its ready steps into the task rows
the inbox reads as the run moves (a receipt that also completes the desk's check advances
twice); ``save`` writes the state back once and queues the "new step" mails once, for the steps
the action opened that are still waiting for someone. The request's boundary commits
(motcua.unit_of_work).
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from motcua import engine
from motcua.errors import Invalid, NotFound
from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    Apology,
    Dossier,
    DossierStatus,
    Event,
    ProcessVersion,
    Role,
    Task,
    TaskCandidate,
    TaskStatus,
    User,
)
from motcua.services import deadlines, notifications, org, portal_outbox
from motcua.vocabulary import EventKind
from motcua.workcalendar import WorkCalendar

FINAL_STATUS_OF_END = {
    "returned": DossierStatus.RETURNED,
    "refused": DossierStatus.REFUSED,
}


def lock_dossier(dossier_id) -> Dossier:
    """Load the dossier holding its row lock until commit (FOR UPDATE; on SQLite every
    transaction already holds the database's write lock from BEGIN IMMEDIATE).

    ``dossier_id`` may be a scalar subquery (the dossier of a task, say): one round trip.
    """
    dossier = db.session.scalar(
        select(Dossier)
        .options(joinedload(Dossier.unit))
        .where(Dossier.id == dossier_id)
        .with_for_update(of=Dossier)
        .execution_options(populate_existing=True)
    )
    if dossier is None:
        raise NotFound(_l("Không có hồ sơ này."), code="dossier_not_found")
    return dossier


# Published process versions never change, so their specs are read from the database once.
_SPECS: dict[tuple[str, int], str] = {}
_SPECS_MAX = 512


def spec_of(process_version_id: int) -> str:
    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], process_version_id)
    spec = _SPECS.get(key)
    if spec is None:
        spec = db.session.scalar(
            select(ProcessVersion.spec).where(ProcessVersion.id == process_version_id)
        )
        if len(_SPECS) >= _SPECS_MAX:
            _SPECS.clear()
        _SPECS[key] = spec
    return spec


def forget_spec(process_version_id: int) -> None:
    """A new version has this id: a version rolled back before it may have had it (SQLite gives
    a rolled-back row's id again), and its spec must not be taken for the new one's."""
    _SPECS.pop((current_app.config["SQLALCHEMY_DATABASE_URI"], process_version_id), None)


@dataclass
class Progress:
    """One action on a dossier's workflow, in memory until ``save``."""

    dossier: Dossier
    run: engine.WorkflowRun
    now: datetime
    calendar: WorkCalendar
    active: dict[str, Task]  # the dossier's open task rows, by engine task id
    opened: list[Task] = field(default_factory=list)  # the steps this action opened
    # The action returns the dossier to a step done before (a send-back): the steps it opens go
    # back to the officers who did them, told by whom and why.
    returning: bool = False
    returned_by: User | None = None
    return_reason: str | None = None


def start(dossier: Dossier, now: datetime) -> Progress:
    """A new dossier's workflow, run up to its first human step(s) (no task rows yet)."""
    run = run_engine(engine.WorkflowRun.start, dossier.process_version.spec)
    return Progress(dossier, run, now, deadlines.calendar(), {})


def resume(dossier: Dossier, now: datetime) -> Progress:
    """The locked dossier's workflow as it was saved, with its open task rows."""
    run = run_engine(
        engine.WorkflowRun.restore, spec_of(dossier.process_version_id), dossier.workflow_state
    )
    active = {
        t.engine_task_id: t
        for t in db.session.scalars(
            select(Task).where(Task.dossier_id == dossier.id, Task.status.in_(ACTIVE_TASK_STATUSES))
        )
    }
    return Progress(dossier, run, now, deadlines.calendar(), active)


def advance(progress: Progress, *, progressed: bool) -> tuple[list[Task], list[Task]]:
    """Mirror the run's ready steps into task rows: a step no longer ready is cancelled (unless
    the action finished it), a newly ready one gets its row. Sets the dossier's status.

    ``progressed``: a step of the dossier was just done (so it is no longer only received).
    Returns (new tasks, cancelled tasks). Raises Invalid (a handler that resolves to nobody).
    """
    ready = {r.engine_task_id: r.step for r in progress.run.ready_steps()}
    cancelled = []
    for engine_task_id, task in list(progress.active.items()):
        if engine_task_id in ready:
            continue
        del progress.active[engine_task_id]
        if task.status in ACTIVE_TASK_STATUSES:
            task.status = TaskStatus.CANCELLED
            cancelled.append(task)
    created = []
    for engine_task_id, step in ready.items():
        if engine_task_id not in progress.active:
            task = _open_task(progress, engine_task_id, step)
            progress.active[engine_task_id] = task
            created.append(task)
    progress.opened += created
    if progress.returning and created:
        _back_to_previous_officers(progress, created)
    _hand_over_if_due(progress, created)
    _update_status(progress, progressed)
    return created, cancelled


def save(progress: Progress) -> None:
    """Write the workflow state back, once, and queue the "new step" mail of each step the
    action opened that still waits for someone to take it."""
    progress.dossier.workflow_state = progress.run.dump()
    waiting = [t for t in progress.opened if t.status == TaskStatus.OPEN]
    if waiting:
        notifications.new_steps(waiting)


def task_due_at(calendar: WorkCalendar, start: datetime, time_limit: str) -> datetime:
    """When a step that became ready at `start` is due: its time limit in working time."""
    limit = engine.parse_time_limit(time_limit)
    return calendar.add(start, hours=limit.hours(calendar.hours_per_day))


def _clock_start(progress: Progress, unit_id: int, role: Role | None) -> datetime:
    """When a step opened now starts counting: now, or for a step past the receiving desk
    opened before the desk hands the dossier over (received after the cut-off hour), that
    hand-over, the next working morning (art. 18.2; motcua.services.deadlines)."""
    dossier, now = progress.dossier, progress.now
    if unit_id == dossier.receiving_unit_id and role == Role.RECEPTIONIST:
        return now
    return max(now, deadlines.desk_hand_over(progress.calendar, dossier.received_at))


def _open_task(progress: Progress, engine_task_id: str, step: engine.Step) -> Task:
    dossier = progress.dossier
    handler = engine.parse_handler(step.handler)
    try:
        unit, role, candidates = org.resolve_handler(handler, dossier.unit, dossier.receiving_unit)
    except Invalid as exc:
        # A step sent back to named officers goes to those still active (the one who did it may
        # have left): the dossier is not stuck on a send-back for want of one of them.
        active = _active_named(handler) if progress.returning else None
        if not active:
            raise exc
        unit, role, candidates = org.resolve_handler(active, dossier.unit, dossier.receiving_unit)
    start = _clock_start(progress, unit.id, role)
    task = Task(
        dossier=dossier,
        engine_task_id=engine_task_id,
        step_id=step.id,
        step_name=step.name,
        lane=step.lane,
        handler=step.handler,
        unit=unit,
        unit_id=unit.id,  # who may work it is asked before the row is flushed
        role=role,
        time_limit=step.time_limit,
        form=step.form,
        returns_result=step.returns_result,
        waits_for_applicant=step.waits_for_applicant,
        status=TaskStatus.OPEN,
        created_at=start,
        due_at=task_due_at(progress.calendar, start, step.time_limit),
        candidates=[TaskCandidate(user=u) for u in candidates],
    )
    db.session.add(task)
    return task


def _back_to_previous_officers(progress: Progress, created: list[Task]) -> None:
    """A step sent back reopens claimed by the officer who last did it, so the work returns to
    whoever knows it; if that officer is no longer active or may no longer work the step, it
    stays open to the others of the unit (who may claim it; a leader may reassign it)."""
    done = db.session.execute(
        select(Task.step_id, Task.completed_by_id)
        .where(
            Task.dossier_id == progress.dossier.id,
            Task.status == TaskStatus.DONE,
            Task.step_id.in_(sorted({t.step_id for t in created})),
        )
        .order_by(Task.completed_at, Task.id)
    )
    last = {step_id: user_id for step_id, user_id in done if user_id is not None}
    for task in created:
        officer = db.session.get(User, last[task.step_id]) if task.step_id in last else None
        if officer is None or not officer.active or not _may_take(officer, task):
            continue
        task.status, task.assignee, task.claimed_at = TaskStatus.CLAIMED, officer, progress.now
        notifications.step_returned(task, progress.returned_by, progress.return_reason)


def _active_named(handler: engine.Handler) -> engine.Handler | None:
    """The named officers of a ``user:`` handler who are still active, or None."""
    if handler.kind != "users":
        return None
    active = set(
        db.session.scalars(
            select(User.username).where(User.username.in_(handler.usernames), User.active.is_(True))
        )
    )
    names = tuple(name for name in handler.usernames if name in active)
    return engine.Handler(kind="users", usernames=names) if names else None


def _may_take(officer: User, task: Task) -> bool:
    # The task row is not flushed yet: its candidates are read from the object, not the table.
    if task.role is not None:
        return org.has_role(officer, task.role, task.unit_id)
    return any(c.user is officer for c in task.candidates)


def _hand_over_if_due(progress: Progress, created: list[Task]) -> None:
    """Hand a dossier received at another unit's centre over to its competent unit, when the
    action opens the first step outside the receiving desk: its own event, and the appointment
    restarted from that moment.

    Decree 118/2025/NĐ-CP art. 14 (receipt regardless of administrative boundary, [S] in
    LAW.md); art. 17.3 as amended by Decree 309/2026/NĐ-CP ([V]): the time limit runs from when
    the competent unit receives the dossier, which is when the desk hands it over: the next
    working morning for a dossier received after the cut-off hour (art. 18.2, [V]).
    """
    dossier = progress.dossier
    if dossier.handed_over_at is not None or dossier.receiving_unit_id == dossier.unit_id:
        return
    outside = [task for task in created if task.unit_id != dossier.receiving_unit_id]
    if not outside:
        return
    handed = min(task.created_at for task in outside)
    old = dossier.appointment_at
    appointment = progress.calendar.add(handed, days=dossier.procedure.legal_limit_days)
    dossier.handed_over_at = handed
    dossier.appointment_at = appointment
    # An apology's new date leaves the promised one behind (the dossier still counts as late).
    if not db.session.scalar(select(Apology.id).where(Apology.dossier_id == dossier.id)):
        dossier.first_appointment_at = appointment
    record(
        dossier,
        EventKind.HANDED_OVER,
        actor=None,
        at=progress.now,
        data={
            "handed_over_at": handed.isoformat(),
            "from": dossier.receiving_unit.code,
            "to": dossier.unit.code,
            "old_appointment": old.isoformat(),
            "new_appointment": appointment.isoformat(),
        },
    )


def _update_status(progress: Progress, progressed: bool) -> None:
    dossier, run = progress.dossier, progress.run
    if run.is_completed:
        dossier.status = FINAL_STATUS_OF_END.get(run.end_status or "", DossierStatus.RETURNED)
        dossier.finished_at = dossier.finished_at or progress.now
        if dossier.status == DossierStatus.RETURNED:
            dossier.returned_at = progress.now
    elif any(t.returns_result for t in progress.active.values()):
        # Processing is finished once the result is ready ("xử lý xong", Biểu 06/VPCP/KSTT and
        # the 766 index [S]); handing it over later does not move that.
        dossier.status = DossierStatus.RESULT_READY
        dossier.finished_at = dossier.finished_at or progress.now
    elif progressed or dossier.status != DossierStatus.RECEIVED:
        dossier.status = DossierStatus.PROCESSING
        # The result step sent back: processing goes on, it had not finished.
        dossier.finished_at = None


def record(
    dossier: Dossier, kind: EventKind, *, actor: User | None, at: datetime, **fields
) -> Event:
    event = Event(dossier_id=dossier.id, kind=kind, actor_id=actor.id if actor else None, at=at)
    for name, value in fields.items():
        setattr(event, name, value)
    db.session.add(event)
    # Every act on a dossier records its event here: the one hook the portal's outbox needs.
    portal_outbox.on_event(dossier, event)
    return event


def step_names(tasks: list[Task]) -> str | None:
    return "; ".join(t.step_name for t in tasks) or None


def run_engine(action, *args):
    """Call the engine, reporting a diagram that cannot go on (a bad condition, say) as Invalid."""
    try:
        return action(*args)
    except engine.WorkflowError as exc:
        raise Invalid(str(exc), code="workflow_error") from exc
