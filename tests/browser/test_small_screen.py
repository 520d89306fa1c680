"""Every officer page and the public lookup fit a 390 px phone: nothing scrolls sideways (issue
13, item 8). Each role of the demo walks its main pages at 390×844, and each page is left as a
screenshot at 390 px and at 1280 px; the favicon a page links to is served."""

import re

import pytest

from motcua.services.formdata import example_data
from tests.browser.test_supplement import api

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}
APPLICANT = {
    "name": "Trần Văn Bình",
    "id_number": "042190004444",
    "phone": "0915444555",
    "address": "Thôn Đông Thịnh, xã Can Lộc, tỉnh Hà Tĩnh",
}


@pytest.fixture(scope="module")
def dossier(live_app):
    """A construction permit of Can Lộc past the desk, waiting at the infrastructure office:
    (its code, the appraisal task's id)."""
    client = live_app.test_client()
    desk = api(client, "clo.mc1")
    code = client.post(
        "/api/v1/dossiers",
        json={
            "procedure_code": "1.009994",
            "unit_code": "CLO",
            "applicant": APPLICANT,
            "channel": "direct",
        },
        headers=desk,
    ).get_json()["code"]

    task = client.get(f"/api/v1/dossiers/{code}", headers=desk).get_json()["tasks"][0]
    client.post(f"/api/v1/tasks/{task['id']}/claim", headers=desk)
    done = client.post(
        f"/api/v1/tasks/{task['id']}/complete",
        json={"data": example_data(task["form"])},
        headers=desk,
    )
    assert done.status_code == 200, done.get_json()
    specialist = api(client, "clo.cv.ktht1")
    tasks = client.get(f"/api/v1/dossiers/{code}", headers=specialist).get_json()["tasks"]
    return code, next(t["id"] for t in tasks if t.get("completed_at") is None)


def pages_of(role: str, code: str, task_id: int) -> list[str]:
    inbox = [f"/inbox?tab={tab}" for tab in ("mine", "unit", "done")]
    return {
        "clo.mc1": [
            *inbox,
            f"/inbox?tab=unit&q={code}",
            "/desk/receive",
            "/desk/receive/1.009994",
            "/desk/results",
            "/registers",
            f"/dossiers/{code}",
        ],
        "clo.cv.ktht1": [*inbox, f"/tasks/{task_id}", f"/dossiers/{code}"],
        "clo.ld.ktht": [
            *inbox,
            "/inbox?tab=overdue",
            f"/dossiers/{code}",
            "/watch",
            "/reports",
            "/reports/snapshots",
            "/registers",
        ],
        "admin": [
            "/inbox",
            "/admin/procedures",
            "/admin/procedures/1.009994/units/CLO",
            "/admin/procedures/1.009994/versions",
            "/admin/units",
            "/admin/units/CLO",
            "/admin/users",
            "/admin/users/1",
            "/admin/catalogue",
            "/admin/catalogue/1.009994",
            "/admin/mails",
            "/admin/calendar",
            "/admin/audit",
            "/reports",
            "/watch",
        ],
    }[role]


# The elements that reach past the window's right edge, outermost first: what a failure names.
SPILLING = """() => {
  const limit = window.innerWidth + 0.5;
  const right = (el) => el.getBoundingClientRect().right;
  const named = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("");
  return [...document.body.querySelectorAll("*")]
    .filter((el) => right(el) > limit && right(el.parentElement) <= limit)
    .slice(0, 5)
    .map((el) => `${named(el.parentElement)} > ${named(el)}: ${Math.round(right(el))}px`);
}"""


def overflow(page) -> tuple[int, list[str]]:
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways),
    and the elements that make it so."""
    px = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    return px, page.evaluate(SPILLING) if px > 0 else []


def assert_fits(wide: dict[str, tuple[int, list[str]]]) -> None:
    spilled = {path: seen for path, seen in wide.items() if seen[0] > 0}
    assert not spilled, "\n".join(
        f"{path}: {px}px too wide — {'; '.join(where)}" for path, (px, where) in spilled.items()
    )


def shot_name(role: str, path: str, code: str) -> str:
    """A file name that says the page, the same from one run to the next."""
    named = path.replace(code, "dossier").strip("/")
    named = "task" if named.startswith("tasks/") else named
    return "small-" + re.sub(r"[^a-z0-9.]+", "-", f"{role}-{named}".lower()).strip("-")


def opening(path: str):
    def go(page):
        response = page.goto(path)
        assert response.ok, (path, response.status)

    return go


def walk(browser, live_server, shot, code, role: str | None, steps: dict) -> dict:
    """Open each page ({name: how to open it}) at the phone's width, measure it and leave it as
    screenshots at 390 px and at 1280 px; return {name: overflow}."""
    context = browser.new_context(base_url=live_server, locale="vi-VN", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        if role is not None:
            page.goto("/login")
            page.fill("input[name=username]", role)
            page.fill("input[name=password]", "demo")
            page.click("main form button[type=submit]")
            page.wait_for_selector(f"text=({role})")
        wide = {}
        for name, open_page in steps.items():
            page.set_viewport_size(PHONE)
            open_page(page)
            wide[name] = overflow(page)
            shot_as = shot_name(role or "public", name, code)
            shot(page, f"{shot_as}-390")
            page.set_viewport_size(LAPTOP)
            shot(page, f"{shot_as}-1280")
        return wide
    finally:
        context.close()


@pytest.mark.parametrize("role", ["clo.mc1", "clo.cv.ktht1", "clo.ld.ktht", "admin"])
def test_each_role_s_pages_fit_a_390_px_phone(browser, live_server, shot, dossier, role):
    code, task_id = dossier
    steps = {path: opening(path) for path in pages_of(role, code, task_id)}
    assert_fits(walk(browser, live_server, shot, code, role, steps))


def test_the_public_lookup_and_its_answer_fit_a_390_px_phone(browser, live_server, shot, dossier):
    code, _task_id = dossier

    def answer(page):
        opening("/lookup")(page)
        page.fill("input[name=code]", code)
        page.fill("input[name=secret]", APPLICANT["id_number"])
        page.click("main form button[type=submit]")
        page.wait_for_selector(f"main :text('{code}')")

    steps = {"/lookup": opening("/lookup"), "/lookup/answer": answer}
    assert_fits(walk(browser, live_server, shot, code, None, steps))


def test_every_page_links_a_favicon_that_is_served(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="vi-VN")
    page = context.new_page()
    try:
        for path in ("/login", "/lookup"):
            page.goto(path)
            href = page.locator("link[rel=icon]").get_attribute("href")
            response = page.request.get(href)
            assert response.status == 200, (path, href)
            assert response.headers["content-type"].startswith("image/")
    finally:
        context.close()
