"""The citizen's online form on a 390 px phone: the procedure's page, a file per paper, the code
from the mail, and the dossier code with its lookup link; nothing scrolls sideways."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Notification
from motcua.vocabulary import MailKind
from tests.browser.test_small_screen import overflow

PHONE = {"width": 390, "height": 844}
EMAIL = "minh.online@example.vn"


def pdf(name: str) -> dict:
    content = b"%PDF-1.4 " + name.encode()
    return {"name": f"{name}.pdf", "mimeType": "application/pdf", "buffer": content}


def test_a_citizen_submits_online_from_a_phone(browser, live_server, live_app, shot, as_officer):
    context = browser.new_context(base_url=live_server, locale="vi-VN", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/online")
        assert overflow(page)[0] == 0, overflow(page)
        page.click('a[href="/online/1.001612"]')
        page.wait_for_url("**/online/1.001612")  # measured once the new page is there
        assert overflow(page)[0] == 0, overflow(page)
        page.select_option("select[name=unit]", "CLO")
        page.fill("input[name='applicant.name']", "Hồ Văn Minh")
        page.fill("input[name='applicant.id_number']", "042190006666")
        page.fill("input[name='applicant.email']", EMAIL)
        for index in range(3):
            page.set_input_files(f"input[name=doc-{index}]", pdf(f"giay-{index}"))
        shot(page, "online-form-390")
        page.click("#online-form button[type=submit]")
        expect(page.locator("input[name=code]")).to_be_visible()
        assert overflow(page)[0] == 0, overflow(page)
        with live_app.app_context():
            body = db.session.scalars(
                select(Notification.body)
                .where(Notification.kind == MailKind.ONLINE_CODE, Notification.to_address == EMAIL)
                .order_by(Notification.id.desc())
            ).first()
        page.fill("input[name=code]", re.search(r"\b(\d{6})\b", body).group(1))
        page.click("main form button[type=submit]")
        expect(page.locator("#dossier-code")).to_have_text(re.compile(r"-\d{6}-\d{4}$"))
        assert overflow(page)[0] == 0, overflow(page)
        shot(page, "online-done-390")
        page.click("#lookup-link")
        expect(page.locator("input[name=code]")).to_have_value(re.compile(r"-\d{6}-\d{4}$"))
        code = page.locator("input[name=code]").input_value()
        # The receiving desk finds it in its online queue, on a phone too.
        desk = as_officer("clo.mc1")
        desk.set_viewport_size(PHONE)
        desk.goto("/desk/online")
        assert overflow(desk)[0] == 0, overflow(desk)
        desk.click(f'a[href="/desk/online/{code}"]')
        expect(desk.locator("#online-check")).to_be_visible()
        assert overflow(desk)[0] == 0, overflow(desk)
        shot(desk, "online-desk-check-390")
    finally:
        context.close()
