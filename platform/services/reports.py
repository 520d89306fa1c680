"""Statistics reports on the receipt and resolution of dossiers, for a unit and the units below it:
who may read them, what their figures are, and the report as data (Report, COLUMNS, as_json).
The figures are counted by motcua.services.report_counts (`statistics`).

The columns are those of the national form "Tình hình, kết quả giải quyết thủ tục hành chính"
(Biểu II.06a/VPCP/KSTT of Circular 01/2020/TT-VPCP, which replaced the reporting part of
Circular 02/2017/TT-VPCP; Circular 01/2018/TT-VPCP holds the slips, not this form). The form was
checked against its layout as two provincial one-stop systems print it, not against the gazette.
Its columns, plus the ones the provincial letters ask for:

- received (số hồ sơ nhận giải quyết) = carried over + new: carried over (kỳ trước chuyển qua)
  = received before the period and not finished before it; new = received in the period,
  online (trực tuyến), direct (trực tiếp) and postal (dịch vụ bưu chính). A dossier the desk
  found incomplete (form 02 at receipt) is received when its papers come, its receipt time
  moving then; while it waits it counts from the day it was brought;
- resolved (đã giải quyết) = processing finished in the period (motcua.services.
  report_verdicts): the result ready (đã xử lý xong), whenever it is handed over, or a refusal,
  a stop (dừng giải quyết, form 05) or a withdrawal, as the 766 index counts the end of
  processing [S] and LAW.md reads Biểu 06 ("resolved is when processing finished, distinct from
  the return"). Early / on time / late compare the local calendar day of the end with that of
  the appointment the rules set (first_appointment_at): an earlier day is early, the same day
  on time, a later day late. That appointment moves only by the rules (a supplement received,
  the waiting subtracted; a pause ended; the hand-over); an apology's new date never makes a
  late dossier look on time: a dossier with an apology (form 04) is late, and so is one asked
  for papers more than once (one complete request, 766 [S]);
- in progress at the end of the period (đang giải quyết) = received before the end and not
  finished by then; overdue if it has an apology or more than one supplement request (it will
  finish late whatever its dates), or if its appointment had passed at the end
  of the period (or now, for a period not over yet) unless its clock stopped (waiting for the
  applicant, paused) before the appointment passed: its appointment moves when it resumes;
- supplement requests made in the period; among the resolved, the refusals, the stops and the
  withdrawals (columns added after the form's: the form has no room for them, and a stop or a
  withdrawal is an end of processing, not an answer to the applicant); and the share of new
  dossiers received online (online / new received, in percent).
Every received dossier is thus resolved or still in progress: received = resolved + in
progress.

Per officer: steps (tasks) completed in the period in the units of the subtree, those completed
after their due time, and the average step time from the step's opening to its completion in
wall-clock hours (working hours per row would cost a calendar walk per step). Steps that wait
for the applicant's papers are left out: their time is the applicant's.

Figures are computed from the dossiers' current rows: a report on a past period shows the
appointments as they are now (a later supplement or apology moves them). A report as it was sent
is kept by freezing it (motcua.services.report_snapshots): its figures and its files are stored.

Periods: see motcua.services.report_periods.
"""

from dataclasses import dataclass, field, fields
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import Forbidden, NotFound
from motcua.extensions import db
from motcua.models import Role, Unit, User
from motcua.services import org
from motcua.services.report_periods import Period

REPORT_ROLES = (Role.SUPERVISOR, Role.LEADER)


# -- who may see what --------------------------------------------------------------------------


def reach(user: User) -> set[int] | None:
    """The units whose reports the user may read: below the units where they supervise or
    lead; None means all (system admin). Raises Forbidden for anyone else."""
    if org.is_system_admin(user):
        return None
    own = {r.unit_id for r in user.roles if r.role in REPORT_ROLES}
    if not own:
        raise Forbidden(
            _l(
                "Chỉ cán bộ giám sát, lãnh đạo đơn vị và quản trị hệ thống xem được báo cáo "
                "thống kê."
            ),
            code="forbidden",
        )
    return org.subtree_ids(own)


def units_in_reach(user: User) -> list[tuple[Unit, int]]:
    """(unit, depth) in tree order for the units the user may report on; among siblings the
    retired ones last, so that a unit's own report comes before its predecessors' history (and
    is the default one)."""
    reached = reach(user)
    units = list(db.session.scalars(select(Unit).order_by(Unit.retired_at.is_not(None), Unit.code)))
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    ordered: list[tuple[Unit, int]] = []

    def walk(unit: Unit, depth: int) -> None:
        if reached is None or unit.id in reached:
            ordered.append((unit, depth))
            depth += 1
        for child in children.get(unit.id, []):
            walk(child, depth)

    for root in children.get(None, []):
        walk(root, 0)
    return ordered


def report_unit(user: User, code: str | None) -> Unit:
    """The unit to report on: the one with the code, or the highest one in the user's reach.

    Raises Forbidden (no reach, or a unit outside it), NotFound (no unit with the code)."""
    reached = reach(user)
    code = (code or "").strip()
    if not code:
        return units_in_reach(user)[0][0]
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(_l("Không có đơn vị mã %(code)s.", code=code), code="unit_not_found")
    if reached is not None and unit.id not in reached:
        raise Forbidden(
            _l("Đơn vị %(name)s không thuộc phạm vi báo cáo của bạn.", name=unit.name),
            code="unit_out_of_reach",
        )
    return unit


# -- the figures -------------------------------------------------------------------------------


@dataclass
class Figures:
    carried_over: int = 0
    received_online: int = 0
    received_direct: int = 0
    received_postal: int = 0
    resolved_early: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    in_progress_on_time: int = 0
    in_progress_overdue: int = 0
    supplement_requests: int = 0
    refused: int = 0
    stopped: int = 0
    withdrawn: int = 0

    def add(self, other: "Figures") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def received_new(self) -> int:
        return self.received_online + self.received_direct + self.received_postal

    @property
    def received(self) -> int:
        return self.carried_over + self.received_new

    @property
    def resolved(self) -> int:
        return self.resolved_early + self.resolved_on_time + self.resolved_late

    @property
    def in_progress(self) -> int:
        return self.in_progress_on_time + self.in_progress_overdue

    @property
    def online_share(self) -> float | None:
        """Percent of the new dossiers received online, None when none was received."""
        if not self.received_new:
            return None
        return round(100 * self.received_online / self.received_new, 1)

    def as_dict(self) -> dict:
        derived = ("received", "received_new", "resolved", "in_progress", "online_share")
        return {
            **{f.name: getattr(self, f.name) for f in fields(self)},
            **{name: getattr(self, name) for name in derived},
        }


# The columns of the table, in the form's order (the page, the files and the API agree on them).
COLUMNS = (
    "received",
    "carried_over",
    "received_online",
    "received_direct",
    "received_postal",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "in_progress",
    "in_progress_on_time",
    "in_progress_overdue",
    "supplement_requests",
    "refused",
    "stopped",
    "withdrawn",
    "online_share",
)


@dataclass
class Row:
    key: str
    label: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class OfficerRow:
    username: str
    display_name: str
    unit_code: str
    unit_name: str
    completed: int
    late: int
    average_hours: float | None


@dataclass
class TrendPoint:
    period: Period
    received: int
    resolved: int
    late: int


@dataclass
class Report:
    unit: Unit
    period: Period
    group: str
    rows: list[Row]
    total: Figures
    officers: list[OfficerRow]
    trend: list[TrendPoint]
    start_at: datetime
    end_at: datetime
    as_of: datetime  # the end of the period, or now for a period not over yet
    generated_at: datetime

    @property
    def partial(self) -> bool:
        return self.as_of < self.end_at


def as_json(report: Report) -> dict:
    """The report as plain JSON data: what the API answers and what a frozen report keeps."""
    period = report.period
    return {
        "unit": {"code": report.unit.code, "name": report.unit.name},
        "period": {
            "kind": period.kind,
            "key": period.key,
            "from": period.start.isoformat(),
            "to": period.last_day.isoformat(),
            "start_at": report.start_at.isoformat(),
            "end_at": report.end_at.isoformat(),
            "as_of": report.as_of.isoformat(),
            "complete": not report.partial,
        },
        "group": report.group,
        "columns": list(COLUMNS),
        "rows": [
            {"key": row.key, "label": row.label, **row.figures.as_dict()} for row in report.rows
        ],
        "total": report.total.as_dict(),
        "officers": [
            {
                "username": o.username,
                "display_name": o.display_name,
                "unit": o.unit_code,
                "unit_name": o.unit_name,
                "completed": o.completed,
                "late": o.late,
                "average_hours": o.average_hours,
            }
            for o in report.officers
        ],
        "generated_at": report.generated_at.isoformat(),
    }
