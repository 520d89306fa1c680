"""Where an officer lands after signing in, and the count beside the inbox in the menu.

The landing page shows, for each kind of work the officer's roles give, what needs them today,
the most pressing first (a section with something late before the others, then in this order):

- ``work`` (specialist, leader, receptionist: those who handle steps): their own open steps
  and the pool's steps they may take (the inbox's ``mine`` and ``unit`` tabs, the same sets),
  each with those overdue, due later today and due within one working day after today;
- ``desk`` (receptionist): the results waiting to be handed back and the dossiers waiting for
  the applicant's missing papers, at the desks they work;
- ``watch`` (supervisor, leader, system admin): the overdue watch's counts over their reach
  (motcua.services.watch): steps late or due within one working day, dossiers past their
  appointment, and those that need an apology and a new appointment before it passes;
- ``modeler`` (analyst, system admin): the provincial templates' drafts not yet published;
- ``admin`` (unit and system admins): the admin areas, and the mails the worker gave up on.

A step waiting for the applicant's papers is never counted overdue or due: its dossier's clock
stands still (Decree 118/2025/NĐ-CP art. 17.3 as amended by Decree 309/2026/NĐ-CP, the
supplement request stops the time limit; see motcua.services.deadlines).

An officer who only handles steps as a specialist lands on the inbox itself (``lands_on_inbox``):
their day is the inbox's two tabs, which already carry their counts, and a page in front of it
would be one more click every morning with nothing on it the inbox does not show.

Queries: the work counts are one statement, a UNION ALL of three index-answered arms (the
``mine`` arm over ix_tasks_assignee_status_due, the pool's role arms over
ix_tasks_unit_role_status_due, the named steps over ix_task_candidates_user_id, as the inbox
reads them), counted in one pass; the desk's two counts one statement over the desks' units
(ix_tasks_unit_role_status_due); the watch's those of motcua.services.watch_lists. The menu's
count reuses the page's work counts when the page made them, and is read once per request.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, g
from sqlalchemy import and_, case, distinct, false, func, literal, or_, select, union_all

from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    Notification,
    NotificationStatus,
    Role,
    Task,
    TaskCandidate,
    TaskStatus,
    Unit,
    User,
    utcnow,
)
from motcua.models.procedure import ProcessDraft
from motcua.services import deadlines, org, watch, watch_lists

HANDLING = frozenset({Role.SPECIALIST, Role.LEADER, Role.RECEPTIONIST})
WATCHING = frozenset({Role.SUPERVISOR, Role.LEADER, Role.SYSTEM_ADMIN})
MODELLING = frozenset({Role.ANALYST, Role.SYSTEM_ADMIN})
ADMINISTERING = frozenset({Role.UNIT_ADMIN, Role.SYSTEM_ADMIN})
ORDER = ("work", "desk", "watch", "modeler", "admin")
_BADGE = "motcua_landing_badge"


@dataclass(frozen=True)
class Bucket:
    """Steps of one inbox tab: how many, and how many of them are late or due soon."""

    total: int = 0
    overdue: int = 0
    due_today: int = 0  # due later today (local day), not yet late
    due_soon: int = 0  # due after today, within one working day from now


@dataclass(frozen=True)
class WorkCounts:
    mine: Bucket
    pool: Bucket
    total: int  # distinct steps of both (a step sent back to me is open in both tabs)
    overdue: int  # of those, past due

    @property
    def pressing(self) -> bool:
        return self.overdue > 0


@dataclass(frozen=True)
class DeskCounts:
    results_to_return: int
    supplements_awaited: int

    @property
    def pressing(self) -> bool:
        return self.results_to_return > 0


@dataclass(frozen=True)
class WatchCounts:
    steps_overdue: int
    steps_due_soon: int
    dossiers_late: int  # past the appointment (or the apology's new one)
    apology_due: int  # appointment within one working day, no apology yet

    @property
    def pressing(self) -> bool:
        return bool(self.steps_overdue or self.dossiers_late or self.apology_due)


@dataclass(frozen=True)
class ModelerCounts:
    drafts: int  # provincial templates with an unpublished draft

    @property
    def pressing(self) -> bool:
        return False


@dataclass(frozen=True)
class AdminCounts:
    system: bool  # a system admin (the mails, every unit) rather than a unit admin
    failed_mails: int | None  # None: not theirs to see

    @property
    def pressing(self) -> bool:
        return bool(self.failed_mails)


@dataclass
class Landing:
    now: datetime
    today: date  # the local day
    soon: datetime  # one working day from now
    soon_day: date  # its local day (the inbox's "due on or before" filter)
    sections: dict[str, object]  # key → its counts, the most pressing first


def held_roles(user: User) -> set[Role]:
    return {r.role for r in user.roles}


def lands_on_inbox(user: User) -> bool:
    """Whether the officer's first page is the inbox (a specialist and nothing else; see the
    module docstring)."""
    return held_roles(user) == {Role.SPECIALIST}


def landing(user: User, now: datetime | None = None) -> Landing:
    """The sections of the officer's landing page that their roles give, with their counts,
    the most pressing first (see the module docstring). Raises nothing: an officer with no
    role gets no section."""
    now = now or utcnow()
    held = held_roles(user)
    calendar = deadlines.calendar()
    soon = calendar.add(now, days=1)
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    today = now.astimezone(tz).date()
    midnight = datetime.combine(today + timedelta(days=1), time(), tzinfo=tz)
    found: dict[str, object] = {}
    if held & HANDLING:
        found["work"] = work_counts(user, now, midnight=midnight, soon=soon)
        g.setdefault(_BADGE, {})[user.id] = found["work"]
    if Role.RECEPTIONIST in held:
        found["desk"] = desk_counts(user)
    if held & WATCHING:
        found["watch"] = watch_counts(user, now)
    if held & MODELLING:
        found["modeler"] = ModelerCounts(
            drafts=db.session.scalar(
                select(func.count()).select_from(ProcessDraft).where(ProcessDraft.unit_key == 0)
            )
        )
    if held & ADMINISTERING:
        system = org.is_system_admin(user)
        failed = None
        if system:
            failed = db.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.status == NotificationStatus.FAILED)
            )
        found["admin"] = AdminCounts(system=system, failed_mails=failed)
    keys = sorted(found, key=lambda k: (not found[k].pressing, ORDER.index(k)))
    return Landing(
        now=now,
        today=today,
        soon=soon,
        soon_day=soon.astimezone(tz).date(),
        sections={k: found[k] for k in keys},
    )


def badge(user: User | None, now: datetime | None = None) -> WorkCounts | None:
    """The menu's count beside the inbox: the officer's open steps and the pool's they may
    take, with those overdue; read once per request (None for a visitor, and for an officer
    who holds no role that handles steps: the pages of admins, analysts and supervisors stay
    at their query budgets, and a step names such an officer only through a diagram's
    ``user:`` handler, which their inbox still lists)."""
    if user is None or not held_roles(user) & HANDLING:
        return None
    known = g.setdefault(_BADGE, {})
    if user.id not in known:
        known[user.id] = work_counts(user, now or utcnow())
    return known[user.id]


def work_counts(
    user: User, now: datetime, *, midnight: datetime | None = None, soon: datetime | None = None
) -> WorkCounts:
    """The inbox's ``mine`` and ``unit`` tabs counted in one statement (without ``midnight``
    and ``soon``, the due-today and due-soon counts are 0)."""
    columns = (Task.id, Task.due_at, Task.waits_for_applicant)
    mine = select(*columns, literal(1).label("mine")).where(
        Task.assignee_id == user.id, Task.status.in_(ACTIVE_TASK_STATUSES)
    )
    arms = [
        and_(Task.unit_id == unit_id, Task.role == role)
        for unit_id, role in sorted(org.role_pairs(user))
    ]
    pool = select(*columns, literal(0).label("mine")).where(
        Task.status == TaskStatus.OPEN, or_(*arms) if arms else false()
    )
    named = (
        select(*columns, literal(0).label("mine"))
        .join(TaskCandidate, TaskCandidate.task_id == Task.id)
        .where(
            TaskCandidate.user_id == user.id,
            Task.role.is_(None),
            Task.status == TaskStatus.OPEN,
        )
    )
    steps = union_all(mine, pool, named).subquery()
    running = steps.c.waits_for_applicant.is_(False)
    late = and_(running, deadlines.overdue(steps.c.due_at, now))
    today = later = false()
    if midnight is not None and soon is not None:
        today = and_(running, ~deadlines.overdue(steps.c.due_at, now), steps.c.due_at < midnight)
        later = and_(running, steps.c.due_at >= midnight, steps.c.due_at <= soon)

    def counted(*conditions):
        return func.count(distinct(case((and_(*conditions), steps.c.id))))

    tabs = (steps.c.mine == 1, steps.c.mine == 0)
    row = db.session.execute(
        select(
            *(counted(tab, *kind) for tab in tabs for kind in ((), (late,), (today,), (later,))),
            func.count(distinct(steps.c.id)),
            counted(late),
        )
    ).one()
    return WorkCounts(mine=Bucket(*row[0:4]), pool=Bucket(*row[4:8]), total=row[8], overdue=row[9])


def desk_counts(user: User) -> DeskCounts:
    """At the desks the officer works: the open steps that hand a result back (the desk's
    "Trả kết quả" list) and those waiting for the applicant's missing papers."""
    desks = sorted({r.unit_id for r in user.roles if r.role == Role.RECEPTIONIST})
    returning, waiting = db.session.execute(
        select(
            func.count().filter(Task.returns_result.is_(True)),
            func.count().filter(Task.waits_for_applicant.is_(True)),
        ).where(
            Task.unit_id.in_(desks),
            Task.status.in_(ACTIVE_TASK_STATUSES),
            or_(Task.returns_result.is_(True), Task.waits_for_applicant.is_(True)),
        )
    ).one()
    return DeskCounts(results_to_return=returning, supplements_awaited=waiting)


def watch_counts(user: User, now: datetime) -> WatchCounts:
    """The overdue watch's totals over the officer's reach (motcua.services.watch), with its
    own "one working day" (office hours from now)."""
    reached = watch.reach(user)
    calendar = deadlines.calendar()
    within_a_day = calendar.add(now, hours=calendar.hours_per_day)
    all_units = set(db.session.scalars(select(Unit.id)))
    steps = watch_lists.step_counts(watch_lists.step_where(reached, all_units), now, within_a_day)
    dossiers = watch_lists.dossier_counts(
        watch_lists.dossier_where(all_units if reached is None else reached, within_a_day), now
    )

    def total(counts, key):
        return sum(counts[key].values())

    return WatchCounts(
        steps_overdue=total(steps, "steps_overdue"),
        steps_due_soon=total(steps, "steps_due_soon"),
        dossiers_late=total(dossiers, "late_without_apology")
        + total(dossiers, "late_after_reschedule"),
        apology_due=total(dossiers, "apology_due"),
    )
