"""The task page through an officer's day (issue 13, items 3, 5 and 10; issue 14, item 8): the
step that issues the result files it and the desk hands it over without a second upload,
several files at once each tied to its paper (all or none), a leader who completes without
claiming takes the step on the record, the supplement fields tied to the decision, every
officer who may work the step offered for reassignment; a step sent back is mailed to the
officer it returns to, falls back to the others when that officer has left, and the history
names people, not usernames."""

import io
import json
import re
from html import unescape

from sqlalchemy import select, update

from motcua.extensions import db
from motcua.models import Attachment, Dossier, Event, Notification, Role, Task, TaskCandidate, User
from motcua.services import org
from motcua.services.formdata import example_data
from tests.api.test_tasks import active_task
from tests.web.test_decisions import BACK, appraised, text_of

HOUSEHOLD = "1.001612"


def approved(login_as, make_dossier) -> tuple[str, dict]:
    """A CLO household dossier approved by the office head: its "vào sổ" step is open."""
    code, review = appraised(login_as, make_dossier)
    leader = login_as("clo.ld.tckh")
    data = {"decision": "approve"}
    done = leader.post(f"/tasks/{review['id']}/complete", json={"data": data})
    assert done.status_code == 200, done.get_json()
    step = active_task(leader, code)
    assert step["step_id"] == "vao_so", step
    return code, step


def files_of(app, code: str) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Attachment.file_name, Attachment.kind)
            .join(Dossier, Dossier.id == Attachment.dossier_id)
            .where(Dossier.code == code, Attachment.kind.in_(("working", "result")))
            .order_by(Attachment.id)
        )
        return [(name, kind.value) for name, kind in rows]


def upload(officer, task_id: int, rows: list[tuple[str, bytes, str, str]]):
    """Post the page's upload form with these rows (file name, bytes, kind, paper); the page has
    four rows, the rest sent empty as a browser sends them."""
    files = [(io.BytesIO(data), name) for name, data, _, _ in rows]
    files += [(io.BytesIO(b""), "")] * (4 - len(rows))
    kinds = [kind for _, _, kind, _ in rows] + ["working"] * (4 - len(rows))
    papers = [paper for *_, paper in rows] + [""] * (4 - len(rows))
    return officer.post(
        f"/tasks/{task_id}/files",
        data={"file": files, "kind": kinds, "paper": papers},
        content_type="multipart/form-data",
    )


# -- 3. the result filed where it is made ---------------------------------------------------------


def test_the_step_that_issues_the_result_files_it_and_the_desk_returns_it_as_it_is(
    app, officer, login_as, make_dossier
):
    code, step = approved(login_as, make_dossier)
    clerk = officer("clo.cv.tckh1")
    html = clerk.page(f"/tasks/{step['id']}")
    assert '<option value="result">' in html and 'id="files-results-note"' in html
    answer = upload(
        clerk,
        step["id"],
        [("giay-chung-nhan.pdf", b"%PDF GCN", "result", ""), ("so.pdf", b"%PDF so", "working", "")],
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert files_of(app, code) == [("giay-chung-nhan.pdf", "result"), ("so.pdf", "working")]
    data = {"document_number": "29A8001234", "issue_date": "2026-12-03"}
    done = login_as("clo.cv.tckh1").post(f"/tasks/{step['id']}/complete", json={"data": data})
    assert done.status_code == 200, done.get_json()

    desk = officer("clo.mc1")
    page = text_of(desk.page(f"/desk/results/{code}"))
    assert "giay-chung-nhan.pdf" in page and "không cần tải lên lại" in page
    assert "so.pdf" not in page  # a working file is not the result
    returned = desk.post(
        f"/desk/results/{code}",
        data={"returned_to": "Nguyễn Thị Hoa", "method": "at_desk", "note": ""},
        content_type="multipart/form-data",
    )
    assert returned.status_code == 302, returned.get_data(as_text=True)
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier.status.value == "returned"
    assert files_of(app, code) == [("giay-chung-nhan.pdf", "result"), ("so.pdf", "working")]


def test_a_result_file_is_refused_elsewhere_on_the_page_and_through_the_api_alike(
    app, officer, login_as, make_dossier
):
    code, review = appraised(login_as, make_dossier)  # the office head's review step
    leader = login_as("clo.ld.tckh")
    assert leader.post(f"/tasks/{review['id']}/claim").status_code == 200
    api = leader.upload(code, "kq.pdf", b"%PDF kq", kind="result")
    assert api.status_code == 422, api.get_json()
    assert api.get_json()["error"]["code"] == "result_not_here"
    page = upload(officer("clo.ld.tckh"), review["id"], [("kq.pdf", b"%PDF kq", "result", "")])
    assert page.status_code == 422
    assert "Chỉ bước phát hành kết quả" in page.get_data(as_text=True)
    assert files_of(app, code) == []


# -- 5. several files at once ---------------------------------------------------------------------


def test_several_files_at_once_each_with_its_paper_all_or_none(
    app, officer, login_as, make_dossier
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    check = active_task(desk, code)
    with app.app_context():
        papers = db.session.scalar(select(Dossier).where(Dossier.code == code)).procedure
        paper = papers.required_documents[0]
    clerk = officer("clo.mc1")
    html = clerk.page(f"/tasks/{check['id']}")
    assert html.count('name="file"') == 4 and f'<option value="{paper}">' in html

    bad = upload(
        clerk,
        check["id"],
        [
            ("bien-ban.pdf", b"%PDF 1", "working", paper),
            ("ket-qua.pdf", b"%PDF 2", "result", ""),
            ("ghi-chu.pdf", b"%PDF 3", "working", "Giấy tờ không có"),
        ],
    )
    assert bad.status_code == 422
    said = text_of(bad.get_data(as_text=True))
    assert "Tệp «ket-qua.pdf»: Chỉ bước phát hành kết quả" in said
    assert "Tệp «ghi-chu.pdf»: Thành phần hồ sơ không có trong danh mục." in said
    assert files_of(app, code) == []
    empty = upload(
        clerk, check["id"], [("a.pdf", b"%PDF", "working", ""), ("b.pdf", b"", "working", "")]
    )
    assert empty.status_code == 422 and "Tệp «b.pdf»: Tệp rỗng." in empty.get_data(as_text=True)
    assert files_of(app, code) == []

    good = upload(
        clerk,
        check["id"],
        [("bien-ban.pdf", b"%PDF 1", "working", paper), ("ghi-chu.pdf", b"%PDF 3", "working", "")],
    )
    assert good.status_code == 302
    assert files_of(app, code) == [("bien-ban.pdf", "working"), ("ghi-chu.pdf", "working")]
    table = clerk.page(f"/tasks/{check['id']}").split('id="files"')[1].split("</table>")[0]
    row = next(r for r in table.split("<tr>") if "bien-ban.pdf" in r)
    assert f"<td>{paper}</td>" in row
    with app.app_context():
        event = db.session.scalars(
            select(Event).where(Event.kind == "attachment_added").order_by(Event.id.desc())
        ).all()[1]
        assert (event.data["file_name"], event.data["document"]) == ("bien-ban.pdf", paper)


# -- 10. the leader, the supplement fields, reassignment -----------------------------------------


def test_a_leader_who_completes_without_claiming_takes_the_step_visibly(
    app, officer, login_as, make_dossier
):
    code, review = appraised(login_as, make_dossier)
    leader = officer("clo.ld.tckh")
    before = leader.page(f"/tasks/{review['id']}")
    assert "Bạn sẽ nhận xử lý bước này khi hoàn thành." in before
    done = leader.post(
        f"/tasks/{review['id']}/complete", data={"decision": "approve"}, follow_redirects=True
    )
    assert done.status_code == 200
    assert (
        "Bạn đã nhận xử lý bước «Lãnh đạo phòng xem xét, ký Giấy chứng nhận» khi hoàn thành."
        in (done.get_data(as_text=True))
    )
    with app.app_context():
        kinds = [
            (e.kind, e.actor.username if e.actor else None, (e.data or {}).get("on_completing"))
            for e in db.session.scalars(
                select(Event).where(Event.task_id == review["id"]).order_by(Event.id)
            )
        ]
    assert kinds[-2:] == [("claimed", "clo.ld.tckh", True), ("step_completed", "clo.ld.tckh", None)]
    after = text_of(leader.page(f"/tasks/{review['id']}"))
    assert "Nhận xử lý khi hoàn thành bước" in after
    assert "Bạn sẽ nhận xử lý bước này khi hoàn thành." not in after
    # The dossier's own timeline says so too.
    assert "(nhận xử lý khi hoàn thành bước)" in text_of(leader.page(f"/dossiers/{code}"))


def test_the_supplement_fields_are_tied_to_the_decision_that_asks_for_them(
    app, officer, login_as, make_dossier
):
    code, appraisal = appraised_open(login_as, make_dossier)
    html = officer("clo.cv.tckh1").page(f"/tasks/{appraisal['id']}")
    [rules] = re.findall(r'data-shown-when="([^"]*)"', html)
    asks = {"proposal": ["supplement"]}
    assert json.loads(unescape(rules)) == {"reason": asks, "items": asks, "repeat_reason": asks}
    assert "task-page.js" in html and "<script>" not in html
    # The server's rule stays: a supplement request without its papers is refused.
    refused = officer("clo.cv.tckh1").post(
        f"/tasks/{appraisal['id']}/complete", data={"opinion": "Thiếu", "proposal": "supplement"}
    )
    assert refused.status_code == 422


def test_reassignment_offers_every_officer_who_may_work_the_step(
    app, officer, login_as, make_dossier
):
    """Those with the step's role in its unit and those named for it, as org.may_work has it:
    here a step of the office's specialists that also names a desk officer."""
    code, appraisal = appraised_open(login_as, make_dossier)
    with app.app_context():
        task = db.session.get(Task, appraisal["id"])
        task.role = Role.SPECIALIST
        named = db.session.scalar(select(User).where(User.username == "clo.mc2"))
        db.session.add(TaskCandidate(task_id=task.id, user_id=named.id))
        db.session.commit()
        specialists = org.users_for(Role.SPECIALIST, task.unit.code)
        assert specialists and named not in specialists
        assert org.may_work(named, task)
        expected = {u.username for u in specialists} | {"clo.mc2"}
    html = officer("clo.ld.tckh").page(f"/tasks/{appraisal['id']}")
    offered = html.split('id="reassign-assignee"')[1].split("</select>")[0]
    assert set(re.findall(r'<option value="([^"]+)"', offered)) == expected
    given = officer("clo.ld.tckh").post(
        f"/tasks/{appraisal['id']}/reassign", data={"assignee": "clo.mc2", "reason": "Hỗ trợ."}
    )
    assert given.status_code == 302


def appraised_open(login_as, make_dossier) -> tuple[str, dict]:
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    check = active_task(desk, code)
    data = {"data": example_data(check["form"])}
    assert desk.post(f"/tasks/{check['id']}/complete", json=data).status_code == 200
    return code, active_task(desk, code)


# -- loose ends of part 1 -------------------------------------------------------------------------


def send_back_review(login_as, review) -> None:
    leader = login_as("clo.ld.tckh")
    data = {"decision": "send_back", "reason": BACK}
    sent = leader.post(f"/tasks/{review['id']}/complete", json={"data": data})
    assert sent.status_code == 200, sent.get_json()


def test_the_officer_a_step_returns_to_is_told_why_by_mail(app, login_as, make_dossier):
    code, review = appraised(login_as, make_dossier)
    with app.app_context():
        db.session.execute(
            update(User).where(User.username == "clo.cv.tckh1").values(email="tckh1@example.vn")
        )
        db.session.commit()
    send_back_review(login_as, review)
    back = active_task(login_as("clo.cv.tckh1"), code)
    assert back["assignee"] == "clo.cv.tckh1"
    with app.app_context():
        [mail] = db.session.scalars(select(Notification).where(Notification.kind == "returned"))
        assert mail.to_address == "tckh1@example.vn"
        assert code in mail.subject and BACK in mail.body
        assert f"/tasks/{back['id']}" in mail.body


def test_a_step_sent_back_to_an_officer_who_left_goes_to_the_others_named(
    app, login_as, make_dossier
):
    code, review = appraised(login_as, make_dossier)
    with app.app_context():
        db.session.execute(update(User).where(User.username == "clo.cv.tckh1").values(active=False))
        db.session.commit()
    send_back_review(login_as, review)
    back = active_task(login_as("clo.cv.tckh2"), code)
    assert (back["step_id"], back["status"], back["assignee"]) == ("tham_dinh", "open", None)
    took = login_as("clo.cv.tckh2").post(f"/tasks/{back['id']}/claim")
    assert took.status_code == 200, took.get_json()


def test_the_history_names_the_officer_a_step_was_given_to(app, officer, login_as, make_dossier):
    code, appraisal = appraised_open(login_as, make_dossier)
    given = officer("clo.ld.tckh").post(
        f"/tasks/{appraisal['id']}/reassign",
        data={"assignee": "clo.cv.tckh2", "reason": "Chuyên viên phụ trách nghỉ phép."},
    )
    assert given.status_code == 302, given.get_data(as_text=True)
    with app.app_context():
        name = db.session.scalar(select(User.display_name).where(User.username == "clo.cv.tckh2"))
    html = text_of(officer("clo.ld.tckh").page(f"/tasks/{appraisal['id']}"))
    assert f"Giao cho: {name}" in html and "Giao cho: clo.cv.tckh2" not in html
