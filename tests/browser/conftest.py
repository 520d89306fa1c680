"""Headless Chromium (Debian's package) driven by Playwright against a live server.

The server runs the app on a database of its own (real commits), in a thread. Screenshots
of the main pages go to test-artifacts/screenshots/ (kept by CI, never committed).
"""

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def live_app(separate_app):
    return separate_app("_browser")


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian's chromium (installed by .ci/run)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport={"width": 1366, "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def shot():
    """shot(page, "inbox") saves a full-page screenshot as a test artefact."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def sign_in(page):
    def sign_in_as(username: str, password: str = "demo"):
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("main form button[type=submit]")
        return page

    return sign_in_as


@pytest.fixture
def as_officer(browser, live_server):
    """as_officer("clo.mc1") → a page signed in as that officer, in a context of its own."""
    from playwright.sync_api import expect

    contexts = []

    def open_as(username: str):
        context = browser.new_context(
            base_url=live_server, locale="vi-VN", viewport={"width": 1366, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "demo")
        page.click("main form button[type=submit]")
        expect(page.get_by_text(f"({username})")).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()
