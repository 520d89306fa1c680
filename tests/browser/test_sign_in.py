from playwright.sync_api import expect


def test_an_officer_signs_in_in_vietnamese_and_out_again(page, sign_in, shot):
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading", name="Đăng nhập").is_visible()
    shot(page, "login")
    sign_in("clo.cv.tckh1")
    page.wait_for_url("**/inbox")  # the click's navigation is over before the page is read
    expect(page.get_by_text("clo.cv.tckh1")).to_be_visible()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login*")


def test_a_wrong_password_is_told_in_vietnamese(page, sign_in):
    sign_in("clo.cv.tckh2", "sai")
    assert page.get_by_role("alert").inner_text() == "Tên đăng nhập hoặc mật khẩu không đúng."


def test_english_is_one_click_away(page, sign_in):
    page.goto("/login")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
