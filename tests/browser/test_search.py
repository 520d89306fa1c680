"""The dossier search page in Chromium (issue 13, item 6): the desk types a name without its
accents, sees the dossier among the results and opens it; at 390 px nothing scrolls sideways."""

import re

from playwright.sync_api import expect

from tests.browser.test_small_screen import PHONE, overflow
from tests.browser.test_supplement import received_at_can_loc

APPLICANT = {
    "name": "Âu Dương Bình",
    "id_number": "042190017320",
    "phone": "0917 320 508",
    "address": "Thôn Tìm Kiếm, xã Can Lộc, tỉnh Hà Tĩnh",
}


def received(live_app) -> str:
    return received_at_can_loc(live_app, APPLICANT)


def test_typing_binh_finds_the_dossier_and_opens_it(live_app, as_officer, shot):
    code = received(live_app)
    page = as_officer("clo.mc1")
    page.goto("/dossiers")
    expect(page.get_by_text("Không tìm thấy hồ sơ nào")).to_have_count(0)
    page.fill("input[name=q]", "binh")
    page.press("input[name=q]", "Enter")
    row = page.locator(f'tr[data-dossier="{code}"]')
    expect(row).to_contain_text("Âu Dương Bình")
    shot(page, "dossier-search")

    page.set_viewport_size(PHONE)
    assert overflow(page)[0] == 0, overflow(page)
    shot(page, "dossier-search-390")

    page.fill("input[name=q]", "au duong binh zzz")
    page.press("input[name=q]", "Enter")
    expect(page.get_by_text("Không tìm thấy hồ sơ nào")).to_be_visible()
    page.fill("input[name=q]", "au duong binh")
    page.press("input[name=q]", "Enter")
    page.locator(f'tr[data-dossier="{code}"] a').click()
    expect(page).to_have_url(re.compile(f"/dossiers/{re.escape(code)}$"))
    expect(page.locator("main")).to_contain_text("Âu Dương Bình")
