"""Emails to applicants and officers, written to the outbox (table notifications).

Every function here only adds rows to the session: the mail is stored in the transaction of
the change it tells about, and commits or rolls back with it. Nothing is sent during a
request; `motcua worker` (motcua.worker) sends the outbox and retries failures.

The subject and body are rendered when the mail is queued, from the plain-text Jinja
templates in web/templates/mail (first line: the subject; the rest: the body), always in
Vietnamese: the applicant is told in the language of the slips, whatever language the officer
who acted reads the pages in.

Kinds: receipt, supplement, refusal, delay, result (to the applicant, when an address was
given); task (a new step, to the officers who may work it); reassigned (a step a leader gave
to another officer, to that officer); due_soon (a step due within one working day, to its
holder or, while nobody holds it, to the officers who may take it); appointment_soon (a
dossier's appointment within one working day and no apology yet, to the leaders and the desk
of its unit, who must issue form 04 before it passes if the result will be late).

The last functions are the outbox as the system administrator sees it: the mails that could
not be sent, and sending one again (``problems``, ``retry``).
"""

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import String, cast, delete, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from motcua.errors import Conflict, NotFound
from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    Apology,
    Dossier,
    DossierStatus,
    Notification,
    NotificationStatus,
    Role,
    Task,
    User,
    UserRole,
    utcnow,
)
from motcua.services import audit, deadlines, org
from motcua.vocabulary import MailKind, ReturnMethod, in_vietnamese

APPLICANT_KINDS = (
    MailKind.RECEIPT,
    MailKind.SUPPLEMENT,
    MailKind.REFUSAL,
    MailKind.DELAY,
    MailKind.RESULT,
)
TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates" / "mail"
# Steps of a dossier whose clock is stopped cannot be worked: no reminders for them.
STOPPED = (DossierStatus.WAITING_APPLICANT, DossierStatus.PAUSED)
# Dossiers that can still miss their appointment: the clock runs and no result is ready yet (a
# result ready and waiting for the applicant is on time, as in the overdue watch).
RUNNING = (DossierStatus.RECEIVED, DossierStatus.PROCESSING)
# Who may issue the apology (form 04) for a unit's dossier (services.exceptional_paths.apologize).
APOLOGIZERS = (Role.LEADER, Role.RECEPTIONIST)
LOOKBACK = timedelta(days=7)
MAX_SUBJECT = 250
_CHUNK = 500


def to_applicant(dossier: Dossier, kind: str, **context) -> Notification | None:
    """Queue the email telling the applicant about the dossier; None when no address was given
    (or the same mail is already queued).

    ``kind``: receipt; supplement (``request`` = the SupplementRequest, or ``reason`` and
    ``items``); refusal (``reason``); delay (``apology`` = the Apology, or ``reason`` and
    ``new_appointment``); result (``returned_to`` and ``method`` once it is handed over; without
    them the mail says the result is ready to collect). Raises ValueError for another kind.
    """
    if kind not in APPLICANT_KINDS:
        raise ValueError(f"unknown applicant mail kind {kind!r}")
    address = (dossier.applicant_email or "").strip()
    if not address:
        return None
    values = _applicant_context(dossier, kind, context)
    subject, body = render(kind, **values)
    return _queue(
        kind=kind,
        to_address=address,
        subject=subject,
        body=body,
        dossier_id=dossier.id,
        dedup_key=_applicant_key(dossier, kind, values),
    )


def new_steps(tasks: list[Task]) -> list[Notification]:
    """Queue a "new task" email to each officer who may work each of the steps and has an
    address (their addresses read in one query)."""
    # The tasks' ids, for the links in the mails (they were only just added to the session).
    db.session.flush()
    return [
        _to_officer(MailKind.TASK, task, user, dedup_key=f"task:{task.id}:{user.id}")
        for task in tasks
        # The candidates were read with the step's handler: active officers, in the session.
        for user in sorted((c.user for c in task.candidates), key=lambda u: u.id)
        if user.active and user.email and user.email.strip()
    ]


def task_reassigned(
    task: Task, leader: User, reason: str, previous: User | None = None
) -> Notification | None:
    """Queue the mail telling the officer a leader just gave the step to (``task.assignee``)
    why, and by when; None when that officer has no address or is the leader themself."""
    user = task.assignee
    if user is None or user.id == leader.id or not _reachable({user.id}):
        return None
    # No dedup key: a step may come back to the same officer; each reassignment is its own mail.
    return _to_officer(
        MailKind.REASSIGNED, task, user, leader=leader, reason=reason, previous=previous
    )


def _to_officer(kind: str, task: Task, user: User, dedup_key: str | None = None, **context):
    """Queue the mail ``kind`` about a step to one officer (who has an address)."""
    subject, body = render(kind, **_task_context(task, user), **context)
    notification = Notification(
        kind=kind,
        to_address=user.email.strip(),
        subject=subject,
        body=body,
        dossier_id=task.dossier_id,
        user_id=user.id,
        dedup_key=dedup_key,
    )
    db.session.add(notification)
    return notification


def cancel_queued(dossier: Dossier, kind: str) -> None:
    """Take back an applicant's mail not sent yet (a receipt, when the desk found the dossier
    incomplete and gave form 02 instead)."""
    db.session.execute(
        delete(Notification)
        .where(
            Notification.dedup_key == _applicant_key(dossier, kind, {}),
            Notification.sent_at.is_(None),
        )
        .execution_options(synchronize_session="fetch")
    )


def queue_due_soon(now: datetime | None = None) -> int:
    """Queue one reminder per step due within one working day of ``now`` (or overdue) and per
    officer: its holder, or while nobody holds it, the officers who may take it. A reminder is
    never queued twice for the same step and officer (dedup key due-soon:<task>:<user>).

    A step that was already due within one working day when it opened gets none: the "new
    task" mail gave its deadline minutes ago (otherwise every short step would mail its
    officers twice at once).

    Steps overdue by more than a week are left alone (their time to be reminded has passed;
    the overdue watch lists them), and so are steps reminded already, in the query itself:
    each round reads only the few steps that may need a reminder now.

    Returns how many were queued. Safe to run from several workers at once.
    """
    now = now or utcnow()
    calendar = deadlines.calendar()
    limit = calendar.add(now, hours=calendar.hours_per_day)
    reminded = (
        select(Notification.id)
        .where(
            Notification.dossier_id == Task.dossier_id,  # indexed: a dossier has few mails
            Notification.kind == MailKind.DUE_SOON,
            Notification.dedup_key.like(
                literal("due-soon:") + cast(Task.id, String) + literal(":%")
            ),
        )
        .exists()
    )
    tasks = db.session.scalars(
        select(Task)
        .join(Task.dossier)
        .options(
            joinedload(Task.dossier).joinedload(Dossier.procedure),
            joinedload(Task.unit),
            selectinload(Task.candidates),
        )
        .where(
            Task.status.in_(ACTIVE_TASK_STATUSES),
            Task.due_at <= limit,
            Task.due_at > now - LOOKBACK,
            Dossier.status.not_in(STOPPED),
            ~reminded,
        )
        .order_by(Task.due_at, Task.id)
    ).all()
    wanted = {}  # dedup key -> (task, user id)
    for task in tasks:
        if task.due_at <= calendar.add(task.created_at, hours=calendar.hours_per_day):
            continue
        ids = [task.assignee_id] if task.assignee_id else [c.user_id for c in task.candidates]
        for user_id in ids:
            wanted[f"due-soon:{task.id}:{user_id}"] = (task, user_id)
    for chunk in _chunks(list(wanted)):
        for key in db.session.scalars(
            select(Notification.dedup_key).where(Notification.dedup_key.in_(chunk))
        ):
            del wanted[key]
    users = {u.id: u for u in _reachable({user_id for _, user_id in wanted.values()})}
    rows = []
    for key, (task, user_id) in wanted.items():
        user = users.get(user_id)
        if user is None:
            continue
        subject, body = render(
            MailKind.DUE_SOON,
            **_task_context(task, user),
            overdue=deadlines.is_overdue(task.due_at, now),
        )
        rows.append(
            {
                "kind": MailKind.DUE_SOON,
                "to_address": user.email.strip(),
                "subject": subject,
                "body": body,
                "dossier_id": task.dossier_id,
                "user_id": user.id,
                "dedup_key": key,
                "created_at": now,
                "next_attempt_at": now,
            }
        )
    return _insert_new(rows)


def queue_appointment_soon(now: datetime | None = None) -> int:
    """Warn the unit of each running dossier whose appointment falls within one working day of
    ``now`` and that has no apology yet: if the result will be late, the unit must issue the
    apology with a new appointment (form 04) before the appointment passes. One mail per
    dossier, appointment and officer, to the active leaders and desk officers of the dossier's
    unit (dedup key appointment-soon:<dossier>:<appointment>:<user>); a new appointment (after
    a supplement, say) is warned about again.

    Left out: dossiers whose clock is stopped or whose result is ready, appointments already
    passed (the overdue watch lists them), and dossiers whose appointment was already within
    one working day when they were received (the unit set that appointment knowing it).

    Returns how many were queued. Safe to run from several workers at once.
    """
    now = now or utcnow()
    calendar = deadlines.calendar()
    limit = calendar.add(now, hours=calendar.hours_per_day)
    apologized = select(Apology.id).where(Apology.dossier_id == Dossier.id).exists()
    dossiers = db.session.scalars(
        select(Dossier)
        .options(joinedload(Dossier.procedure), joinedload(Dossier.unit))
        .where(
            Dossier.finished_at.is_(None),  # ix_dossiers_finished_at: only the open dossiers
            Dossier.status.in_(RUNNING),
            ~deadlines.overdue(Dossier.appointment_at, now),
            Dossier.appointment_at <= limit,
            ~apologized,
        )
        .order_by(Dossier.appointment_at, Dossier.id)
    ).all()
    dossiers = [
        d
        for d in dossiers
        if d.appointment_at > calendar.add(d.received_at, hours=calendar.hours_per_day)
    ]
    officers = _officers_of({d.unit_id for d in dossiers}, APOLOGIZERS)
    wanted = {}  # dedup key -> (dossier, user)
    for dossier in dossiers:
        stamp = dossier.appointment_at.astimezone(UTC).strftime("%Y%m%dT%H%M")
        for user in officers.get(dossier.unit_id, []):
            wanted[f"appointment-soon:{dossier.id}:{stamp}:{user.id}"] = (dossier, user)
    for chunk in _chunks(list(wanted)):
        for key in db.session.scalars(
            select(Notification.dedup_key).where(Notification.dedup_key.in_(chunk))
        ):
            del wanted[key]
    steps = _open_steps({dossier.id for dossier, _ in wanted.values()})
    rows = []
    for key, (dossier, user) in wanted.items():
        subject, body = render(
            MailKind.APPOINTMENT_SOON,
            dossier=dossier,
            procedure=dossier.procedure,
            unit=dossier.unit,
            user=user,
            steps=steps.get(dossier.id, []),
            dossier_url=_url(f"/dossiers/{dossier.code}"),
        )
        rows.append(
            {
                "kind": MailKind.APPOINTMENT_SOON,
                "to_address": user.email.strip(),
                "subject": subject,
                "body": body,
                "dossier_id": dossier.id,
                "user_id": user.id,
                "dedup_key": key,
                "created_at": now,
                "next_attempt_at": now,
            }
        )
    return _insert_new(rows)


@dataclass
class Problems:
    """The mails the worker could not send: given up (failed), and still being retried."""

    failed: list[Notification]
    failed_total: int
    retrying: list[Notification]
    retrying_total: int


def problems(actor: User, limit: int = 100) -> Problems:
    """The newest ``limit`` failed mails and pending mails with an error, for the system
    administrator (Forbidden for anyone else), with how many there are of each."""
    org.require_system_admin(actor)
    failed = Notification.status == NotificationStatus.FAILED
    retrying = (Notification.status == NotificationStatus.PENDING) & (
        Notification.last_error.is_not(None)
    )

    def newest(condition):
        return list(
            db.session.scalars(
                select(Notification)
                .options(joinedload(Notification.dossier))
                .where(condition)
                .order_by(Notification.id.desc())
                .limit(limit)
            )
        )

    def count(condition):
        return db.session.scalar(select(func.count()).select_from(Notification).where(condition))

    return Problems(newest(failed), count(failed), newest(retrying), count(retrying))


def retry(actor: User, notification_id: int, now: datetime | None = None) -> Notification:
    """Give a failed or failing mail to the worker again, as if new: all its attempts, at the
    next round (the last error stays until it is sent). Records "mail.retry".

    Raises Forbidden unless the actor is a system admin, NotFound for no such mail, Conflict
    for a mail already sent. A pending mail that a worker is sending at this very moment may
    go out twice: receivers can tell by its Message-ID, the same on every attempt.
    """
    org.require_system_admin(actor)
    mail = db.session.get(Notification, notification_id, with_for_update=True)
    if mail is None:
        raise NotFound(_l("Không có thư này."), code="mail_not_found")
    if mail.status == NotificationStatus.SENT:
        raise Conflict(_l("Thư này đã được gửi."), code="mail_already_sent")
    before = {"status": mail.status.value, "attempts": mail.attempts, "error": mail.last_error}
    mail.status = NotificationStatus.PENDING
    mail.attempts = 0
    mail.next_attempt_at = now or utcnow()
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


def _applicant_context(dossier: Dossier, kind: str, context: dict) -> dict:
    values = {
        "dossier": dossier,
        "procedure": dossier.procedure,
        "unit": dossier.unit,
        "lookup_url": _url("/lookup"),
        **context,
    }
    if kind == MailKind.SUPPLEMENT:
        request = context.get("request")
        values["reason"] = request.reason if request else context.get("reason", "")
        values["items"] = list(request.items or []) if request else context.get("items", [])
    elif kind == MailKind.REFUSAL:
        values["reason"] = context.get("reason") or ""
    elif kind == MailKind.DELAY:
        apology = context.get("apology")
        values["reason"] = apology.reason if apology else context.get("reason", "")
        values["new_appointment"] = (
            apology.new_appointment_at
            if apology
            else context.get("new_appointment") or dossier.appointment_at
        )
        values["old_appointment"] = (
            apology.old_appointment_at if apology else context.get("old_appointment")
        )
    elif kind == MailKind.RESULT:
        values["returned_to"] = (context.get("returned_to") or "").strip()
        method = context.get("method") or ReturnMethod.AT_DESK
        values["method_label"] = in_vietnamese(ReturnMethod.label_of(method))
        values["at"] = context.get("at") or utcnow()
    return values


def _applicant_key(dossier: Dossier, kind: str, values: dict) -> str | None:
    """One receipt, refusal, delay and result mail per dossier; one per supplement request."""
    if kind == MailKind.SUPPLEMENT:
        request = values.get("request")
        return f"supplement:{request.id}" if request is not None and request.id else None
    if kind == MailKind.RESULT:
        return f"result:{dossier.id}:{'returned' if values['returned_to'] else 'ready'}"
    return f"{kind}:{dossier.id}"


def _task_context(task: Task, user: User) -> dict:
    dossier = task.dossier
    return {
        "task": task,
        "user": user,
        "dossier": dossier,
        "procedure": dossier.procedure,
        "task_url": _url(f"/tasks/{task.id}"),
        "inbox_url": _url("/inbox"),
    }


def _reachable(user_ids) -> list[User]:
    """The active officers among ``user_ids`` who have an email address."""
    if not user_ids:
        return []
    users = db.session.scalars(
        select(User).where(User.id.in_(user_ids), User.active.is_(True)).order_by(User.id)
    )
    return [u for u in users if u.email and u.email.strip()]


def _officers_of(unit_ids: set[int], roles) -> dict[int, list[User]]:
    """unit id -> the active officers holding one of ``roles`` there who have an address."""
    if not unit_ids:
        return {}
    pairs = db.session.execute(
        select(UserRole.unit_id, User)
        .join(UserRole.user)
        .where(UserRole.unit_id.in_(unit_ids), UserRole.role.in_(roles), User.active.is_(True))
        .order_by(UserRole.unit_id, User.id)
    ).all()
    officers: dict[int, list[User]] = {}
    for unit_id, user in pairs:
        found = officers.setdefault(unit_id, [])
        if user.email and user.email.strip() and user not in found:
            found.append(user)
    return officers


def _open_steps(dossier_ids: set[int]) -> dict[int, list[Task]]:
    steps: dict[int, list[Task]] = {}
    if not dossier_ids:
        return steps
    for task in db.session.scalars(
        select(Task)
        .options(joinedload(Task.unit), joinedload(Task.assignee))
        .where(Task.dossier_id.in_(dossier_ids), Task.status.in_(ACTIVE_TASK_STATUSES))
        .order_by(Task.created_at, Task.id)
    ):
        steps.setdefault(task.dossier_id, []).append(task)
    return steps


def _queue(**values) -> Notification | None:
    """Add a mail to the outbox, unless one with its dedup key is there already (queued by an
    earlier act, or by another worker at this very moment): one statement, race-safe. Returns
    the new mail, or None."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Notification).values(**values)
    if values.get("dedup_key") is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["dedup_key"])
    return db.session.scalar(statement.returning(Notification))


def _insert_new(rows: list[dict]) -> int:
    """Insert the rows, skipping any whose dedup key another worker stored meanwhile."""
    return sum(_queue(**row) is not None for row in rows)


def _chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _url(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


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
