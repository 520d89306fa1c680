"""`motcua worker` against a real SMTP server (aiosmtpd on 127.0.0.1): mails queued by requests
arrive in Vietnamese, failures are retried with backoff and given up in the end, several
workers never send a mail twice, and the process stops cleanly on SIGTERM."""

import email
import email.policy
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import func, select

from motcua import worker
from motcua.cli import main
from motcua.config import Config
from motcua.extensions import db
from motcua.models import Dossier, Notification, NotificationStatus, Task, User, utcnow
from motcua.services import outbox
from motcua.unit_of_work import unit_of_work
from motcua.worker import SmtpSettings
from tests.services.test_notifications import give_emails, work_desk_step

REPO = Path(__file__).resolve().parents[1]
HOUSEHOLD = "1.001612"
SENDER = "Một cửa Can Lộc <motcua@canloc.gov.vn>"
NO_EMAIL = {"name": "Lê Thị Mai", "id_number": "042190008888"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping what it receives; ``refuse`` answers RCPT with that reply."""

    def __init__(self, refuse: str | None = None):
        self.envelopes = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self):
        return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self]

    def __iter__(self):
        return iter(self.envelopes)

    def __len__(self):
        return len(self.envelopes)


@pytest.fixture
def smtp_server():
    """start(**smtp options) → (Inbox, SmtpSettings pointing at it); stopped after the test."""
    controllers = []

    def start(refuse=None, **options):
        inbox = Inbox(refuse)
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        settings = SmtpSettings(
            host="127.0.0.1", port=port, starttls=False, timeout=5, mail_from=SENDER
        )
        return inbox, settings

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def dead_smtp():
    """Settings pointing at a port where nothing listens."""
    return SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False, timeout=2)


def receipt_of(code: str) -> Notification:
    dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
    return db.session.scalar(
        select(Notification)
        .where(Notification.dossier_id == dossier.id, Notification.kind == "receipt")
        .execution_options(populate_existing=True)
    )


def test_a_receipt_queued_by_the_api_arrives_in_vietnamese(app, make_dossier, smtp_server):
    inbox, settings = smtp_server()
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    with app.app_context():
        mail = receipt_of(code)
        assert mail.status == NotificationStatus.PENDING  # committed with the dossier, unsent
        subject, body = mail.subject, mail.body
    assert len(inbox) == 0

    before = utcnow()
    result = worker.run_once(app, smtp=settings)
    assert result.sent == 1 and result.retrying == result.failed == 0

    [envelope] = inbox
    assert envelope.mail_from == "motcua@canloc.gov.vn"
    assert envelope.rcpt_tos == ["hoa@example.vn"]
    raw_headers = envelope.content.split(b"\r\n\r\n", 1)[0]
    raw_headers.decode("ascii")  # non-ASCII headers are encoded (RFC 2047), never raw
    assert b"=?utf-8?" in raw_headers
    [message] = inbox.messages()
    assert message["Subject"] == subject
    assert subject.startswith(f"[{code}] Đã tiếp nhận hồ sơ: ")
    assert message["To"] == "hoa@example.vn"
    assert message["From"].addresses[0].display_name == "Một cửa Can Lộc"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    text = message.get_content().replace("\r\n", "\n")  # lines end in CRLF on the wire
    assert text == body
    assert "Kính gửi Ông/Bà Nguyễn Thị Hoa," in text and "Ngày hẹn trả kết quả: " in text
    assert f"mã hồ sơ {code}" in text and "/lookup" in text

    with app.app_context():
        mail = receipt_of(code)
        assert mail.status == NotificationStatus.SENT and mail.attempts == 1
        assert before <= mail.sent_at <= utcnow()
    # Sent once: the next round has nothing to do.
    assert worker.run_once(app, smtp=settings).sent == 0
    assert len(inbox) == 1


def test_smtp_down_is_recorded_and_retried_with_backoff_until_given_up(
    app, make_dossier, dead_smtp, smtp_server, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    now = utcnow()

    result = worker.run_once(app, now=now, smtp=dead_smtp)
    assert result.retrying == 1 and result.sent == 0
    with app.app_context():
        mail = receipt_of(code)
        assert mail.status == NotificationStatus.PENDING and mail.attempts == 1
        assert "ConnectionRefusedError" in mail.last_error
        assert mail.next_attempt_at == now + timedelta(minutes=1)

    # Not before its time.
    assert worker.run_once(app, now=now + timedelta(seconds=59), smtp=dead_smtp).retrying == 0
    later = now + timedelta(minutes=1)
    worker.run_once(app, now=later, smtp=dead_smtp)
    with app.app_context():
        mail = receipt_of(code)
        assert mail.attempts == 2 and mail.next_attempt_at == later + timedelta(minutes=2)

    last = later + timedelta(minutes=2)
    assert worker.run_once(app, now=last, smtp=dead_smtp).failed == 1
    with app.app_context():
        mail = receipt_of(code)
        assert mail.status == NotificationStatus.FAILED and mail.attempts == 3
        assert "ConnectionRefusedError" in mail.last_error

    # Given up for good: a server coming back does not send it.
    inbox, settings = smtp_server()
    worker.run_once(app, now=last + timedelta(days=1), smtp=settings)
    assert len(inbox) == 0


def test_a_mail_that_failed_once_goes_out_when_the_server_is_back(
    app, make_dossier, dead_smtp, smtp_server
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    now = utcnow()
    worker.run_once(app, now=now, smtp=dead_smtp)
    inbox, settings = smtp_server()
    assert worker.run_once(app, now=now + timedelta(minutes=1), smtp=settings).sent == 1
    assert [e.rcpt_tos for e in inbox] == [["hoa@example.vn"]]
    with app.app_context():
        mail = receipt_of(code)
        assert mail.status == NotificationStatus.SENT and mail.attempts == 2


def _pending(app, count: int) -> list[int]:
    with app.app_context():
        rows = [
            Notification(kind="receipt", to_address=f"dan{n}@example.vn", subject="Thư", body="x")
            for n in range(count)
        ]
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


def attempts_of(app, ids: list[int]) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification.attempts)
                .where(Notification.id.in_(ids))
                .order_by(Notification.id)
                .execution_options(populate_existing=True)
            )
        )


def test_an_unreachable_server_costs_one_batch_an_attempt_and_the_rest_wait(
    app, dead_smtp, monkeypatch
):
    monkeypatch.setattr(worker, "BATCH", 2)
    ids = _pending(app, 5)
    result = worker.run_once(app, smtp=dead_smtp)
    assert result.retrying == 2
    assert attempts_of(app, ids) == [1, 1, 0, 0, 0]


def test_a_stopping_worker_claims_nothing_more(app, smtp_server):
    inbox, settings = smtp_server()
    ids = _pending(app, 3)
    stop = threading.Event()
    stop.set()
    assert worker.run_once(app, smtp=settings, stop=stop).sent == 0
    assert attempts_of(app, ids) == [0, 0, 0] and len(inbox) == 0


def test_a_recipient_refused_for_good_is_given_up_at_once(app, make_dossier, smtp_server):
    inbox, settings = smtp_server(refuse="550 5.1.1 No such user")
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    assert worker.run_once(app, smtp=settings).failed == 1
    with app.app_context():
        mail = receipt_of(code)
        assert mail.status == NotificationStatus.FAILED and mail.attempts == 1
        assert "550" in mail.last_error and "No such user" in mail.last_error


def test_a_temporary_refusal_is_tried_again(app, make_dossier, smtp_server):
    inbox, settings = smtp_server(refuse="451 4.3.0 Try again later")
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    assert worker.run_once(app, smtp=settings).retrying == 1
    with app.app_context():
        mail = receipt_of(code)
        assert mail.status == NotificationStatus.PENDING and "451" in mail.last_error


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_worker_signs_in_when_a_user_is_set(app, make_dossier, smtp_server):
    seen = []

    def authenticator(server, session, envelope, mechanism, credentials):
        seen.append((credentials.login, credentials.password))
        # handled=False: the server answers a refusal with 535 (aiosmtpd's default, handled,
        # answers nothing, and the worker would only wait out its timeout).
        return AuthResult(success=credentials.password == b"mat-khau", handled=False)

    inbox, settings = smtp_server(
        authenticator=authenticator, auth_required=True, auth_require_tls=False
    )
    make_dossier("CLO", HOUSEHOLD)
    wrong = replace(settings, user="motcua", password="sai")
    assert worker.run_once(app, smtp=wrong).retrying == 1
    right = replace(settings, user="motcua", password="mat-khau")
    assert worker.run_once(app, now=utcnow() + timedelta(minutes=1), smtp=right).sent == 1
    # smtplib tries each mechanism the server offers before it gives up.
    assert set(seen[:-1]) == {(b"motcua", b"sai")} and seen[-1] == (b"motcua", b"mat-khau")
    assert len(inbox) == 1


def test_starttls_is_required_when_set(app, make_dossier, smtp_server):
    inbox, settings = smtp_server()  # this server offers no STARTTLS
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    tls = replace(settings, starttls=True)
    assert worker.run_once(app, smtp=tls).retrying == 1
    assert len(inbox) == 0  # never sent in clear text
    with app.app_context():
        assert "STARTTLS" in receipt_of(code).last_error


def test_a_request_never_waits_for_the_mail_server(app, make_dossier, monkeypatch):
    # A server that accepts the connection and never answers: a worker would wait its timeout.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", silent.getsockname()[1])
        started = time.monotonic()
        code = make_dossier("CLO", HOUSEHOLD)["code"]
        assert time.monotonic() - started < 5
    finally:
        silent.close()
    with app.app_context():
        assert receipt_of(code).status == NotificationStatus.PENDING


def test_without_an_smtp_host_mails_wait_in_the_outbox(app, make_dossier, caplog):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    result = worker.run_once(app, smtp=SmtpSettings(host=""))
    assert result.waiting >= 1 and result.sent == 0
    assert "MOTCUA_SMTP_HOST is not set" in caplog.text
    with app.app_context():
        mail = receipt_of(code)
        assert mail.status == NotificationStatus.PENDING and mail.attempts == 0


def test_console_mode_writes_the_mail_to_the_log(app, make_dossier, caplog):
    caplog.set_level("INFO", logger="motcua.worker")
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    assert worker.run_once(app, smtp=SmtpSettings(host="console")).sent >= 1
    assert f"mail to hoa@example.vn: [{code}] Đã tiếp nhận hồ sơ" in caplog.text
    assert "Kính gửi Ông/Bà Nguyễn Thị Hoa" in caplog.text
    with app.app_context():
        assert receipt_of(code).status == NotificationStatus.SENT


def test_a_new_step_mail_reaches_its_officer(app, login_as, make_dossier, smtp_server):
    inbox, settings = smtp_server()
    with app.app_context():
        give_emails("clo.cv.tckh1")
    code = make_dossier("CLO", HOUSEHOLD, applicant=NO_EMAIL)["code"]
    work_desk_step(login_as, code)
    assert worker.run_once(app, smtp=settings).sent == 1
    [message] = inbox.messages()
    assert message["To"] == "clo.cv.tckh1@canloc.gov.vn"
    assert message["Subject"].startswith(f"[{code}] Việc mới: ")
    assert "/tasks/" in message.get_content()


def test_due_soon_reminders_are_queued_by_the_worker_once(app, login_as, make_dossier, smtp_server):
    inbox, settings = smtp_server()
    with app.app_context():
        give_emails("clo.cv.tckh2")
    code = make_dossier("CLO", HOUSEHOLD, applicant=NO_EMAIL)["code"]
    work_desk_step(login_as, code)
    worker.run_once(app, smtp=settings)  # the "new step" mail
    tasks = login_as("clo.mc1").get(f"/dossiers/{code}").get_json()["tasks"]
    step = next(t for t in tasks if t["status"] == "open")
    due = datetime.fromisoformat(step["due_at"])
    with app.app_context():  # opened long before its deadline (its own limit is half a day)
        db.session.get(Task, step["id"]).created_at = due - timedelta(days=10)
        db.session.commit()
    first = worker.run_once(app, now=due - timedelta(hours=1), smtp=settings)
    again = worker.run_once(app, now=due - timedelta(minutes=10), smtp=settings)
    assert (first.queued, first.sent, again.queued, again.sent) == (1, 1, 0, 0)
    subjects = [m["Subject"] for m in inbox.messages()]
    assert subjects[0].startswith(f"[{code}] Việc mới: ")
    assert subjects[1].startswith(f"[{code}] Sắp đến hạn: ")


def test_motcua_worker_once_from_the_command_line(app, make_dossier, smtp_server, monkeypatch):
    inbox, settings = smtp_server()
    for key, value in {
        "SMTP_HOST": settings.host,
        "SMTP_PORT": settings.port,
        "SMTP_STARTTLS": False,
        "MAIL_FROM": "motcua@canloc.gov.vn",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    result = app.test_cli_runner().invoke(main, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "đã gửi: 1;" in result.output
    [message] = inbox.messages()
    assert message["Subject"].startswith(f"[{code}] ")
    with app.app_context():
        assert receipt_of(code).status == NotificationStatus.SENT


# -- real processes and real commits, on a database of the module's own --------------------


@pytest.fixture(scope="module")
def own_app(separate_app):
    return separate_app("_worker")


def _queue(own_app, count: int) -> list[int]:
    with own_app.app_context():
        rows = [
            Notification(
                kind="receipt",
                to_address=f"nguoi{n}@example.vn",
                subject=f"Thư số {n}: hồ sơ đã tiếp nhận",
                body=f"Nội dung thư số {n}.",
            )
            for n in range(count)
        ]
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


def test_several_workers_never_send_a_mail_twice(own_app, smtp_server, monkeypatch):
    monkeypatch.setattr(worker, "BATCH", 5)  # many claims, so that the workers interleave
    inbox, settings = smtp_server()
    ids = _queue(own_app, 60)
    errors = []

    def run():
        try:
            worker.run_once(own_app, smtp=settings)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    received = sorted(tuple(e.rcpt_tos) for e in inbox)
    assert received == sorted((f"nguoi{n}@example.vn",) for n in range(60))
    with own_app.app_context():
        sent = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.id.in_(ids), Notification.status == "sent", Notification.attempts == 1
            )
        )
        assert sent == 60


def test_sigterm_stops_the_worker_after_its_round(own_app, tmp_path):
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": own_app.config["SQLALCHEMY_DATABASE_URI"],
        "MOTCUA_SMTP_HOST": "console",
        "MOTCUA_WORKER_INTERVAL": "0.2",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "motcua.cli", "worker"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "worker started" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "worker started" in log.read_text(), log.read_text()
        _queue(own_app, 1)
        while "mail to nguoi0@example.vn" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    text = log.read_text()
    assert "mail to nguoi0@example.vn: Thư số 0: hồ sơ đã tiếp nhận" in text
    assert "SIGTERM received" in text and text.rstrip().endswith("worker stopped")


# -- TLS: implicit (SMTPS) and STARTTLS, against a private CA --------------------------------


@pytest.fixture(scope="module")
def private_ca(tmp_path_factory):
    """(ca.pem, server context): a CA made for the test and a certificate it signed for
    127.0.0.1, as a province's own mail server might have."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make the test certificates")
    d = tmp_path_factory.mktemp("tls")

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=Motcua test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1",
    )  # fmt: skip
    (d / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
    )
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.pem",
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(d / "server.pem", d / "server.key")
    return str(d / "ca.pem"), context


def test_smtps_sends_over_tls_from_the_first_byte(app, make_dossier, smtp_server, private_ca):
    ca_file, server_context = private_ca
    inbox, settings = smtp_server(ssl_context=server_context)
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    smtps = replace(settings, smtps=True, starttls=True, ca_file=ca_file)  # starttls: moot
    assert worker.run_once(app, smtp=smtps).sent == 1
    [message] = inbox.messages()
    assert message["Subject"].startswith(f"[{code}] Đã tiếp nhận hồ sơ: ")
    [envelope] = inbox
    assert envelope.rcpt_tos == ["hoa@example.vn"]


def test_smtps_refuses_a_server_it_cannot_verify(app, make_dossier, smtp_server, private_ca):
    _, server_context = private_ca
    inbox, settings = smtp_server(ssl_context=server_context)
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    # Without the CA file the system's CAs do not know this server: nothing is sent.
    assert worker.run_once(app, smtp=replace(settings, smtps=True)).retrying == 1
    assert len(inbox) == 0
    with app.app_context():
        assert "CERTIFICATE_VERIFY_FAILED" in receipt_of(code).last_error


def test_smtps_checks_the_server_name(app, make_dossier, smtp_server, private_ca):
    ca_file, server_context = private_ca
    inbox, settings = smtp_server(ssl_context=server_context)
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    # The certificate is for 127.0.0.1, not for "localhost".
    wrong_name = replace(settings, host="localhost", smtps=True, ca_file=ca_file)
    assert worker.run_once(app, smtp=wrong_name).retrying == 1
    assert len(inbox) == 0
    with app.app_context():
        assert "CERTIFICATE_VERIFY_FAILED" in receipt_of(code).last_error


def test_starttls_verifies_the_server_against_the_ca_file(
    app, make_dossier, smtp_server, private_ca
):
    ca_file, server_context = private_ca
    inbox, settings = smtp_server(tls_context=server_context, require_starttls=True)
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    unknown = replace(settings, starttls=True)
    assert worker.run_once(app, smtp=unknown).retrying == 1
    with app.app_context():
        assert "CERTIFICATE_VERIFY_FAILED" in receipt_of(code).last_error
    trusted = replace(settings, starttls=True, ca_file=ca_file)
    assert worker.run_once(app, now=utcnow() + timedelta(minutes=1), smtp=trusted).sent == 1
    assert len(inbox) == 1


def test_the_smtps_settings_come_from_the_environment(monkeypatch):
    for name in ("MOTCUA_SMTP_PORT", "MOTCUA_SMTP_SSL", "MOTCUA_SMTP_CA_FILE"):
        monkeypatch.delenv(name, raising=False)
    plain = SmtpSettings.from_config(Config().as_dict())
    assert (plain.port, plain.smtps, plain.starttls, plain.ca_file) == (587, False, True, "")
    monkeypatch.setenv("MOTCUA_SMTP_SSL", "1")
    monkeypatch.setenv("MOTCUA_SMTP_CA_FILE", "/etc/motcua/ca.pem")
    smtps = SmtpSettings.from_config(Config().as_dict())
    assert (smtps.port, smtps.smtps, smtps.ca_file) == (465, True, "/etc/motcua/ca.pem")
    monkeypatch.setenv("MOTCUA_SMTP_PORT", "2465")
    assert SmtpSettings.from_config(Config().as_dict()).port == 2465


# -- the unit warned before the appointment; a failed mail sent again ------------------------


def test_the_worker_warns_the_unit_before_the_appointment_once(app, make_dossier, smtp_server):
    inbox, settings = smtp_server()
    code = make_dossier("CLO", HOUSEHOLD, applicant=NO_EMAIL)["code"]
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "clo.ld1")).email = "ld1@canloc.vn"
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        dossier.received_at = dossier.appointment_at - timedelta(days=20)
        appointment = dossier.appointment_at
        db.session.commit()
    first = worker.run_once(app, now=appointment - timedelta(hours=3), smtp=settings)
    again = worker.run_once(app, now=appointment - timedelta(hours=1), smtp=settings)
    assert (first.queued, first.sent, again.queued, again.sent) == (1, 1, 0, 0)
    [message] = inbox.messages()
    assert message["To"] == "ld1@canloc.vn"
    assert message["Subject"].startswith(f"[{code}] Sắp đến ngày hẹn trả kết quả: ")
    assert "(Mẫu số 04)" in message.get_content()


def test_a_given_up_mail_sent_again_by_the_admin_goes_out(
    app, make_dossier, dead_smtp, smtp_server, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 1)
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    now = utcnow()
    assert worker.run_once(app, now=now, smtp=dead_smtp).failed == 1
    with app.app_context():
        mail = receipt_of(code)
        assert mail.next_attempt_at == now  # for a failed mail: when it was given up
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        with unit_of_work():
            outbox.retry(admin, mail.id, now=now + timedelta(hours=1))
    inbox, settings = smtp_server()
    assert worker.run_once(app, now=now + timedelta(hours=1), smtp=settings).sent == 1
    assert [e.rcpt_tos for e in inbox] == [["hoa@example.vn"]]
    with app.app_context():
        mail = receipt_of(code)
        assert mail.status == NotificationStatus.SENT and mail.attempts == 1
