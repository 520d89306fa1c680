"""The desk's intake page checks completeness before sending, with the server's words, so the
files chosen stay chosen; a form the server refuses all the same keeps them too. In the
browser, in Vietnamese."""

from playwright.sync_api import expect

MISSING = "Chưa có giấy tờ này: đính kèm tệp, hoặc ghi lý do không cần nộp."
APPLICANT = {"name": "Trần Văn Bình", "id_number": "042190005555"}


def fill_applicant(desk, **values):
    for name, value in {**APPLICANT, **values}.items():
        desk.fill(f"input[name='applicant.{name}']", value)


def test_an_incomplete_statement_is_stopped_in_the_page_with_the_files_still_chosen(
    as_officer, shot
):
    desk = as_officer("clo.mc1")
    desk.goto("/desk/receive/1.001612")
    fill_applicant(desk)
    desk.set_input_files(
        "input[name=doc-0]",
        files=[{"name": "don.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 don"}],
    )
    desk.check("input[name=complete-0]")
    desk.check("input[name=complete]")
    posted = []
    desk.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)

    desk.get_by_role("button", name="Tiếp nhận và in giấy hẹn").click()

    for index in (1, 2, 3):
        expect(desk.locator(f"#err-doc-{index}")).to_have_text(MISSING)
    expect(desk.locator("#err-doc-0")).to_have_count(0)
    assert posted == []
    assert desk.eval_on_selector("input[name=doc-0]", "input => input.files.length") == 1
    shot(desk, "desk-completeness-in-page")

    # Papers 2 to 4 not needed, each with its note: the form goes; the server refuses the ID
    # number, and keeps the file chosen.
    for index in (1, 2, 3):
        desk.fill(f"input[name=why-{index}]", "Không áp dụng")
    desk.fill("input[name='applicant.id_number']", "12")
    desk.get_by_role("button", name="Tiếp nhận và in giấy hẹn").click()
    expect(desk.get_by_text("Các tệp đã chọn được giữ lại, không cần chọn lại.")).to_be_visible()
    expect(desk.get_by_text("Bỏ tệp đã chọn don.pdf")).to_be_visible()

    desk.fill("input[name='applicant.id_number']", APPLICANT["id_number"])
    desk.get_by_role("button", name="Tiếp nhận và in giấy hẹn").click()
    expect(
        desk.get_by_role("heading", name="Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    ).to_be_visible()
