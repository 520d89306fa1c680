"""A worker killed mid-send (kill -9 of a real `motcua worker` process, against the aiosmtpd
server of tests/test_worker.py): every mail still arrives, none under two Message-IDs, only the
mail in flight arrives twice (the same Message-ID), and the killed worker's other mails are
taken again within its short lease, by two workers started at once; a mail left "sending" keeps
its Message-ID; the admin cannot give back a mail while it is being sent."""

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from motcua import worker
from motcua.extensions import db
from motcua.models import Notification, NotificationStatus, User, utcnow
from motcua.services import outbox
from motcua.unit_of_work import unit_of_work
from tests import test_worker
from tests.test_worker import REPO, Inbox, free_port

# The SMTP server and the dead port of tests/test_worker.py, as fixtures of this module too.
smtp_server, dead_smtp = test_worker.smtp_server, test_worker.dead_smtp

TIMEOUT = 2.0  # the workers' SMTP timeout: their lease is six of them
LEASE = timedelta(seconds=worker.LEASE_TIMEOUTS * TIMEOUT)
MAILS = 10
KILL_AT = 4  # the worker is killed while the server takes this mail


class KillingInbox(Inbox):
    """Keeps each message with its arrival time; while taking the KILL_AT-th, it kills the
    worker that sends it: the server has the mail, the worker never hears the answer."""

    def __init__(self):
        super().__init__()
        self.arrived = []  # (monotonic time, recipient, Message-ID)
        self.victim: subprocess.Popen | None = None

    async def handle_DATA(self, server, session, envelope):
        message = envelope.content.split(b"\r\n\r\n", 1)[0].decode()
        mid = next(
            line.split(":", 1)[1].strip()
            for line in message.split("\r\n")
            if line.lower().startswith("message-id:")
        )
        self.arrived.append((time.monotonic(), envelope.rcpt_tos[0], mid))
        self.envelopes.append(envelope)
        if len(self.envelopes) == KILL_AT and self.victim is not None:
            os.kill(self.victim.pid, signal.SIGKILL)
            self.victim.wait(timeout=30)
        return "250 Message accepted"


@pytest.fixture(scope="module")
def own_app(separate_app):
    return separate_app("_crash")


def start_worker(own_app, port: int, log_path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": own_app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "worker-crash-test",
        "MOTCUA_STORAGE_DIR": own_app.config["STORAGE_DIR"],
        "MOTCUA_SMTP_HOST": "127.0.0.1",
        "MOTCUA_SMTP_PORT": str(port),
        "MOTCUA_SMTP_STARTTLS": "0",
        "MOTCUA_SMTP_TIMEOUT": str(TIMEOUT),
        "MOTCUA_MAIL_FROM": "motcua@canloc.gov.vn",
        "MOTCUA_WORKER_INTERVAL": "0.2",
    }
    with open(log_path, "w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "motcua.cli", "worker"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def rows(own_app) -> dict[str, Notification]:
    with own_app.app_context():
        found = db.session.scalars(
            select(Notification)
            .where(Notification.to_address.like("chet%"))
            .execution_options(populate_existing=True)
        ).all()
        db.session.expunge_all()
        return {row.to_address: row for row in found}


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_worker_killed_mid_send_loses_nothing_and_sends_no_mail_under_two_ids(own_app, tmp_path):
    inbox = KillingInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    with own_app.app_context():
        db.session.add_all(
            Notification(kind="receipt", to_address=f"chet{n}@example.vn", subject="Thư", body="x")
            for n in range(MAILS)
        )
        db.session.commit()
    workers = []
    try:
        inbox.victim = start_worker(own_app, port, tmp_path / "killed.log")
        workers.append(inbox.victim)
        assert inbox.victim.wait(timeout=60) == -signal.SIGKILL
        killed_at, killed_clock = time.monotonic(), utcnow()
        assert len(inbox) == KILL_AT

        # What the dead worker left: the mails it sent, the one it was sending, and the rest
        # of its batch held for one short lease from its last mail, not for 15 minutes.
        left = rows(own_app)
        sent = {a for a, r in left.items() if r.status == NotificationStatus.SENT}
        in_flight = [a for a, r in left.items() if r.sending_at is not None]
        held = [r for r in left.values() if r.status == NotificationStatus.PENDING]
        assert len(sent) == KILL_AT - 1 and len(in_flight) == 1 and len(held) == MAILS - KILL_AT + 1
        assert all(r.attempts == 1 and r.message_id for r in held)
        held_until = max(r.next_attempt_at for r in held)
        assert killed_clock < held_until <= killed_clock + LEASE

        # Two workers at once take the rest again once that lease has passed.
        for n in range(2):
            workers.append(start_worker(own_app, port, tmp_path / f"worker{n}.log"))
        assert wait_for(lambda: len(inbox) == MAILS + 1, LEASE.total_seconds() + 60), len(inbox)
        again = [at for at, _, _ in inbox.arrived[KILL_AT:]]
        waited = (held_until - killed_clock).total_seconds()
        assert min(again) - killed_at >= waited - 0.5  # not before the lease passed
        assert max(again) - killed_at <= waited + 30  # and soon after
        time.sleep(1)  # any copy sent by mistake would arrive now
        assert len(inbox) == MAILS + 1
    finally:
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in workers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        controller.stop()

    ids = defaultdict(set)
    copies = defaultdict(int)
    for _, address, message_id in inbox.arrived:
        ids[address].add(message_id)
        copies[address] += 1
    assert set(ids) == {f"chet{n}@example.vn" for n in range(MAILS)}  # every mail arrived
    assert all(len(found) == 1 for found in ids.values())  # each under one Message-ID
    assert len(set().union(*ids.values())) == MAILS
    # Only the mail in flight came twice, under the id it was first claimed with.
    assert [a for a, n in copies.items() if n > 1] == in_flight
    assert ids[in_flight[0]] == {left[in_flight[0]].message_id}
    done = rows(own_app)
    assert all(r.status == NotificationStatus.SENT and r.sending_at is None for r in done.values())
    assert done[in_flight[0]].attempts == 2
    logs = "".join((tmp_path / f"worker{n}.log").read_text() for n in range(2))
    assert f"was being sent when a worker stopped: sent again as {ids[in_flight[0]].pop()}" in logs


def left_sending(app, message_id=None, lease_left=timedelta(0)) -> int:
    """A pending mail as a worker killed mid-send leaves it, its lease ending after
    ``lease_left``."""
    now = utcnow()
    with app.app_context():
        mail = Notification(
            kind="receipt",
            to_address="dang.gui@example.vn",
            subject="Thư đang gửi",
            body="x",
            attempts=1,
            message_id=message_id,
            sending_at=now - timedelta(seconds=5),
            next_attempt_at=now + lease_left,
            last_error="ConnectionRefusedError: [Errno 111] Connection refused",
        )
        db.session.add(mail)
        db.session.commit()
        return mail.id


def test_a_mail_left_sending_goes_out_again_under_its_own_message_id(app, smtp_server):
    inbox, settings = smtp_server()
    mail_id = left_sending(app, message_id="<motcua.erste@xa.example>")
    result = worker.run_once(app, smtp=settings)
    assert result.sent == 1 and result.resent == 1
    [message] = inbox.messages()
    assert message["Message-ID"] == "<motcua.erste@xa.example>"  # not this worker's domain
    with app.app_context():
        mail = db.session.get(Notification, mail_id)
        assert mail.status == NotificationStatus.SENT and mail.sending_at is None


def test_a_mail_keeps_its_first_message_id_whatever_the_sender_now(
    app, make_dossier, dead_smtp, smtp_server
):
    code = make_dossier("CLO", "1.001612")["code"]
    now = utcnow()
    worker.run_once(app, now=now, smtp=replace(dead_smtp, mail_from="motcua@cu.example"))
    inbox, settings = smtp_server()  # another worker's address
    assert worker.run_once(app, now=now + timedelta(minutes=1), smtp=settings).sent == 1
    [message] = inbox.messages()
    assert message["Subject"].startswith(f"[{code}] ")
    assert message["Message-ID"].endswith("@cu.example>")


def test_the_admin_cannot_give_back_a_mail_being_sent(app, officer):
    mail_id = left_sending(app, lease_left=timedelta(minutes=1))
    response = officer("admin").post(f"/admin/mails/{mail_id}/retry")
    assert response.status_code == 409
    assert "Thư này đang được gửi" in response.get_data(as_text=True)
    with app.app_context():
        mail = db.session.get(Notification, mail_id)
        assert mail.attempts == 1 and mail.sending_at is not None
        # Once its lease has passed (its worker died), it may be given back, and keeps its id.
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        with unit_of_work():
            outbox.retry(admin, mail_id, now=utcnow() + timedelta(minutes=2))
        assert db.session.get(Notification, mail_id).attempts == 0
