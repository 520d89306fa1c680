"""The applicant answers a request for papers online, in the browser: the desk found a dossier
incomplete (form 02, through the API); the applicant looks it up, follows the link, attaches a
file per item and sends; the desk's officer sees "Người nộp đã bổ sung trực tuyến" with the file
on the dossier."""

from playwright.sync_api import expect

from tests.browser.test_supplement import APPLICANT, api


def pdf(name: str) -> dict:
    return {
        "name": f"{name}.pdf",
        "mimeType": "application/pdf",
        "buffer": b"%PDF-1.4 " + name.encode(),
    }


def asked_for_papers_at_the_desk(live_app) -> str:
    """A construction-permit dossier Hương Khê's desk found incomplete (form 02), through the
    API: its code."""
    client = live_app.test_client()
    response = client.post(
        "/api/v1/dossiers",
        json={
            "procedure_code": "1.009994",
            "unit_code": "HKH",
            "applicant": APPLICANT,
            "channel": "direct",
            "supplement": {
                "reason": "Thiếu bản vẽ thiết kế",
                "items": "Bản vẽ thiết kế mặt bằng\nBản sao giấy tờ đất",
            },
        },
        headers=api(client, "hkh.mc1"),
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "waiting_applicant"
    return response.get_json()["code"]


def test_the_applicant_answers_online_and_the_desk_sees_it(page, live_app, as_officer, shot):
    code = asked_for_papers_at_the_desk(live_app)
    page.goto(f"/lookup?code={code}")
    page.fill("input[name=secret]", APPLICANT["id_number"])
    page.get_by_role("button", name="Tra cứu").click()
    page.get_by_role("link", name="Nộp giấy tờ bổ sung trực tuyến").click()
    expect(page.get_by_text("Bản vẽ thiết kế mặt bằng")).to_be_visible()
    page.set_input_files("input[name=doc-0]", pdf("ban-ve-mat-bang"))
    page.set_input_files("input[name=doc-1]", pdf("giay-to-dat"))
    page.fill("textarea[name=note]", "Bản vẽ đã có chữ ký")
    shot(page, "applicant-papers")
    page.get_by_role("button", name="Gửi giấy tờ bổ sung").click()
    expect(page.locator(".flash.success")).to_contain_text("Đã gửi giấy tờ bổ sung")
    expect(page.locator("#answered")).to_contain_text("ban-ve-mat-bang.pdf")

    desk = as_officer("hkh.mc1")
    desk.goto(f"/dossiers/{code}")
    answered = desk.locator("#answered-online")
    expect(answered).to_contain_text("Người nộp đã bổ sung trực tuyến")
    expect(answered.get_by_role("link", name="ban-ve-mat-bang.pdf")).to_be_visible()
    expect(answered).to_contain_text("Bản vẽ đã có chữ ký")
    expect(desk.locator("dt:has-text('Trạng thái') + dd")).to_have_text("Chờ bổ sung")
    shot(desk, "applicant-papers-answered")
