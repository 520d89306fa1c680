"""The menu is one explicit list (motcua.web.navigation): every entry is a page of the app, and
each officer sees the entries of their roles in the list's order."""

import re

from motcua.web import navigation


def menu_of(page: str) -> list[str]:
    nav = page.split("<nav>")[1].split("</nav>")[0]
    return re.findall(r'<a href="/[^"]*"[^>]*>([^<]+)</a>', nav)


def test_every_entry_is_a_page_of_the_app(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert [e.endpoint for e in navigation.MENU if e.endpoint not in endpoints] == []
    assert len({e.endpoint for e in navigation.MENU}) == len(navigation.MENU)


def test_a_system_administrator_sees_every_entry_but_the_desk_in_the_menus_order(officer):
    desk = {"web.desk_receive", "web.desk_results"}
    expected = [str(e.label) for e in navigation.MENU if e.endpoint not in desk]
    assert menu_of(officer("admin").page("/inbox")) == expected


def test_each_officer_sees_the_entries_of_their_roles(officer):
    assert menu_of(officer("clo.mc1").page("/inbox")) == [
        "Hồ sơ cần xử lý",
        "Tiếp nhận hồ sơ",
        "Trả kết quả",
        "Sổ theo dõi hồ sơ",
    ]
    assert menu_of(officer("clo.cv.tckh1").page("/inbox")) == ["Hồ sơ cần xử lý"]
    assert menu_of(officer("hti.giamsat").page("/inbox")) == [
        "Hồ sơ cần xử lý",
        "Báo cáo thống kê",
        "Báo cáo đã chốt",
        "Sổ theo dõi hồ sơ",
        "Theo dõi quá hạn",
        "Lịch làm việc",
    ]


def test_the_home_page_is_the_first_entry(officer):
    response = officer("clo.cv.tckh1").get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox")
