"""The overdue watch: steps and dossiers that are late or about to be, for those who watch units.
The lists are counted and read by motcua.services.watch_lists.

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
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import Forbidden, Invalid
from motcua.extensions import db
from motcua.models import Role, Unit, User, utcnow
from motcua.services import deadlines, org
from motcua.services.watch_lists import (
    CAP,
    DOSSIER_SECTIONS,
    STEP_SECTIONS,
    UnitGroup,
    dossier_counts,
    dossier_rows,
    dossier_where,
    group_by_unit,
    step_counts,
    step_rows,
    step_where,
)

SECTIONS = STEP_SECTIONS + DOSSIER_SECTIONS
KINDS = {
    "": SECTIONS,
    "overdue": ("steps_overdue", "late_without_apology", "late_after_reschedule"),
    "due_soon": ("steps_due_soon", "apology_due", "rescheduled_due_soon"),
    "apology": ("apology_due", "late_without_apology"),
}
WATCH_ROLES = (Role.SUPERVISOR, Role.LEADER)


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
        where = step_where(scope, set(units))
        counts = step_counts(where, now, soon)
        for key in (k for k in STEP_SECTIONS if k in shown):
            rows = step_rows(key, where, now, soon, calendar)
            sections[key] = Section(key, sum(counts[key].values()), rows, counts[key])
            sections[key].groups = group_by_unit(rows, units)
    if any(key in DOSSIER_SECTIONS for key in shown):
        # Every unit when the reach is all: ix_dossiers_unit_status then still answers.
        where = dossier_where(set(units) if scope is None else scope, soon)
        counts = dossier_counts(where, now)
        for key in (k for k in DOSSIER_SECTIONS if k in shown):
            rows = dossier_rows(key, where, now, calendar, units)
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
