"""`motcua worker`: queue the due-soon reminders and send the outbox, round after round.

One round (``run_once``):

1. queue the reminders for steps due within one working day, and the warnings of appointments
   within one working day (form 04 before it passes), in one transaction; forget what is kept
   only for a while, and remove the storage's orphan temporary files (and once a day the
   stored files no row refers to: motcua.services.storage_sweep); deliver the national
   portal's outbox (motcua.portal_delivery; nothing without MOTCUA_PORTAL_URL); check the
   signatures of the PDFs received (motcua.signature_checking);
2. claim a batch of pending mails whose time has come, in a short transaction of its own:
   ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so that several workers never take the
   same mail (on SQLite every transaction holds the write lock, so claims are serialised
   anyway). A claim counts the attempt, fixes the mail's Message-ID if it has none, and holds
   the batch for a short lease (``lease``: six SMTP timeouts, two minutes by default), renewed
   before each mail while the batch is sent, so that the batch of a worker that died is taken
   again within one lease;
3. for each mail: mark it sending (``sending_at``) and commit, then talk to the server with no
   transaction open (on SQLite an open one would hold back every request), then
4. record the outcome: sent (with ``sent_at``), or the error with the next attempt after
   1, 2, 4 … minutes; after MAIL_MAX_ATTEMPTS attempts, or at once when the server refuses the
   recipient or the message for good (5xx), the mail is given up (status failed).

What is guaranteed when a worker is killed: SMTP has no idempotency key, so nobody can know
whether a server that was sent a mail's last byte kept it before the connection died. A mail
is sent again only if its worker died while talking to the server (``sending_at`` still set
when the lease passed), and then under the same Message-ID, fixed at its first claim, by which
the receiving server or the reader can tell the copy; a mail whose sending had not begun is sent
once. So: at most one Message-ID per mail, and a second copy only after a crash mid-send (or a
lease that passed while a server was slower than the timeouts allow). A worker that finds its
lease taken over by another one records nothing and moves on (each update checks the claim).

SMTP_HOST empty: nothing is sent, mails wait in the outbox (a warning says how many).
SMTP_HOST "console": each mail is written to the log and marked sent. How mails are handed to
the server (TLS, sign-in): motcua.mail_transport.
"""

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import Flask
from sqlalchemy import false, func, or_, select, update

from motcua import portal_delivery, portal_pull, signature_checking
from motcua.extensions import db
from motcua.mail_transport import ConsoleSender, SmtpSender, SmtpSettings, describe, permanent
from motcua.models import Notification, NotificationStatus, utcnow
from motcua.services import (
    lookup_limits,
    reminders,
    security_log,
    storage,
    storage_sweep,
)

__all__ = [
    "SmtpSettings",
    "backoff",
    "build_message",
    "lease",
    "run_once",
    "serve",
]

log = logging.getLogger(__name__)

BATCH = 50
# A lease outlasts one mail's SMTP conversation (connect, EHLO, STARTTLS, AUTH, MAIL, RCPT,
# DATA: each bounded by the timeout; a reused connection needs only the last few).
LEASE_TIMEOUTS = 6
MAX_BACKOFF = timedelta(hours=24)
CONSOLE = "console"


def lease(settings: SmtpSettings) -> timedelta:
    """How long a claim holds a mail unless renewed: six SMTP timeouts (2 minutes at 20 s)."""
    return timedelta(seconds=LEASE_TIMEOUTS * settings.timeout)


@dataclass(frozen=True)
class Outgoing:
    """A claimed mail, copied out of the session so that sending needs no database."""

    id: int
    to_address: str
    subject: str
    body: str
    attempts: int  # after this claim: the claim's mark, checked by each later update
    created_at: datetime
    message_id: str
    interrupted: bool = False  # a worker died while sending it: the server may have it


@dataclass
class Round:
    queued: int = 0  # due-soon reminders and appointment warnings queued
    sent: int = 0
    retrying: int = 0  # failed this time, will be tried again
    failed: int = 0  # given up
    waiting: int = 0  # due but not sent: no SMTP host configured
    resent: int = 0  # sent again after a worker died mid-send (same Message-ID)

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
            # entries past their keeping; and the temporary files of uploads cut short.
            lookup_limits.forget_old(clock())
            security_log.purge(clock())
            db.session.commit()
            storage.remove_orphans(app.config["STORAGE_DIR"])
            # Once a day: the stored files no row refers to (motcua.services.storage_sweep).
            storage_sweep.sweep_if_due()
            # The dossiers submitted at the portal (MOTCUA_PORTAL_INBOUND=pull), then the
            # portal's outbox (nothing without MOTCUA_PORTAL_URL); both commit.
            portal_pull.pull_due(app.config)
            portal_delivery.deliver_due(app.config, clock, stop)
            # The signatures of the PDFs received since the last round; commits.
            signature_checking.check_due(app.config, clock, stop)
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
            held = lease(settings)
            try:
                while not (stop and stop.is_set()) and (batch := _claim(clock(), held, settings)):
                    _send_batch(sender, batch, settings, clock, held, max_attempts, result)
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


def _claim(now: datetime, held: timedelta, settings: SmtpSettings) -> list[Outgoing]:
    """Take up to BATCH due mails for this worker, for one lease; commits."""
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
        row.next_attempt_at = now + held
        row.message_id = row.message_id or message_id(row.id, row.created_at, settings.mail_from)
        claimed.append(
            Outgoing(
                row.id,
                row.to_address,
                row.subject,
                row.body,
                row.attempts,
                row.created_at,
                row.message_id,
                interrupted=row.sending_at is not None,
            )
        )
    db.session.commit()
    return claimed


def _begin(mail: Outgoing, batch: list[Outgoing], now: datetime, held: timedelta) -> bool:
    """Mark ``mail`` sending and renew the lease on what is left of the batch, committed before
    the server hears of it. False: another worker has taken the mail (this one's lease passed)."""
    ours = [(Notification.id == m.id) & (Notification.attempts == m.attempts) for m in batch]
    db.session.execute(
        update(Notification)
        .where(Notification.status == NotificationStatus.PENDING, _any(ours[1:]))
        .values(next_attempt_at=now + held)
        .execution_options(synchronize_session=False)
    )
    marked = db.session.execute(
        update(Notification)
        .where(Notification.status == NotificationStatus.PENDING, ours[0])
        .values(sending_at=now, next_attempt_at=now + held)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return marked == 1


def _any(conditions):
    return or_(*conditions) if conditions else false()


class _Lost(Exception):
    """Another worker holds the mail now (this one's lease passed): neither send nor record."""


def _send_one(sender, mail: Outgoing, batch, settings, clock, held) -> Exception | None:
    """Send one claimed mail (``batch``: it and the rest of its batch, whose lease is renewed);
    return the error it failed with, None if the server took it. Raises _Lost."""
    if sender.broken is not None:  # the server cannot be reached: fail it now, as it would
        return sender.broken
    if not _begin(mail, batch, clock(), held):
        raise _Lost
    if mail.interrupted:
        log.warning(
            "mail %d to %s was being sent when a worker stopped: sent again as %s",
            mail.id,
            mail.to_address,
            mail.message_id,
        )
    try:
        sender.send(build_message(mail, settings.mail_from))
    except Exception as exc:  # any failure is the mail's, recorded on it
        return exc
    return None


def _send_batch(sender, batch, settings, clock, held, max_attempts, result: Round) -> None:
    for n, mail in enumerate(batch):
        try:
            error = _send_one(sender, mail, batch[n:], settings, clock, held)
        except _Lost:
            log.warning("mail %d: taken over by another worker, left to it", mail.id)
            continue
        _record(mail, error, clock(), max_attempts, result)


def _record(mail: Outgoing, error: Exception | None, now, max_attempts: int, result) -> None:
    """The outcome of an attempt, if the claim is still this worker's; commits."""
    if error is None:
        values = {"status": NotificationStatus.SENT, "sent_at": now}
        counter = "sent"
    elif permanent(error) or mail.attempts >= max_attempts:
        values = {
            "status": NotificationStatus.FAILED,
            "last_error": describe(error),
            "next_attempt_at": now,
        }
        counter = "failed"
        log.error("mail %d to %s given up: %s", mail.id, mail.to_address, values["last_error"])
    else:
        values = {"last_error": describe(error), "next_attempt_at": now + backoff(mail.attempts)}
        counter = "retrying"
        log.warning(
            "mail %d to %s failed (attempt %d): %s",
            mail.id,
            mail.to_address,
            mail.attempts,
            values["last_error"],
        )
    done = db.session.execute(
        update(Notification)
        .where(
            Notification.id == mail.id,
            Notification.status == NotificationStatus.PENDING,
            Notification.attempts == mail.attempts,
        )
        .values(sending_at=None, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if done:
        setattr(result, counter, getattr(result, counter) + 1)
        if error is None and mail.interrupted:
            result.resent += 1
    else:
        log.warning("mail %d: taken over by another worker before its outcome was kept", mail.id)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4 … minutes (at most a day)."""
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), MAX_BACKOFF)


def message_id(mail_id: int, created_at: datetime, mail_from: str) -> str:
    """The Message-ID a mail gets at its first claim and keeps (RFC 5322 3.6.4)."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    return f"<motcua.{mail_id}.{int(created_at.timestamp())}@{domain}>"


def build_message(mail: Outgoing, mail_from: str) -> EmailMessage:
    """The MIME message: UTF-8 text (quoted-printable), headers encoded as RFC 2047 needs."""
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = mail_from
    message["To"] = mail.to_address
    message["Date"] = format_datetime(utcnow())
    # The same id on every attempt: a receiver can tell a retry of a mail it already has.
    message["Message-ID"] = mail.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(mail.body, charset="utf-8", cte="quoted-printable")
    return message
