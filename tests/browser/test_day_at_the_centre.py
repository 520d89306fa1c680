"""A day's work at Can Lộc's centre, in the browser, in Vietnamese: the desk receives a dossier
with its papers, specialists and a leader work it through their inboxes and forms, the leader
reassigns a step, the desk returns the result, and the citizen looks the dossier up."""

import re

from playwright.sync_api import expect

APPLICANT = {
    "applicant.name": "Phạm Thị Lụa",
    "applicant.id_number": "042190007777",
    "applicant.phone": "0913 222 333",
    "applicant.address": "Thôn Trung Tiến, xã Thiên Lộc",
}


def open_task(page, code: str, tab: str):
    page.goto(f"/inbox?tab={tab}&q={code}")
    row = page.locator("tr[data-task]").filter(has_text=code)
    expect(row).to_have_count(1)
    row.get_by_role("link").last.click()


def completed(page):
    """Submit the step's form; the officer lands back in the inbox, told it is done."""
    page.get_by_role("button", name="Hoàn thành bước").click()
    expect(page).to_have_url(re.compile(r"/inbox"))
    expect(page.locator(".flash")).to_be_visible()


def test_a_dossier_goes_from_the_desk_to_the_citizen(as_officer, page, shot, tmp_path):
    paper = tmp_path / "giay-de-nghi.pdf"
    paper.write_bytes(b"%PDF-1.4 giay de nghi dang ky ho kinh doanh")
    result = tmp_path / "giay-chung-nhan.pdf"
    result.write_bytes(b"%PDF-1.4 giay chung nhan dang ky ho kinh doanh")

    # The desk receives the dossier with a file for every required paper.
    desk = as_officer("clo.mc1")
    desk.get_by_role("link", name="Tiếp nhận hồ sơ").click()
    desk.fill("input[name=q]", "hộ kinh doanh")
    desk.get_by_role("button", name="Tìm").click()
    desk.get_by_role("link", name="1.001612").click()
    shot(desk, "desk-intake")
    for name, value in APPLICANT.items():
        desk.fill(f"input[name='{name}']", value)
    for box in desk.locator("input[type=checkbox][name^='complete-']").all():
        box.check()
    for upload in desk.locator("input[type=file][name^='doc-']").all():
        upload.set_input_files(str(paper))
    desk.locator("input[type=checkbox][name=complete]").check()
    desk.get_by_role("button", name="Tiếp nhận và in giấy hẹn").click()
    expect(desk.get_by_text("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")).to_be_visible()
    # The code begins with the commune's identifier (mã định danh).
    code = re.search(r"000\.20\.50\.H30-\d{6}-\d{4}", desk.content()).group(0)
    assert re.search(r"\d{2}/\d{2}/\d{4}", desk.locator("main").inner_text())
    shot(desk, "receipt")
    # Printing gives the form-01 PDF stored with the dossier, not a page of its own.
    # (It opens in a new tab, so the response is the browser context's.)
    with desk.context.expect_event(
        "response", lambda r: re.search(r"/files/\d+$", r.url) is not None
    ) as printed:
        desk.get_by_role("button", name="In giấy tiếp nhận").click()
    assert printed.value.header_value("content-type") == "application/pdf"

    # A specialist of the finance office takes it from the unit's inbox and appraises it.
    specialist = as_officer("clo.cv.tckh1")
    specialist.goto("/inbox?tab=unit")
    shot(specialist, "inbox")
    open_task(specialist, code, "unit")
    specialist.get_by_role("button", name="Nhận xử lý").click()
    specialist.fill("[name=opinion]", "Hồ sơ đầy đủ, hợp lệ; đề nghị cấp giấy chứng nhận.")
    specialist.select_option("[name=proposal]", "approve")
    shot(specialist, "task")
    completed(specialist)

    # The office leader approves, then hands the registration step to the other specialist.
    leader = as_officer("clo.ld.tckh")
    open_task(leader, code, "unit")
    leader.get_by_role("button", name="Nhận xử lý").click()
    leader.select_option("[name=decision]", "approve")
    completed(leader)
    leader.goto(f"/dossiers/{code}")
    leader.locator("tr[data-step=vao_so]").get_by_role("link").first.click()
    leader.select_option("[name=assignee]", "clo.cv.tckh2")
    leader.fill("[name=reason]", "Đồng chí Bình đang nghỉ phép.")
    leader.get_by_role("button", name="Giao lại").click()

    registrar = as_officer("clo.cv.tckh2")
    open_task(registrar, code, "mine")
    registrar.fill("[name=document_number]", "27/HKD-CLO")
    completed(registrar)

    # The desk returns the result, with its file.
    desk.locator("details.menu[data-group=desk] > summary").click()  # the menu's group
    desk.get_by_role("link", name="Trả kết quả").first.click()
    desk.locator("tr").filter(has_text=code).get_by_role("link").last.click()
    desk.locator("input[type=file][name=result]").set_input_files(str(result))
    desk.get_by_role("button", name="Xác nhận đã trả kết quả").click()
    desk.goto(f"/dossiers/{code}")
    expect(desk.get_by_text("Đã trả kết quả").first).to_be_visible()
    expect(desk.get_by_text("Đồng chí Bình đang nghỉ phép.")).to_be_visible()
    shot(desk, "dossier")

    # The citizen looks the dossier up with its code and her ID number.
    page.goto("/lookup")
    page.fill("input[name=code]", code)
    page.fill("input[name=secret]", APPLICANT["applicant.id_number"])
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_text("Đã trả kết quả")).to_be_visible()
    assert "Đồng chí Bình" not in page.content()
    shot(page, "lookup")
