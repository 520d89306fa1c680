"""The page of one task: its dossier, files, history and form; completing, sending back, files."""

import io
import re
from types import SimpleNamespace

from sqlalchemy import func, select, update

from motcua.extensions import db
from motcua.forms import form_names, load_form
from motcua.models import Attachment, Dossier, Event, Task, TaskStatus
from motcua.services import formdata, taskpage
from motcua.services.formdata import example_data

HOUSEHOLD, COPY = "1.001612", "2.000815"


def task_of(app, code: str, *, active: bool = True, step: str | None = None) -> SimpleNamespace:
    """The dossier's active step (or its last step ``step``) as plain values."""
    with app.app_context():
        query = (
            select(Task).join(Dossier, Dossier.id == Task.dossier_id).where(Dossier.code == code)
        )
        if active:
            query = query.where(Task.status.in_(("open", "claimed")))
        if step:
            query = query.where(Task.step_id == step)
        task = db.session.scalars(query.order_by(Task.id.desc())).first()
        return SimpleNamespace(
            id=task.id,
            step_id=task.step_id,
            status=task.status,
            form=task.form,
            data=task.data,
            outcome=task.outcome,
            assignee=task.assignee.username if task.assignee else None,
        )


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def finish_desk_step(app, login_as, code: str) -> SimpleNamespace:
    desk = login_as("clo.mc1")
    first = task_of(app, code)
    response = desk.post(f"/tasks/{first.id}/complete", json={"data": example_data(first.form)})
    assert response.status_code == 200, response.get_json()
    return task_of(app, code)


def set_form(app, task_id: int, form: str) -> None:
    with app.app_context():
        db.session.execute(update(Task).where(Task.id == task_id).values(form=form))
        db.session.commit()


def field_html(html: str, name: str) -> str:
    """The markup of one field of the step's form."""
    match = re.search(
        rf'<div class="field" data-widget="\w+" data-field="{name}">(.*?)</div>', html, re.S
    )
    assert match, f"no field {name}"
    return match.group(0)


# -- what the page shows -----------------------------------------------------------------------


def test_the_page_shows_the_dossier_its_files_and_its_history(app, officer, login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    scan = desk.upload(code, "don-de-nghi.pdf", b"%PDF-1.4 scan").get_json()
    task = task_of(app, code)

    html = officer("clo.mc1").page(f"/tasks/{task.id}")
    assert "Tiếp nhận, kiểm tra hồ sơ" in html
    for text in ("Nguyễn Thị Hoa", "042190001234", "0912345678", "Đăng ký thành lập hộ kinh doanh"):
        assert text in html
    assert re.search(r"Ngày hẹn trả</dt><dd>\d\d/\d\d/\d{4} \d\d:\d\d</dd>", html)
    assert f'href="/dossiers/{code}/files/{scan["id"]}"' in html and "don-de-nghi.pdf" in html
    assert f'href="/dossiers/{code}"' in html
    history = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S).group(1)
    kinds = re.findall(r'data-kind="(\w+)"', history)
    assert kinds == ["received", "attachment_added"]  # newest last
    assert "Tiếp nhận hồ sơ" in history
    assert 'id="complete-form"' in html and 'id="upload-form"' in html
    assert 'id="send-back-form"' not in html  # the first step has nothing to go back to


def test_every_widget_of_the_forms_is_rendered(app, officer, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    task = task_of(app, code)
    desk = officer("clo.mc1")
    used = set()
    for name in form_names():
        definition = load_form(name)
        set_form(app, task.id, name)
        html = desk.page(f"/tasks/{task.id}")
        assert definition["title"] in html
        for field in definition["schema"]["properties"]:
            widget = definition["ui"][field]["widget"]
            used.add(widget)
            markup = field_html(html, field)
            assert f'data-widget="{widget}"' in markup
            assert definition["ui"][field]["label"] in markup
            expected = {
                "text": '<input type="text"',
                "textarea": "<textarea",
                "number": '<input type="number"',
                "date": '<input type="date"',
                "select": "<select",
                "checkbox": '<input type="checkbox"',
                "file": '<input type="file"',
            }[widget]
            assert expected in markup and f'name="{field}"' in markup
            for value, label in definition["ui"][field].get("options", {}).items():
                assert f'<option value="{value}"' in markup and label in markup
    assert {"text", "textarea", "number", "date", "select", "checkbox"} <= used


# -- completing --------------------------------------------------------------------------------


def test_bad_data_shows_the_errors_next_to_the_fields_and_changes_nothing(
    app, officer, login_as, make_dossier
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    review = finish_desk_step(app, login_as, code)
    specialist = officer("clo.cv.tckh1")
    events = count(app, Event)

    response = specialist.post(
        f"/tasks/{review.id}/complete", data={"opinion": "  ", "proposal": "maybe"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Trường này là bắt buộc." in field_html(html, "opinion")
    assert "không nằm trong danh sách" in field_html(html, "proposal")
    after = task_of(app, code)
    assert (after.id, after.status, after.assignee) == (review.id, TaskStatus.OPEN, None)
    assert count(app, Event) == events

    set_form(app, review.id, "chung-thuc")
    wrong_type = specialist.post(
        f"/tasks/{review.id}/complete", data={"copies": "ba", "register_number": "CT-1"}
    )
    assert wrong_type.status_code == 422
    html = wrong_type.get_data(as_text=True)
    assert "Giá trị không đúng kiểu." in field_html(html, "copies")
    assert 'value="CT-1"' in field_html(html, "register_number")  # what was typed stays
    assert task_of(app, code).status == TaskStatus.OPEN


def test_an_unticked_checkbox_is_false(app, officer, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    task = task_of(app, code)
    response = officer("clo.mc1").post(f"/tasks/{task.id}/complete", data={"note": "Thiếu tờ khai"})
    # Not complete: then the dossier needs papers, and the form asks which and why.
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "field-error" in field_html(html, "reason")
    assert "field-error" in field_html(html, "items")
    assert task_of(app, code).id == task.id


def test_completing_a_step_parses_the_fields_by_type_and_moves_on(
    app, officer, login_as, make_dossier
):
    code = make_dossier("CLO", COPY)["code"]
    desk = officer("clo.mc1")
    first = task_of(app, code)
    done = desk.post(f"/tasks/{first.id}/complete", data={"complete": "on", "note": ""})
    assert done.status_code == 302 and done.headers["Location"] == "/inbox"
    assert "Đã hoàn thành bước" in desk.page("/inbox")
    assert task_of(app, code, active=False, step="tiep_nhan").data == {"complete": True}

    certify = task_of(app, code)
    assert certify.step_id == "chung_thuc"
    response = officer("clo.cv.tp1").post(
        f"/tasks/{certify.id}/complete",
        data={"copies": "3", "pages": " ", "register_number": " 125/SCT "},
    )
    assert response.status_code == 302
    finished = task_of(app, code, active=False, step="chung_thuc")
    assert finished.status == TaskStatus.DONE
    assert finished.data == {"copies": 3, "register_number": "125/SCT"}
    assert task_of(app, code).step_id == "ky_duyet"


def test_completing_a_finished_step_says_why(app, officer, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    task = task_of(app, code)
    desk = officer("clo.mc1")
    assert desk.post(f"/tasks/{task.id}/complete", data={"complete": "on"}).status_code == 302
    again = desk.post(f"/tasks/{task.id}/complete", data={"complete": "on"})
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "đã được xử lý" in re.search(r'id="message">(.*?)</p>', html).group(1)
    # The finished step shows its data, read-only.
    assert 'id="complete-form"' not in html
    assert re.search(r'<input type="checkbox"[^>]* checked disabled', field_html(html, "complete"))


def test_a_file_field_stores_the_upload_and_keeps_its_id(app, officer, make_dossier, monkeypatch):
    definition = {
        "title": "Bản vẽ",
        "schema": {
            "type": "object",
            "properties": {"drawing": {"type": "integer"}, "note": {"type": "string"}},
            "required": ["drawing", "note"],
            "additionalProperties": False,
        },
        "ui": {
            "drawing": {"widget": "file", "label": "Bản vẽ thiết kế"},
            "note": {"widget": "text", "label": "Ghi chú"},
        },
        "order": ["drawing", "note"],
    }
    forms = {"test-ban-ve": definition}
    monkeypatch.setattr(taskpage, "load_form", lambda n: forms.get(n) or load_form(n))
    monkeypatch.setattr(formdata, "load_form", lambda n: forms.get(n) or load_form(n))
    formdata._validator.cache_clear()
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    task = task_of(app, code)
    set_form(app, task.id, "test-ban-ve")
    desk = officer("clo.mc1")
    try:
        html = desk.page(f"/tasks/{task.id}")
        assert 'enctype="multipart/form-data"' in re.search(
            r'<form[^>]*id="complete-form"[^>]*>', html, re.S
        ).group(0)
        files = count(app, Attachment)
        missing_note = desk.post(
            f"/tasks/{task.id}/complete",
            data={"drawing": (io.BytesIO(b"%PDF ban ve"), "ban-ve.pdf")},
            content_type="multipart/form-data",
        )
        assert missing_note.status_code == 422
        assert count(app, Attachment) == files  # nothing stored while the form is not valid
        response = desk.post(
            f"/tasks/{task.id}/complete",
            data={"drawing": (io.BytesIO(b"%PDF ban ve"), "ban-ve.pdf"), "note": "Bản 1"},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        with app.app_context():
            stored = db.session.scalars(select(Attachment).order_by(Attachment.id.desc())).first()
            assert (stored.file_name, stored.kind.value) == ("ban-ve.pdf", "working")
        data = task_of(app, code, active=False, step="tiep_nhan").data
        assert data == {"drawing": stored.id, "note": "Bản 1"}
    finally:
        formdata._validator.cache_clear()


# -- sending back, files -----------------------------------------------------------------------


def test_sending_back_needs_a_reason_and_returns_to_the_step_before(
    app, officer, login_as, make_dossier
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    review = finish_desk_step(app, login_as, code)
    specialist = officer("clo.cv.tckh1")
    assert 'id="send-back-form"' in specialist.page(f"/tasks/{review.id}")

    empty = specialist.post(f"/tasks/{review.id}/send-back", data={"reason": " "})
    assert empty.status_code == 422
    assert re.search(
        r'name="reason"[^>]*>\s*</textarea>\s*<p class="field-error">Trường này là bắt buộc',
        empty.get_data(as_text=True),
    )
    assert task_of(app, code).id == review.id

    reason = "Thiếu bản sao giấy tờ tùy thân của chủ hộ."
    sent = specialist.post(f"/tasks/{review.id}/send-back", data={"reason": reason})
    assert sent.status_code == 302
    back = task_of(app, code)
    # The step goes back to the desk officer who did it (issue 13).
    assert back.step_id == "tiep_nhan" and back.status == TaskStatus.CLAIMED
    assert back.assignee == "clo.mc1"
    assert task_of(app, code, active=False, step="tham_dinh").outcome == "sent_back"
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.kind == "sent_back"))
        assert (event.note, event.task_id) == (reason, review.id)


def test_a_handler_attaches_working_files_but_a_result_only_where_it_is_returned(
    app, officer, login_as, make_dossier
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    review = finish_desk_step(app, login_as, code)
    specialist = officer("clo.cv.tckh1")
    page = specialist.page(f"/tasks/{review.id}")
    assert '<option value="working">' in page and '<option value="result">' not in page

    url = f"/tasks/{review.id}/files"
    uploaded = specialist.post(
        url,
        data={"file": (io.BytesIO(b"%PDF du thao"), "du-thao.pdf"), "kind": "working"},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    with app.app_context():
        attachment = db.session.scalar(select(Attachment).where(Attachment.task_id == review.id))
        assert (attachment.file_name, attachment.kind.value) == ("du-thao.pdf", "working")
    assert "du-thao.pdf" in specialist.page(f"/tasks/{review.id}")

    result = specialist.post(
        url,
        data={"file": (io.BytesIO(b"%PDF kq"), "kq.pdf"), "kind": "result"},
        content_type="multipart/form-data",
    )
    assert result.status_code == 422
    assert "Chỉ bước phát hành kết quả hoặc bước trả kết quả" in result.get_data(as_text=True)
    nothing = specialist.post(url, data={"kind": "working"}, content_type="multipart/form-data")
    assert nothing.status_code == 422 and "Chọn một tệp" in nothing.get_data(as_text=True)
    assert count(app, Attachment, Attachment.task_id == review.id) == 1


# -- who may --------------------------------------------------------------------------------------


def test_an_officer_of_another_district_gets_404_on_the_page_and_its_actions(
    app, officer, login_as, make_dossier
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    review = finish_desk_step(app, login_as, code)
    stranger = officer("hkh.cv.tckh1")
    assert stranger.get(f"/tasks/{review.id}").status_code == 404
    assert "Không tìm thấy" in stranger.get(f"/tasks/{review.id}").get_data(as_text=True)
    posts = {
        "claim": {},
        "release": {},
        "complete": {"opinion": "Đạt", "proposal": "approve"},
        "send-back": {"reason": "Thiếu giấy tờ."},
        "reassign": {"assignee": "hkh.cv.tckh1", "reason": "Tôi làm."},
        "files": {"file": (io.BytesIO(b"x"), "x.pdf"), "kind": "working"},
    }
    for action, data in posts.items():
        response = stranger.post(
            f"/tasks/{review.id}/{action}", data=data, content_type="multipart/form-data"
        )
        assert response.status_code == 404, action
    assert stranger.get("/tasks/999999").status_code == 404
    after = task_of(app, code)
    assert (after.id, after.status, after.assignee) == (review.id, TaskStatus.OPEN, None)
    assert count(app, Attachment, Attachment.task_id == review.id) == 0


def test_an_officer_of_the_unit_who_is_not_its_handler_only_reads(
    app, officer, login_as, make_dossier
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    review = finish_desk_step(app, login_as, code)
    other_office = officer("clo.mc2")  # sees the district's dossiers, is not a specialist
    html = other_office.page(f"/tasks/{review.id}")
    assert "Bạn không phải người xử lý bước này." in html
    assert 'id="complete-form"' not in html and 'id="upload-form"' not in html
    response = other_office.post(f"/tasks/{review.id}/claim")
    assert response.status_code == 403
