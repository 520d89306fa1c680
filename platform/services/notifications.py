"""The emails an act queues, to the applicant and to officers, written to the outbox
(motcua.services.outbox) in the transaction of the act.

Kinds: receipt, supplement, refusal, delay, result (to the applicant, when an address was
given); task (a new step, to the officers who may work it); reassigned (a step a leader gave
to another officer, to that officer); papers_answered (the applicant answered a request for
papers online, to the officers of the step that waits for them).

The reminders the worker queues on its own (due_soon, appointment_soon) are in
motcua.services.reminders.
"""

from flask import current_app
from sqlalchemy import delete, select

from motcua.extensions import db
from motcua.models import Dossier, Notification, Task, User, utcnow
from motcua.services import applicant_access, links
from motcua.services.outbox import queue, render
from motcua.vocabulary import MailKind, ReturnMethod, in_vietnamese

APPLICANT_KINDS = (
    MailKind.RECEIPT,
    MailKind.SUPPLEMENT,
    MailKind.REFUSAL,
    MailKind.DELAY,
    MailKind.RESULT,
)


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
    return queue(
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
    if user is None or user.id == leader.id or not reachable_officers({user.id}):
        return None
    # No dedup key: a step may come back to the same officer; each reassignment is its own mail.
    return _to_officer(
        MailKind.REASSIGNED, task, user, leader=leader, reason=reason, previous=previous
    )


def _to_officer(kind: str, task: Task, user: User, dedup_key: str | None = None, **context):
    """Queue the mail ``kind`` about a step to one officer (who has an address)."""
    subject, body = render(kind, **task_context(task, user), **context)
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


def _applicant_context(dossier: Dossier, kind: str, context: dict) -> dict:
    values = {
        "dossier": dossier,
        "procedure": dossier.procedure,
        "unit": dossier.unit,
        "lookup_url": links.public_url("/lookup"),
        **context,
    }
    if kind == MailKind.SUPPLEMENT:
        request = context.get("request")
        values["reason"] = request.reason if request else context.get("reason", "")
        values["items"] = list(request.items or []) if request else context.get("items", [])
        # The applicant may send the papers online (motcua.services.applicant_papers).
        token = applicant_access.token_for(dossier, applicant_access.MAIL)
        values["papers_url"] = links.public_url(f"/applicant/{token}/papers")
        values["link_days"] = current_app.config["APPLICANT_MAIL_LINK_DAYS"]
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
        values["method"] = method
        # The link to the result files (motcua.services.results_online.mail_context), if any.
        values.setdefault("result_files", [])
        values.setdefault("results_url", None)
        values.setdefault("link_days", 0)
    return values


def _applicant_key(dossier: Dossier, kind: str, values: dict) -> str | None:
    """One receipt, refusal, delay and result mail per dossier; one per supplement request."""
    if kind == MailKind.SUPPLEMENT:
        request = values.get("request")
        return f"supplement:{request.id}" if request is not None and request.id else None
    if kind == MailKind.RESULT:
        return f"result:{dossier.id}:{'returned' if values['returned_to'] else 'ready'}"
    return f"{kind}:{dossier.id}"


def task_context(task: Task, user: User) -> dict:
    dossier = task.dossier
    return {
        "task": task,
        "user": user,
        "dossier": dossier,
        "procedure": dossier.procedure,
        "task_url": links.public_url(f"/tasks/{task.id}"),
        "inbox_url": links.public_url("/inbox"),
    }


def reachable_officers(user_ids) -> list[User]:
    """The active officers among ``user_ids`` who have an email address."""
    if not user_ids:
        return []
    users = db.session.scalars(
        select(User).where(User.id.in_(user_ids), User.active.is_(True)).order_by(User.id)
    )
    return [u for u in users if u.email and u.email.strip()]


def papers_answered(task: Task, request, files) -> list[Notification]:
    """Queue the mail telling the officers of the step that waits for the papers (its
    assignee, else everyone who may take it) that the applicant answered the request online
    with ``files``: they check the papers and record their receipt themselves."""
    db.session.flush()  # the step's id, for the link
    users = [task.assignee] if task.assignee is not None else [c.user for c in task.candidates]
    return [
        _to_officer(MailKind.PAPERS_ANSWERED, task, user, request=request, files=files)
        for user in sorted(users, key=lambda u: u.id)
        if user.active and user.email and user.email.strip()
    ]


def step_returned(task: Task, sender: User | None, reason: str | None) -> Notification | None:
    """Queue the mail telling the officer a step came back to (``task.assignee``, who did it
    before) who sent it back and why; None when they have no address or sent it themself."""
    user = task.assignee
    if user is None or (sender is not None and sender.id == user.id):
        return None
    if not (user.active and user.email and user.email.strip()):
        return None
    db.session.flush()  # the reopened step's id, for the link
    # No dedup key: a step may come back more than once; each return is its own mail.
    return _to_officer(MailKind.RETURNED, task, user, sender=sender, reason=reason or "")
