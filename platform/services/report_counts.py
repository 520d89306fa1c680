"""The statistics report counted: `statistics`, which makes a unit's report for a period, and the
SQL that counts its figures (received, resolved and in progress by row, the supplement requests,
the officers' steps, the chart's trend). What each figure means: motcua.services.reports.

Queries (PostgreSQL; indexes of migration 0006, no summary table)
-----------------------------------------------------------------
- The table: one grouped query over the dossiers that matter to the period, those received in
  it (ix_dossiers_received_at) or received before it and finished after its start or not at
  all (ix_dossiers_finished_at, which answers "finished_at IS NULL" too), as a BitmapOr of
  the three arms; the apology left-joined by its unique dossier_id, and the dossiers asked for
  papers more than once by one hashed aggregate of supplement_requests (a few milliseconds for
  a province's year of requests). A month of a province is a few tens of thousands of rows,
  read in the table's order.
- The chart: the dossiers received in its window, counted by bucket from ix_dossiers_received_at
  alone, and those resolved in it, classified early / late from ix_dossiers_finished_at alone:
  that index carries status, both appointments (the verdict reads first_appointment_at,
  motcua.services.report_verdicts), unit, procedure and id (INCLUDE, migration 0010), so a year
  of finished dossiers is read from the index instead of row by row from the table.
- Supplement requests by ix_supplement_requests_requested_at, steps by ix_tasks_completed_at.
- The local day is a fixed shift of the UTC time (see report_verdicts.local_day), and the plain
  comparison of the instants is made first, so that the shift is computed only where it can
  matter.
A summary table was not needed: once a day is over its flows do not change, but the stocks
(carried over, in progress) and the verdicts need the dossiers' own rows anyway, and keeping a
table in step would need a hook in every service that changes a dossier.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    and_,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)

from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import (
    Apology,
    Channel,
    Dossier,
    DossierStatus,
    Procedure,
    SupplementRequest,
    Task,
    TaskStatus,
    Unit,
    User,
    utcnow,
)
from motcua.services import deadlines, org
from motcua.services import report_verdicts as verdicts
from motcua.services.report_periods import Period, trend_buckets
from motcua.services.reports import Figures, OfficerRow, Report, Row, TrendPoint, report_unit
from motcua.vocabulary import NOT_RECEIVED

GROUPS = ("field", "procedure", "unit")


def statistics(
    user: User,
    unit_code: str | None,
    period: Period,
    group: str = "field",
    *,
    trend: bool = False,
    now: datetime | None = None,
) -> Report:
    """The report of the unit and the units below it for the period, rows by ``group``
    (field, procedure or unit), with the officers' steps, and the chart's points if ``trend``.

    Raises Forbidden (not a supervisor, leader or system admin; unit out of reach), NotFound
    (unknown unit), Invalid (unknown group, a period that has not begun).
    """
    unit = report_unit(user, unit_code)
    if group not in GROUPS:
        raise Invalid(
            _l("Cách nhóm không hợp lệ."),
            code="invalid_group",
            details={"group": _l("Nhóm theo field, procedure hoặc unit.")},
        )
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    now = now or utcnow()
    start_at, end_at = period.bounds(tz)
    if start_at > now:
        raise Invalid(
            _l("Kỳ báo cáo chưa bắt đầu."),
            code="period_not_started",
            details={"from": _l("Sau hôm nay.")},
        )
    scope = _scope(unit)
    as_of = min(end_at, now)
    cells = _dossier_figures(scope, group, start_at, end_at, as_of, tz)
    for key, count in _supplement_requests(scope, group, start_at, end_at).items():
        cells.setdefault(key, Figures()).supplement_requests += count
    rows = _rows(cells, group)
    total = Figures()
    for row in rows:
        total.add(row.figures)
    return Report(
        unit=unit,
        period=period,
        group=group,
        rows=rows,
        total=total,
        officers=_officers(scope, start_at, end_at),
        trend=_trend(scope, trend_buckets(period), tz, now) if trend else [],
        start_at=start_at,
        end_at=end_at,
        as_of=as_of,
        generated_at=now,
    )


def _scope(unit: Unit) -> set[int] | None:
    """The unit and the units below it; None when that is every unit (no filter needed)."""
    ids = org.subtree_ids({unit.id})
    return None if len(ids) == db.session.scalar(select(func.count()).select_from(Unit)) else ids


def _in_scope(column, scope: set[int] | None) -> list:
    return [] if scope is None else [column.in_(scope)]


# How each dossier of the period is received (r), where it stands at the end (s) and how it
# ended (k, its status), as small numbers and values that the counts compare cheaply.
RECEIVED = {"carried_over": 0, Channel.ONLINE: 1, Channel.DIRECT: 2, Channel.POSTAL: 3}
EARLY, ON_TIME, LATE, OPEN, OVERDUE = 1, 2, 3, 8, 9
COUNTS = {
    "carried_over": lambda r, s, k: r == 0,
    "received_online": lambda r, s, k: r == 1,
    "received_direct": lambda r, s, k: r == 2,
    "received_postal": lambda r, s, k: r == 3,
    "resolved_early": lambda r, s, k: s == EARLY,
    "resolved_on_time": lambda r, s, k: s == ON_TIME,
    "resolved_late": lambda r, s, k: s == LATE,
    "refused": lambda r, s, k: and_(s.between(EARLY, LATE), k == DossierStatus.REFUSED),
    "stopped": lambda r, s, k: and_(s.between(EARLY, LATE), k == DossierStatus.STOPPED),
    "withdrawn": lambda r, s, k: and_(s.between(EARLY, LATE), k == DossierStatus.WITHDRAWN),
    "in_progress_on_time": lambda r, s, k: s == OPEN,
    "in_progress_overdue": lambda r, s, k: s == OVERDUE,
}


def _grouped(query, group: str, unit_id, procedure_id):
    """The query counted by the report's rows: a procedure's field, a procedure or a unit."""
    if group == "field":
        key = Procedure.field
        query = query.join(Procedure, Procedure.id == procedure_id)
    else:
        key = procedure_id if group == "procedure" else unit_id
    return query.add_columns(key.label("key")).group_by(key)


def _dossier_figures(scope, group, start_at, end_at, as_of, tz) -> dict:
    """The figures of each row (by ``_grouped``) but the supplement requests. Each dossier is given
    its numbers once, in a UNION ALL subquery, which PostgreSQL does not inline: inlined, the
    classification would be computed again in each of the counts."""
    d = Dossier
    repeated = verdicts.repeated_requests()
    overdue = or_(
        verdicts.late_whatever(repeated),
        and_(
            deadlines.overdue(d.appointment_at, as_of),
            or_(d.clock_stopped_at.is_(None), d.clock_stopped_at > d.appointment_at),
        ),
    )
    received = case(
        (d.received_at < start_at, 0),
        *((d.channel == channel, n) for channel, n in RECEIVED.items() if n),
    )
    state = case(
        (
            or_(d.finished_at.is_(None), d.finished_at >= end_at),
            case((overdue, OVERDUE), else_=OPEN),
        ),
        (
            d.status.in_(verdicts.RESOLVED),
            verdicts.verdict(tz, start_at, repeated, EARLY, ON_TIME, LATE),
        ),
        else_=0,  # finished in the period without a final status: not counted
    )
    # A dossier received at another unit's centre (Decree 118/2025/NĐ-CP art. 14) counts as
    # received for that centre and as decided (or in progress) for its competent unit: -1 marks
    # "received, but not here" in the competent unit's row, and a second arm gives the centre
    # its receipt.
    elsewhere = and_(d.receiving_unit_id != d.unit_id, d.received_at >= start_at)
    decided = (
        select(
            d.unit_id,
            d.procedure_id,
            case((elsewhere, -1), else_=received).label("r"),
            state.label("s"),
            d.status.label("k"),
        )
        .select_from(d)
        .outerjoin(Apology, Apology.dossier_id == d.id)
        .outerjoin(repeated, repeated.c.dossier_id == d.id)
        .where(
            # Three arms, each answered by an index: received in the period; received before it
            # and finished after its start; received before it and not finished.
            or_(
                and_(d.received_at >= start_at, d.received_at < end_at),
                and_(d.finished_at >= start_at, d.received_at < start_at),
                and_(d.finished_at.is_(None), d.received_at < start_at),
            ),
            d.status.not_in(NOT_RECEIVED),
            *_in_scope(d.unit_id, scope),
        )
    )
    received_for_others = select(
        d.receiving_unit_id.label("unit_id"),
        d.procedure_id,
        received.label("r"),
        literal(0).label("s"),
        d.status.label("k"),
    ).where(
        d.receiving_unit_id != d.unit_id,
        d.received_at >= start_at,
        d.received_at < end_at,
        d.status.not_in(NOT_RECEIVED),
        *_in_scope(d.receiving_unit_id, scope),
    )
    rows = union_all(decided, received_for_others).subquery()
    counts = (
        func.count().filter(test(rows.c.r, rows.c.s, rows.c.k)).label(n)
        for n, test in COUNTS.items()
    )
    query = _grouped(select(*counts).select_from(rows), group, rows.c.unit_id, rows.c.procedure_id)
    return {
        row.key: Figures(**{name: row._mapping[name] for name in COUNTS})
        for row in db.session.execute(query)
    }


def _supplement_requests(scope, group, start_at, end_at) -> dict:
    query = (
        select(func.count().label("n"))
        .select_from(SupplementRequest)
        .join(Dossier, Dossier.id == SupplementRequest.dossier_id)
        .where(
            SupplementRequest.requested_at >= start_at,
            SupplementRequest.requested_at < end_at,
            *_in_scope(Dossier.unit_id, scope),
        )
    )
    query = _grouped(query, group, Dossier.unit_id, Dossier.procedure_id)
    return {row.key: row.n for row in db.session.execute(query)}


def _rows(cells: dict, group: str) -> list[Row]:
    """The rows, named and in order: fields by name, procedures by field and code, units by
    code."""
    if group == "field":
        return [Row(key, key, cells[key]) for key in sorted(cells)]
    if group == "procedure":
        named = db.session.scalars(select(Procedure).where(Procedure.id.in_(cells)))
        ordered = sorted(named, key=lambda p: (p.field, p.code))
    else:
        ordered = sorted(
            db.session.scalars(select(Unit).where(Unit.id.in_(cells))), key=lambda u: u.code
        )
    return [Row(item.code, item.name, cells[item.id]) for item in ordered]


def _hours(start, end):
    if verdicts.dialect() == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def _officers(scope, start_at, end_at) -> list[OfficerRow]:
    t = Task
    query = (
        select(
            t.completed_by_id,
            func.count(),
            func.count().filter(deadlines.overdue(t.due_at, t.completed_at)),
            func.avg(_hours(t.created_at, t.completed_at)),
        )
        .where(
            t.status == TaskStatus.DONE,
            t.completed_at >= start_at,
            t.completed_at < end_at,
            t.completed_by_id.is_not(None),
            # Waiting for the applicant's papers measures the applicant, not the officer.
            t.waits_for_applicant.is_(False),
            *_in_scope(t.unit_id, scope),
        )
        .group_by(t.completed_by_id)
    )
    found = {user_id: (n, late, hours) for user_id, n, late, hours in db.session.execute(query)}
    if not found:
        return []
    users = db.session.execute(
        select(User, Unit).join(Unit, Unit.id == User.unit_id).where(User.id.in_(found))
    ).all()
    rows = []
    for user, unit in sorted(users, key=lambda r: (r[1].code, r[0].display_name, r[0].username)):
        n, late, hours = found[user.id]
        rows.append(
            OfficerRow(
                username=user.username,
                display_name=user.display_name,
                unit_code=unit.code,
                unit_name=unit.name,
                completed=n,
                late=late,
                average_hours=None if hours is None else round(float(hours), 1),
            )
        )
    return rows


def _bucket(column, edges: list[datetime]):
    return case(*((column < end, i) for i, end in enumerate(edges)))


def _trend(scope, buckets: list[Period], tz: ZoneInfo, now: datetime) -> list[TrendPoint]:
    """Dossiers received, resolved and resolved late in each bucket."""
    buckets = [b for b in buckets if b.bounds(tz)[0] <= now]
    if not buckets:
        return []
    edges = [b.bounds(tz)[1] for b in buckets]
    low, high = buckets[0].bounds(tz)[0], edges[-1]
    d = Dossier
    received = (
        select(_bucket(d.received_at, edges).label("b"))
        .where(
            d.received_at >= low,
            d.received_at < high,
            d.status.not_in(NOT_RECEIVED),
            *_in_scope(d.receiving_unit_id, scope),
        )
        .subquery()
    )
    repeated = verdicts.repeated_requests()
    late = or_(verdicts.late_whatever(repeated), verdicts.later_day(tz, low))
    resolved = (
        select(_bucket(d.finished_at, edges).label("b"), late.label("late"))
        .select_from(d)
        .outerjoin(Apology, Apology.dossier_id == d.id)
        .outerjoin(repeated, repeated.c.dossier_id == d.id)
        .where(
            d.finished_at >= low,
            d.finished_at < high,
            d.status.in_(verdicts.RESOLVED),
            *_in_scope(d.unit_id, scope),
        )
        .subquery()
    )
    counts_in = dict(
        db.session.execute(select(received.c.b, func.count()).group_by(received.c.b)).all()
    )
    counts_out = {
        b: (n, n_late)
        for b, n, n_late in db.session.execute(
            select(resolved.c.b, func.count(), func.count().filter(resolved.c.late)).group_by(
                resolved.c.b
            )
        )
    }
    return [
        TrendPoint(b, counts_in.get(i, 0), *counts_out.get(i, (0, 0)))
        for i, b in enumerate(buckets)
    ]
