"""The report page's chart axis and its default period (issue 13, item 11)."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Unit
from motcua.services import report_files, report_periods
from tests.services.test_reports import fill


def axis(html: str) -> tuple[list[int], list[float], list[float]]:
    """The chart's y-axis: its labels, their heights and the heights of its grid lines."""
    svg = re.search(r'<svg class="report-chart".*?</svg>', html, re.S).group(0)
    ticks = re.findall(r'<text x="40" y="([\d.]+)" text-anchor="end">([^<]*)</text>', svg)
    grid = re.findall(r'<line class="grid" x1="44" x2="[\d.]+" y1="([\d.]+)"', svg)
    return (
        [int(v) for _y, v in ticks],
        [round(float(y) - 4, 1) for y, _v in ticks],
        [float(y) for y in grid],
    )


def test_an_empty_chart_reads_0_and_1_without_repeated_labels(officer):
    html = officer("hti.giamsat").page("/reports?unit=CLO&period=month:2020-10")
    values, heights, grid = axis(html)
    assert values == [0, 1]
    assert heights == grid


def test_a_chart_up_to_ten_has_ticks_every_two_with_grid_lines_on_them(
    app, officer, make_procedure, insert_dossier
):
    tz = ZoneInfo(app.config["TIMEZONE"])
    with app.app_context():
        procedure = make_procedure(name="Thủ tục đếm biểu đồ")
        unit = db.session.scalar(select(Unit).where(Unit.code == "CLO"))
        for day in range(1, 11):  # ten dossiers received in October 2020 (15/09 – 14/10)
            insert_dossier(procedure, unit, received_at=datetime(2020, 10, day, 9, tzinfo=tz))
    html = officer("hti.giamsat").page("/reports?unit=CLO&period=month:2020-10")
    assert "Tháng 10/2020 — Tiếp nhận mới: 10" in html
    values, heights, grid = axis(html)
    assert values == [0, 2, 4, 6, 8, 10]
    assert heights == grid
    steps = {round(a - b, 1) for a, b in zip(heights, heights[1:], strict=False)}
    assert len(steps) == 1  # evenly spaced


def test_the_ticks_of_a_busy_year_are_whole_round_numbers(app, officer):
    with app.app_context():
        fill()
    html = officer("hti.giamsat").page("/reports?unit=CLO&period=year:2024&group=field")
    values, heights, grid = axis(html)
    step = values[1]
    assert values == [step * k for k in range(len(values))] and len(values) <= 6
    assert re.fullmatch(r"[125]0*", str(step))
    bars = [int(v) for v in re.findall(r"<title>[^<]*: (\d+)</title>", html)]
    assert values[-2] < max(bars) <= values[-1]
    assert heights == grid


def test_without_a_choice_the_page_shows_the_month_under_way_so_far(app, officer):
    html = officer("hti.giamsat").page("/reports")
    with app.test_request_context():
        current = report_periods.containing("month", report_periods.today_local())
        name = report_files.period_label(current)
    assert f'id="period-label">{name} (đến hôm nay)<' in html
    assert f'<option value="month:{current.key}" selected' in html
