"""The lists of the overdue watch (motcua.services.watch), counted by unit and read: the steps late
or due within one working day, grouped by unit and officer, and the running dossiers whose
appointment is near or passed, with or without an apology.

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

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    Apology,
    Dossier,
    DossierStatus,
    Procedure,
    Task,
    Unit,
    User,
)
from motcua.services import deadlines

CAP = 100  # rows shown per list; the totals are always exact

STEP_SECTIONS = ("steps_overdue", "steps_due_soon")
DOSSIER_SECTIONS = (
    "apology_due",  # appointment within a working day, no apology yet
    "rescheduled_due_soon",  # the apology's new appointment within a working day
    "late_without_apology",  # past the appointment, no apology
    "late_after_reschedule",  # past the apology's new appointment too
)
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


# -- steps -------------------------------------------------------------------------------------


def step_where(scope: set[int] | None, all_units: set[int]) -> list:
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


def step_counts(where: list, now: datetime, soon: datetime) -> dict[str, dict[int, int]]:
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


def step_rows(key: str, where: list, now: datetime, soon: datetime, calendar) -> list[StepRow]:
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


def group_by_unit(rows: list[StepRow], units: dict[int, Unit]) -> list[UnitGroup]:
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


def dossier_where(unit_ids: set[int], soon: datetime) -> list:
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


def dossier_counts(where: list, now: datetime) -> dict[str, dict[int, int]]:
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


def dossier_rows(key: str, where: list, now: datetime, calendar, units) -> list[DossierRow]:
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
