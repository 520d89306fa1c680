"""The reminders `motcua worker` queues each round, written to the outbox
(motcua.services.outbox).

Kinds: due_soon (a step due within one working day, to its holder or, while nobody holds it,
to the officers who may take it); appointment_soon (a dossier's appointment within one working
day and no apology yet, to the leaders and the desk of its unit, who must issue form 04 before
it passes if the result will be late).
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import String, cast, literal, select
from sqlalchemy.orm import joinedload, selectinload

from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    Apology,
    Dossier,
    DossierStatus,
    Notification,
    Role,
    Task,
    User,
    UserRole,
    utcnow,
)
from motcua.services import deadlines, links
from motcua.services.notifications import reachable_officers, task_context
from motcua.services.outbox import chunks, insert_new, render
from motcua.vocabulary import MailKind

# Steps of a dossier whose clock is stopped cannot be worked: no reminders for them.
STOPPED = (DossierStatus.WAITING_APPLICANT, DossierStatus.PAUSED)
# Dossiers that can still miss their appointment: the clock runs and no result is ready yet (a
# result ready and waiting for the applicant is on time, as in the overdue watch).
RUNNING = (DossierStatus.RECEIVED, DossierStatus.PROCESSING)
# Who may issue the apology (form 04) for a unit's dossier (services.exceptional_paths.apologize).
APOLOGIZERS = (Role.LEADER, Role.RECEPTIONIST)
LOOKBACK = timedelta(days=7)


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
    for chunk in chunks(list(wanted)):
        for key in db.session.scalars(
            select(Notification.dedup_key).where(Notification.dedup_key.in_(chunk))
        ):
            del wanted[key]
    users = {u.id: u for u in reachable_officers({user_id for _, user_id in wanted.values()})}
    rows = []
    for key, (task, user_id) in wanted.items():
        user = users.get(user_id)
        if user is None:
            continue
        subject, body = render(
            MailKind.DUE_SOON,
            **task_context(task, user),
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
    return insert_new(rows)


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
    for chunk in chunks(list(wanted)):
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
            dossier_url=links.public_url(f"/dossiers/{dossier.code}"),
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
    return insert_new(rows)


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
