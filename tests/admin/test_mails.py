"""The page of mails that could not be sent: for the system administrator only, each mail with
its error, recipient, kind and dossier, and a button that gives it back to the worker."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import AuditEntry, Dossier, Notification, NotificationStatus, utcnow

HOUSEHOLD = "1.001612"
OTHERS = ["hti.phantich", "clo.qt", "hti.giamsat", "clo.ld1", "clo.mc1", "clo.cv.tckh1"]


@pytest.fixture
def broken(app, make_dossier):
    """A receipt given up (the address was refused) and a task mail still being retried."""
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    now = utcnow()
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        receipt = db.session.scalar(
            select(Notification).where(
                Notification.dossier_id == dossier.id, Notification.kind == "receipt"
            )
        )
        receipt.status = NotificationStatus.FAILED
        receipt.attempts = 1
        receipt.last_error = "SMTPRecipientsRefused: 550 5.1.1 <hoa@example.vn>: No such user"
        receipt.next_attempt_at = now
        failing = Notification(
            kind="task",
            to_address="tckh1@canloc.gov.vn",
            subject="[X] Việc mới",
            body="x",
            attempts=3,
            last_error="ConnectionRefusedError: [Errno 111] Connection refused",
            next_attempt_at=now + timedelta(minutes=4),
        )
        quiet = Notification(kind="task", to_address="moi@canloc.gov.vn", subject="Mới", body="x")
        db.session.add_all([failing, quiet])
        db.session.commit()
        return {"code": code, "failed": receipt.id, "retrying": failing.id, "quiet": quiet.id}


def test_the_admin_sees_each_failed_mail_with_its_error(officer, broken):
    page = officer("admin").page("/admin/mails")
    failed = page.split('id="failed"')[1].split("</table>")[0]
    retrying = page.split('id="retrying"')[1].split("</table>")[0]
    assert f'data-mail="{broken["failed"]}"' in failed
    assert "hoa@example.vn" in failed and "Tiếp nhận hồ sơ" in failed
    assert "550 5.1.1 &lt;hoa@example.vn&gt;: No such user" in failed
    assert f'href="/dossiers/{broken["code"]}"' in failed
    assert f'data-mail="{broken["retrying"]}"' in retrying
    assert "tckh1@canloc.gov.vn" in retrying and "Connection refused" in retrying
    assert f'data-mail="{broken["quiet"]}"' not in page  # pending, no error yet: not a problem
    assert page.count(">Gửi lại</button>") == 2
    assert "Đã bỏ sau nhiều lần gửi không được (1)" in page
    assert "Đang chờ gửi lại (1)" in page


def test_an_empty_outbox_says_so(officer):
    page = officer("admin").page("/admin/mails")
    assert 'id="failed-empty"' in page and 'id="retrying-empty"' in page


def test_sending_again_gives_the_mail_back_to_the_worker(app, officer, broken):
    admin = officer("admin")
    response = admin.post(f"/admin/mails/{broken['failed']}/retry")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/mails")
    page = admin.page("/admin/mails")
    assert f"Thư #{broken['failed']} đến hoa@example.vn sẽ được gửi lại ở lượt tới." in page
    # Now among the mails waiting to be sent again, with the error it had.
    assert f'data-mail="{broken["failed"]}"' in page.split('id="retrying"')[1]
    with app.app_context():
        mail = db.session.get(Notification, broken["failed"])
        assert mail.status == NotificationStatus.PENDING and mail.attempts == 0
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mail.retry"))
        assert entry.target_key == str(broken["failed"]) and entry.actor.username == "admin"
    assert "mail.retry" in admin.page("/admin/audit")


def test_a_mail_already_sent_is_not_sent_again(app, officer, broken):
    with app.app_context():
        db.session.get(Notification, broken["quiet"]).status = NotificationStatus.SENT
        db.session.commit()
    assert officer("admin").post(f"/admin/mails/{broken['quiet']}/retry").status_code == 409
    assert officer("admin").post("/admin/mails/999999999/retry").status_code == 404


def test_the_retry_needs_the_csrf_token(officer, broken):
    admin = officer("admin")
    response = admin.client.post(f"/admin/mails/{broken['failed']}/retry")
    assert response.status_code == 400


@pytest.mark.parametrize("username", OTHERS)
def test_other_roles_are_refused(app, officer, broken, username):
    client = officer(username)
    assert client.get("/admin/mails").status_code == 403
    assert client.post(f"/admin/mails/{broken['failed']}/retry").status_code == 403
    with app.app_context():
        mail = db.session.get(Notification, broken["failed"])
        assert mail.status == NotificationStatus.FAILED


def test_anonymous_visitors_are_sent_to_sign_in(app, client, broken):
    response = client.get("/admin/mails")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # A post without a session has no CSRF token either: refused before anything else.
    assert client.post(f"/admin/mails/{broken['failed']}/retry").status_code == 400
    with app.app_context():
        mail = db.session.get(Notification, broken["failed"])
        assert mail.status == NotificationStatus.FAILED


def test_only_the_system_admin_has_it_in_the_menu(officer):
    assert ">Thư gửi lỗi<" in officer("admin").page("/inbox").split("</nav>")[0]
    for username in ("clo.qt", "hti.giamsat", "clo.ld1"):
        assert "Thư gửi lỗi" not in officer(username).page("/inbox").split("</nav>")[0]
