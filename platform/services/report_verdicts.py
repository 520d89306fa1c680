"""When a dossier counts as finished (đã giải quyết), and whether early, on time or late: the SQL
expressions of those rules, shared by the table and the chart of motcua.services.report_counts.

- Finished: processing ended, at ``Dossier.finished_at``: the first of the result ready ("xử
  lý xong"), the return, a refusal, a stop (dừng giải quyết) or a withdrawal, as the 766 index
  counts the end of processing (Quyết định 766/QĐ-TTg [S]) and Biểu 06/VPCP/KSTT of Circular
  01/2020/TT-VPCP counts "đã giải quyết" [S] (LAW.md, "Statistics" and "The 766 index"); the
  hand-over of the result later does not move it (it sets ``returned_at``).
- Early / on time / late: the local calendar day of the end against that of the appointment
  the rules set (``first_appointment_at``: the receipt's, moved by a supplement received (the
  waiting subtracted, 766 [S]), a pause ended or the hand-over to the competent unit), never
  against an apology's new date.
- Late whatever the dates: a dossier with an apology (form 04 of Circular 03/2025/TT-VPCP; the
  dossier still counts late [S]) or with more than one supplement request (one complete request,
  Decree 118/2025/NĐ-CP art. 17.2.a as amended by Decree 309/2026/NĐ-CP [V]; 766 counts a
  second request as late [S]).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, case, cast, func, literal_column, or_, select

from motcua.extensions import db
from motcua.models import Apology, Dossier, DossierStatus, SupplementRequest

# The statuses a finished dossier can have.
RESOLVED = (
    DossierStatus.RESULT_READY,
    DossierStatus.RETURNED,
    DossierStatus.REFUSED,
    DossierStatus.STOPPED,
    DossierStatus.WITHDRAWN,
)


def dialect() -> str:
    return db.session.get_bind().dialect.name


def local_day(column, tz: ZoneInfo, at: datetime):
    """The local calendar day of a UTC column, by the zone's offset at ``at``: Vietnam has kept
    UTC+7 without summer time since 1975. A fixed shift costs PostgreSQL a third of what a zone
    lookup per row does (timezone(zone, …)), which counts over a year of dossiers."""
    minutes = int(at.astimezone(tz).utcoffset().total_seconds() // 60)
    if dialect() == "postgresql":
        shifted = func.timezone("UTC", column) + literal_column(f"INTERVAL '{minutes} minutes'")
        return cast(shifted, Date)
    # SQLite keeps naive UTC text.
    return func.date(column, f"{minutes:+d} minutes")


def appointment():
    """The appointment a finished dossier is judged against (first_appointment_at; the current
    one for rows older than that column)."""
    return func.coalesce(Dossier.first_appointment_at, Dossier.appointment_at)


def later_day(tz: ZoneInfo, at: datetime, earlier: bool = False):
    """Finished on a later local day than the appointment's (or an earlier one). The plain
    comparison of the instants comes first so that the local days are computed only where they
    can decide."""
    d, due = Dossier, appointment()
    day_finished, day_due = local_day(d.finished_at, tz, at), local_day(due, tz, at)
    if earlier:
        return and_(d.finished_at < due, day_finished < day_due)
    return and_(d.finished_at > due, day_finished > day_due)


def repeated_requests():
    """The ids of the dossiers asked for papers more than once, to outer-join."""
    r = SupplementRequest
    return (
        select(r.dossier_id.label("dossier_id"))
        .group_by(r.dossier_id)
        .having(func.count() > 1)
        .subquery("repeated")
    )


def late_whatever(repeated):
    """Late whatever the dates: an apology, or more than one supplement request (the subquery
    of ``repeated_requests``); needs Apology outer-joined by its dossier."""
    return or_(Apology.id.is_not(None), repeated.c.dossier_id.is_not(None))


def verdict(tz: ZoneInfo, at: datetime, repeated, early, on_time, late):
    """The state of a finished dossier: finished on an earlier local day than its appointment's,
    the same day, or a later one; late whenever ``late_whatever``."""
    return case(
        (late_whatever(repeated), late),
        (later_day(tz, at, earlier=True), early),
        (later_day(tz, at), late),
        else_=on_time,
    )
