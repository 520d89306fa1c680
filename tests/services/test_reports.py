"""Statistics reports: the periods' rules, who may see what, and every figure of the report
checked against a fixture of dossiers in every state, counted by hand.

The fixture (``fill``) is also used by the page and API tests (tests/web/test_reports_pages.py,
tests/api/test_reports_api.py). Its period is the report month 10/2024: from 15/09/2024 00:00 to
15/10/2024 00:00, local time (Asia/Ho_Chi_Minh, UTC+7).
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from motcua.errors import Forbidden, Invalid, NotFound
from motcua.extensions import db
from motcua.models import (
    Apology,
    Dossier,
    Procedure,
    ProcessVersion,
    Role,
    SupplementRequest,
    Task,
    Unit,
    User,
    UserRole,
)
from motcua.services import auth, demo, report_counts, reports
from motcua.services import report_periods as periods

HOUSEHOLD, COPY = "1.001612", "2.000815"
HOUSEHOLD_FIELD, COPY_FIELD = "Thành lập và hoạt động của hộ kinh doanh", "Chứng thực"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
AFTER = datetime(2024, 11, 20, 3, 0, tzinfo=UTC)  # "now" for the service tests: period is over


def local(moment: str) -> datetime:
    """A local time of 2024, "dd/mm" (09:00) or "dd/mm HH:MM", as the UTC instant the database
    keeps."""
    day, _, clock = moment.partition(" ")
    d, m = (int(x) for x in day.split("/"))
    hour, minute = (int(x) for x in (clock or "09:00").split(":"))
    return datetime(2024, m, d, hour, minute, tzinfo=TZ).astimezone(UTC)


# The dossiers: name, unit, procedure (H household business, C copy certification), channel,
# status, received, appointment, finished (local times of 2024), and extras: an apology, the
# first appointment when it differs, a supplement request, the clock stopped since.
# What each must count as, for the commune CLO and the units below it, is written under it. Two
# of them are placed at CLO's office CLO.VP, a unit below the commune, so that the report of CLO
# is seen to add up its subtree.
# fmt: off
DOSSIERS = [
    # received in the period, by every channel
    ("online-open", "CLO", "H", "online", "processing", "20/09", "30/10", None, {}),
    #   received online; in progress within time (appointment after the end)
    ("direct-early", "CLO", "H", "direct", "returned", "21/09", "28/09", "25/09 10:00", {}),
    #   received direct; resolved early (25/09 before 28/09)
    ("postal-same-day", "CLO.VP", "C", "postal", "returned", "22/09", "30/09 16:00",
     "30/09 06:30", {}),
    #   received postal at an office below CLO; resolved on time: the same local day, though
    #   29/09 in UTC (06:30 local is 23:30 UTC the day before)
    ("direct-late", "CLO", "H", "direct", "returned", "16/09", "01/10 16:00", "02/10 08:00", {}),
    #   resolved late: the next day, though only 16 hours after
    ("apology-resolved", "CLO", "H", "direct", "returned", "17/09", "08/10", "05/10",
     {"apology": "02/10", "first": "03/10"}),
    #   resolved late: it had an apology, though it finished before its new appointment
    ("supplemented-on-time", "CLO", "H", "direct", "returned", "15/09 00:00", "06/10 15:00",
     "06/10 10:00", {"supplement": "18/09"}),
    #   received at the first instant of the period; resolved on time against the appointment
    #   its supplement moved (the receipt's, 22/09, had passed; the rules moved
    #   first_appointment_at with it); one supplement request
    ("refused-early", "CLO", "C", "online", "refused", "23/09", "30/09", "26/09", {}),
    #   received online; resolved early; a refusal
    ("withdrawn", "CLO", "H", "direct", "withdrawn", "24/09", "04/10", "27/09", {}),
    #   received direct; withdrawn: its processing ended, resolved early (766 index)
    ("overdue-open", "CLO", "H", "direct", "processing", "18/09", "10/10", None, {}),
    #   in progress, overdue (10/10 passed before the end)
    ("waiting", "CLO.VP", "H", "direct", "waiting_applicant", "19/09", "01/10", None,
     {"stopped": "25/09", "supplement": "25/09"}),
    #   at the office; in progress within time: its clock stopped before its appointment;
    #   a supplement request
    ("apology-open", "CLO", "H", "direct", "processing", "25/09", "20/10", None,
     {"apology": "08/10", "first": "10/10"}),
    #   in progress, overdue: it had an apology (its new appointment is after the end)
    ("last-minute", "CLO", "H", "online", "processing", "14/10 23:55", "20/10", None, {}),
    #   received online at 23:55 on the last day; in progress within time
    ("finished-after-end", "CLO", "H", "direct", "returned", "01/10", "18/10", "20/10", {}),
    #   in progress within time at the end (it finished later; appointment after the end)
    # carried over from before the period
    ("carried-resolved", "CLO", "H", "direct", "returned", "01/09", "18/09", "20/09", {}),
    #   carried over; resolved late
    ("carried-open", "CLO", "H", "online", "processing", "10/09", "12/10", None,
     {"supplement": "20/09"}),
    #   carried over; in progress, overdue; a supplement request
    # none of these count
    ("finished-before", "CLO", "H", "direct", "returned", "01/09", "12/09", "10/09",
     {"supplement": "05/09"}),
    #   finished before the period (its supplement request was made before it too)
    ("just-after", "CLO", "H", "online", "processing", "15/10 00:05", "25/10", None, {}),
    #   received 5 minutes after the end
    ("other-commune", "HKH", "H", "direct", "returned", "20/09", "30/09", "25/09",
     {"supplement": "21/09"}),
    #   another commune
]
# fmt: on

# The hand count for the commune CLO and the units below it.
EXPECTED = {
    "carried_over": 2,  # carried-resolved, carried-open
    "received_online": 3,  # online-open, refused-early, last-minute
    "received_direct": 9,  # direct-early, direct-late, apology-resolved, supplemented-on-time,
    # withdrawn, overdue-open, waiting, apology-open, finished-after-end
    "received_postal": 1,  # postal-same-day
    "received_new": 13,
    "received": 15,
    "resolved": 8,
    "resolved_early": 3,  # direct-early, refused-early, withdrawn
    "resolved_on_time": 2,  # postal-same-day, supplemented-on-time
    "resolved_late": 3,  # direct-late, apology-resolved, carried-resolved
    "in_progress": 7,
    "in_progress_on_time": 4,  # online-open, waiting, last-minute, finished-after-end
    "in_progress_overdue": 3,  # overdue-open, apology-open, carried-open
    "supplement_requests": 3,  # supplemented-on-time, waiting, carried-open
    "refused": 1,  # refused-early
    "stopped": 0,
    "withdrawn": 1,
    "online_share": 23.1,  # 3 of 13 new
}
# By field: the two dossiers of the copy certification procedure (the rest are the other).
EXPECTED_COPY = {
    "received": 2,
    "received_online": 1,
    "received_postal": 1,
    "resolved": 2,
    "resolved_early": 1,
    "resolved_on_time": 1,
    "refused": 1,
    "online_share": 50.0,
}
# Steps: officer, unit (whose inbox), opened, completed, due, status.
# fmt: off
STEPS = [
    ("clo.cv.tckh1", "CLO.KT", "20/09 08:00", "20/09 12:00", "21/09", "done"),  # 4 h
    ("clo.cv.tckh1", "CLO.KT", "21/09 08:00", "23/09 08:00", "22/09", "done"),  # 48 h, late
    ("clo.ld1", "CLO", "01/10 09:00", "01/10 11:00", "02/10", "done"),  # 2 h
    ("clo.cv.tckh1", "CLO.KT", "14/10", "16/10", "18/10", "done"),  # done after the period
    ("hkh.ld1", "HKH", "20/09", "21/09", "22/09", "done"),  # another commune
    ("clo.cv.tckh2", "CLO.KT", "20/09", None, "22/09", "claimed"),  # not done
]
# fmt: on
EXPECTED_OFFICERS = {
    # username: (completed, late, average hours): (4 h + 48 h) / 2 = 26 h
    "clo.cv.tckh1": (2, 1, 26.0),
    "clo.ld1": (1, 0, 2.0),
}


def fill() -> dict[str, int]:
    """Write the fixture's dossiers, supplement requests, apologies and steps; commit. Needs an
    app context. Returns the dossiers' ids by name."""
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    procedures = {p.code: p for p in db.session.scalars(select(Procedure))}
    users = {u.username: u for u in db.session.scalars(select(User))}
    version = db.session.scalar(select(ProcessVersion).limit(1))
    codes = {"H": HOUSEHOLD, "C": COPY}
    ids = {}
    for n, row in enumerate(DOSSIERS):
        name, unit, procedure, channel, status, received, due, finished, extra = row
        extra = {key: local(value) for key, value in extra.items()}
        appointment = local(due)
        dossier = Dossier(
            code=f"RPT-{n:03d}-{name}",
            procedure_id=procedures[codes[procedure]].id,
            unit_id=units[unit].id,
            process_version_id=version.id,
            applicant_name=f"Người nộp {name}",
            applicant_id_number=f"0421{n:08d}",
            channel=channel,
            status=status,
            received_at=local(received),
            appointment_at=appointment,
            first_appointment_at=extra.get("first", appointment),
            finished_at=local(finished) if finished else None,
            clock_stopped_at=extra.get("stopped"),
            workflow_state="",
        )
        db.session.add(dossier)
        db.session.flush()
        ids[name] = dossier.id
        if "apology" in extra:
            db.session.add(
                Apology(
                    dossier_id=dossier.id,
                    issued_at=extra["apology"],
                    reason="Hồ sơ cần xác minh thêm",
                    old_appointment_at=extra.get("first", appointment),
                    new_appointment_at=appointment,
                )
            )
        if "supplement" in extra:
            db.session.add(
                SupplementRequest(
                    dossier_id=dossier.id,
                    requested_at=extra["supplement"],
                    reason="Thiếu bản sao giấy tờ",
                    items=["Bản sao CCCD"],
                )
            )
    for n, (username, unit, opened, completed, due, status) in enumerate(STEPS):
        officer = users[username]
        db.session.add(
            Task(
                dossier_id=ids["online-open"],
                engine_task_id=f"rpt-{n}",
                step_id=f"buoc_{n}",
                step_name=f"Bước {n}",
                handler="specialist",
                unit_id=units[unit].id,
                role=Role.SPECIALIST,
                time_limit="1d",
                status=status,
                created_at=local(opened),
                due_at=local(due),
                assignee_id=officer.id,
                completed_at=local(completed) if completed else None,
                completed_by_id=officer.id if completed else None,
            )
        )
    db.session.commit()
    return ids


def add_supervisor(username: str, unit_code: str) -> None:
    """A supervisor of one unit (password "demo"); needs an app context."""
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    officer = User(
        username=username,
        display_name=f"Giám sát {unit_code}",
        unit=unit,
        password_hash=auth.hash_password(demo.PASSWORD),
        active=True,
    )
    officer.roles = [UserRole(unit=unit, role=Role.SUPERVISOR)]
    db.session.add(officer)
    db.session.commit()


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def figures_of(report_figures) -> dict:
    values = report_figures.as_dict()
    return {key: values[key] for key in EXPECTED}


# -- periods -----------------------------------------------------------------------------------


def test_a_week_runs_from_friday_to_thursday_and_is_named_by_its_iso_week(ctx):
    week = periods.week(2026, 47)  # ISO week 47 of 2026: Monday 16 to Sunday 22 November
    assert (week.start, week.end) == (date(2026, 11, 13), date(2026, 11, 20))
    assert week.start.weekday() == 4 and week.last_day.weekday() == 3  # Friday … Thursday
    assert periods.containing("week", date(2026, 11, 19)) == week
    assert periods.containing("week", date(2026, 11, 20)).key == "2026-W48"
    # On Friday the report due at 17:00 is the week that ended on Thursday.
    assert periods.latest_ended("week", date(2026, 11, 20)) == week
    assert periods.week(2027, 1).start == date(2027, 1, 1)  # ISO week 1 of 2027 ends on 7/1


def test_a_month_runs_from_the_15th_to_the_14th_and_a_year_from_15_december(ctx):
    november = periods.month(2026, 11)
    assert (november.start, november.last_day) == (date(2026, 10, 15), date(2026, 11, 14))
    assert periods.month(2026, 1).start == date(2025, 12, 15)
    assert periods.containing("month", date(2026, 11, 14)) == november
    assert periods.containing("month", date(2026, 11, 15)).key == "2026-12"
    assert periods.latest_ended("month", date(2026, 11, 16)) == november
    year = periods.year_period(2026)
    assert (year.start, year.last_day) == (date(2025, 12, 15), date(2026, 12, 14))
    assert periods.containing("year", date(2026, 12, 15)).key == "2027"


def test_the_start_days_are_settings(app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_MONTH_START_DAY", 1)
    monkeypatch.setitem(app.config, "REPORT_WEEK_START_DAY", 0)
    with app.app_context():
        assert periods.month(2026, 2).start == date(2026, 2, 1)
        assert periods.month(2026, 2).end == date(2026, 3, 1)
        assert periods.containing("month", date(2026, 2, 28)).key == "2026-02"
        assert periods.year_period(2026).start == date(2026, 1, 1)
        assert periods.week(2026, 47).start == date(2026, 11, 16)  # Monday to Sunday


def test_the_chart_covers_twelve_weeks_or_months_or_the_months_of_a_year(ctx):
    november = periods.month(2026, 11)
    buckets = periods.trend_buckets(november)
    assert len(buckets) == 12 and buckets[-1] == november
    assert all(a.end == b.start for a, b in zip(buckets, buckets[1:], strict=False))
    year = periods.year_period(2026)
    months = periods.trend_buckets(year)
    assert len(months) == 12 and months[0].start == year.start and months[-1].end == year.end
    short = periods.trend_buckets(periods.custom(date(2026, 1, 1), date(2026, 1, 30)))
    assert [(b.end - b.start).days for b in short] == [7, 7, 7, 7, 2]
    long = periods.trend_buckets(periods.custom(date(2026, 1, 10), date(2026, 7, 20)))
    assert long[0].start == date(2026, 1, 10) and long[1].start == date(2026, 2, 1)
    assert long[-1].last_day == date(2026, 7, 20) and len(long) == 7


@pytest.mark.parametrize(
    "kind, key, first, last, field",
    [
        ("fortnight", "", "", "", "kind"),
        ("month", "2026-13", "", "", "period"),
        ("week", "2026-47", "", "", "period"),
        ("year", "26", "", "", "period"),
        ("custom", "", "", "2026-10-01", "from"),
        ("custom", "", "2026-10-01", "1/10/2026", "to"),
        ("custom", "", "2026-10-05", "2026-10-01", "to"),
        ("custom", "", "2020-01-01", "2026-10-01", "to"),
    ],
)
def test_a_bad_period_is_refused_with_the_field_at_fault(ctx, kind, key, first, last, field):
    with pytest.raises(Invalid) as caught:
        periods.parse_period(kind, key, first, last)
    assert field in caught.value.details


def test_a_period_that_has_not_begun_is_refused(ctx):
    with pytest.raises(Invalid) as caught:
        report_counts.statistics(user("admin"), "CLO", periods.month(2030, 1), now=AFTER)
    assert caught.value.code == "period_not_started"


# -- who may see what --------------------------------------------------------------------------


def test_only_supervisors_leaders_and_system_admins_see_reports(ctx):
    november = periods.month(2024, 10)
    for username in ("clo.cv.tckh1", "clo.mc1", "clo.qt", "hti.phantich"):
        with pytest.raises(Forbidden):
            report_counts.statistics(user(username), "CLO", november, now=AFTER)
    for username, unit in (("admin", "HTI"), ("hti.giamsat", "HTI"), ("clo.ld1", "CLO")):
        assert report_counts.statistics(user(username), None, november, now=AFTER).unit.code == unit


def test_a_supervisor_or_leader_reaches_only_the_units_below_theirs(ctx):
    add_supervisor("hkh.giamsat", "HKH")
    november = periods.month(2024, 10)
    with pytest.raises(Forbidden) as caught:
        report_counts.statistics(user("hkh.giamsat"), "CLO", november, now=AFTER)
    assert caught.value.code == "unit_out_of_reach"
    assert report_counts.statistics(user("hkh.giamsat"), "HKH.VP", november, now=AFTER)
    with pytest.raises(Forbidden):
        report_counts.statistics(user("clo.ld1"), "HTI", november, now=AFTER)
    with pytest.raises(NotFound):
        report_counts.statistics(user("admin"), "NOWHERE", november, now=AFTER)
    codes = [unit.code for unit, _depth in reports.units_in_reach(user("hkh.giamsat"))]
    assert codes[0] == "HKH" and "CLO" not in codes and "HKH.VP" in codes


# -- the figures -------------------------------------------------------------------------------


def test_every_figure_matches_the_hand_count(ctx):
    fill()
    report = report_counts.statistics(
        user("hti.giamsat"), "CLO", periods.month(2024, 10), now=AFTER
    )
    assert figures_of(report.total) == EXPECTED
    total = report.total
    assert total.received == total.resolved + total.in_progress
    assert not report.partial


def test_rows_by_field_by_procedure_and_by_unit_add_up_to_the_total(ctx):
    fill()
    admin, month = user("admin"), periods.month(2024, 10)
    by_field = report_counts.statistics(admin, "CLO", month, "field", now=AFTER)
    assert [row.key for row in by_field.rows] == sorted([COPY_FIELD, HOUSEHOLD_FIELD])
    copy = next(row for row in by_field.rows if row.key == COPY_FIELD).figures.as_dict()
    assert {key: copy[key] for key in EXPECTED_COPY} == EXPECTED_COPY
    household = next(row for row in by_field.rows if row.key == HOUSEHOLD_FIELD).figures
    assert household.received == EXPECTED["received"] - EXPECTED_COPY["received"]
    by_procedure = report_counts.statistics(admin, "CLO", month, "procedure", now=AFTER)
    assert {row.key for row in by_procedure.rows} == {HOUSEHOLD, COPY}
    by_unit = report_counts.statistics(admin, "CLO", month, "unit", now=AFTER)
    assert {row.key: row.figures.received for row in by_unit.rows} == {"CLO": 13, "CLO.VP": 2}
    for report in (by_procedure, by_unit):
        assert figures_of(report.total) == EXPECTED


def test_an_office_a_commune_or_the_province_counts_its_own_subtree(ctx):
    fill()
    admin, month = user("admin"), periods.month(2024, 10)
    office = report_counts.statistics(admin, "CLO.VP", month, now=AFTER).total
    # postal-same-day and waiting
    assert (office.received, office.received_postal, office.resolved_on_time) == (2, 1, 1)
    assert (office.in_progress_on_time, office.in_progress_overdue) == (1, 0)
    assert office.supplement_requests == 1
    commune = report_counts.statistics(admin, "CLO", month, "unit", now=AFTER)
    own = next(row.figures for row in commune.rows if row.key == "CLO")
    assert (own.in_progress_on_time, own.in_progress_overdue) == (3, 3)
    province = report_counts.statistics(admin, "HTI", month, now=AFTER).total
    assert province.received == EXPECTED["received"] + 1  # and the other commune's dossier
    assert province.supplement_requests == EXPECTED["supplement_requests"] + 1


def test_officers_steps_late_steps_and_average_time(ctx):
    fill()
    report = report_counts.statistics(user("admin"), "CLO", periods.month(2024, 10), now=AFTER)
    found = {o.username: (o.completed, o.late, o.average_hours) for o in report.officers}
    assert found == EXPECTED_OFFICERS
    assert {o.unit_name for o in report.officers} == {
        "Phòng Kinh tế",
        "Xã Can Lộc",
    }


def test_the_chart_counts_received_resolved_and_late_by_month(ctx):
    fill()
    report = report_counts.statistics(
        user("admin"), "CLO", periods.month(2024, 10), trend=True, now=AFTER
    )
    assert len(report.trend) == 12
    last, before = report.trend[-1], report.trend[-2]
    assert (last.received, last.resolved, last.late) == (13, 8, 3)
    # 15/08–14/09: carried-resolved, carried-open, finished-before received; finished-before
    # resolved early.
    assert (before.received, before.resolved, before.late) == (3, 1, 0)
    assert all(p.received == p.resolved == 0 for p in report.trend[:-2])


def test_a_period_not_over_yet_counts_overdue_against_now(ctx):
    clo = db.session.scalar(select(Unit).where(Unit.code == "CLO"))
    db.session.add(
        Dossier(
            code="RPT-NOW",
            procedure_id=db.session.scalar(select(Procedure.id).where(Procedure.code == COPY)),
            unit_id=clo.id,
            process_version_id=db.session.scalar(select(ProcessVersion.id).limit(1)),
            applicant_name="Người nộp",
            applicant_id_number="042100000001",
            channel="direct",
            status="processing",
            received_at=local("01/10"),
            appointment_at=local("10/10 16:00"),
            workflow_state="",
        )
    )
    db.session.commit()
    month, admin = periods.month(2024, 10), user("admin")
    before = report_counts.statistics(admin, "CLO", month, now=local("05/10 12:00"))
    assert before.partial and before.as_of == local("05/10 12:00")
    assert (before.total.in_progress_on_time, before.total.in_progress_overdue) == (1, 0)
    after = report_counts.statistics(admin, "CLO", month, now=local("12/10 12:00"))
    assert (after.total.in_progress_on_time, after.total.in_progress_overdue) == (0, 1)
    over = report_counts.statistics(admin, "CLO", month, now=AFTER)
    assert not over.partial and over.as_of == over.end_at


def test_weekly_and_annual_reports_over_the_same_fixture(ctx):
    fill()
    admin = user("admin")
    # ISO week 40 of 2024 ends on Thursday 03/10: Friday 27/09 to Thursday 03/10. Received in
    # it: finished-after-end; resolved: postal-same-day, direct-late, and withdrawn on 27/09.
    week = report_counts.statistics(admin, "CLO", periods.week(2024, 40), now=AFTER).total
    assert (week.received_new, week.resolved, week.withdrawn) == (1, 3, 1)
    assert week.carried_over == 10  # all but direct-early, refused-early, carried-resolved,
    # finished-before (finished before 27/09) and those received later
    assert week.in_progress == 8
    year = report_counts.statistics(admin, "CLO", periods.year_period(2024), now=AFTER).total
    # 15/12/2023 – 14/12/2024: all of CLO's; all finished but three in progress at the end
    assert year.received == 17 and year.resolved == 10


# -- the query plans (PostgreSQL) --------------------------------------------------------------


def test_a_month_of_a_province_is_read_through_the_report_indexes(app):
    """Two years of dossiers (the benchmark's generator, 40 000 of them): a month's table reads
    the dossiers by the indexes of migration 0006, never the whole table. (The chart reads a
    year, half the table here: the planner rightly scans it; on the benchmark's million rows it
    reads ix_dossiers_finished_at alone, which needs a vacuumed table, not possible in a test's
    transaction.)"""
    from sqlalchemy import event, text

    from bench.reports import DOSSIERS_SQL, REPORTS_NOW, applicant_names

    with app.app_context():
        if db.session.get_bind().dialect.name != "postgresql":
            pytest.skip("query plans are checked on PostgreSQL")
        connection = db.session.connection()
        connection.execute(
            text(DOSSIERS_SQL),
            {
                "version": db.session.scalar(select(ProcessVersion.id).limit(1)),
                "start": REPORTS_NOW - timedelta(days=730),
                "span": timedelta(days=730),
                "n": 40_000,
                "now": REPORTS_NOW,
                "units": list(db.session.scalars(select(Unit.id))),
                "procedures": list(db.session.scalars(select(Procedure.id))),
                **applicant_names(),
            },
        )
        connection.execute(text("ANALYZE dossiers"))
        statements = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            if "FROM dossiers" in statement or "JOIN dossiers" in statement:
                statements.append((statement, parameters))

        event.listen(connection, "before_cursor_execute", capture)
        try:
            report = report_counts.statistics(
                user("admin"), "HTI", periods.month(2026, 11), trend=True, now=REPORTS_NOW
            )
        finally:
            event.remove(connection, "before_cursor_execute", capture)
        assert report.total.received > 1000
        plans = [
            "\n".join(connection.exec_driver_sql("EXPLAIN " + s, p).scalars())
            for s, p in statements
        ]
    table = plans[0]
    assert "Seq Scan on dossiers" not in table, table
    assert "BitmapOr" in table, table
    assert "ix_dossiers_received_at" in table and "ix_dossiers_finished_at" in table, table
