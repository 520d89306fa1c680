"""Frozen reports (báo cáo đã chốt): a statistics report kept exactly as it was sent.

Reports are computed from the dossiers' current rows, so a report on a past period changes when
a later act moves a dossier (a supplement received, an apology). The weekly report (Friday
17:00), the monthly one (by the 20th) and the annual one must stay on record as sent: freezing
a report stores its figures (the JSON of reports.as_json, as the API gives them) and its Excel
and PDF files, made by the code of the page's downloads (report_files), in storage under their
sha256. The files are rendered in Vietnamese, whatever language the officer's pages use: they
are the record of what the office sent.

A frozen report is never changed. Freezing the same unit, period and grouping again adds a new
one (a correction); the newest stands and the older ones stay, marked as superseded.

Who: whoever may see the report (reports.reach): supervisors and leaders for their units and
the units below, the system admin. A frozen report out of the actor's reach is not found.
"""

import io
from dataclasses import dataclass, fields
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from motcua.errors import Invalid, NotFound
from motcua.extensions import db
from motcua.models import ReportSnapshot, User
from motcua.services import (
    audit,
    org,
    report_counts,
    report_files,
    report_workbook,
    reports,
    storage,
)
from motcua.services.report_periods import Period
from motcua.vocabulary import in_vietnamese

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
MAX_NOTE = 2000


@dataclass(frozen=True)
class Frozen:
    """A frozen report and its place among the freezes of its unit, period and grouping."""

    snapshot: ReportSnapshot
    version: int  # 1 for the first freeze, 2 for its first correction…
    versions: int

    @property
    def latest(self) -> bool:
        return self.version == self.versions

    @property
    def period(self) -> Period:
        return period_of(self.snapshot)


@dataclass(frozen=True)
class FrozenUnit:
    """The unit as the frozen figures name it (a unit renamed later keeps its old name here)."""

    code: str
    name: str


def freeze(
    actor: User,
    unit_code: str | None,
    period: Period,
    group: str = "field",
    note: str | None = None,
    *,
    now: datetime | None = None,
) -> ReportSnapshot:
    """Compute the report as the page shows it, store its figures, Excel and PDF, record it in
    the audit log.

    Raises as report_counts.statistics (Forbidden, NotFound, Invalid), and Invalid (details: note)
    for a note longer than MAX_NOTE characters. Nothing is stored when it raises.
    """
    reports.reach(actor)  # refuse those who may not see reports before judging their input
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise Invalid(
            _l("Ghi chú quá dài."),
            code="invalid_note",
            details={"note": _l("Tối đa %(n)s ký tự.", n=MAX_NOTE)},
        )
    report = report_counts.statistics(actor, unit_code, period, group, trend=True, now=now)
    with force_locale("vi"):
        xlsx, pdf = report_workbook.workbook(report), report_files.pdf(report)
    # Files first: storage is content-addressed and never overwritten, so a failed commit
    # leaves at most an unreferenced file, never a row without its file.
    root = current_app.config["STORAGE_DIR"]
    xlsx_sha256, xlsx_size, xlsx_key = storage.store(root, io.BytesIO(xlsx))
    pdf_sha256, pdf_size, pdf_key = storage.store(root, io.BytesIO(pdf))
    snapshot = ReportSnapshot(
        unit_id=report.unit.id,
        period_kind=report.period.kind,
        period_key=report.period.key,
        period_start=report.period.start,
        period_end=report.period.end,
        group_by=report.group,
        figures=reports.as_json(report),
        xlsx_sha256=xlsx_sha256,
        xlsx_storage_key=xlsx_key,
        xlsx_size=xlsx_size,
        pdf_sha256=pdf_sha256,
        pdf_storage_key=pdf_key,
        pdf_size=pdf_size,
        created_by_id=actor.id,
        created_at=report.generated_at,
        note=note,
    )
    db.session.add(snapshot)
    db.session.flush()
    audit.record(
        actor,
        "report.freeze",
        "report_snapshot",
        str(snapshot.id),
        f"Chốt số liệu báo cáo thống kê của {report.unit.name} ({report.unit.code}), kỳ "
        f"{_days(report.period.start)} – {_days(report.period.last_day)}, nhóm theo "
        f"{_group_words(report.group)}",
        unit=report.unit,
        data={
            "period": {"kind": report.period.kind, "key": report.period.key},
            "group": report.group,
            "xlsx_sha256": xlsx_sha256,
            "pdf_sha256": pdf_sha256,
            "note": note,
        },
    )
    return snapshot


def snapshots(actor: User, unit_code: str | None = None, *, limit: int = 500) -> list[Frozen]:
    """The frozen reports the actor may see, newest first; with ``unit_code``, those of the unit
    and the units below it. Raises Forbidden (no reach, unit out of reach), NotFound (unit)."""
    reached = reports.reach(actor)
    if unit_code and unit_code.strip():
        reached = org.subtree_ids({reports.report_unit(actor, unit_code).id})
    s = ReportSnapshot
    same = (s.unit_id, s.period_kind, s.period_key, s.group_by)
    # A unit filter keeps or drops all the freezes of a report together, so the numbering
    # within the filtered rows is the numbering among all of them.
    numbered = select(
        s.id,
        func.row_number().over(partition_by=same, order_by=s.id).label("version"),
        func.count().over(partition_by=same).label("versions"),
    )
    if reached is not None:
        numbered = numbered.where(s.unit_id.in_(reached))
    numbered = numbered.subquery()
    rows = db.session.execute(
        select(s, numbered.c.version, numbered.c.versions)
        .join(numbered, numbered.c.id == s.id)
        .options(joinedload(s.unit), joinedload(s.created_by))
        .order_by(s.created_at.desc(), s.id.desc())
        .limit(limit)
    )
    return [Frozen(snapshot, version, versions) for snapshot, version, versions in rows]


def snapshot(actor: User, snapshot_id: int) -> Frozen:
    """One frozen report the actor may see. Raises Forbidden (no reach), NotFound."""
    reached = reports.reach(actor)
    found = db.session.get(ReportSnapshot, snapshot_id)
    if found is None or (reached is not None and found.unit_id not in reached):
        raise NotFound(_l("Không có báo cáo đã chốt này."), code="snapshot_not_found")
    s = ReportSnapshot
    ids = list(
        db.session.scalars(
            select(s.id)
            .where(
                s.unit_id == found.unit_id,
                s.period_kind == found.period_kind,
                s.period_key == found.period_key,
                s.group_by == found.group_by,
            )
            .order_by(s.id)
        )
    )
    return Frozen(found, ids.index(found.id) + 1, len(ids))


def open_file(actor: User, snapshot_id: int, fmt: str) -> tuple[ReportSnapshot, bytes]:
    """The stored Excel or PDF of a frozen report, byte for byte as frozen. Raises Forbidden,
    NotFound (no such report or format, the file missing from storage)."""
    if fmt not in FORMATS:
        raise NotFound(_l("Báo cáo đã chốt chỉ có tệp xlsx và pdf."), code="format_not_found")
    found = snapshot(actor, snapshot_id).snapshot
    try:
        with storage.open_file(
            current_app.config["STORAGE_DIR"], getattr(found, f"{fmt}_storage_key")
        ) as stream:
            return found, stream.read()
    except FileNotFoundError:
        raise NotFound(
            _l("Không tìm thấy tệp của báo cáo đã chốt trong kho lưu trữ."), code="file_missing"
        ) from None


def period_of(found: ReportSnapshot) -> Period:
    return Period(found.period_kind, found.period_key, found.period_start, found.period_end)


def file_name(found: ReportSnapshot, fmt: str) -> str:
    code = found.figures["unit"]["code"]
    return f"bao-cao-{code}-{found.period_key}-chot-{found.id}.{fmt}"


def as_report(found: ReportSnapshot) -> reports.Report:
    """The frozen figures as a report object, for the page's table (no chart: its points are
    in the PDF)."""
    data = found.figures
    names = [f.name for f in fields(reports.Figures)]

    def figures(values: dict) -> reports.Figures:
        # Reports frozen before a column existed (stopped, December 2026) lack it.
        return reports.Figures(**{name: values.get(name, 0) for name in names})

    moments = {k: datetime.fromisoformat(data["period"][k]) for k in ("start_at", "end_at")}
    return reports.Report(
        unit=FrozenUnit(data["unit"]["code"], data["unit"]["name"]),
        period=period_of(found),
        group=data["group"],
        rows=[reports.Row(r["key"], r["label"], figures(r)) for r in data["rows"]],
        total=figures(data["total"]),
        officers=[
            reports.OfficerRow(
                username=o["username"],
                display_name=o["display_name"],
                unit_code=o["unit"],
                unit_name=o.get("unit_name", o["unit"]),
                completed=o["completed"],
                late=o["late"],
                average_hours=o["average_hours"],
            )
            for o in data["officers"]
        ],
        trend=[],
        as_of=datetime.fromisoformat(data["period"]["as_of"]),
        generated_at=datetime.fromisoformat(data["generated_at"]),
        **moments,
    )


def _group_words(group: str) -> str:
    """The grouping as the summary names it ("thủ tục hành chính"), stored in Vietnamese."""
    label = report_files.GROUP_LABELS.get(group)
    return in_vietnamese(label).lower() if label is not None else group


def _days(day: date) -> str:
    return day.strftime("%d/%m/%Y")
