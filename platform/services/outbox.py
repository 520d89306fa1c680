"""The email outbox (table notifications): a mail rendered from its template and queued once,
and the mails the worker could not send.

Queueing only adds rows to the session: the mail is stored in the transaction of the change it
tells about, and commits or rolls back with it. Nothing is sent during a request; `motcua
worker` (motcua.worker) sends the outbox and retries failures.

The subject and body are rendered when the mail is queued, from the plain-text Jinja
templates in web/templates/mail (first line: the subject; the rest: the body), always in
Vietnamese: the applicant is told in the language of the slips, whatever language the officer
who acted reads the pages in.

The outbox as the system administrator sees it: the mails that could not be sent, and sending
one again (``problems``, ``retry``).

Who is mailed about what: motcua.services.notifications (the mails an act queues) and
motcua.services.reminders (those the worker queues each round).
"""

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from motcua.database import insert_on_conflict
from motcua.errors import Conflict, NotFound
from motcua.extensions import db
from motcua.models import Notification, NotificationStatus, User, utcnow
from motcua.services import audit, org

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates" / "mail"
MAX_SUBJECT = 250
_CHUNK = 500


@dataclass
class Problems:
    """What the worker could not deliver (mails, the portal's messages): given up (failed), and
    still being retried."""

    failed: list
    failed_total: int
    retrying: list
    retrying_total: int


def problems(actor: User, limit: int = 100) -> Problems:
    """The newest ``limit`` failed mails and pending mails with an error, for the system
    administrator (Forbidden for anyone else), with how many there are of each."""
    return undelivered(actor, Notification, NotificationStatus, limit)


def undelivered(actor: User, model, statuses, limit: int) -> Problems:
    """``problems`` of an outbox ``model`` (a status, a last error, a dossier) whose
    ``statuses`` name FAILED and PENDING."""
    org.require_system_admin(actor)
    failed = model.status == statuses.FAILED
    retrying = (model.status == statuses.PENDING) & (model.last_error.is_not(None))

    def newest(condition):
        return list(
            db.session.scalars(
                select(model)
                .options(joinedload(model.dossier))
                .where(condition)
                .order_by(model.id.desc())
                .limit(limit)
            )
        )

    def count(condition):
        return db.session.scalar(select(func.count()).select_from(model).where(condition))

    return Problems(newest(failed), count(failed), newest(retrying), count(retrying))


def retry(actor: User, notification_id: int, now: datetime | None = None) -> Notification:
    """Give a failed or failing mail to the worker again, as if new: all its attempts, at the
    next round (the last error stays until it is sent). Records "mail.retry".

    Raises Forbidden unless the actor is a system admin, NotFound for no such mail, Conflict
    for a mail already sent, or one a worker is sending at this very moment (its lease has
    not passed): given back now, it would be sent a second time. A mail whose worker died
    while sending it is given back; it keeps its Message-ID (motcua.worker).
    """
    org.require_system_admin(actor)
    now = now or utcnow()
    mail = db.session.get(Notification, notification_id, with_for_update=True)
    if mail is None:
        raise NotFound(_l("Không có thư này."), code="mail_not_found")
    if mail.status == NotificationStatus.SENT:
        raise Conflict(_l("Thư này đã được gửi."), code="mail_already_sent")
    if mail.sending_at is not None and mail.next_attempt_at > now:
        raise Conflict(
            _l("Thư này đang được gửi; vui lòng tải lại trang sau ít phút."),
            code="mail_being_sent",
        )
    before = {"status": mail.status.value, "attempts": mail.attempts, "error": mail.last_error}
    mail.status = NotificationStatus.PENDING
    mail.attempts = 0
    mail.next_attempt_at = now
    audit.record(
        actor,
        "mail.retry",
        "notification",
        str(mail.id),
        f"Gửi lại thư #{mail.id} ({mail.kind}) đến {mail.to_address}: {mail.subject}",
        data=before,
    )
    return mail


def render(kind: str, **context) -> tuple[str, str]:
    """(subject, body) of the mail template ``kind``: its first line and the rest."""
    text = _environment().get_template(f"{kind}.txt").render(**context)
    subject, _, body = text.strip().partition("\n")
    subject = " ".join(subject.split())  # one header line, whatever the data holds
    if len(subject) > MAX_SUBJECT:
        subject = subject[: MAX_SUBJECT - 1] + "…"
    return subject, body.strip() + "\n"


def queue(**values) -> Notification | None:
    """Add a mail to the outbox, unless one with its dedup key is there already (queued by an
    earlier act, or by another worker at this very moment): one statement, race-safe. Returns
    the new mail, or None."""
    statement = insert_on_conflict(db.session, Notification).values(**values)
    if values.get("dedup_key") is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["dedup_key"])
    return db.session.scalar(statement.returning(Notification))


def insert_new(rows: list[dict]) -> int:
    """Insert the rows, skipping any whose dedup key another worker stored meanwhile."""
    return sum(queue(**row) is not None for row in rows)


def chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _local(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


@functools.cache
def _environment() -> Environment:
    # Plain text: no HTML escaping. StrictUndefined: a missing value is a bug, not a blank.
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,  # an included line keeps its line break
    )
    env.filters["dt"] = _local
    return env
