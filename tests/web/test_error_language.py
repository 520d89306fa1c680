"""A service's refusal is worded in the reader's language: English on an English page, Vietnamese
outside a request (the CLI, the worker), plain escaped text on a page and plain strings in JSON."""

import json

from flask import session
from flask_babel import lazy_gettext as _l

from motcua.errors import Invalid, error_body
from motcua.web.i18n import select_locale


def held_step(login_as, make_dossier) -> int:
    """The desk's first step of a new dossier, held by the officer who received it."""
    code = make_dossier("CLO", "1.001612")["code"]
    tasks = login_as("clo.mc1").get(f"/dossiers/{code}").get_json()["tasks"]
    return next(t["id"] for t in tasks if t["assignee"] == "clo.mc1")


def test_an_english_page_shows_the_refusal_in_english(officer):
    desk = officer("clo.mc1")
    incomplete = {"unit": "CLO", "applicant.name": "", "channel": "direct"}
    refused = desk.post("/desk/receive/1.001612", data=incomplete)
    assert refused.status_code == 422
    assert "Hồ sơ chưa đủ điều kiện tiếp nhận." in refused.get_data(as_text=True)

    desk.post("/language/en", data={"next": "/desk/receive"})
    refused = desk.post("/desk/receive/1.001612", data=incomplete)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "The dossier cannot be received yet." in page
    # The fields' details, next to them.
    assert "This field is required." in page
    assert "Confirm that the dossier is complete as required before receiving it." in page
    assert "Hồ sơ chưa đủ điều kiện tiếp nhận." not in page
    assert "Trường này là bắt buộc." not in page


def test_a_message_carrying_what_was_typed_is_escaped_on_the_page(officer):
    response = officer("admin").get("/admin/catalogue/%3Cb%3Ex")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Không có thủ tục mã &lt;b&gt;x." in page and "<b>x" not in page


def test_outside_a_request_messages_are_in_vietnamese(app):
    error = Invalid(_l("Không có hồ sơ %(code)s.", code="CLO-1"), details={"code": _l("Tệp rỗng.")})
    with app.app_context():
        assert select_locale() == "vi"
        assert error.message == "Không có hồ sơ CLO-1." and error.details == {"code": "Tệp rỗng."}
    with app.test_request_context():
        session["lang"] = "en"
        assert select_locale() == "en"
        assert error.message == "There is no dossier CLO-1."


def test_json_errors_carry_plain_strings(app, login_as, make_dossier):
    details = {"reason": _l("Trường này là bắt buộc."), "items": [_l("Tệp rỗng."), 3]}
    with app.app_context():
        body = json.loads(json.dumps(error_body("invalid", _l("Tệp rỗng."), details)))
    assert body == {
        "error": {
            "code": "invalid",
            "message": "Tệp rỗng.",
            "details": {"reason": "Trường này là bắt buộc.", "items": ["Tệp rỗng.", 3]},
        }
    }
    task_id = held_step(login_as, make_dossier)
    refused = login_as("clo.mc1").post(f"/tasks/{task_id}/send-back", json={"reason": ""})
    assert refused.status_code == 422
    assert refused.get_json()["error"] == {
        "code": "reason_required",
        "message": "Phải ghi rõ lý do trả lại.",
        "details": {"reason": "Trường này là bắt buộc."},
    }
