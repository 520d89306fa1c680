"""Who reaches which admin page: analysts the modeler, unit admins their own unit's
configurator, officers and calendar (read only), system admins everything; nobody else."""

import pytest

PAGES = {
    "/admin/modeler": {"admin", "hti.phantich"},
    "/admin/procedures/1.001612/modeler": {"admin", "hti.phantich"},
    "/admin/procedures": {"admin", "clo.qt", "hkh.qt"},
    "/admin/procedures/1.001612/units/CLO": {"admin", "clo.qt"},
    "/admin/procedures/1.001612/versions?unit=CLO": {"admin", "clo.qt"},
    "/admin/procedures/1.001612/versions": {"admin", "clo.qt", "hkh.qt", "hti.phantich"},
    "/admin/catalogue": {"admin", "clo.qt", "hkh.qt", "hti.phantich"},
    "/admin/catalogue/new": {"admin"},
    "/admin/catalogue/import": {"admin"},
    "/admin/units": {"admin", "clo.qt", "hkh.qt"},
    "/admin/users": {"admin", "clo.qt", "hkh.qt"},
    "/admin/users/new": {"admin", "clo.qt", "hkh.qt"},
    "/admin/users/import": {"admin", "clo.qt", "hkh.qt"},
    "/admin/calendar": {"admin", "clo.qt", "hkh.qt", "hti.giamsat"},
    "/admin/audit": {"admin", "clo.qt", "hkh.qt", "hti.phantich"},
    "/admin/mails": {"admin"},
}
PEOPLE = ["admin", "hti.phantich", "clo.qt", "hkh.qt", "hti.giamsat", "clo.cv.tckh1", "clo.mc1"]


@pytest.mark.parametrize("username", PEOPLE)
def test_each_page_answers_only_its_roles(officer, username):
    client = officer(username)
    answers = {path: client.get(path).status_code for path in PAGES}
    expected = {path: 200 if username in allowed else 403 for path, allowed in PAGES.items()}
    assert answers == expected


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_menu_shows_each_role_its_pages(officer):
    menu = {
        "hti.phantich": ["Soạn quy trình", "Danh mục thủ tục", "Nhật ký thay đổi"],
        "clo.qt": ["Quy trình nội bộ", "Cán bộ", "Đơn vị", "Lịch làm việc"],
        "clo.cv.tckh1": [],
    }
    admin_entries = {"Soạn quy trình", "Quy trình nội bộ", "Cán bộ", "Đơn vị", "Lịch làm việc"}
    for username, entries in menu.items():
        header = officer(username).page("/inbox").split("</nav>")[0]
        for entry in entries:
            assert entry in header, (username, entry)
        for entry in admin_entries - set(entries):
            assert f">{entry}<" not in header, (username, entry)
