"""The task page: one step with its dossier, files, history and form, and the actions that need
more than the processing service (a form posted with files, files attached)."""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import Conflict, Forbidden, Invalid
from motcua.extensions import db
from motcua.forms import load_form
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    Attachment,
    AttachmentKind,
    Dossier,
    Event,
    Role,
    SupplementRequest,
    Task,
    TaskStatus,
    User,
    utcnow,
)
from motcua.services import deadlines, decisions, dossiers, formdata, org, processing, workflow
from motcua.services.inbox import urgency
from motcua.vocabulary import EventKind

HISTORY = 20  # events shown on the task page; the dossier page has them all
UPLOAD_ROWS = 4  # files the page's upload form takes at once (each its own kind and paper)
_TRUE = ("on", "true", "1", "yes")


@dataclass
class TaskPage:
    task: Task
    dossier: Dossier
    attachments: list[Attachment]
    events: list[Event]  # the last HISTORY events, oldest first
    earlier_events: int  # how many more the dossier page shows
    form: dict | None  # the step's form definition
    may_work: bool  # the actor may complete / send back / attach files now
    may_claim: bool
    may_release: bool
    may_reassign: bool  # a leader of the task's unit, the task still active
    officers: list[User]  # whom a leader may give the task to
    # The page's one send-back control is the box, unless the form's decision sends back.
    has_previous_step: bool
    # The earlier steps' decisions, in the order they were done (a leader reads the appraisal).
    earlier_decisions: list[tuple[Task, list[decisions.Field]]]
    # Why the dossier came back to this step, if it was sent back to it: the sender's event.
    returned: Event | None
    attachment_kinds: tuple[AttachmentKind, ...]  # what kinds of file the actor may attach here
    urgency: str
    supplement: SupplementRequest | None  # what the applicant was asked for, on a waiting step
    files_results: bool = False  # the step files the result (dossiers.files_results)
    papers: list[str] = field(default_factory=list)  # the procedure's papers a file may be
    paper_of: dict[int, str] = field(default_factory=dict)  # attachment id -> its paper
    # Nobody holds the step: completing it takes it (processing._claim_on_completing).
    claims_on_completing: bool = False
    shown_when: dict = field(default_factory=dict)  # decisions.shown_when of the form
    names: dict[str, str] = field(default_factory=dict)  # username -> name, for the history


def task_page(actor: User, task_id: int, *, now: datetime | None = None) -> TaskPage:
    """Everything the task page shows. Raises NotFound if the actor may not see the dossier."""
    task = processing.get_task(actor, task_id)
    dossier = task.dossier
    now = now or utcnow()
    active = task.status in ACTIVE_TASK_STATUSES
    handler = active and org.may_work(actor, task)
    mine = task.assignee_id in (None, actor.id)
    leader = active and org.has_role(actor, Role.LEADER, task.unit_id)
    events = dossiers.events_of(dossier)
    soon = deadlines.calendar().add(now, days=1)
    form = load_form(task.form) if task.form else None
    may_work = handler and mine
    results = may_work and dossiers.files_results(task)
    return TaskPage(
        task=task,
        dossier=dossier,
        attachments=dossiers.attachments_of(dossier),
        events=events[-HISTORY:],
        earlier_events=max(0, len(events) - HISTORY),
        form=form,
        may_work=may_work,
        may_claim=handler and task.assignee_id is None,
        may_release=active and task.assignee_id == actor.id,
        may_reassign=leader,
        officers=_officers_for(task) if leader else [],
        has_previous_step=not task.waits_for_applicant
        and not decisions.offers_send_back(form)
        and _has_previous_step(task),
        earlier_decisions=_decisions_before(task),
        returned=_returned_by(task, events),
        attachment_kinds=kinds_for(task, results=results),
        urgency=urgency(due_at=task.due_at, completed_at=task.completed_at, now=now, soon=soon),
        supplement=_supplement_asked(task) if task.waits_for_applicant else None,
        files_results=results,
        papers=list(dossier.procedure.required_documents or []),
        paper_of=_papers_of_files(events),
        claims_on_completing=may_work and task.assignee_id is None,
        shown_when=decisions.shown_when(form),
        names=_names(events),
    )


def kinds_for(task: Task, *, results: bool) -> tuple[AttachmentKind, ...]:
    """The kinds of file the step's officer attaches: working files; the papers themselves
    on the step that receives the applicant's missing ones; results where they are filed."""
    kinds = [AttachmentKind.WORKING]
    if task.waits_for_applicant:
        kinds.append(AttachmentKind.COMPONENT)
    if results:
        kinds.append(AttachmentKind.RESULT)
    return tuple(kinds)


def _papers_of_files(events: list[Event]) -> dict[int, str]:
    return {
        e.data["attachment_id"]: e.data["document"]
        for e in events
        if e.kind == EventKind.ATTACHMENT_ADDED and (e.data or {}).get("document")
    }


def _names(events: list[Event]) -> dict[str, str]:
    """The names of the officers the shown history gives work to (it stores usernames)."""
    usernames = {
        name
        for e in events[-HISTORY:]
        if e.kind == EventKind.REASSIGNED
        for name in ((e.data or {}).get("to"), (e.data or {}).get("from"))
        if name
    }
    if not usernames:
        return {}
    users = db.session.execute(
        select(User.username, User.display_name).where(User.username.in_(sorted(usernames)))
    )
    return {username: name or username for username, name in users}


def _decisions_before(task: Task) -> list[tuple[Task, list[decisions.Field]]]:
    done = db.session.scalars(
        select(Task)
        .where(
            Task.dossier_id == task.dossier_id,
            Task.status == TaskStatus.DONE,
            Task.id != task.id,
        )
        .order_by(Task.completed_at, Task.id)
    )
    rows = [(t, decisions.decision_of(t)) for t in done]
    if task.completed_at is not None:
        rows = [(t, fields) for t, fields in rows if t.completed_at <= task.completed_at]
    return [(t, fields) for t, fields in rows if fields]


def _returned_by(task: Task, events: list[Event]) -> Event | None:
    """The send-back that reopened this active step: the last event that returned the dossier
    to it (the box's, or a decision's), unless the step was done again since."""
    if task.status not in ACTIVE_TASK_STATUSES:
        return None
    returned = None
    for e in events:
        if e.kind not in (EventKind.SENT_BACK, EventKind.STEP_COMPLETED):
            continue  # claimed, released, reassigned: the step is still the one sent back
        if e.from_step == task.step_name:
            returned = None
        elif task.step_name in (e.to_step or "").split("; ") and (
            e.kind == EventKind.SENT_BACK
            or (e.data or {}).get("outcome") in decisions.SEND_BACK_DECISIONS
        ):
            returned = e
    return returned


def _supplement_asked(task: Task) -> SupplementRequest | None:
    return db.session.scalar(
        select(SupplementRequest)
        .where(SupplementRequest.dossier_id == task.dossier_id)
        .order_by(SupplementRequest.requested_at.desc())
        .limit(1)
    )


def _officers_for(task: Task) -> list[User]:
    """Every active officer who may work the task now, as ``org.may_work`` asks: those with its
    role in its unit, and those named for it (the candidates resolved when it opened)."""
    officers = {u.id: u for u in org.users_for(task.role, task.unit.code)} if task.role else {}
    officers |= {c.user.id: c.user for c in task.candidates if c.user.active}
    return sorted(officers.values(), key=lambda u: (u.display_name, u.username))


def _has_previous_step(task: Task) -> bool:
    """Whether a step of the dossier was done before this one became ready (the first step
    has nothing to go back to)."""
    return (
        db.session.scalar(
            select(Task.id)
            .where(
                Task.dossier_id == task.dossier_id,
                Task.status == TaskStatus.DONE,
                Task.id < task.id,
            )
            .limit(1)
        )
        is not None
    )


def form_data(form: dict | None, fields: Mapping[str, str]) -> dict:
    """A submitted HTML form as data of the step's form, by the schema's types.

    Checkboxes (and booleans) become True/False, integers and numbers become numbers (a
    decimal comma is accepted), empty fields are left out; a value that does not parse is kept
    as text so that the form's validation names the field. Fields the form does not have and
    file fields are ignored.
    """
    if not form:
        return {}
    data = {}
    ui = form.get("ui", {})
    for name, prop in form["schema"].get("properties", {}).items():
        widget = ui.get(name, {}).get("widget")
        if widget == "file":
            continue
        kind = prop.get("type")
        if widget == "checkbox" or kind == "boolean":
            data[name] = (fields.get(name) or "").strip().lower() in _TRUE
            continue
        raw = (fields.get(name) or "").strip()
        if not raw:
            continue
        if kind in ("integer", "number"):
            data[name] = _number(raw, integer=kind == "integer")
        else:
            data[name] = raw
    return data


def _number(raw: str, *, integer: bool):
    text = raw.replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # 12,5 m² as written in Vietnamese
    try:
        value = float(text)
    except ValueError:
        return raw
    if not math.isfinite(value):
        return raw
    if value.is_integer():
        return int(value)
    return raw if integer else value


def file_fields(form: dict | None) -> list[str]:
    """The form's fields whose widget is a file upload."""
    if not form:
        return []
    ui = form.get("ui", {})
    return [
        n for n in form["schema"].get("properties", {}) if ui.get(n, {}).get("widget") == "file"
    ]


@dataclass(frozen=True)
class Upload:
    file_name: str
    stream: BinaryIO


def complete(
    actor: User, task_id: int, fields: Mapping[str, str], uploads: Mapping[str, Upload]
) -> Task:
    """Complete a step from its submitted HTML form (see ``form_data``), in one transaction.

    A file field's upload is stored as a working file of the dossier and its value is the new
    attachment's id — only once the rest of the form is valid; if the step then still cannot
    complete (for want of a result file, say), the boundary keeps nothing, the file included.
    Raises what ``processing.complete`` raises (NotFound, Forbidden, Conflict, Invalid with
    field errors).
    """
    task = processing.get_task(actor, task_id)
    form = load_form(task.form) if task.form else None
    data = form_data(form, fields)
    uploaded = {n: uploads[n] for n in file_fields(form) if n in uploads}
    if uploaded:
        errors = {
            k: v for k, v in formdata.form_errors(task.form, data).items() if k not in uploaded
        }
        if errors:
            raise Invalid(_l("Dữ liệu biểu mẫu chưa hợp lệ."), code="invalid_form", details=errors)
        for name, upload in uploaded.items():
            attachment = _attach(actor, task, AttachmentKind.WORKING, upload)
            kind = form["schema"]["properties"][name].get("type")
            data[name] = attachment.id if kind == "integer" else str(attachment.id)
    return processing.complete(actor, task_id, data)


@dataclass(frozen=True)
class FileChoice:
    """One row of the page's upload form: a file, its kind, and the paper it is (or "")."""

    upload: Upload | None
    kind: str = AttachmentKind.WORKING.value
    paper: str = ""


def attach(actor: User, task_id: int, rows: list[FileChoice]) -> list[Attachment]:
    """Attach the files chosen (rows without a file are skipped) to the task's dossier, each
    of its kind (``kinds_for``: a result only on a step that files results) and, if given,
    tied to one of the procedure's papers. All or none: a bad row refuses the lot, and says
    which file. Raises NotFound, Forbidden (not the step's handler), Conflict (the step is no
    longer active) or Invalid with field errors ``file`` and ``file-<row>``."""
    task = processing.get_task(actor, task_id)
    workflow.lock_dossier(task.dossier_id)
    db.session.refresh(task)  # as it is now that the dossier is held
    if task.status not in ACTIVE_TASK_STATUSES:
        raise Conflict(_l("Bước này đã được xử lý hoặc đã bị hủy."), code="task_not_active")
    if not org.may_work(actor, task) or task.assignee_id not in (None, actor.id):
        raise Forbidden(_l("Bạn không phải người xử lý bước này."), code="not_a_handler")
    chosen = [(i, row) for i, row in enumerate(rows) if row.upload and row.upload.file_name]
    if not chosen:
        raise Invalid(
            _l("Chưa đính kèm được tệp."),
            code="invalid_file",
            details={"file": _l("Chọn một tệp để tải lên.")},
        )
    kinds = {k.value for k in kinds_for(task, results=dossiers.files_results(task))}
    papers = list(task.dossier.procedure.required_documents or [])
    errors = {}
    for i, row in chosen:
        if row.kind not in kinds:
            why = (
                dossiers.RESULT_NOT_HERE
                if row.kind == AttachmentKind.RESULT
                else _l("Loại tệp không hợp lệ.")
            )
        elif row.paper and row.paper not in papers:
            why = _l("Thành phần hồ sơ không có trong danh mục.")
        else:
            continue
        errors[f"file-{i}"] = _l("Tệp «%(name)s»: %(why)s", name=row.upload.file_name, why=why)
    if errors:
        raise Invalid(_l("Chưa đính kèm được tệp nào."), code="invalid_file", details=errors)
    attached = []
    for i, row in chosen:
        new = dossiers.NewFile(
            row.upload.file_name,
            row.upload.stream,
            {"document": row.paper} if row.paper else None,
            f"file-{i}",
        )
        try:
            attached += dossiers.attach_files(
                actor, task.dossier, task, [new], kind=AttachmentKind(row.kind)
            )
        except Invalid as exc:  # an empty file, a bad name: the boundary keeps none of them
            why = (exc.details or {}).get(new.field, exc.message)
            raise Invalid(
                _l("Chưa đính kèm được tệp nào."),
                code=exc.code,
                details={new.field: _l("Tệp «%(name)s»: %(why)s", name=new.file_name, why=why)},
            ) from exc
    return attached


def _attach(actor: User, task: Task, kind: str, upload: Upload) -> Attachment:
    return dossiers.add_attachment(
        actor,
        task.dossier.code,
        file_name=upload.file_name,
        stream=upload.stream,
        kind=kind,
    )
