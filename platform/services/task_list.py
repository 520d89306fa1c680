"""The API's task list (GET /api/v1/tasks): a page of the actor's tasks by scope and status,
read from the task table (and the dossier row for display), never workflows; and which open
tasks an officer may take (`takeable`, the inbox's ``unit`` tab too, see motcua.services.inbox).
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, false, func, or_, select
from sqlalchemy.orm import contains_eager

from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import ACTIVE_TASK_STATUSES, Dossier, Task, TaskCandidate, TaskStatus, User

SCOPES = ("mine", "unit")
STATUSES = ("open", "done")
LAST_PAGE = 1_000_000


@dataclass
class Page:
    items: list[Task]
    total: int
    page: int
    per_page: int


def list_tasks(
    actor: User, *, scope: str = "mine", status: str = "open", page: int = 1, per_page: int = 50
) -> Page:
    """A page of the actor's inbox.

    scope ``mine``: open tasks assigned to the actor, or (status ``done``) those they completed;
    scope ``unit``: unclaimed tasks the actor may take (role in the task's unit, or named).
    """
    if scope not in SCOPES:
        raise Invalid(_l("scope phải là mine hoặc unit."), code="invalid_scope")
    if status not in STATUSES:
        raise Invalid(_l("status phải là open hoặc done."), code="invalid_status")
    # A page past the last is empty; one past any offset the database can take is the last.
    page, per_page = min(max(page, 1), LAST_PAGE), min(max(per_page, 1), 200)

    if status == "done":
        where = Task.completed_by_id == actor.id
        if scope == "unit":
            where = and_(Task.status == TaskStatus.DONE, _may_take(actor))
        order = Task.completed_at.desc()
    elif scope == "mine":
        where = and_(Task.assignee_id == actor.id, Task.status.in_(ACTIVE_TASK_STATUSES))
        order = Task.due_at
    else:
        where = takeable(actor)
        order = Task.due_at

    total = db.session.scalar(select(func.count()).select_from(Task).where(where))
    items = list(
        db.session.scalars(
            select(Task)
            .join(Task.dossier)
            .options(contains_eager(Task.dossier).defer(Dossier.workflow_state))
            .where(where)
            .order_by(order, Task.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return Page(items, total, page, per_page)


def _may_take(actor: User):
    role_match = [and_(Task.unit_id == r.unit_id, Task.role == r.role) for r in actor.roles]
    named = exists().where(
        TaskCandidate.task_id == Task.id, TaskCandidate.user_id == actor.id, Task.role.is_(None)
    )
    return or_(*role_match, named)


def takeable(actor: User):
    """Open tasks the actor may take: a role they hold in the task's unit, or named on it.

    The same set as ``status = open AND _may_take(actor)``, written so that every arm of the
    OR can use an index.
    """
    named_ids = list(
        db.session.scalars(
            select(TaskCandidate.task_id)
            .join(Task, Task.id == TaskCandidate.task_id)
            .where(
                TaskCandidate.user_id == actor.id,
                Task.role.is_(None),
                Task.status == TaskStatus.OPEN,
            )
        )
    )
    arms = [
        and_(Task.unit_id == unit_id, Task.role == role)
        for unit_id, role in sorted({(r.unit_id, r.role) for r in actor.roles})
    ]
    if named_ids:
        arms.append(Task.id.in_(named_ids))
    return and_(Task.status == TaskStatus.OPEN, or_(*arms) if arms else false())
