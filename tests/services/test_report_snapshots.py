"""Frozen reports: the figures and files as they were at the freeze stay so when the dossiers
change, freezing again adds a correction, who may freeze and see them, bad input stores
nothing, and the rows cannot be rewritten.

Over the fixture of tests/services/test_reports.py (report month 10/2024 of CLO).
"""

import copy
import hashlib

import pytest
from sqlalchemy import func, select

from motcua.errors import Forbidden, Invalid, NotFound
from motcua.extensions import db
from motcua.models import Apology, AuditEntry, Dossier, ReportSnapshot
from motcua.services import report_counts, reports
from motcua.services import report_periods as periods
from motcua.services import report_snapshots as snapshots
from motcua.unit_of_work import unit_of_work
from tests.services.test_reports import AFTER, EXPECTED, add_supervisor, fill, local, user

LATER = AFTER.replace(day=25)


def month():
    return periods.month(2024, 10)


def apologise(dossier_id: int) -> None:
    """An apology for a dossier still open: its report moves it to overdue, whatever the date."""
    dossier = db.session.get(Dossier, dossier_id)
    db.session.add(
        Apology(
            dossier_id=dossier_id,
            issued_at=LATER,
            reason="Cần xác minh thêm",
            old_appointment_at=dossier.appointment_at,
            new_appointment_at=local("30/11"),
        )
    )
    db.session.commit()


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(ReportSnapshot))


def stored(snapshot_id: int, fmt: str) -> bytes:
    return snapshots.open_file(user("admin"), snapshot_id, fmt)[1]


def test_a_frozen_report_keeps_its_figures_and_files_when_the_dossiers_change(ctx):
    ids = fill()
    supervisor = user("hti.giamsat")
    live = reports.as_json(report_counts.statistics(supervisor, "CLO", month(), now=AFTER))
    frozen = snapshots.freeze(supervisor, "CLO", month(), "field", " Gửi Sở Nội vụ ", now=AFTER)
    assert frozen.figures == live
    assert {k: frozen.figures["total"][k] for k in EXPECTED} == EXPECTED
    assert (frozen.period_kind, frozen.period_key) == ("month", "2024-10")
    assert (frozen.period_start.isoformat(), frozen.period_end.isoformat()) == (
        "2024-09-15",
        "2024-10-15",
    )
    assert frozen.unit.code == "CLO" and frozen.group_by == "field"
    assert frozen.note == "Gửi Sở Nội vụ" and frozen.created_at == AFTER
    xlsx, pdf = stored(frozen.id, "xlsx"), stored(frozen.id, "pdf")
    assert hashlib.sha256(xlsx).hexdigest() == frozen.xlsx_sha256 and len(xlsx) == frozen.xlsx_size
    assert hashlib.sha256(pdf).hexdigest() == frozen.pdf_sha256 and pdf.startswith(b"%PDF")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "report.freeze"))
    assert entry.target_key == str(frozen.id) and entry.unit_id == frozen.unit_id
    assert entry.data["xlsx_sha256"] == frozen.xlsx_sha256

    apologise(ids["online-open"])  # in progress within time → overdue, for the past month too
    moved = report_counts.statistics(supervisor, "CLO", month(), now=LATER).total
    assert moved.in_progress_overdue == EXPECTED["in_progress_overdue"] + 1
    db.session.expire_all()
    again = snapshots.snapshot(supervisor, frozen.id).snapshot
    assert again.figures == live
    assert hashlib.sha256(stored(frozen.id, "xlsx")).hexdigest() == frozen.xlsx_sha256
    assert stored(frozen.id, "xlsx") == xlsx


def test_freezing_again_adds_a_correction_and_the_newest_stands(ctx):
    ids = fill()
    leader = user("clo.ld1")
    first = snapshots.freeze(leader, "CLO", month(), now=AFTER)
    other_group = snapshots.freeze(leader, "CLO", month(), "procedure", now=AFTER)
    apologise(ids["online-open"])
    second = snapshots.freeze(leader, "CLO", month(), note="Đính chính", now=LATER)
    assert (
        second.figures["total"]["in_progress_overdue"]
        == first.figures["total"]["in_progress_overdue"] + 1
    )
    listed = snapshots.snapshots(leader)
    assert [f.snapshot.id for f in listed] == [second.id, other_group.id, first.id]
    by_id = {f.snapshot.id: f for f in listed}
    assert (by_id[second.id].version, by_id[second.id].versions, by_id[second.id].latest) == (
        2,
        2,
        True,
    )
    assert (by_id[first.id].version, by_id[first.id].latest) == (1, False)
    assert by_id[other_group.id].latest and by_id[other_group.id].versions == 1
    one = snapshots.snapshot(leader, first.id)
    assert (one.version, one.versions, one.latest) == (1, 2, False)
    assert snapshots.as_report(first).total.as_dict() == first.figures["total"]
    assert [f.snapshot.id for f in snapshots.snapshots(leader, "CLO.VP")] == []


def test_a_report_frozen_before_the_stopped_column_still_reads(ctx):
    fill()
    frozen = snapshots.freeze(user("admin"), "CLO", month(), now=AFTER)
    figures = copy.deepcopy(frozen.figures)
    for values in (figures["total"], *figures["rows"]):
        del values["stopped"]
    columns = {c.key: getattr(frozen, c.key) for c in ReportSnapshot.__table__.columns}
    old = ReportSnapshot(**{**columns, "id": None, "figures": figures})
    db.session.add(old)
    db.session.commit()
    report = snapshots.as_report(old)
    assert report.total.stopped == 0
    assert report.total.resolved == frozen.figures["total"]["resolved"]


def test_who_may_freeze_and_see_frozen_reports(ctx):
    fill()
    add_supervisor("hkh.giamsat", "HKH")
    frozen = snapshots.freeze(user("clo.ld1"), "CLO", month(), now=AFTER)
    with pytest.raises(Forbidden):
        snapshots.freeze(user("hkh.ld1"), "CLO", month(), now=AFTER)
    with pytest.raises(Forbidden):
        snapshots.freeze(user("clo.cv.tckh1"), "CLO", month(), now=AFTER)
    with pytest.raises(Forbidden):
        snapshots.snapshots(user("clo.cv.tckh1"))
    for outsider in ("hkh.ld1", "hkh.giamsat"):
        assert snapshots.snapshots(user(outsider)) == []
        with pytest.raises(NotFound):
            snapshots.snapshot(user(outsider), frozen.id)
        with pytest.raises(NotFound):
            snapshots.open_file(user(outsider), frozen.id, "xlsx")
        with pytest.raises(Forbidden):
            snapshots.snapshots(user(outsider), "CLO")
    for insider in ("clo.ld1", "hti.giamsat", "admin"):
        assert [f.snapshot.id for f in snapshots.snapshots(user(insider))] == [frozen.id]
    with pytest.raises(NotFound):
        snapshots.open_file(user("admin"), frozen.id, "docx")
    with pytest.raises(NotFound):
        snapshots.snapshot(user("admin"), frozen.id + 1000)


@pytest.mark.parametrize(
    "args, field",
    [
        ({"group": "color"}, "group"),
        ({"note": "x" * (snapshots.MAX_NOTE + 1)}, "note"),
        ({"year": 2099}, "from"),
    ],
)
def test_bad_input_stores_nothing(ctx, args, field):
    fill()
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(Invalid) as raised:
        snapshots.freeze(
            user("hti.giamsat"),
            "CLO",
            periods.month(args.get("year", 2024), 10),
            args.get("group", "field"),
            args.get("note"),
            now=AFTER,
        )
    assert field in raised.value.details
    assert count() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_a_frozen_report_cannot_be_changed_or_removed(ctx):
    fill()
    with unit_of_work():
        frozen = snapshots.freeze(user("admin"), "CLO", month(), now=AFTER)
    frozen.note = "sửa lại"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(ReportSnapshot, frozen.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert count() == 1
