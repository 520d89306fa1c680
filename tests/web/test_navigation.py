"""The menu is one explicit list of groups (motcua.web.navigation): every entry is a page of the
app (or, not merged yet, left out), and each officer sees the groups and entries of their roles in
the list's order."""

import re

from motcua.web import navigation


def menu_of(page: str) -> list[str]:
    nav = page.split("<nav>")[1].split("</nav>")[0]
    return re.findall(r'<a href="/[^"]*"[^>]*>([^<]+)</a>', nav)


def test_every_entry_is_a_page_of_the_app(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert [e.endpoint for e in navigation.MENU if e.endpoint not in endpoints] == []
    assert len({e.endpoint for e in navigation.MENU}) == len(navigation.MENU)


def search(app) -> list[str]:
    """The search entry, once its page is part of the app."""
    return ["Tìm hồ sơ"] if "web.dossier_search" in app.view_functions else []


def test_a_system_administrator_sees_every_entry_but_the_desk_in_the_menus_order(app, officer):
    desk = {"web.desk_receive", "web.desk_online", "web.desk_results"}
    expected = [
        str(e.label)
        for e in navigation.MENU
        if e.endpoint not in desk and e.endpoint in app.view_functions
    ]
    assert menu_of(officer("admin").page("/inbox")) == expected


def test_the_menu_is_in_groups_each_a_dropdown(officer):
    page = officer("admin").page("/inbox")
    groups = re.findall(r'<details class="menu[^"]*" data-group="(\w+)">\s*<summary>([^<]+)', page)
    assert [(key, label.strip()) for key, label in groups] == [
        ("work", "Xử lý hồ sơ"),
        ("desk", "Một cửa"),
        ("reports", "Theo dõi, báo cáo"),
        ("admin", "Quản trị"),
    ]
    # The group of the page shown is marked; the desk's group has only the register for him.
    assert '<details class="menu current" data-group="work">' in page
    desk = page.split('data-group="desk">')[1].split("</details>")[0]
    assert re.findall(r'<a href="([^"]+)"', desk) == ["/registers"]


def test_a_specialist_sees_one_group(officer):
    page = officer("clo.cv.tckh1").page("/inbox")
    assert re.findall(r'data-group="(\w+)"', page) == ["work"]


def test_an_entry_whose_page_is_missing_is_left_out(app, officer, monkeypatch):
    missing = navigation.Entry("web.not_yet_merged", "Chưa có")
    group = navigation.GROUPS[0]
    grown = navigation.Group(group.key, group.label, (*group.entries, missing))
    monkeypatch.setattr(navigation, "GROUPS", (grown, *navigation.GROUPS[1:]))
    assert "Chưa có" not in officer("clo.cv.tckh1").page("/inbox")


def test_each_officer_sees_the_entries_of_their_roles(app, officer):
    assert menu_of(officer("clo.mc1").page("/inbox")) == [
        "Hồ sơ cần xử lý",
        *search(app),
        "Tiếp nhận hồ sơ",
        "Hồ sơ trực tuyến",
        "Trả kết quả",
        "Sổ theo dõi hồ sơ",
    ]
    assert menu_of(officer("clo.cv.tckh1").page("/inbox")) == ["Hồ sơ cần xử lý", *search(app)]
    assert menu_of(officer("hti.giamsat").page("/inbox")) == [
        "Hồ sơ cần xử lý",
        *search(app),
        "Sổ theo dõi hồ sơ",
        "Theo dõi quá hạn",
        "Báo cáo thống kê",
        "Báo cáo đã chốt",
        "Lịch làm việc",
    ]


def test_a_specialist_lands_on_the_inbox(officer):
    response = officer("clo.cv.tckh1").get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox")
