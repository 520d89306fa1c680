"""The outbox: which emails are queued, to whom, saying what, and that they commit or roll back
with the change they tell about. Sending them is tests/test_worker.py."""

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import Dossier, Notification, NotificationStatus, Task, User
from motcua.services import desk, intake, notifications, reminders
from motcua.services.formdata import example_data

HOUSEHOLD = "1.001612"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local(value: datetime) -> str:
    value = value.astimezone(TZ)
    return f"{value:%H:%M} ngày {value:%d/%m/%Y}"


def outbox(**where) -> list[Notification]:
    query = select(Notification).order_by(Notification.id)
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


def dossier_of(code: str) -> Dossier:
    return db.session.scalar(select(Dossier).where(Dossier.code == code))


def give_emails(*usernames: str) -> dict[str, User]:
    users = {}
    for username in usernames:
        user = db.session.scalar(select(User).where(User.username == username))
        user.email = f"{username}@canloc.gov.vn"
        users[username] = user
    db.session.commit()
    return users


def work_desk_step(login_as, code: str) -> None:
    """The receiving officer completes the desk's check step (held since the receipt)."""
    desk = login_as("clo.mc1")
    task = next(t for t in desk.get(f"/dossiers/{code}").get_json()["tasks"] if t["assignee"])
    done = desk.post(f"/tasks/{task['id']}/complete", json={"data": example_data(task["form"])})
    assert done.status_code == 200, done.get_json()


def test_receiving_a_dossier_queues_the_receipt_for_the_applicant(app, make_dossier):
    created = make_dossier("CLO", HOUSEHOLD)
    with app.app_context():
        dossier = dossier_of(created["code"])
        [mail] = outbox(dossier_id=dossier.id, kind="receipt")
        assert mail.to_address == "hoa@example.vn"
        assert mail.status == NotificationStatus.PENDING and mail.attempts == 0
        assert mail.dedup_key == f"receipt:{dossier.id}"
        assert mail.subject == f"[{dossier.code}] Đã tiếp nhận hồ sơ: {dossier.procedure.name}"
        assert "Kính gửi Ông/Bà Nguyễn Thị Hoa," in mail.body
        assert f"Mã hồ sơ: {dossier.code}" in mail.body
        assert f"Thủ tục: {dossier.procedure.name} (mã {HOUSEHOLD})" in mail.body
        assert f"Ngày hẹn trả kết quả: {local(dossier.appointment_at)}" in mail.body
        assert dossier.unit.name in mail.body
        assert "http://127.0.0.1:5000/lookup" in mail.body
        assert "số giấy tờ tùy thân (hoặc số điện thoại)" in mail.body


def test_no_address_no_mail(app, make_dossier):
    applicant = {"name": "Trần Văn Nam", "id_number": "042190009999", "phone": "0912000111"}
    created = make_dossier("CLO", HOUSEHOLD, applicant=applicant)
    with app.app_context():
        assert outbox(dossier_id=dossier_of(created["code"]).id) == []


def test_the_mail_is_part_of_the_transaction_of_the_change(ctx):
    desk = db.session.scalar(select(User).where(User.username == "clo.mc1"))
    applicant = intake.Applicant("Lê Văn Bình", "042190005555", email="binh@example.vn")
    dossier = intake.receive(desk, HOUSEHOLD, "CLO", applicant, "direct")
    code = dossier.code
    assert [m.kind for m in outbox(to_address="binh@example.vn")] == ["receipt"]
    db.session.rollback()  # the reception fails after all: its mail goes with it
    assert outbox(to_address="binh@example.vn") == []
    assert dossier_of(code) is None


@pytest.mark.parametrize(
    ("kind", "context", "subject", "lines"),
    [
        (
            "supplement",
            {"reason": "Bản sao chưa chứng thực", "items": ["Bản sao CCCD", "Giấy ủy quyền"]},
            "Yêu cầu bổ sung, hoàn thiện hồ sơ",
            ["Lý do: Bản sao chưa chứng thực", "  1. Bản sao CCCD", "  2. Giấy ủy quyền"],
        ),
        (
            "refusal",
            {"reason": "Ngành nghề thuộc danh mục cấm kinh doanh"},
            "Từ chối giải quyết hồ sơ",
            ["Lý do: Ngành nghề thuộc danh mục cấm kinh doanh"],
        ),
        (
            "delay",
            {
                "reason": "Chờ ý kiến của Sở Xây dựng",
                "new_appointment": datetime(2026, 12, 8, 2, 0, tzinfo=UTC),
            },
            "Xin lỗi và hẹn lại ngày trả kết quả",
            [
                "Lý do: Chờ ý kiến của Sở Xây dựng",
                "Ngày hẹn trả kết quả mới: 09:00 ngày 08/12/2026",
            ],
        ),
        (
            "result",
            {"returned_to": "Nguyễn Thị Hoa", "method": "post"},
            "Đã trả kết quả hồ sơ",
            ["Người nhận kết quả: Nguyễn Thị Hoa", "Qua dịch vụ bưu chính công ích"],
        ),
        ("result", {}, "Hồ sơ đã có kết quả", ["nhận kết quả, mang theo Giấy tiếp nhận"]),
    ],
)
def test_each_kind_tells_the_applicant_its_reason_and_the_way_to_look_it_up(
    app, make_dossier, kind, context, subject, lines
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    with app.app_context():
        dossier = dossier_of(code)
        mail = notifications.to_applicant(dossier, kind, **context)
        db.session.commit()
        [stored] = outbox(dossier_id=dossier.id, kind=kind)
        assert stored.id == mail.id and stored.to_address == "hoa@example.vn"
        assert stored.subject == f"[{code}] {subject}: {dossier.procedure.name}"
        for line in [*lines, f"mã hồ sơ {code}", "/lookup", dossier.procedure.name]:
            assert line in stored.body, (line, stored.body)


def test_the_lead_passes_the_request_and_the_apology_themselves(app, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]

    class Request:  # the fields of SupplementRequest the mail reads
        id, reason, items = 7, "Thiếu bản vẽ", ["Bản vẽ mặt bằng"]

    class Apology:
        reason = "Hồ sơ phải xin ý kiến liên ngành"
        old_appointment_at = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
        new_appointment_at = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)

    with app.app_context():
        dossier = dossier_of(code)
        supplement = notifications.to_applicant(dossier, "supplement", request=Request())
        delay = notifications.to_applicant(dossier, "delay", apology=Apology())
        assert supplement.dedup_key == "supplement:7"
        assert "1. Bản vẽ mặt bằng" in supplement.body and "Thiếu bản vẽ" in supplement.body
        assert "Ngày hẹn trước đây: 17:00 ngày 01/12/2026" in delay.body
        assert "Ngày hẹn trả kết quả mới: 17:00 ngày 04/12/2026" in delay.body


def test_the_same_mail_is_not_queued_twice(app, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    with app.app_context():
        dossier = dossier_of(code)
        assert notifications.to_applicant(dossier, "refusal", reason="Không đủ điều kiện")
        assert notifications.to_applicant(dossier, "refusal", reason="Không đủ điều kiện") is None
        assert notifications.to_applicant(dossier, "receipt") is None  # queued at the receipt
        db.session.commit()
        assert [m.kind for m in outbox(dossier_id=dossier.id)] == ["receipt", "refusal"]


def test_an_unknown_kind_is_a_programming_error(app, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    with app.app_context(), pytest.raises(ValueError, match="unknown applicant mail kind"):
        notifications.to_applicant(dossier_of(code), "birthday")


def test_a_new_step_is_mailed_to_its_officers_who_have_an_address(app, login_as, make_dossier):
    with app.app_context():
        give_emails("clo.cv.tckh1", "clo.mc1", "clo.mc2")  # clo.cv.tckh2 has none
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    with app.app_context():
        # The desk's step went to the officer who received the dossier: nobody is told.
        assert outbox(dossier_id=dossier_of(code).id, kind="task") == []
    work_desk_step(login_as, code)
    with app.app_context():
        dossier = dossier_of(code)
        task = db.session.scalar(
            select(Task).where(Task.dossier_id == dossier.id, Task.status == "open")
        )
        [mail] = outbox(dossier_id=dossier.id, kind="task")
        officer = db.session.scalar(select(User).where(User.username == "clo.cv.tckh1"))
        assert {c.user.username for c in task.candidates} >= {"clo.cv.tckh1", "clo.cv.tckh2"}
        assert mail.to_address == "clo.cv.tckh1@canloc.gov.vn" and mail.user_id == officer.id
        assert mail.dedup_key == f"task:{task.id}:{officer.id}"
        assert mail.subject == f"[{code}] Việc mới: {task.step_name}"
        assert f"Kính gửi {officer.display_name}," in mail.body
        assert f"Hạn xử lý bước: {local(task.due_at)}" in mail.body
        assert f"http://127.0.0.1:5000/tasks/{task.id}" in mail.body


def test_an_officer_without_an_address_gets_nothing(app, login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    work_desk_step(login_as, code)
    with app.app_context():
        assert outbox(dossier_id=dossier_of(code).id, kind="task") == []


def _open_step(app, login_as, make_dossier) -> tuple[str, int]:
    """The specialist's appraisal step, made to look opened long before its deadline (its own
    limit is half a day)."""
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    work_desk_step(login_as, code)
    with app.app_context():
        task = db.session.scalar(
            select(Task).where(Task.dossier_id == dossier_of(code).id, Task.status == "open")
        )
        task.created_at = task.due_at - timedelta(days=10)
        db.session.commit()
        return code, task.id


def test_due_soon_reminders_go_once_to_each_officer_of_an_open_step(app, login_as, make_dossier):
    with app.app_context():
        users = give_emails("clo.cv.tckh1", "clo.cv.tckh2")
        ids = {name: user.id for name, user in users.items()}
    code, task_id = _open_step(app, login_as, make_dossier)
    with app.app_context():
        due_at = db.session.get(Task, task_id).due_at
        # A month ahead of its deadline the step is not due soon.
        reminders.queue_due_soon(due_at - timedelta(days=30))
        assert outbox(kind="due_soon", dossier_id=dossier_of(code).id) == []
        queued = reminders.queue_due_soon(due_at - timedelta(hours=1))
        db.session.commit()
        mails = outbox(kind="due_soon", dossier_id=dossier_of(code).id)
        assert queued >= 2
        assert sorted(m.dedup_key for m in mails) == sorted(
            f"due-soon:{task_id}:{ids[name]}" for name in ("clo.cv.tckh1", "clo.cv.tckh2")
        )
        assert all(m.subject.startswith(f"[{code}] Sắp đến hạn: ") for m in mails)
        assert "còn chưa đầy một ngày làm việc" in mails[0].body
        assert "Bước này chưa có ai nhận xử lý." in mails[0].body
        # The next rounds queue nothing more for it, even once it is overdue.
        reminders.queue_due_soon(due_at - timedelta(minutes=30))
        reminders.queue_due_soon(due_at + timedelta(hours=2))
        db.session.commit()
        assert len(outbox(kind="due_soon", dossier_id=dossier_of(code).id)) == 2


def test_a_claimed_step_reminds_only_its_holder_and_says_when_it_is_overdue(
    app, login_as, make_dossier
):
    with app.app_context():
        give_emails("clo.cv.tckh1", "clo.cv.tckh2")
    code, task_id = _open_step(app, login_as, make_dossier)
    assert login_as("clo.cv.tckh2").post(f"/tasks/{task_id}/claim").status_code == 200
    with app.app_context():
        due_at = db.session.get(Task, task_id).due_at
        reminders.queue_due_soon(due_at + timedelta(minutes=5))
        db.session.commit()
        [mail] = outbox(kind="due_soon", dossier_id=dossier_of(code).id)
        assert mail.to_address == "clo.cv.tckh2@canloc.gov.vn"
        assert mail.subject.startswith(f"[{code}] Đã quá hạn: ")
        assert f"đã quá hạn xử lý lúc {local(due_at)}" in mail.body
        assert "Ông/Bà đang giữ bước này." in mail.body


def test_no_reminder_while_the_dossier_waits_for_the_applicant(app, login_as, make_dossier):
    with app.app_context():
        give_emails("clo.cv.tckh1")
    code, task_id = _open_step(app, login_as, make_dossier)
    with app.app_context():
        dossier = dossier_of(code)
        dossier.status = "waiting_applicant"
        db.session.commit()
        due_at = db.session.get(Task, task_id).due_at
        reminders.queue_due_soon(due_at - timedelta(hours=1))
        db.session.commit()
        assert outbox(kind="due_soon", dossier_id=dossier.id) == []


def test_a_step_due_within_a_day_when_it_opened_gets_no_reminder(app, login_as, make_dossier):
    # Its "new task" mail gave the deadline when it opened; a reminder would repeat it at once.
    with app.app_context():
        give_emails("clo.cv.tckh1")
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    work_desk_step(login_as, code)  # opens the appraisal, whose limit is half a day
    with app.app_context():
        dossier = dossier_of(code)
        task = db.session.scalar(
            select(Task).where(Task.dossier_id == dossier.id, Task.status == "open")
        )
        reminders.queue_due_soon(task.due_at - timedelta(minutes=30))
        assert outbox(kind="due_soon", dossier_id=dossier.id) == []
        [told] = outbox(kind="task", dossier_id=dossier.id)
        assert told.to_address == "clo.cv.tckh1@canloc.gov.vn"


def test_a_step_overdue_for_more_than_a_week_is_left_to_the_overdue_watch(
    app, login_as, make_dossier
):
    with app.app_context():
        give_emails("clo.cv.tckh1")
    code, task_id = _open_step(app, login_as, make_dossier)
    with app.app_context():
        due_at = db.session.get(Task, task_id).due_at
        reminders.queue_due_soon(due_at + timedelta(days=8))
        assert outbox(kind="due_soon", dossier_id=dossier_of(code).id) == []
        reminders.queue_due_soon(due_at + timedelta(days=6))
        [mail] = outbox(kind="due_soon", dossier_id=dossier_of(code).id)
        assert "Đã quá hạn" in mail.subject


def advance_to_result(login_as, code: str) -> None:
    """Work the dossier's steps (approving) until the step that returns the result."""
    admin = login_as("admin")
    for _ in range(20):
        tasks = admin.get(f"/dossiers/{code}").get_json()["tasks"]
        task = next(t for t in tasks if t["status"] in ("open", "claimed"))
        if task["returns_result"]:
            return
        detail = admin.get(f"/tasks/{task['id']}").get_json()
        officer = login_as(task["assignee"] or detail["candidates"][0]["username"])
        if not task["assignee"]:
            assert officer.post(f"/tasks/{task['id']}/claim").status_code == 200
        done = officer.post(
            f"/tasks/{task['id']}/complete", json={"data": example_data(task["form"])}
        )
        assert done.status_code == 200, done.get_json()
    raise AssertionError("the dossier never reached the result")


def test_returning_the_result_at_the_desk_tells_the_applicant(app, login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    advance_to_result(login_as, code)
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.username == "clo.mc2"))
        with pytest.raises(Invalid):  # no result file: nothing returned, nothing queued
            desk.return_result(officer, code, returned_to="Nguyễn Thị Hoa", method="post")
        assert outbox(dossier_id=dossier_of(code).id, kind="result") == []
        desk.return_result(
            officer,
            code,
            returned_to="Nguyễn Thị Hoa",
            method="post",
            files=[("giay-phep.pdf", io.BytesIO(b"%PDF-1.4 giay phep"))],
        )
        [mail] = outbox(dossier_id=dossier_of(code).id, kind="result")
        assert mail.subject.startswith(f"[{code}] Đã trả kết quả hồ sơ: ")
        assert "Người nhận kết quả: Nguyễn Thị Hoa" in mail.body
        assert "Hình thức trả: Qua dịch vụ bưu chính công ích" in mail.body
        assert dossier_of(code).status == "returned"
