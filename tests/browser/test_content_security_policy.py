"""The pages work under their Content-Security-Policy (issue 14): every main page of every
role, the modeler with bpmn-js, the configurator, the diagram on the dossier page and the
lookup open without one violation of the policy, and every answer carries the headers."""

import pytest

from tests.browser.test_small_screen import dossier, pages_of  # noqa: F401 (a fixture)

# Listens before any script of the page runs, and keeps what the browser refused.
LISTEN = """
window.__refused = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__refused.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""
MORE = {
    "admin": ["/admin/modeler", "/admin/procedures/1.009994/modeler", "/admin/security-log"],
    "clo.ld.ktht": ["/"],
}


def walk(browser, live_server, role: str | None, paths: list[str]) -> dict[str, list[str]]:
    context = browser.new_context(base_url=live_server, locale="vi-VN")
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.set_default_timeout(15_000)
    console = []
    page.on(
        "console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None
    )
    refused = {}
    try:
        if role is not None:
            page.goto("/login")
            page.fill("input[name=username]", role)
            page.fill("input[name=password]", "demo")
            page.click("main form button[type=submit]")
            page.wait_for_selector(f"text=({role})")
        for path in paths:
            response = page.goto(path)
            assert response.ok, (path, response.status)
            headers = response.headers
            assert "script-src 'self'" in headers["content-security-policy"], path
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["cache-control"] == "no-store", path
            page.wait_for_load_state("networkidle")
            seen = page.evaluate("window.__refused") + console
            console.clear()
            if seen:
                refused[path] = seen
        return refused
    finally:
        context.close()


@pytest.mark.parametrize("role", ["clo.mc1", "clo.cv.ktht1", "clo.ld.ktht", "admin", None])
def test_every_main_page_runs_under_the_policy(browser, live_server, dossier, role):  # noqa: F811
    code, task_id = dossier
    paths = ["/lookup", "/login"] if role is None else pages_of(role, code, task_id)
    assert walk(browser, live_server, role, paths + MORE.get(role, [])) == {}
