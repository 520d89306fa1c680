"""An analyst edits the template of 2.000815 (certification of copies) in the BPMN modeler: sets
a step's handler and time limit in the "Xử lý" group, saves and publishes; a diagram with a
problem shows it on the element and in a list, and is not published."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from motcua import engine
from motcua.services import diagrams, processes
from motcua.services.processes import newest_version

CODE = "2.000815"
BUNDLE = Path(__file__).resolve().parents[2] / "admin" / "static" / "build" / "modeler.js"
DTD_FILE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
    b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&e;'
    b"</bpmn:definitions>\n"
)


@pytest.fixture(autouse=True)
def _bundle():
    if not BUNDLE.is_file():
        pytest.fail("the modeler bundle is missing: run `npm ci` at the repository root")


def template(live_app):
    """The newest published template (version number, steps by id) and whether a draft exists."""
    with live_app.app_context():
        procedure = processes.procedure_by_code(CODE)
        version = newest_version(procedure, None)
        steps = {s.id: s for s in engine.load_diagram(version.bpmn_xml).steps}
        return version.version, steps, diagrams.draft_of(procedure, None) is not None


def open_modeler(page, sign_in) -> list[str]:
    """The modeler of CODE as the analyst; returns the kinds of the dialogs it will have shown
    (each accepted)."""
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    sign_in("hti.phantich")
    page.on("dialog", accept)
    page.locator("details.menu[data-group=admin] > summary").click()  # the menu's group
    page.get_by_role("link", name="Soạn quy trình").click()
    page.locator(f"tr[data-procedure='{CODE}']").get_by_role("link", name="Mở trình soạn").click()
    expect(page.locator("body[data-modeler-ready=true]")).to_have_count(1)
    return dialogs


def select_step(page, step_id: str):
    page.locator(f".djs-element.djs-shape[data-element-id={step_id}]").click()
    expect(page.locator(".bio-properties-panel-group-header", has_text="Xử lý")).to_be_visible()


def test_an_analyst_sets_a_step_in_the_modeler_and_publishes(live_app, page, sign_in, shot):
    before, steps, has_draft = template(live_app)
    assert not has_draft and steps["chung_thuc"].handler == "specialist@.VP"
    open_modeler(page, sign_in)
    expect(page.locator("#modeler-published")).to_contain_text(f"phiên bản {before}")

    select_step(page, "chung_thuc")
    panel = page.locator("#modeler-properties")
    expect(panel.locator("select[name=motcua-handler-mode]")).to_have_value("role")
    expect(panel.locator("input[name=motcua-handler-unit]")).to_have_value(".VP")
    panel.locator("select[name=motcua-handler-role]").select_option("leader")
    amount = panel.locator("input[name=motcua-time-amount]")
    amount.fill("3")
    amount.blur()  # typing is committed after a pause, or when the field is left
    panel.locator("select[name=motcua-time-unit]").select_option("h")
    expect(page.locator("#modeler-dirty")).to_be_visible()
    # Each change is one step on bpmn-js's command stack: Ctrl+Z on the diagram undoes it.
    panel.locator("select[name=motcua-form]").select_option("")
    page.locator("#modeler-canvas svg[tabindex]").first.focus()  # the selection stays
    page.keyboard.press("Control+z")
    expect(panel.locator("select[name=motcua-form]")).to_have_value("chung-thuc")
    shot(page, "modeler")

    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.locator("#modeler-message")).to_contain_text("Sơ đồ không có lỗi")
    expect(page.locator("#modeler-problems")).to_be_hidden()
    expect(page.locator("#modeler-draft")).to_contain_text("Bản nháp: lưu lúc")
    expect(page.locator("#modeler-dirty")).to_be_hidden()

    page.get_by_role("button", name="Ban hành").click()
    expect(page.locator("#modeler-message")).to_contain_text(f"Đã ban hành phiên bản {before + 1}")
    expect(page.locator("#modeler-published")).to_contain_text(f"phiên bản {before + 1}")

    after, steps, has_draft = template(live_app)
    assert after == before + 1 and not has_draft
    assert steps["chung_thuc"].handler == "leader@.VP"
    assert steps["chung_thuc"].time_limit == "3h"
    assert steps["chung_thuc"].form == "chung-thuc"
    assert steps["ky_duyet"].handler == "leader@.VP"  # the other steps as they were
    assert steps["tra_ket_qua"].returns_result is True


def test_a_diagram_with_a_problem_is_marked_and_not_published(live_app, page, sign_in, shot):
    before, _, _ = template(live_app)
    open_modeler(page, sign_in)

    # A file with a DTD is refused by the server, in Vietnamese, and nothing is stored.
    page.set_input_files(
        "#modeler-file",
        files=[{"name": "xxe.bpmn", "mimeType": "application/xml", "buffer": DTD_FILE}],
    )
    expect(page.locator("#modeler-message")).to_contain_text("không được chứa DTD")
    assert template(live_app)[2] is False

    select_step(page, "ky_duyet")
    page.locator("#modeler-properties input[name=motcua-time-amount]").fill("")
    page.get_by_role("button", name="Lưu nháp").click()
    problems = page.locator("#modeler-problems")
    expect(problems).to_be_visible()
    expect(problems.locator("li[data-element=ky_duyet]")).to_contain_text("timeLimit")
    badge = page.locator(".motcua-problem-badge[data-element=ky_duyet]")
    expect(badge).to_be_visible()
    expect(page.locator(".djs-element.motcua-has-problem[data-element-id=ky_duyet]")).to_have_count(
        1
    )

    # The list leads to the element: it becomes the selection shown in the properties panel.
    page.locator(".djs-element[data-element-id=chung_thuc]").click()
    problems.locator("li[data-element=ky_duyet] button").click()
    expect(page.locator(".djs-element.selected[data-element-id=ky_duyet]")).to_have_count(1)
    shot(page, "modeler-problems")

    page.get_by_role("button", name="Ban hành").click()
    expect(page.locator("#modeler-message")).to_contain_text("chưa ban hành được")
    assert template(live_app)[0] == before

    # Leave the template as it was for the other tests: throw the draft away.
    page.get_by_role("button", name="Bỏ bản nháp").click()
    expect(page.locator("#modeler-draft")).to_have_text("Không có bản nháp")
    assert template(live_app)[2] is False


def test_a_new_diagram_is_downloaded_and_leaving_it_unsaved_asks_first(live_app, page, sign_in):
    dialogs = open_modeler(page, sign_in)
    page.get_by_role("button", name="Sơ đồ mới").click()
    assert dialogs == ["confirm"]
    expect(page.locator("#modeler-message")).to_contain_text("Đã tạo sơ đồ mới")
    expect(page.locator("#modeler-dirty")).to_be_visible()
    expect(page.locator(".djs-element[data-element-id=tiep_nhan]")).to_have_count(1)
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải về .bpmn").click()
    assert download.value.suggested_filename == f"{CODE}.bpmn"
    diagram = engine.load_diagram(Path(download.value.path()).read_text(encoding="utf-8"))
    assert [(s.id, s.handler, s.time_limit) for s in diagram.steps] == [
        ("tiep_nhan", "receptionist", "4h")
    ]
    assert template(live_app)[2] is False  # nothing reached the server

    page.get_by_role("link", name="Các thủ tục").click()
    expect(page.get_by_role("heading", name="Soạn quy trình mẫu")).to_be_visible()
    assert dialogs == ["confirm", "beforeunload"]
