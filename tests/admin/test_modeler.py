"""The analysts' BPMN modeler, through its page and JSON routes: open, save a draft, open a
file, publish; who may; what a refused file or a diagram with problems does (and leaves)."""

import html
import io
import json
import re

import pytest
from sqlalchemy import func, select

from motcua import engine
from motcua.admin import modeler
from motcua.extensions import db
from motcua.models import AuditEntry
from motcua.services import diagrams, processes
from motcua.services.processes import newest_version

CODE = "2.000815"
BASE = f"/admin/procedures/{CODE}/modeler"
DTD_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  &lol2;
</bpmn:definitions>
"""


def template(app) -> tuple[int, str]:
    """The newest published template: its version number and XML."""
    with app.app_context():
        version = newest_version(processes.procedure_by_code(CODE), None)
        return version.version, version.bpmn_xml


def template_xml(app) -> str:
    return template(app)[1]


def draft(app) -> tuple[str, list] | None:
    """The template's draft: its XML and problems."""
    with app.app_context():
        found = diagrams.draft_of(processes.procedure_by_code(CODE), None)
        return (found.bpmn_xml, found.problems) if found else None


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry))


def with_property(xml: str, step: str, name: str, value: str | None) -> str:
    """The diagram with one property of one step changed (None: removed)."""
    pattern = re.compile(
        rf'(<bpmn:userTask id="{step}".*?<spiffworkflow:property name="{name}" value=")'
        r'([^"]*)("\s*/>)',
        re.S,
    )
    if value is None:
        changed = re.sub(
            rf'(<bpmn:userTask id="{step}".*?)<spiffworkflow:property name="{name}" '
            r'value="[^"]*"\s*/>',
            r"\1",
            xml,
            count=1,
            flags=re.S,
        )
    else:
        changed = pattern.sub(rf"\g<1>{value}\g<3>", xml, count=1)
    assert changed != xml
    return changed


def post_xml(analyst, path: str, xml: str | bytes, content_type="application/xml"):
    return analyst.client.post(
        path, data=xml, content_type=content_type, headers={"X-CSRFToken": analyst.token}
    )


def post_json(analyst, path: str, **kw):
    return analyst.client.post(path, headers={"X-CSRFToken": analyst.token}, **kw)


def page_config(html: str) -> dict:
    blob = re.search(r'<script type="application/json" id="modeler-config">(.*?)</script>', html)
    return json.loads(blob.group(1))


@pytest.fixture
def analyst(officer):
    return officer("hti.phantich")


def test_the_analyst_opens_the_published_template_with_the_choices(analyst, app):
    html = analyst.page(BASE)
    assert f"<h1>Soạn quy trình mẫu: {CODE}</h1>" in html
    assert "Đang ban hành: phiên bản 1" in html and "Không có bản nháp" in html
    config = page_config(html)
    assert config["hasDraft"] is False and config["problems"] == []
    assert {"value": "specialist", "label": "Chuyên viên"} in config["options"]["roles"]
    assert "chung-thuc" in config["options"]["forms"]
    assert config["strings"]["handlingGroup"] == "Xử lý"
    assert config["urls"]["draft"] == f"{BASE}/draft"
    assert "<bpmn:userTask" in config["newXml"]  # "Sơ đồ mới" starts from this skeleton
    engine.load_diagram(config["newXml"])  # and the skeleton loads

    response = analyst.get(f"{BASE}/diagram.bpmn")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert response.get_data(as_text=True) == template_xml(app)
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "Content-Disposition" not in response.headers
    download = analyst.get(f"{BASE}/diagram.bpmn?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert f"{CODE}.bpmn" in download.headers["Content-Disposition"]


def test_the_menu_and_the_index_show_each_template_and_its_draft(analyst, app):
    html = analyst.page("/admin/modeler")
    assert 'href="/admin/modeler"' in html and "Soạn quy trình" in html  # menu entry
    row = re.search(rf'<tr data-procedure="{re.escape(CODE)}">(.*?)</tr>', html, re.S).group(1)
    assert "Phiên bản 1" in row and "Có bản nháp" not in row and f'href="{BASE}"' in row

    xml = with_property(template_xml(app), "chung_thuc", "timeLimit", None)
    assert post_xml(analyst, f"{BASE}/draft", xml).status_code == 200
    html = analyst.page("/admin/modeler")
    row = re.search(rf'<tr data-procedure="{re.escape(CODE)}">(.*?)</tr>', html, re.S).group(1)
    assert "Có bản nháp" in row and "1 lỗi" in row


def test_options_are_the_roles_forms_and_units(analyst):
    options = analyst.get("/admin/modeler/options.json").get_json()
    assert [r["value"] for r in options["roles"]] == ["receptionist", "specialist", "leader"]
    assert "tiep-nhan" in options["forms"]
    assert {"VPDKDD", "CLO.KT"} <= {u["code"] for u in options["units"]}


@pytest.mark.parametrize("username", ["clo.cv.tckh1", "clo.qt"])
def test_others_may_not_open_or_change_a_template(officer, app, username):
    other = officer(username)
    assert other.get(BASE).status_code == 403
    assert other.get("/admin/modeler").status_code == 403
    assert other.get(f"{BASE}/diagram.bpmn").status_code == 403
    refused = post_xml(other, f"{BASE}/draft", template_xml(app))
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    assert post_json(other, f"{BASE}/publish").status_code == 403
    assert other.get("/admin/modeler/options.json").status_code == 403
    assert 'href="/admin/modeler"' not in other.page("/inbox")
    assert draft(app) is None


def test_a_file_with_a_dtd_or_entities_is_refused_and_nothing_is_stored(analyst, app):
    before = audit_count(app)
    response = post_json(analyst, f"{BASE}/import", data={"file": (io.BytesIO(DTD_FILE), "x.bpmn")})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "unsafe_diagram"
    assert "DTD" in error["message"] and "ENTITY" in error["message"]
    assert error["message"].startswith("Không nhận tệp sơ đồ này")
    assert error["details"][0]["element"] is None
    # The same file as a draft body is refused the same way.
    assert post_xml(analyst, f"{BASE}/draft", DTD_FILE).status_code == 422
    assert draft(app) is None and audit_count(app) == before


def test_opening_a_file_stores_it_as_the_draft(analyst, app):
    xml = with_property(template_xml(app), "chung_thuc", "timeLimit", "3h").encode()
    response = post_json(analyst, f"{BASE}/import", data={"file": (io.BytesIO(xml), "ct.bpmn")})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["problems"] == [] and 'value="3h"' in body["xml"]
    assert body["saved_at_text"]
    assert draft(app) == (xml.decode(), [])
    assert "Bản nháp: lưu lúc" in analyst.page(BASE)

    no_file = post_json(analyst, f"{BASE}/import", data={})
    assert no_file.status_code == 422
    assert no_file.get_json()["error"] == {
        "code": "no_file",
        "message": "Chọn một tệp .bpmn để mở.",
    }


def test_a_draft_with_problems_is_stored_with_them_and_cannot_be_published(analyst, app):
    xml = with_property(template_xml(app), "chung_thuc", "handler", None)
    xml = with_property(xml, "ky_duyet", "timeLimit", "hai ngày")
    before = audit_count(app)
    response = post_xml(analyst, f"{BASE}/draft", xml)
    assert response.status_code == 200
    problems = response.get_json()["problems"]
    assert {p["element"] for p in problems} == {"chung_thuc", "ky_duyet"}
    assert any("thiếu thuộc tính handler" in p["message"] for p in problems)
    assert any("hai ngày" in p["message"] for p in problems)
    assert draft(app) == (xml, problems)
    assert audit_count(app) == before + 1

    config = page_config(analyst.page(BASE))
    assert config["hasDraft"] is True and config["problems"] == problems
    assert analyst.get(f"{BASE}/diagram.bpmn").get_data(as_text=True) == xml

    refused = post_json(analyst, f"{BASE}/publish")
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "bad_diagram"
    assert {d["element"] for d in error["details"]} >= {"chung_thuc", "ky_duyet"}
    assert template(app)[0] == 1 and draft(app) is not None


def test_a_clean_draft_is_published_as_a_new_version(analyst, app):
    xml = with_property(template_xml(app), "chung_thuc", "timeLimit", "3h")
    xml = with_property(xml, "chung_thuc", "handler", "user:clo.cv.tp1")
    saved = post_xml(analyst, f"{BASE}/draft", xml)
    assert saved.status_code == 200 and saved.get_json()["problems"] == []

    published = post_json(analyst, f"{BASE}/publish")
    assert published.status_code == 200, published.get_json()
    assert published.get_json()["version"] == 2
    number, published_xml = template(app)
    assert number == 2
    with app.app_context():
        version = newest_version(processes.procedure_by_code(CODE), None)
        assert version.published_by.username == "hti.phantich"
    step = next(s for s in engine.load_diagram(published_xml).steps if s.id == "chung_thuc")
    assert (step.handler, step.time_limit) == ("user:clo.cv.tp1", "3h")
    assert draft(app) is None
    assert "Đang ban hành: phiên bản 2" in analyst.page(BASE)

    again = post_json(analyst, f"{BASE}/publish")
    assert again.status_code == 404 and again.get_json()["error"]["code"] == "no_draft"


def test_a_draft_must_be_sent_as_xml_with_the_csrf_token(analyst, app):
    xml = template_xml(app)
    as_form = analyst.post(f"{BASE}/draft", data={"xml": xml})
    assert as_form.status_code == 422
    assert as_form.get_json()["error"]["code"] == "not_xml"
    no_token = analyst.client.post(f"{BASE}/draft", data=xml, content_type="application/xml")
    assert no_token.status_code == 400
    assert draft(app) is None


def test_discarding_the_draft_goes_back_to_the_published_version(analyst, app):
    xml = with_property(template_xml(app), "chung_thuc", "timeLimit", "3h")
    post_xml(analyst, f"{BASE}/draft", xml)
    assert post_json(analyst, f"{BASE}/discard").get_json() == {"discarded": True}
    assert draft(app) is None
    assert analyst.get(f"{BASE}/diagram.bpmn").get_data(as_text=True) == template_xml(app)
    assert post_json(analyst, f"{BASE}/discard").status_code == 404


def test_an_unknown_procedure_is_not_found(analyst):
    assert analyst.get("/admin/procedures/9.999999/modeler").status_code == 404
    missing = post_xml(analyst, "/admin/procedures/9.999999/modeler/draft", "<x/>")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "procedure_not_found"


def test_a_system_admin_may_edit_templates_too(officer):
    admin = officer("admin")
    assert f'href="{BASE}"' in admin.page("/admin/modeler")
    assert "Lưu nháp" in admin.page(BASE)


def test_without_the_bundle_the_page_says_how_to_build_it(analyst, monkeypatch, tmp_path):
    monkeypatch.setattr(modeler, "BUNDLE", tmp_path / "modeler.js")
    html = analyst.page(BASE)
    assert "npm ci" in html and "build/modeler.js" not in html
    assert f"{BASE}/diagram.bpmn?download=1" in html  # the diagram can still be fetched


@pytest.mark.parametrize(
    "script",
    [
        "__import__('os').system('id')",
        "open('/etc/passwd').read()",
        "x = ().__class__.__base__.__subclasses__()",
    ],
)
def test_python_in_a_script_task_is_a_problem_never_a_program(analyst, app, script):
    """Scripts are our small expression language: whatever else an analyst writes is reported
    on the script task and the diagram cannot be published."""
    xml = template_xml(app)
    script_task = (
        f'<bpmn:scriptTask id="tinh_phi" name="Tính phí"><bpmn:script>{html.escape(script)}'
        "</bpmn:script></bpmn:scriptTask>"
    )
    xml = xml.replace("</bpmn:process>", script_task + "</bpmn:process>", 1)
    response = post_xml(analyst, f"{BASE}/draft", xml)
    assert response.status_code == 200
    problems = [p for p in response.get_json()["problems"] if p["element"] == "tinh_phi"]
    assert any("Script task tinh_phi" in p["message"] for p in problems), problems
    assert post_json(analyst, f"{BASE}/publish").status_code == 422
