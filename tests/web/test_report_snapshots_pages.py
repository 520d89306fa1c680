"""Frozen reports on the pages: the button on the report page, the frozen report's page, the
list, the stored files, and who may see them."""

import hashlib
import re

import pytest
from sqlalchemy import func, select

from motcua.extensions import db
from motcua.models import ReportSnapshot
from motcua.services.reports import COLUMNS
from tests.services.test_report_snapshots import apologise
from tests.services.test_reports import EXPECTED, add_supervisor, fill
from tests.web.test_reports_pages import MONTH, expected_text, total_row

CHOICE = {"unit": "CLO", "period": "month:2024-10", "group": "field"}


@pytest.fixture
def ids(app):
    with app.app_context():
        return fill()


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ReportSnapshot))


def freeze(browser, **data):
    response = browser.post("/reports/snapshots", data={**CHOICE, **data})
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.fullmatch(r"/reports/snapshots/(\d+)", response.headers["Location"]).group(1))


def test_the_report_page_offers_to_freeze_the_report_shown(officer, ids):
    html = officer("hti.giamsat").page(MONTH)
    form = re.search(r'<form method="post" action="/reports/snapshots">(.*?)</form>', html, re.S)
    assert form and 'name="csrf_token"' in form.group(1)
    for name, value in CHOICE.items():
        assert f'name="{name}" value="{value}"' in form.group(1)
    assert "Chốt số liệu báo cáo này" in form.group(1)
    assert 'href="/reports/snapshots?unit=CLO"' in html
    assert 'href="/reports/snapshots"' in html  # the menu


def test_a_frozen_report_keeps_its_figures_when_the_live_report_moves(app, officer, ids):
    leader = officer("clo.ld1")
    snapshot_id = freeze(leader, note="Gửi UBND tỉnh")
    page = leader.page(f"/reports/snapshots/{snapshot_id}")
    assert "Đây là số liệu đã chốt lúc" in page and "Số liệu hiện tại" in page
    assert "clo.ld1" in page and "Gửi UBND tỉnh" in page and "Tháng 10/2024" in page
    assert total_row(page) == {key: expected_text(key) for key in COLUMNS}
    xlsx = leader.get(f"/reports/snapshots/{snapshot_id}.xlsx")
    assert xlsx.status_code == 200 and "chot" in xlsx.headers["Content-Disposition"]
    digest = hashlib.sha256(xlsx.data).hexdigest()
    assert digest in page  # the page prints the files' sha256
    assert leader.get(f"/reports/snapshots/{snapshot_id}.pdf").data.startswith(b"%PDF")

    with app.app_context():
        apologise(ids["online-open"])
    live = total_row(leader.page(MONTH))
    assert live["in_progress_overdue"] == str(EXPECTED["in_progress_overdue"] + 1)
    page = leader.page(f"/reports/snapshots/{snapshot_id}")
    assert total_row(page)["in_progress_overdue"] == str(EXPECTED["in_progress_overdue"])
    again = leader.get(f"/reports/snapshots/{snapshot_id}.xlsx").data
    assert hashlib.sha256(again).hexdigest() == digest


def test_the_list_shows_every_freeze_newest_first_and_which_stands(officer, ids):
    leader = officer("clo.ld1")
    first = freeze(leader)
    second = freeze(leader, note="Đính chính số liệu")
    html = leader.page("/reports/snapshots")
    rows = re.findall(r'<tr data-snapshot="(\d+)">(.*?)</tr>', html, re.S)
    assert [int(n) for n, _row in rows] == [second, first]
    assert 'data-status="latest"' in rows[0][1] and "Đính chính số liệu" in rows[0][1]
    assert 'data-status="superseded"' in rows[1][1]
    assert f'href="/reports/snapshots/{first}.xlsx"' in rows[1][1]
    assert f'href="/reports/snapshots/{first}.pdf"' in rows[1][1]
    assert 'data-status="superseded"' in leader.page(f"/reports/snapshots/{first}")
    assert leader.page("/reports/snapshots?unit=CLO.VP").count("data-snapshot=") == 0


@pytest.mark.parametrize(
    "data, field",
    [
        ({"group": "color"}, "group"),
        ({"period": "month:2024-13"}, "period"),
        ({"period": "custom", "from": "2024-10-05", "to": "2024-10-01"}, "to"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_bad_input_shows_the_report_page_with_the_error_and_stores_nothing(
    app, officer, data, field
):
    response = officer("hti.giamsat").post("/reports/snapshots", data={**CHOICE, **data})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert count(app) == 0


def test_a_post_without_its_token_stores_nothing(app, officer, ids):
    browser = officer("hti.giamsat")
    response = browser.client.post("/reports/snapshots", data=CHOICE)
    assert response.status_code == 400
    assert count(app) == 0


def test_who_may_freeze_and_open_frozen_reports(app, client, officer, ids):
    snapshot_id = freeze(officer("clo.ld1"))
    with app.app_context():
        add_supervisor("hkh.giamsat", "HKH")
    for outsider in ("hkh.ld1", "hkh.giamsat"):
        browser = officer(outsider)
        assert browser.get(f"/reports/snapshots/{snapshot_id}").status_code == 404
        assert browser.get(f"/reports/snapshots/{snapshot_id}.xlsx").status_code == 404
        assert f'data-snapshot="{snapshot_id}"' not in browser.page("/reports/snapshots")
        assert browser.post("/reports/snapshots", data=CHOICE).status_code == 403
    specialist = officer("clo.cv.tckh1")
    assert specialist.get("/reports/snapshots").status_code == 403
    assert specialist.post("/reports/snapshots", data=CHOICE).status_code == 403
    assert 'href="/reports/snapshots"' not in specialist.page("/inbox")
    assert officer("hti.giamsat").get(f"/reports/snapshots/{snapshot_id}").status_code == 200
    for path in ("/reports/snapshots", f"/reports/snapshots/{snapshot_id}"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count(app) == 1
