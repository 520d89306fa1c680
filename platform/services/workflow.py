"""The one service that drives the engine for a dossier: load, run, save, mirror into tasks.

Every action is one short transaction: lock the dossier row, restore its workflow, run,
save the state, update the task rows the inbox reads, append events, commit.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from motcua import engine
from motcua.errors import Conflict, Invalid, NotFound
from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    Dossier,
    DossierStatus,
    Event,
    Task,
    TaskCandidate,
    TaskStatus,
    User,
)
from motcua.services import org
from motcua.services.deadlines import calendar_for

FINAL_STATUS_OF_END = {
    "returned": DossierStatus.RETURNED,
    "refused": DossierStatus.REFUSED,
}


def lock_dossier(dossier_id: int) -> Dossier:
    """Load the dossier holding its row lock until commit (FOR UPDATE; on SQLite every
    transaction already holds the database's write lock from BEGIN IMMEDIATE)."""
    dossier = db.session.scalar(
        select(Dossier)
        .where(Dossier.id == dossier_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if dossier is None:
        raise NotFound("Không có hồ sơ này.", code="dossier_not_found")
    return dossier


def restore(dossier: Dossier) -> engine.WorkflowRun:
    return engine.WorkflowRun.restore(dossier.process_version.spec, dossier.workflow_state)


def save(dossier: Dossier, run: engine.WorkflowRun, *, actor: User | None, now: datetime):
    """Write the workflow back and mirror its ready steps into task rows.

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
    _update_status(dossier, run, now)
    return created, cancelled


def _open_task(dossier: Dossier, engine_task_id: str, step: engine.Step, now: datetime) -> Task:
    handler = engine.parse_handler(step.handler)
    unit, role, candidates = org.resolve_handler(handler, dossier.unit)
    limit = engine.parse_time_limit(step.time_limit)
    calendar = calendar_for(db.session, current_app.config)
    task = Task(
        dossier=dossier,
        engine_task_id=engine_task_id,
        step_id=step.id,
        step_name=step.name,
        lane=step.lane,
        handler=step.handler,
        unit_id=unit.id,
        role=role,
        time_limit=step.time_limit,
        form=step.form,
        returns_result=step.returns_result,
        status=TaskStatus.OPEN,
        created_at=now,
        due_at=calendar.add(now, hours=limit.hours(calendar.hours_per_day)),
        candidates=[TaskCandidate(user_id=u.id) for u in candidates],
    )
    db.session.add(task)
    return task


def _update_status(dossier: Dossier, run: engine.WorkflowRun, now: datetime) -> None:
    if run.is_completed:
        dossier.status = FINAL_STATUS_OF_END.get(run.end_status or "", DossierStatus.RETURNED)
        dossier.finished_at = now
    elif any(step.returns_result for step in (r.step for r in run.ready_steps())):
        dossier.status = DossierStatus.RESULT_READY
    elif dossier.status != DossierStatus.RECEIVED or _any_step_done(dossier):
        dossier.status = DossierStatus.PROCESSING


def _any_step_done(dossier: Dossier) -> bool:
    return (
        db.session.scalar(
            select(Task.id)
            .where(Task.dossier_id == dossier.id, Task.status == TaskStatus.DONE)
            .limit(1)
        )
        is not None
    )


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
