"""The system admin reorganises units in Chromium: choose, preview (nothing changes), apply.

Tùng Lộc's Phòng Văn hóa - Xã hội merges into its Văn phòng (no other browser test uses Tùng
Lộc, so the live database's other pages stay as the demo made them)."""

import sqlalchemy as sa
from playwright.sync_api import expect

from motcua.extensions import db
from motcua.models import AuditEntry, Unit, User


def _unit(app, code):
    with app.app_context():
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == code))
        return unit.retired_at, unit.successor.code if unit.successor else None


def _officer_unit(app, username):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        return user.unit.code


def test_a_merge_is_previewed_then_applied(live_app, as_officer, shot):
    page = as_officer("admin")
    page.goto("/admin/units")
    page.get_by_role("link", name="Sắp xếp đơn vị (sáp nhập, chia tách, giải thể)").click()
    expect(
        page.get_by_role("heading", name="Sắp xếp đơn vị: sáp nhập, chia tách, giải thể")
    ).to_be_visible()

    # Units of different levels: refused in Vietnamese, nothing changes.
    page.select_option("select[name=source]", ["TLOC.VHXH"])
    page.select_option("select[name=successor]", ["HKH"])
    page.get_by_role("button", name="Xem trước").click()
    expect(page.get_by_role("alert")).to_contain_text("khác cấp")
    assert _unit(live_app, "TLOC.VHXH") == (None, None)

    page.select_option("select[name=source]", ["TLOC.VHXH"])
    page.select_option("select[name=successor]", ["TLOC.VP"])
    page.get_by_role("button", name="Xem trước").first.click()
    preview = page.locator("#reorganise-preview")
    expect(preview).to_be_visible()
    row = preview.locator("tr[data-unit='TLOC.VHXH']")
    for username in ("tloc.cv.vhxh1", "tloc.cv.vhxh2", "tloc.ld.vhxh"):
        expect(row).to_contain_text(username)
    expect(preview.locator(".reorganise-offers")).to_contain_text(
        "Đơn vị cũ không giải quyết thủ tục nào."
    )
    shot(page, "reorganise-preview")
    # The preview changed nothing.
    assert _unit(live_app, "TLOC.VHXH") == (None, None)
    assert _officer_unit(live_app, "tloc.cv.vhxh1") == "TLOC.VHXH"

    page.get_by_role("button", name="Áp dụng sắp xếp").click()
    expect(
        page.get_by_text("Đã sắp xếp đơn vị: TLOC.VHXH → TLOC.VP; 3 cán bộ đã chuyển.")
    ).to_be_visible()
    retired = page.locator("tr[data-unit='TLOC.VHXH']")
    expect(retired).to_have_class("retired")
    expect(retired).to_contain_text("kế thừa: Văn phòng HĐND và UBND")
    retired_at, successor = _unit(live_app, "TLOC.VHXH")
    assert retired_at is not None and successor == "TLOC.VP"
    assert _officer_unit(live_app, "tloc.cv.vhxh1") == "TLOC.VP"
    with live_app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.target_key == "TLOC.VP")
        ).all()
    assert "unit.reorganise" in actions

    # A retired unit is no longer offered as a source or a successor.
    page.goto("/admin/units/reorganise")
    assert page.locator("select[name=source] option[value='TLOC.VHXH']").count() == 0
