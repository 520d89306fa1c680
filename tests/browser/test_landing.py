"""Where each role lands (issue 13, item 9), in Chromium: the landing page after signing in, the
menu's groups opened with the keyboard and with the mouse, the count beside the inbox, nothing
wider than a 390 px phone with a group open; screenshots of each at 1280 px and 390 px."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_small_screen import LAPTOP, PHONE, overflow
from tests.browser.test_supplement import received_at_can_loc

APPLICANT = {
    "name": "Phan Thị Lan",
    "id_number": "042190006666",
    "phone": "0915666777",
    "address": "Thôn Trung Lộc, xã Can Lộc, tỉnh Hà Tĩnh",
}


@pytest.fixture(scope="module")
def waiting_at_the_desk(live_app) -> str:
    """A dossier just received at Can Lộc: its desk step is in the desk's pool."""
    return received_at_can_loc(live_app, APPLICANT)


def signed_in(browser, live_server, username: str, viewport=LAPTOP):
    context = browser.new_context(base_url=live_server, locale="vi-VN", viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("main form button[type=submit]")
    expect(page.get_by_text(f"({username})")).to_be_visible()
    return context, page


def group(page, key: str):
    return page.locator(f'.topbar details.menu[data-group="{key}"]')


def test_the_desk_lands_on_its_day_and_opens_the_menus_with_the_keyboard(
    browser, live_server, shot, waiting_at_the_desk
):
    context, page = signed_in(browser, live_server, "clo.mc1")
    try:
        assert page.url.rstrip("/") == live_server  # the landing page, not the inbox
        expect(page.locator('[data-section="work"]')).to_be_visible()
        expect(page.locator('[data-section="desk"]')).to_be_visible()
        badge = group(page, "work").locator("summary .count")
        expect(badge).to_be_visible()
        said = badge.get_attribute("aria-label")
        assert re.fullmatch(r"\d+ việc cần xử lý(, \d+ quá hạn)?", said), said
        assert int(badge.inner_text().split()[0]) >= 1
        shot(page, "landing-clo.mc1-1280")

        desk = group(page, "desk")
        receive = desk.get_by_role("link", name="Tiếp nhận hồ sơ")
        expect(receive).to_be_hidden()
        desk.locator("summary").focus()
        page.keyboard.press("Enter")
        expect(receive).to_be_visible()
        shot(page, "landing-clo.mc1-menu-1280")
        page.keyboard.press("Escape")  # closes it, the focus back on its title
        expect(receive).to_be_hidden()
        assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        expect(receive).to_be_focused()
        page.keyboard.press("Enter")
        page.wait_for_url("**/desk/receive")
    finally:
        context.close()


def test_the_menus_open_with_the_mouse_one_at_a_time(browser, live_server, waiting_at_the_desk):
    context, page = signed_in(browser, live_server, "admin")
    try:
        reports, admin = group(page, "reports"), group(page, "admin")
        reports.locator("summary").click()
        expect(reports.get_by_role("link", name="Theo dõi quá hạn")).to_be_visible()
        admin.locator("summary").click()
        expect(admin.get_by_role("link", name="Đơn vị")).to_be_visible()
        expect(reports.get_by_role("link", name="Theo dõi quá hạn")).to_be_hidden()
        page.locator("main h1").click()  # a click elsewhere closes it
        expect(admin.get_by_role("link", name="Đơn vị")).to_be_hidden()
        admin.locator("summary").click()
        admin.get_by_role("link", name="Cán bộ").click()
        page.wait_for_url("**/admin/users")
        expect(group(page, "admin")).to_have_class(re.compile(r"\bcurrent\b"))
    finally:
        context.close()


@pytest.mark.parametrize(
    ("username", "key"),
    [
        ("clo.mc1", "desk"),
        ("clo.ld.ktht", "reports"),
        ("admin", "admin"),
        ("hti.phantich", "admin"),
    ],
)
def test_the_landing_page_and_an_open_menu_fit_a_390_px_phone(
    browser, live_server, shot, waiting_at_the_desk, username, key
):
    context, page = signed_in(browser, live_server, username, viewport=PHONE)
    try:
        assert overflow(page) == (0, [])
        shot(page, f"landing-{username}-390")
        group(page, key).locator("summary").click()
        menu = group(page, key).locator("ul")
        expect(menu).to_be_visible()
        assert overflow(page) == (0, [])
        box = menu.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        shot(page, f"landing-{username}-menu-390")
    finally:
        context.close()


def test_the_favicon_at_the_root_is_an_icon(browser, live_server):
    context = browser.new_context(base_url=live_server)
    try:
        response = context.request.get("/favicon.ico")
        assert response.status == 200
        assert response.headers["content-type"].startswith("image/")
    finally:
        context.close()
