"""`motcua worker`: queue the due-soon reminders and send the outbox, round after round.

One round (``run_once``):

1. queue the reminders for steps due within one working day, and the warnings of appointments
   within one working day (form 04 before it passes), in one transaction;
2. claim a batch of pending mails whose time has come, in a short transaction of its own:
   ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so that several workers never take the
   same mail (on SQLite every transaction holds the write lock, so claims are serialised
   anyway). A claim counts the attempt and moves ``next_attempt_at`` a lease ahead, so that the
   mail is not taken again while it is being sent and is retried if this worker dies;
3. send them over one SMTP connection, no transaction open meanwhile (on SQLite an open
   transaction would hold back every request);
4. record each outcome: sent (with ``sent_at``), or the error with the next attempt after
   1, 2, 4 … minutes; after MAIL_MAX_ATTEMPTS attempts, or at once when the server refuses the
   recipient or the message for good (5xx), the mail is given up (status failed).

SMTP_HOST empty: nothing is sent, mails wait in the outbox (a warning says how many).
SMTP_HOST "console": each mail is written to the log and marked sent.
SMTP_SSL: TLS from the first byte (SMTPS, port 465); otherwise SMTP_STARTTLS upgrades a plain
connection (port 587) and refuses to go on without TLS. Either way the server's certificate and
name are checked, against the system's CAs or SMTP_CA_FILE (a private CA).
"""

import logging
import signal
import smtplib
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import Flask
from sqlalchemy import func, select, update

from motcua.extensions import db
from motcua.models import Notification, NotificationStatus, utcnow
from motcua.services import lookup_limits, reminders, security_log

log = logging.getLogger(__name__)

BATCH = 50
LEASE = timedelta(minutes=15)  # longer than a batch can take to send (BATCH × timeouts)
MAX_BACKOFF = timedelta(hours=24)
CONSOLE = "console"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    user: str = ""
    password: str = ""
    starttls: bool = True
    timeout: float = 20.0
    mail_from: str = "motcua@localhost"
    smtps: bool = False  # TLS from the first byte (SMTP_SSL); starttls does not apply then
    ca_file: str = ""  # the CAs to trust instead of the system's (PEM)

    @classmethod
    def from_config(cls, config) -> "SmtpSettings":
        return cls(
            host=(config.get("SMTP_HOST") or "").strip(),
            port=int(config.get("SMTP_PORT", 587)),
            user=config.get("SMTP_USER") or "",
            password=config.get("SMTP_PASSWORD") or "",
            starttls=bool(config.get("SMTP_STARTTLS", True)),
            timeout=float(config.get("SMTP_TIMEOUT", 20)),
            mail_from=config.get("MAIL_FROM") or "motcua@localhost",
            smtps=bool(config.get("SMTP_SSL", False)),
            ca_file=(config.get("SMTP_CA_FILE") or "").strip(),
        )

    def tls_context(self) -> ssl.SSLContext:
        """Certificate and host name verified, as ssl.create_default_context does."""
        return ssl.create_default_context(cafile=self.ca_file or None)


@dataclass(frozen=True)
class Outgoing:
    """A claimed mail, copied out of the session so that sending needs no database."""

    id: int
    to_address: str
    subject: str
    body: str
    attempts: int
    created_at: datetime


@dataclass
class Round:
    queued: int = 0  # due-soon reminders and appointment warnings queued
    sent: int = 0
    retrying: int = 0  # failed this time, will be tried again
    failed: int = 0  # given up
    waiting: int = 0  # due but not sent: no SMTP host configured

    def summary(self) -> str:
        return (
            f"Nhắc hạn mới: {self.queued}; đã gửi: {self.sent}; gửi lại sau: {self.retrying}; "
            f"bỏ (lỗi): {self.failed}; chờ cấu hình SMTP: {self.waiting}."
        )


def run_once(
    app: Flask,
    now: datetime | None = None,
    smtp: SmtpSettings | None = None,
    stop: threading.Event | None = None,
) -> Round:
    """One round of the worker in its own app context (and database session).

    ``now``: the time of the round (for tests); ``smtp``: the server, instead of the app's
    SMTP_* settings; ``stop``: once set, no further batch is claimed. When the server cannot
    be reached, the rest of the outbox waits for the next round. Database errors propagate;
    mail errors are recorded on the mail.
    """
    with app.app_context():
        clock = (lambda: now) if now is not None else utcnow
        settings = smtp or SmtpSettings.from_config(app.config)
        max_attempts = max(1, int(app.config.get("MAIL_MAX_ATTEMPTS", 8)))
        result = Round()
        try:
            result.queued = reminders.queue_due_soon(clock())
            result.queued += reminders.queue_appointment_soon(clock())
            # What is kept only for a while: the lookup's old counts, the security log's
            # entries past their keeping.
            lookup_limits.forget_old(clock())
            security_log.purge(clock())
            db.session.commit()
            if not settings.host:
                result.waiting = _count_due(clock())
                db.session.commit()
                if result.waiting:
                    log.warning(
                        "MOTCUA_SMTP_HOST is not set: %d mail(s) wait in the outbox",
                        result.waiting,
                    )
                return result
            sender = ConsoleSender() if settings.host == CONSOLE else SmtpSender(settings)
            try:
                while not (stop and stop.is_set()) and (batch := _claim(clock())):
                    for mail in batch:
                        _send_one(sender, mail, settings, clock, max_attempts, result)
                    if sender.broken is not None:
                        break
            finally:
                sender.close()
        except Exception:
            db.session.rollback()
            raise
        if result.queued or result.sent or result.retrying or result.failed:
            log.info(
                "round: %d reminder(s) queued, %d sent, %d to retry, %d given up",
                result.queued,
                result.sent,
                result.retrying,
                result.failed,
            )
        return result


def serve(app: Flask, interval: float | None = None, stop: threading.Event | None = None) -> None:
    """Run rounds every ``interval`` seconds (WORKER_INTERVAL) until SIGTERM or SIGINT, or until
    ``stop`` is set. The round under way is finished first (SMTP calls have timeouts)."""
    interval = float(interval if interval is not None else app.config.get("WORKER_INTERVAL", 30))
    stop = stop or threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGTERM, signal.SIGINT):
            previous[number] = signal.signal(number, lambda signum, frame: _stop(stop, signum))
    log.info(
        "worker started: a round every %gs, SMTP %s",
        interval,
        app.config.get("SMTP_HOST") or "(not set)",
    )
    try:
        while not stop.is_set():
            try:
                run_once(app, stop=stop)
            except Exception:  # the database may be restarting: try again next round
                log.exception("worker round failed")
            stop.wait(interval)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    log.info("worker stopped")


def _stop(stop: threading.Event, signum: int) -> None:
    log.info("%s received: stopping after this round", signal.Signals(signum).name)
    stop.set()


def _count_due(now: datetime) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.status == NotificationStatus.PENDING, Notification.next_attempt_at <= now
        )
    )


def _claim(now: datetime) -> list[Outgoing]:
    """Take up to BATCH due mails for this worker; commits."""
    rows = db.session.scalars(
        select(Notification)
        .where(
            Notification.status == NotificationStatus.PENDING,
            Notification.next_attempt_at <= now,
        )
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    claimed = []
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + LEASE
        claimed.append(
            Outgoing(row.id, row.to_address, row.subject, row.body, row.attempts, row.created_at)
        )
    db.session.commit()
    return claimed


def _send_one(sender, mail: Outgoing, settings, clock, max_attempts: int, result: Round) -> None:
    try:
        sender.send(build_message(mail, settings.mail_from))
    except Exception as exc:  # any failure is the mail's, recorded on it
        error = _describe(exc)
        now = clock()
        if _permanent(exc) or mail.attempts >= max_attempts:
            values = {
                "status": NotificationStatus.FAILED,
                "last_error": error,
                "next_attempt_at": now,
            }
            result.failed += 1
            log.error("mail %d to %s given up: %s", mail.id, mail.to_address, error)
        else:
            values = {"last_error": error, "next_attempt_at": now + backoff(mail.attempts)}
            result.retrying += 1
            log.warning(
                "mail %d to %s failed (attempt %d): %s",
                mail.id,
                mail.to_address,
                mail.attempts,
                error,
            )
    else:
        values = {"status": NotificationStatus.SENT, "sent_at": clock()}
        result.sent += 1
    db.session.execute(
        update(Notification)
        .where(Notification.id == mail.id, Notification.status == NotificationStatus.PENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4 … minutes (at most a day)."""
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), MAX_BACKOFF)


def build_message(mail: Outgoing, mail_from: str) -> EmailMessage:
    """The MIME message: UTF-8 text (quoted-printable), headers encoded as RFC 2047 needs."""
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = mail_from
    message["To"] = mail.to_address
    message["Date"] = format_datetime(utcnow())
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    # The same id on every attempt: a receiver can tell a retry of a mail it already has.
    message["Message-ID"] = f"<motcua.{mail.id}.{int(mail.created_at.timestamp())}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(mail.body, charset="utf-8", cte="quoted-printable")
    return message


class SmtpSender:
    """One connection for a round, opened on the first mail. If it cannot be opened, the
    round's other mails fail with the same error at once (no waiting out the timeout again)."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._connection: smtplib.SMTP | None = None
        self.broken: Exception | None = None  # why the server could not be reached

    def send(self, message: EmailMessage) -> None:
        if self.broken is not None:
            raise self.broken
        if self._connection is None:
            try:
                self._connection = self._connect()
            except Exception as exc:
                self.broken = exc
                raise
        try:
            self._connection.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused):
            raise  # the connection is still good (smtplib reset the transaction)
        except Exception:
            self.close()  # the next mail reconnects
            raise

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtps:
            connection = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=s.tls_context()
            )
        else:
            connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            connection.ehlo()
            if s.starttls and not s.smtps:
                connection.starttls(context=s.tls_context())
                connection.ehlo()
            if s.user:
                connection.login(s.user, s.password)
        except Exception:
            connection.close()
            raise
        return connection

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except Exception:  # closing a dead connection: nothing left to do
            connection.close()


class ConsoleSender:
    """SMTP_HOST=console: the mail goes to the log (development and the demo)."""

    broken = None

    def send(self, message: EmailMessage) -> None:
        log.info("mail to %s: %s\n%s", message["To"], message["Subject"], message.get_content())

    def close(self) -> None:
        pass


def _permanent(exc: Exception) -> bool:
    """The server refused this recipient or this message for good (5xx)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(
            500 <= code < 600 for code, _ in exc.recipients.values()
        )
    return isinstance(exc, smtplib.SMTPDataError) and 500 <= exc.smtp_code < 600


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        text = f"{exc.smtp_code} {detail}"
    else:
        text = str(exc) or repr(exc)
    return f"{type(exc).__name__}: {text}"[:2000]
