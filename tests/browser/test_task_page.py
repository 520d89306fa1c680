"""The task page in the browser (issue 13, items 5 and 10): the supplement request's fields show
only once the decision asks for the papers (task-page.js, no inline script); an officer who
has not claimed the step is told completing takes it; several files go up at once, each with
its kind."""

from playwright.sync_api import expect

from tests.browser.test_day_at_the_centre import open_task
from tests.browser.test_supplement import received_at_the_desk


def test_the_supplement_fields_follow_the_decision(live_app, as_officer, tmp_path, shot):
    code = received_at_the_desk(live_app.test_client())
    specialist = as_officer("hkh.cv.ktht1")
    open_task(specialist, code, "unit")
    reason, items = specialist.locator("#f-reason"), specialist.locator("#f-items")
    expect(specialist.locator("#claims-on-completing")).to_be_visible()
    expect(reason).to_be_hidden()
    expect(items).to_be_hidden()
    specialist.select_option("[name=proposal]", "supplement")
    expect(reason).to_be_visible()
    expect(items).to_be_visible()
    expect(specialist.locator("#f-repeat_reason")).to_be_visible()
    specialist.select_option("[name=proposal]", "approve")
    expect(reason).to_be_hidden()

    first, second = tmp_path / "ban-ve.pdf", tmp_path / "bien-ban.pdf"
    first.write_bytes(b"%PDF-1.4 ban ve")
    second.write_bytes(b"%PDF-1.4 bien ban")
    specialist.set_input_files("#upload-file-0", str(first))
    specialist.set_input_files("#upload-file-1", str(second))
    specialist.get_by_role("button", name="Tải lên").click()
    expect(specialist.locator(".flash")).to_contain_text("Đã đính kèm 2 tệp")
    files = specialist.locator("#files table")
    expect(files).to_contain_text("ban-ve.pdf")
    expect(files).to_contain_text("bien-ban.pdf")
    shot(specialist, "task-page-files")
