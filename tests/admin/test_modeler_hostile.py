"""The modeler's routes on hostile files (issue 14): a file with a megabyte name and hundreds of
unknown properties gets a short answer (the file itself, and at most 51 short problems), a
UTF-16 file is opened and kept as UTF-8, a multi-instance step is a problem on its element and
never a 500."""

import io
import json

import pytest

from tests.admin.test_modeler import BASE, draft, post_json, post_xml, template_xml
from tests.engine.conftest import Bpmn

B = Bpmn()


@pytest.fixture
def analyst(officer):
    return officer("hti.phantich")


def test_a_file_with_a_megabyte_name_and_many_properties_gets_a_short_answer(analyst, app):
    many = {f"p{i}": "x" for i in range(200)}
    xml = Bpmn.process(
        B.start()
        + B.user_task("a", "B" * 1_000_000, **many)
        + B.end()
        + B.chain("start", "a", "end")
    ).encode()
    opened = post_json(analyst, f"{BASE}/import", data={"file": (io.BytesIO(xml), "big.bpmn")})
    assert opened.status_code == 200
    body = opened.get_json()
    assert len(body["problems"]) == 51 and "150 lỗi khác" in body["problems"][-1]["message"]
    # The answer is the file (which the page shows) and a few kilobytes of problems.
    assert len(opened.data) < len(xml) + 40_000
    assert len(json.dumps(draft(app)[1])) < 40_000
    saved = post_xml(analyst, f"{BASE}/draft", xml)
    assert saved.status_code == 200 and len(saved.data) < 40_000


def test_a_utf16_file_is_opened_and_kept_as_utf8(analyst, app):
    text = template_xml(app)
    assert 'encoding="UTF-8"' in text
    data = text.replace('encoding="UTF-8"', 'encoding="UTF-16"', 1).encode("utf-16")
    opened = post_json(analyst, f"{BASE}/import", data={"file": (io.BytesIO(data), "w.bpmn")})
    assert opened.status_code == 200, opened.get_json()
    assert opened.get_json()["problems"] == []
    assert opened.get_json()["xml"] == text and draft(app) == (text, [])


def test_a_multi_instance_step_is_a_problem_of_its_element_and_is_not_published(analyst, app):
    loop = (
        '<bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:loopCardinality>3'
        "</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"
    )
    text = template_xml(app)
    at = text.index("</bpmn:userTask>")
    xml = text[:at] + loop + text[at:]
    step = text[:at].rsplit("<bpmn:userTask", 1)[1].split('id="', 1)[1].split('"', 1)[0]
    saved = post_xml(analyst, f"{BASE}/draft", xml)
    assert saved.status_code == 200
    [problem] = saved.get_json()["problems"]
    assert problem["element"] == step and "multi-instance" in problem["message"]
    published = post_json(analyst, f"{BASE}/publish")
    assert published.status_code == 422 and published.get_json()["error"]["code"] == "bad_diagram"
