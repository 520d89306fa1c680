"""The overdue watch: steps and dossiers that are late or about to be, for those who watch units.

Who sees what
-------------
- a supervisor: every unit below the units where they hold the supervisor role;
- a leader: the units they lead and every unit below them;
- a system admin: every unit;
- anyone else: Forbidden. A unit filter narrows to one unit's subtree within that reach.

What is listed ("one working day" is ``calendar.add(now, hours=calendar.hours_per_day)``)
-----------------------------------------------------------------------------------------
- steps (tasks open or claimed) past their due time, and those due within one working day,
  by the unit whose inbox holds them and by officer (the assignee, or unclaimed). Steps of a
  dossier whose clock is stopped (waiting for the applicant, paused) are left out: they cannot
  be worked and their deadlines are counted again when the dossier resumes;
- running dossiers (received or processing) whose appointment falls within one working day: the
  unit must apologise and set a new appointment before it passes (form 04), or, if it already
  did once, must keep the new one (rescheduling is allowed once);
- running dossiers past their appointment without an apology (the list the law asks for), and
  those past the new appointment of their apology.
A dossier with its result ready (waiting to be handed over) is not late in being resolved; a
stopped dossier's appointment is moved when it resumes. Neither is listed among dossiers.

Queries
-------
Steps: ``status IN (open, claimed) AND due_at <= soon`` → ix_tasks_status_due, without the steps
of the (few) stopped dossiers (read through ix_dossiers_unit_status); both step lists are
counted by unit in one grouped query, and each list's first ``CAP`` rows read from the task
table alone, their dossiers and officers then by primary key. Dossiers: ``unit_id IN (…) AND
status IN (received, processing) AND appointment_at <= soon`` → ix_dossiers_unit_status (every
unit's id for a system admin, so that the index still answers), the apology outer-joined by its
unique dossier_id; the four lists counted in one grouped query, each list capped at ``CAP``. An
index on dossiers (status, appointment_at) would answer the dossier lists more directly; none
exists yet.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from motcua.errors import Forbidden, Invalid
from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    Apology,
    Dossier,
    DossierStatus,
    Procedure,
    Role,
    Task,
    Unit,
    User,
    utcnow,
)
from motcua.services import deadlines, org

CAP = 100  # rows shown per list; the totals are always exact

STEP_SECTIONS = ("steps_overdue", "steps_due_soon")
DOSSIER_SECTIONS = (
    "apology_due",  # appointment within a working day, no apology yet
    "rescheduled_due_soon",  # the apology's new appointment within a working day
    "late_without_apology",  # past the appointment, no apology
    "late_after_reschedule",  # past the apology's new appointment too
)
SECTIONS = STEP_SECTIONS + DOSSIER_SECTIONS
KINDS = {
    "": SECTIONS,
    "overdue": ("steps_overdue", "late_without_apology", "late_after_reschedule"),
    "due_soon": ("steps_due_soon", "apology_due", "rescheduled_due_soon"),
    "apology": ("apology_due", "late_without_apology"),
}
WATCH_ROLES = (Role.SUPERVISOR, Role.LEADER)
RUNNING = (DossierStatus.RECEIVED, DossierStatus.PROCESSING)
STOPPED = (DossierStatus.WAITING_APPLICANT, DossierStatus.PAUSED)  # the clock stands still


@dataclass(frozen=True)
class StepRow:
    task_id: int
    dossier_code: str
    procedure_name: str
    step_name: str
    unit_id: int
    assignee_name: str | None  # None: nobody has claimed it
    due_at: datetime
    hours_left: float  # working hours until due; negative when late

    @property
    def late(self) -> bool:
        return self.hours_left < 0


@dataclass
class OfficerGroup:
    name: str | None  # None: unclaimed steps of the unit
    rows: list[StepRow] = field(default_factory=list)


@dataclass
class UnitGroup:
    unit: Unit
    officers: list[OfficerGroup] = field(default_factory=list)


@dataclass(frozen=True)
class DossierRow:
    dossier_code: str
    procedure_name: str
    applicant_name: str
    unit: Unit
    status: DossierStatus
    appointment_at: datetime
    first_appointment_at: datetime | None
    apology_at: datetime | None  # when the apology was issued, if any
    hours_left: float  # working hours until the appointment; negative when past it
    current_steps: tuple[str, ...]  # "step (officer)" of its open steps

    @property
    def late(self) -> bool:
        return self.hours_left < 0


@dataclass
class Section:
    key: str
    total: int
    rows: list  # StepRow or DossierRow, the CAP latest first
    by_unit: dict[int, int]  # unit id → rows in this list (all of them, not only the shown)
    groups: list[UnitGroup] = field(default_factory=list)  # steps only

    @property
    def capped(self) -> bool:
        return self.total > len(self.rows)


@dataclass(frozen=True)
class UnitCount:
    unit: Unit
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class WatchView:
    now: datetime
    soon: datetime  # one working day from now
    hours_per_day: float  # office hours of one working day
    kind: str
    unit: Unit | None  # the unit filter
    units: list[Unit]  # the units the user may filter by
    sections: dict[str, Section]  # those the kind shows, in display order
    counts: list[UnitCount]  # per unit, the most to watch first
    cap: int = CAP

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections.values())


def reach(user: User) -> set[int] | None:
    """The units whose work the user watches; None means all (system admin).

    Raises Forbidden for officers who are neither supervisor, leader nor system admin.
    """
    if org.is_system_admin(user):
        return None
    own = {r.unit_id for r in user.roles if r.role in WATCH_ROLES}
    if not own:
        raise Forbidden(
            _l(
                "Chỉ cán bộ giám sát, lãnh đạo đơn vị và quản trị hệ thống xem được trang theo "
                "dõi quá hạn."
            ),
            code="forbidden",
        )
    return org.subtree_ids(own)


def watch(
    user: User, unit_code: str | None = None, kind: str = "", now: datetime | None = None
) -> WatchView:
    """The steps and dossiers to watch in the user's reach (see the module docstring).

    ``unit_code`` narrows to that unit and the units below it; ``kind`` to ``overdue``,
    ``due_soon`` or ``apology``. Raises Forbidden for an officer who watches no unit or a unit
    outside their reach, Invalid (with field details) for an unknown unit or kind.
    """
    reached = reach(user)
    kind = (kind or "").strip()
    unit_code = (unit_code or "").strip() or None
    errors = {}
    if kind not in KINDS:
        errors["kind"] = _l("Loại không hợp lệ.")
    unit = None
    if unit_code is not None:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            errors["unit"] = _l("Không có đơn vị mã %(code)s.", code=unit_code)
    if errors:
        raise Invalid(_l("Bộ lọc chưa hợp lệ."), code="invalid_filter", details=errors)
    if unit is not None and reached is not None and unit.id not in reached:
        raise Forbidden(
            _l("Đơn vị %(name)s không thuộc phạm vi bạn theo dõi.", name=unit.name),
            code="unit_out_of_reach",
        )
    scope = org.subtree_ids({unit.id}) if unit is not None else reached

    now = now or utcnow()
    calendar = deadlines.calendar()
    soon = calendar.add(now, hours=calendar.hours_per_day)
    units = {u.id: u for u in db.session.scalars(select(Unit))}

    shown = KINDS[kind]
    sections = {}
    if any(key in STEP_SECTIONS for key in shown):
        where = _step_where(scope, set(units))
        counts = _step_counts(where, now, soon)
        for key in (k for k in STEP_SECTIONS if k in shown):
            rows = _step_rows(key, where, now, soon, calendar)
            sections[key] = Section(key, sum(counts[key].values()), rows, counts[key])
            sections[key].groups = _group(rows, units)
    if any(key in DOSSIER_SECTIONS for key in shown):
        # Every unit when the reach is all: ix_dossiers_unit_status then still answers.
        where = _dossier_where(set(units) if scope is None else scope, soon)
        counts = _dossier_counts(where, now)
        for key in (k for k in DOSSIER_SECTIONS if k in shown):
            rows = _dossier_rows(key, where, now, calendar, units)
            sections[key] = Section(key, sum(counts[key].values()), rows, counts[key])
    sections = {key: sections[key] for key in shown}  # in display order
    return WatchView(
        now=now,
        soon=soon,
        hours_per_day=calendar.hours_per_day,
        kind=kind,
        unit=unit,
        units=sorted(
            (u for u in units.values() if reached is None or u.id in reached),
            key=lambda u: u.code,
        ),
        sections=sections,
        counts=_unit_counts(sections, units),
    )


# -- steps -------------------------------------------------------------------------------------


def _step_where(scope: set[int] | None, all_units: set[int]) -> list:
    """Active steps of running dossiers in the scope (any due time)."""
    # The stopped dossiers (few) are read through ix_dossiers_unit_status, over every unit
    # since a step's unit may not be its dossier's; joining each step's dossier instead would
    # make the planner scan the dossier table for the counts.
    stopped = select(Dossier.id).where(
        Dossier.unit_id.in_(sorted(all_units)), Dossier.status.in_(STOPPED)
    )
    where = [Task.status.in_(ACTIVE_TASK_STATUSES), Task.dossier_id.not_in(stopped)]
    if scope is not None:
        where.append(Task.unit_id.in_(sorted(scope)))
    return where


def _step_counts(where: list, now: datetime, soon: datetime) -> dict[str, dict[int, int]]:
    """Both step lists counted by unit in one pass over ix_tasks_status_due."""
    counts = {key: {} for key in STEP_SECTIONS}
    found = db.session.execute(
        select(
            Task.unit_id,
            func.count().filter(deadlines.overdue(Task.due_at, now)),
            func.count().filter(~deadlines.overdue(Task.due_at, now)),
        )
        .where(*where, Task.due_at <= soon)
        .group_by(Task.unit_id)
    )
    for unit_id, *numbers in found:
        for key, n in zip(STEP_SECTIONS, numbers, strict=True):
            if n:
                counts[key][unit_id] = n
    return counts


def _step_rows(key: str, where: list, now: datetime, soon: datetime, calendar) -> list[StepRow]:
    late = deadlines.overdue(Task.due_at, now)
    due = late if key == "steps_overdue" else and_(~late, Task.due_at <= soon)
    # The latest steps first, from the task table alone: one query per status, so that
    # ix_tasks_status_due hands each its rows in due order and the scan stops at CAP; then
    # their dossiers and officers by primary key.
    found = []
    for status in ACTIVE_TASK_STATUSES:
        found += db.session.execute(
            select(
                Task.id,
                Task.dossier_id,
                Task.step_name,
                Task.unit_id,
                Task.due_at,
                Task.assignee_id,
            )
            .where(*where, Task.status == status, due)
            .order_by(Task.due_at, Task.id)
            .limit(CAP)
        ).all()
    found = sorted(found, key=lambda r: (r.due_at, r.id))[:CAP]
    dossiers = _by_id(
        select(Dossier.id, Dossier.code, Procedure.name)
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .where(Dossier.id.in_(sorted({r.dossier_id for r in found})))
    )
    officers = _by_id(
        select(User.id, User.display_name).where(
            User.id.in_(sorted({r.assignee_id for r in found if r.assignee_id}))
        )
    )
    return [
        StepRow(
            task_id=r.id,
            dossier_code=dossiers[r.dossier_id].code,
            procedure_name=dossiers[r.dossier_id].name,
            step_name=r.step_name,
            unit_id=r.unit_id,
            assignee_name=officers[r.assignee_id].display_name if r.assignee_id else None,
            due_at=r.due_at,
            hours_left=calendar.working_hours_between(now, r.due_at),
        )
        for r in found
    ]


def _by_id(query) -> dict:
    return {row.id: row for row in db.session.execute(query)}


def _group(rows: list[StepRow], units: dict[int, Unit]) -> list[UnitGroup]:
    """Rows (latest first) by unit, then by officer, each group placed by its latest step."""
    groups: dict[int, UnitGroup] = {}
    officers: dict[tuple[int, str | None], OfficerGroup] = {}
    for row in rows:
        group = groups.setdefault(row.unit_id, UnitGroup(units[row.unit_id]))
        key = (row.unit_id, row.assignee_name)
        if key not in officers:
            officers[key] = OfficerGroup(row.assignee_name)
            group.officers.append(officers[key])
        officers[key].rows.append(row)
    return list(groups.values())


# -- dossiers ----------------------------------------------------------------------------------


def _dossier_where(unit_ids: set[int], soon: datetime) -> list:
    """Running dossiers of the units whose appointment is before one working day from now
    (the queries outer-join their apology)."""
    return [
        Dossier.unit_id.in_(sorted(unit_ids)),
        Dossier.status.in_(RUNNING),
        Dossier.appointment_at <= soon,
    ]


def _dossier_kind(key: str, now: datetime):
    late = key in ("late_without_apology", "late_after_reschedule")
    rescheduled = key in ("rescheduled_due_soon", "late_after_reschedule")
    passed = deadlines.overdue(Dossier.appointment_at, now)
    return and_(
        passed if late else ~passed,
        Apology.id.is_not(None) if rescheduled else Apology.id.is_(None),
    )


def _dossier_counts(where: list, now: datetime) -> dict[str, dict[int, int]]:
    """The four dossier lists counted by unit in one pass over ix_dossiers_unit_status."""
    counts = {key: {} for key in DOSSIER_SECTIONS}
    found = db.session.execute(
        select(
            Dossier.unit_id,
            *(func.count().filter(_dossier_kind(key, now)) for key in DOSSIER_SECTIONS),
        )
        .outerjoin(Apology, Apology.dossier_id == Dossier.id)
        .where(*where)
        .group_by(Dossier.unit_id)
    )
    for unit_id, *numbers in found:
        for key, n in zip(DOSSIER_SECTIONS, numbers, strict=True):
            if n:
                counts[key][unit_id] = n
    return counts


def _dossier_rows(key: str, where: list, now: datetime, calendar, units) -> list[DossierRow]:
    found = db.session.execute(
        select(
            Dossier.id,
            Dossier.code,
            Dossier.applicant_name,
            Dossier.unit_id,
            Dossier.status,
            Dossier.appointment_at,
            Dossier.first_appointment_at,
            Procedure.name,
            Apology.issued_at,
        )
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .outerjoin(Apology, Apology.dossier_id == Dossier.id)
        .where(*where, _dossier_kind(key, now))
        .order_by(Dossier.appointment_at, Dossier.id)
        .limit(CAP)
    ).all()
    steps = _current_steps([r.id for r in found])
    return [
        DossierRow(
            dossier_code=r.code,
            procedure_name=r.name,
            applicant_name=r.applicant_name,
            unit=units[r.unit_id],
            status=r.status,
            appointment_at=r.appointment_at,
            first_appointment_at=r.first_appointment_at,
            apology_at=r.issued_at,
            hours_left=calendar.working_hours_between(now, r.appointment_at),
            current_steps=tuple(steps.get(r.id, ())),
        )
        for r in found
    ]


def _current_steps(dossier_ids: list[int]) -> dict[int, list[str]]:
    """The open steps of the dossiers, as "step (officer)", read by ix_tasks_dossier_id."""
    if not dossier_ids:
        return {}
    assignee = aliased(User)
    found = db.session.execute(
        select(Task.dossier_id, Task.step_name, assignee.display_name, Unit.name)
        .join(Unit, Unit.id == Task.unit_id)
        .outerjoin(assignee, assignee.id == Task.assignee_id)
        .where(Task.dossier_id.in_(dossier_ids), Task.status.in_(ACTIVE_TASK_STATUSES))
        .order_by(Task.due_at, Task.id)
    ).all()
    steps: dict[int, list[str]] = {}
    for dossier_id, step, officer, unit_name in found:
        steps.setdefault(dossier_id, []).append(f"{step} ({officer or unit_name})")
    return steps


# -- counts ------------------------------------------------------------------------------------


def _unit_counts(sections: dict[str, Section], units: dict[int, Unit]) -> list[UnitCount]:
    per_unit: dict[int, Counter] = {}
    for key, section in sections.items():
        for unit_id, n in section.by_unit.items():
            per_unit.setdefault(unit_id, Counter())[key] += n
    counts = [
        UnitCount(units[unit_id], {key: c[key] for key in sections})
        for unit_id, c in per_unit.items()
    ]
    return sorted(counts, key=lambda c: (-c.total, c.unit.code))
