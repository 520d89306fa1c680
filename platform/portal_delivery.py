"""Delivering the national portal's outbox: one call per worker round (motcua.worker.run_once).
Beside the worker, not among the services: it commits, claim by claim, as the worker does.

- Order per dossier: only a dossier's first message not yet delivered may be taken (a message
  given up holds the dossier's later ones back until the admin sends it again: the portal
  must not hear of a return before the receipt).
- A claim (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serialises anyway)
  counts the attempt and holds the message for a lease (three timeouts: a sign-in, a call, a
  sign-in again), in a short transaction, renewed for the rest of the batch before each call;
  the portal is called with no transaction open;
  the outcome is kept only if the claim is still this worker's (``attempts`` unchanged).
- Failed: tried again after 1, 2, 4 … minutes (the mail's backoff, motcua.worker.backoff);
  given up after PORTAL_MAX_ATTEMPTS. The portal unreachable: the round stops, the messages
  it had claimed wait for the next try as failed ones.
- A worker killed mid-call: the message is taken again once its lease has passed, and sent
  with the same body (same MaHoSo and PhienBan), which the portal tells as a resend. So the
  portal gets every message, in order; a second copy only of the one in flight.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import aliased

from motcua.extensions import db
from motcua.models import PortalMessage
from motcua.services import portal_wire as wire
from motcua.vocabulary import PortalMessageStatus

log = logging.getLogger(__name__)

BATCH = 20
MAX_BATCHES = 50  # per round: a long backlog is taken over several rounds
LEASE_TIMEOUTS = 3


@dataclass(frozen=True)
class Claimed:
    """A claimed message, copied out of the session so that delivering needs no database."""

    id: int
    attempts: int
    unit_code: str
    service: str
    is_updating: bool
    body: dict
    key: str


@dataclass
class Delivery:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def deliver_due(config, clock, stop=None) -> Delivery:
    """Deliver what is due (``clock()``: now); commits. Nothing without a portal configured."""
    result = Delivery()
    settings = wire.Settings.from_config(config)
    if not settings.configured:
        return result
    from motcua.worker import backoff  # the worker imports this module

    client = wire.Client(settings)
    held = timedelta(seconds=LEASE_TIMEOUTS * settings.timeout)
    max_attempts = max(1, int(config.get("PORTAL_MAX_ATTEMPTS", 10)))
    for _ in range(MAX_BATCHES):
        if stop is not None and stop.is_set():
            break
        batch = _claim(clock(), held)
        if not batch:
            break
        broken = None
        for n, message in enumerate(batch):
            error = broken
            if error is None:
                _renew(batch[n:], clock(), held)
                try:
                    client.send(
                        message.unit_code, message.service, message.is_updating, message.body
                    )
                except wire.Unreachable as exc:
                    error = broken = exc
                except wire.PortalError as exc:
                    error = exc
            _record(message, error, clock(), max_attempts, backoff, result)
        if broken is not None:
            break
    if result.sent or result.retrying or result.failed:
        log.info(
            "portal: %d message(s) delivered, %d to retry, %d given up",
            result.sent,
            result.retrying,
            result.failed,
        )
    return result


def _claim(now: datetime, held: timedelta) -> list[Claimed]:
    """The due head messages of their dossiers, up to BATCH, held for one lease; commits."""
    earlier = aliased(PortalMessage)
    undelivered_before = exists().where(
        and_(
            earlier.dossier_id == PortalMessage.dossier_id,
            earlier.seq < PortalMessage.seq,
            earlier.status != PortalMessageStatus.SENT,
        )
    )
    rows = db.session.scalars(
        select(PortalMessage)
        .where(
            PortalMessage.status == PortalMessageStatus.PENDING,
            PortalMessage.next_attempt_at <= now,
            ~undelivered_before,
        )
        .order_by(PortalMessage.next_attempt_at, PortalMessage.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True, of=PortalMessage)
    ).all()
    claimed = []
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + held
        claimed.append(
            Claimed(
                row.id, row.attempts, row.unit_code, row.service, row.is_updating, row.body, row.key
            )
        )
    db.session.commit()
    return claimed


def _renew(rest: list[Claimed], now: datetime, held: timedelta) -> None:
    """Hold what is left of the batch for another lease, before the next call (a batch may
    take longer than one lease); commits."""
    ours = [(PortalMessage.id == m.id) & (PortalMessage.attempts == m.attempts) for m in rest]
    db.session.execute(
        update(PortalMessage)
        .where(PortalMessage.status == PortalMessageStatus.PENDING, or_(*ours))
        .values(next_attempt_at=now + held)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _record(message: Claimed, error, now, max_attempts, backoff, result: Delivery) -> None:
    if error is None:
        values, counter = {"status": PortalMessageStatus.SENT, "sent_at": now}, "sent"
        values["last_error"] = None
    elif message.attempts >= max_attempts:
        values = {"status": PortalMessageStatus.FAILED, "next_attempt_at": now}
        values["last_error"] = str(error)[:2000]
        counter = "failed"
        log.error("portal message %s given up: %s", message.key, error)
    else:
        values = {
            "last_error": str(error)[:2000],
            "next_attempt_at": now + backoff(message.attempts),
        }
        counter = "retrying"
        log.warning(
            "portal message %s failed (attempt %d): %s", message.key, message.attempts, error
        )
    done = db.session.execute(
        update(PortalMessage)
        .where(
            PortalMessage.id == message.id,
            PortalMessage.status == PortalMessageStatus.PENDING,
            PortalMessage.attempts == message.attempts,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if done:
        setattr(result, counter, getattr(result, counter) + 1)
        if error is not None:
            result.errors.append(f"{message.key}: {error}")
    else:
        log.warning("portal message %s: taken over by another worker", message.key)
