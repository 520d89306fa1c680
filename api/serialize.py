"""Turning model objects into the API's JSON, and reading request bodies."""

from datetime import datetime

from flask import request

from motcua.errors import Invalid
from motcua.models import Attachment, Dossier, Event, Procedure, Task, User, utcnow
from motcua.services import deadlines, decisions, signature_check
from motcua.vocabulary import EventKind


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("Nội dung yêu cầu phải là một đối tượng JSON.", code="invalid_json")
    return body


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def procedure(p: Procedure) -> dict:
    return {
        "code": p.code,
        "name": p.name,
        "field": p.field,
        "level": p.level.value,
        "legal_limit_days": float(p.legal_limit_days),
        "fees": p.fees,
        "required_documents": p.required_documents,
        "online_level": p.online_level.value,
    }


def user(u: User) -> dict:
    return {
        "username": u.username,
        "display_name": u.display_name,
        "unit": u.unit.code,
        "roles": [{"unit": r.unit.code, "role": r.role.value} for r in u.roles],
    }


def task(t: Task, *, candidates: list[User] | None = None) -> dict:
    data = {
        "id": t.id,
        "dossier": t.dossier.code,
        "procedure": t.dossier.procedure.code,
        "applicant": t.dossier.applicant_name,
        "step_id": t.step_id,
        "step_name": t.step_name,
        "lane": t.lane,
        "handler": t.handler,
        "unit": t.unit.code,
        "role": t.role.value if t.role else None,
        "time_limit": t.time_limit,
        "status": t.status.value,
        "assignee": t.assignee.username if t.assignee else None,
        "created_at": iso(t.created_at),
        "due_at": iso(t.due_at),
        "overdue": deadlines.is_overdue(t.due_at, utcnow(), done_at=t.completed_at),
        "claimed_at": iso(t.claimed_at),
        "completed_at": iso(t.completed_at),
        "completed_by": t.completed_by.username if t.completed_by else None,
        "outcome": t.outcome,
        # What the step was completed with, labelled as its form ({} until it is done).
        "decision": {
            f.name: {"label": f.label, "value": f.value, "text": f.text}
            for f in decisions.decision_of(t)
        },
        "returns_result": t.returns_result,
        "form": t.form,
        "received_at": iso(t.dossier.received_at),
        "appointment_at": iso(t.dossier.appointment_at),
    }
    if candidates is not None:
        data["candidates"] = [
            {"username": u.username, "display_name": u.display_name} for u in candidates
        ]
    return data


def attachment(a: Attachment) -> dict:
    return {
        "id": a.id,
        "kind": a.kind.value,
        "file_name": a.file_name,
        "size": a.size,
        "media_type": a.media_type,
        "sha256": a.sha256,
        "task_id": a.task_id,
        "uploaded_by": a.uploaded_by.username if a.uploaded_by else None,
        "uploaded_at": iso(a.uploaded_at),
        "signature": signature(a),
    }


def signature(a: Attachment) -> dict | None:
    """A PDF's signature verdict ("pending" until the worker has checked it), None otherwise."""
    shown = signature_check.shown(a)
    if shown is None:
        return None
    return {
        "verdict": shown.verdict.value,
        "signer": shown.signer,
        "signed_at": iso(shown.signed_at),
        "details": shown.details,
    }


def event(e: Event) -> dict:
    return {
        "at": iso(e.at),
        "kind": e.kind,
        "actor": e.actor.username if e.actor else None,
        "task_id": e.task_id,
        "from_step": e.from_step,
        "to_step": e.to_step,
        "note": e.note,
        "data": e.data,
    }


def dossier_summary(d: Dossier) -> dict:
    return {
        "code": d.code,
        "status": d.status.value,
        "received_at": iso(d.received_at),
        "appointment_at": iso(d.appointment_at),
    }


def dossier(d: Dossier, tasks, attachments, events) -> dict:
    requests = sum(1 for e in events if e.kind == EventKind.SUPPLEMENT_REQUESTED)
    return {
        **dossier_summary(d),
        "procedure": {"code": d.procedure.code, "name": d.procedure.name},
        "unit": d.unit.code,
        "receiving_unit": d.receiving_unit.code,
        "handed_over_at": iso(d.handed_over_at),
        "process_version": d.process_version.version,
        "channel": d.channel.value,
        # The end of processing (the result ready, a refusal, a stop or a withdrawal) and the
        # hand-over of the result to the applicant.
        "finished_at": iso(d.finished_at),
        "returned_at": iso(d.returned_at),
        # How the result was handed over (at_desk, post, online), once it was.
        "return_method": d.return_method.value if d.return_method else None,
        "provisional_code": d.provisional_code,
        # More than one request breaks the one complete request (the reports count it late).
        "supplement_requests": requests,
        "repeated_supplement": requests > 1,
        "applicant": {
            "name": d.applicant_name,
            "id_number": d.applicant_id_number,
            "phone": d.applicant_phone,
            "email": d.applicant_email,
            "address": d.applicant_address,
        },
        "tasks": [task(t) for t in tasks],
        "attachments": [attachment(a) for a in attachments],
        "events": [event(e) for e in events],
    }
