"""The one service that drives the engine for a dossier: load, run, save, mirror into tasks.

Every action is one short transaction: lock the dossier row, restore its workflow, run,
save the state, update the task rows the inbox reads, append events, commit.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from motcua import engine
from motcua.errors import Conflict, Invalid, NotFound
from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    Dossier,
    DossierStatus,
    Event,
    ProcessVersion,
    Task,
    TaskCandidate,
    TaskStatus,
    User,
)
from motcua.services import notifications, org
from motcua.services.deadlines import calendar_for
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
        raise NotFound("Không có hồ sơ này.", code="dossier_not_found")
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


def restore(dossier: Dossier) -> engine.WorkflowRun:
    return run_engine(
        engine.WorkflowRun.restore, spec_of(dossier.process_version_id), dossier.workflow_state
    )


def save(dossier: Dossier, run: engine.WorkflowRun, *, now: datetime, progressed: bool):
    """Write the workflow back and mirror its ready steps into task rows.

    ``progressed``: a step of the dossier was just done (so it is no longer only received).
    Returns (new tasks, cancelled tasks).
    """
    dossier.workflow_state = run.dump()
    active = {
        t.engine_task_id: t
        for t in db.session.scalars(
            select(Task).where(Task.dossier_id == dossier.id, Task.status.in_(ACTIVE_TASK_STATUSES))
        )
    }
    ready = {r.engine_task_id: r.step for r in run.ready_steps()}
    cancelled = []
    for engine_task_id, task in active.items():
        if engine_task_id not in ready:
            task.status = TaskStatus.CANCELLED
            cancelled.append(task)
    created = [
        _open_task(dossier, engine_task_id, step, now)
        for engine_task_id, step in ready.items()
        if engine_task_id not in active
    ]
    _update_status(dossier, run, now, progressed)
    return created, cancelled


def task_due_at(calendar: WorkCalendar, start: datetime, time_limit: str) -> datetime:
    """When a step that became ready at `start` is due: its time limit in working time."""
    limit = engine.parse_time_limit(time_limit)
    return calendar.add(start, hours=limit.hours(calendar.hours_per_day))


def _open_task(dossier: Dossier, engine_task_id: str, step: engine.Step, now: datetime) -> Task:
    handler = engine.parse_handler(step.handler)
    unit, role, candidates = org.resolve_handler(handler, dossier.unit)
    calendar = calendar_for(db.session, current_app.config)
    task = Task(
        dossier=dossier,
        engine_task_id=engine_task_id,
        step_id=step.id,
        step_name=step.name,
        lane=step.lane,
        handler=step.handler,
        unit=unit,
        role=role,
        time_limit=step.time_limit,
        form=step.form,
        returns_result=step.returns_result,
        waits_for_applicant=step.waits_for_applicant,
        status=TaskStatus.OPEN,
        created_at=now,
        due_at=task_due_at(calendar, now, step.time_limit),
        candidates=[TaskCandidate(user_id=u.id) for u in candidates],
    )
    db.session.add(task)
    notifications.to_officers(task)
    return task


def _update_status(dossier: Dossier, run: engine.WorkflowRun, now: datetime, progressed: bool):
    if run.is_completed:
        dossier.status = FINAL_STATUS_OF_END.get(run.end_status or "", DossierStatus.RETURNED)
        dossier.finished_at = now
    elif any(r.step.returns_result for r in run.ready_steps()):
        dossier.status = DossierStatus.RESULT_READY
    elif progressed or dossier.status != DossierStatus.RECEIVED:
        dossier.status = DossierStatus.PROCESSING


def record(dossier: Dossier, kind: str, *, actor: User | None, at: datetime, **fields) -> Event:
    event = Event(dossier_id=dossier.id, kind=kind, actor_id=actor.id if actor else None, at=at)
    for name, value in fields.items():
        setattr(event, name, value)
    db.session.add(event)
    return event


def step_names(tasks: list[Task]) -> str | None:
    return "; ".join(t.step_name for t in tasks) or None


def commit() -> None:
    """Commit, turning a lost race on the dossier row into a clear conflict."""
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict(
            "Hồ sơ vừa được người khác cập nhật; vui lòng tải lại.", code="conflict"
        ) from exc


def run_engine(action, *args):
    """Call the engine, reporting a diagram that cannot go on (a bad condition, say) as Invalid."""
    try:
        return action(*args)
    except engine.WorkflowError as exc:
        raise Invalid(str(exc), code="workflow_error") from exc
