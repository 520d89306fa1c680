"""The inbox page: one tab of an officer's tasks, filtered, sorted and paged. It reads only the
task table (and the dossier row for display), never workflows.

Which index answers which tab (PostgreSQL):

- ``mine``: ``assignee_id = me AND status IN (open, claimed)`` → ix_tasks_assignee_status_due;
- ``unit``: ``status = open AND ((unit_id, role) = one of my roles OR id IN my named open
  tasks)`` → a BitmapOr of ix_tasks_unit_role_status_due (one arm per role) and the primary
  key; the named tasks are read first through ix_task_candidates_user_id, so that no arm of
  the OR is a subquery (which would force a scan of the whole table);
- ``done``: ``assignee_id = me AND status = done`` → ix_tasks_assignee_status_due (a step is
  always completed by its assignee: whoever completes an unclaimed step becomes it);
- ``overdue``: ``status IN (open, claimed) AND due_at < now AND unit_id IN (…)`` →
  ix_tasks_status_due (overdue steps are few) or ix_tasks_unit_role_status_due.

The dossier row is joined by its primary key for display and for the search; its workflow
state is never read. The API's task list is motcua.services.task_list.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from motcua.errors import Forbidden, Invalid
from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    Dossier,
    Procedure,
    Role,
    Task,
    TaskStatus,
    User,
    utcnow,
)
from motcua.services import deadlines, dossier_search
from motcua.services.task_list import takeable

TABS = ("mine", "unit", "done", "overdue")
SORTS = ("due", "received", "completed")
TASK_STATUS_FILTERS = ("open", "claimed")
PER_PAGE = 50


@dataclass(frozen=True)
class Filters:
    procedure: str = ""  # a catalogue code
    status: str = ""  # open | claimed
    due_before: date | None = None  # due on or before this (local) day
    q: str = ""  # words of the dossier code, applicant name, ID number or phone
    sort: str = "due"

    @property
    def any(self) -> bool:
        return bool(self.procedure or self.status or self.due_before or self.q)


@dataclass(frozen=True)
class Row:
    """One line of the inbox: the step and what the officer needs of its dossier."""

    task_id: int
    status: TaskStatus
    step_name: str
    due_at: datetime
    completed_at: datetime | None
    assignee_name: str | None
    dossier_code: str
    applicant_name: str
    received_at: datetime
    appointment_at: datetime
    procedure_code: str
    procedure_name: str
    urgency: str  # the row's colour class: overdue | due-soon | ontime


@dataclass
class Inbox:
    tab: str
    rows: list[Row]
    total: int  # of this tab with its filters
    page: int
    per_page: int
    counts: dict[str, int]  # tab → its active tasks, without filters (not for "done")
    tabs: tuple[str, ...]  # the tabs the actor has ("overdue" only for leaders)
    procedures: list[tuple[str, str]]  # (code, name) of the catalogue, for the filter
    filters: Filters = field(default_factory=Filters)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def parse_filters(tab: str, *, procedure="", status="", due_before="", q="", sort="") -> Filters:
    """Filters from the page's query string; Invalid with field errors for bad values."""
    errors = {}
    procedure, status, q = (procedure or "").strip(), (status or "").strip(), (q or "").strip()
    if status and status not in TASK_STATUS_FILTERS:
        errors["status"] = _l("Giá trị không hợp lệ.")
    day = None
    if due_before:
        try:
            day = date.fromisoformat(due_before.strip())
        except ValueError:
            errors["due_before"] = _l("Ngày không hợp lệ.")
    sort = (sort or "").strip() or ("completed" if tab == "done" else "due")
    if sort not in SORTS or (sort == "completed" and tab != "done"):
        errors["sort"] = _l("Giá trị không hợp lệ.")
    if len(q) > 255:
        errors["q"] = _l("Giá trị quá dài.")
    if errors:
        raise Invalid(_l("Bộ lọc chưa hợp lệ."), code="invalid_filter", details=errors)
    return Filters(procedure=procedure, status=status, due_before=day, q=q, sort=sort)


def inbox(
    actor: User,
    *,
    tab: str = "mine",
    page: int = 1,
    per_page: int = PER_PAGE,
    now: datetime | None = None,
    **filters: str,
) -> Inbox:
    """One tab of the actor's inbox, filtered, sorted and paginated.

    Tabs: ``mine`` (active steps assigned to the actor), ``unit`` (open steps the actor may
    take), ``done`` (steps the actor completed), ``overdue`` (active steps past due in the units
    the actor leads). ``filters`` are the page's query values (see ``parse_filters``). Raises
    Invalid for an unknown tab, a bad filter or an unknown catalogue code, Forbidden for the
    overdue tab to an officer who leads no unit.
    """
    if tab not in TABS:
        raise Invalid(
            _l("Không có thẻ này."), code="invalid_tab", details={"tab": _l("Không hợp lệ.")}
        )
    filters = parse_filters(tab, **filters)
    now = now or utcnow()
    led = _led_units(actor)
    if tab == "overdue" and not led:
        raise Forbidden(
            _l("Chỉ lãnh đạo đơn vị mới xem được hồ sơ quá hạn của đơn vị."), code="not_a_leader"
        )
    procedures = list(
        db.session.execute(
            select(Procedure.id, Procedure.code, Procedure.name).order_by(Procedure.code)
        )
    )
    by_code = {code: pid for pid, code, _ in procedures}
    if filters.procedure and filters.procedure not in by_code:
        raise Invalid(
            _l("Không có thủ tục này."),
            code="invalid_filter",
            details={"procedure": _l("Không có thủ tục này.")},
        )

    tab_where = {
        "mine": lambda: _mine(actor),
        "unit": lambda: takeable(actor),
        "done": lambda: _done(actor),
        "overdue": lambda: _overdue(led, now),
    }
    tabs = TABS if led else tuple(t for t in TABS if t != "overdue")
    where = tab_where[tab]()
    counts = {t: _count(tab_where[t]() if t != tab else where) for t in tabs if t != "done"}
    conditions, needs_dossier = _filter_conditions(tab, filters, by_code)
    if conditions:
        total = _count(where, *conditions, join_dossier=needs_dossier)
    else:
        total = counts.get(tab) if tab in counts else _count(where)
    per_page = min(max(per_page, 1), 200)
    page = min(max(page, 1), max(1, math.ceil(total / per_page)))
    rows = _rows(where, conditions, filters.sort, page, per_page)
    names = {pid: (code, name) for pid, code, name in procedures}
    soon = deadlines.calendar().add(now, days=1)
    return Inbox(
        tab=tab,
        rows=[_row(r, names, now, soon) for r in rows],
        total=total,
        page=page,
        per_page=per_page,
        counts=counts,
        tabs=tabs,
        procedures=[(code, name) for _, code, name in procedures],
        filters=filters,
    )


def _led_units(actor: User) -> set[int]:
    return {r.unit_id for r in actor.roles if r.role == Role.LEADER}


def _mine(actor: User):
    return and_(Task.assignee_id == actor.id, Task.status.in_(ACTIVE_TASK_STATUSES))


def _done(actor: User):
    # The completer of a step is always its assignee (see processing._finish), so the
    # assignee index answers; completed_by_id keeps the meaning exact.
    return and_(
        Task.assignee_id == actor.id,
        Task.status == TaskStatus.DONE,
        Task.completed_by_id == actor.id,
    )


def _overdue(units: set[int], now: datetime):
    return and_(
        Task.status.in_(ACTIVE_TASK_STATUSES),
        deadlines.overdue(Task.due_at, now),
        Task.unit_id.in_(sorted(units)),
    )


def _filter_conditions(tab: str, filters: Filters, by_code: dict) -> tuple[list, bool]:
    """The filters as SQL conditions, and whether they read the dossier row."""
    conditions, needs_dossier = [], False
    if filters.status and tab != "done":
        conditions.append(Task.status == TaskStatus(filters.status))
    if filters.due_before:
        tz = ZoneInfo(current_app.config["TIMEZONE"])
        end = datetime.combine(filters.due_before + timedelta(days=1), time(), tzinfo=tz)
        conditions.append(Task.due_at < end)
    if filters.procedure:
        conditions.append(Dossier.procedure_id == by_code[filters.procedure])
        needs_dossier = True
    if filters.q:
        # As the dossier search finds them: each folded word a part of the code, the form 02's
        # code, the applicant's name, ID number or phone ("binh" finds "Bình", "0003" a code).
        conditions.extend(dossier_search.matching(filters.q))
        needs_dossier = True
    return conditions, needs_dossier


def _count(where, *conditions, join_dossier: bool = False) -> int:
    query = select(func.count()).select_from(Task)
    if join_dossier:
        query = query.join(Dossier, Dossier.id == Task.dossier_id)
    return db.session.scalar(query.where(where, *conditions))


_ORDER = {
    "due": lambda: (Task.due_at, Task.id),
    "received": lambda: (Dossier.received_at, Task.id),
    "completed": lambda: (Task.completed_at.desc(), Task.id.desc()),
}


def _rows(where, conditions, sort: str, page: int, per_page: int):
    assignee = aliased(User)
    query = (
        select(
            Task.id,
            Task.status,
            Task.step_name,
            Task.due_at,
            Task.completed_at,
            assignee.display_name,
            Dossier.code,
            Dossier.applicant_name,
            Dossier.received_at,
            Dossier.appointment_at,
            Dossier.procedure_id,
        )
        .join(Dossier, Dossier.id == Task.dossier_id)
        .outerjoin(assignee, assignee.id == Task.assignee_id)
        .where(where, *conditions)
        .order_by(*_ORDER[sort]())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return db.session.execute(query).all()


def urgency(*, due_at: datetime, completed_at: datetime | None, now: datetime, soon: datetime):
    """The colour of a step: ``overdue`` past its due time (or done after it, see
    ``deadlines.is_overdue``), ``due-soon`` when open and due within one working day from now
    (``soon``), else ``ontime``."""
    if deadlines.is_overdue(due_at, now, done_at=completed_at):
        return "overdue"
    if completed_at is None and soon >= due_at:
        return "due-soon"
    return "ontime"


def _row(r, names: dict, now: datetime, soon: datetime) -> Row:
    code, name = names.get(r.procedure_id, ("", ""))
    return Row(
        task_id=r.id,
        status=r.status,
        step_name=r.step_name,
        due_at=r.due_at,
        completed_at=r.completed_at,
        assignee_name=r.display_name,
        dossier_code=r.code,
        applicant_name=r.applicant_name,
        received_at=r.received_at,
        appointment_at=r.appointment_at,
        procedure_code=code,
        procedure_name=name,
        urgency=urgency(due_at=r.due_at, completed_at=r.completed_at, now=now, soon=soon),
    )
