"""What an officer sees of one dossier: its steps with their timing, its events, files, diagram.

Timing of a step
----------------
A step is due at its `due_at` (when it became ready plus its time limit in working time). The
margin is the working time from when the step was done (or from now, for an open step) to its
due time, counted by the province's working calendar:

- early (sớm): done at least one working hour before it was due;
- on time (đúng hạn): done before it was due, but within its last working hour;
- late (trễ hạn): done after it was due (by the clock, even if no working time passed between:
  a step due at 17:00 and done at 18:00 is late by zero working hours);
- in progress (đang xử lý): not done yet and not past due (the margin is the time left);
- overdue (quá hạn): not done yet and past due;
- cancelled (đã hủy): the step was withdrawn; it has no timing.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import NotFound
from motcua.extensions import db
from motcua.models import Attachment, Dossier, Event, Task, TaskStatus, User, utcnow
from motcua.services import deadlines, decisions, dossiers, storage
from motcua.vocabulary import EventKind, Verdict
from motcua.workcalendar import WorkCalendar

# A step done within its last working hour before the due time is "on time", not "early".
ON_TIME_WINDOW_HOURS = 1.0

_MEDIA_TYPE = re.compile(r"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$")


@dataclass(frozen=True)
class Timing:
    verdict: Verdict
    # Working hours: before the due time (early, on time, in progress) or past it (late,
    # overdue); None for a cancelled step.
    hours: float | None


@dataclass(frozen=True)
class StepRow:
    task: Task
    timing: Timing


@dataclass(frozen=True)
class DossierView:
    dossier: Dossier
    steps: list[StepRow]
    events: list[Event]
    attachments: list[Attachment]
    # BPMN element id → "done" or "current", for marking the diagram.
    markers: dict[str, str]
    # Username → display name of the officers that events name in their data (reassigned).
    names: dict[str, str]
    # Task id → the fields its step was completed with (motcua.services.decisions).
    decisions: dict[int, list[decisions.Field]]
    appointment_overdue: bool
    now: datetime


def timing(
    cal: WorkCalendar,
    *,
    due_at: datetime,
    completed_at: datetime | None,
    status: TaskStatus,
    now: datetime,
) -> Timing:
    """How a step stands against its due time (see the module docstring for the verdicts).

    Raises ValueError if a datetime is naive.
    """
    if status == TaskStatus.CANCELLED:
        return Timing(Verdict.CANCELLED, None)
    if completed_at is None:
        margin = cal.working_hours_between(now, due_at)
        if deadlines.is_overdue(due_at, now):
            return Timing(Verdict.OVERDUE, max(-margin, 0.0))
        return Timing(Verdict.IN_PROGRESS, margin)
    margin = cal.working_hours_between(completed_at, due_at)
    if deadlines.is_overdue(due_at, now, done_at=completed_at):
        return Timing(Verdict.LATE, max(-margin, 0.0))
    if margin >= ON_TIME_WINDOW_HOURS:
        return Timing(Verdict.EARLY, margin)
    return Timing(Verdict.ON_TIME, margin)


def step_markers(tasks: list[Task]) -> dict[str, str]:
    """The diagram's markers: a step with an open task is current, else one done is done."""
    markers: dict[str, str] = {}
    for task in tasks:
        if task.status in (TaskStatus.OPEN, TaskStatus.CLAIMED):
            markers[task.step_id] = "current"
        elif task.status == TaskStatus.DONE:
            markers.setdefault(task.step_id, "done")
    return markers


def view(actor: User, code: str, *, now: datetime | None = None) -> DossierView:
    """Everything about one dossier for an officer who may see it.

    Raises NotFound if there is no such dossier or the officer may not see it.
    """
    dossier = dossiers.get(actor, code)
    now = now or utcnow()
    cal = deadlines.calendar()
    tasks = dossiers.tasks_of(dossier)
    steps = [
        StepRow(
            task,
            timing(
                cal,
                due_at=task.due_at,
                completed_at=task.completed_at,
                status=task.status,
                now=now,
            ),
        )
        for task in tasks
    ]
    events = dossiers.events_of(dossier)
    finished = dossier.finished_at
    return DossierView(
        dossier=dossier,
        steps=steps,
        events=events,
        attachments=dossiers.attachments_of(dossier),
        markers=step_markers(tasks),
        names=_names_in(events),
        decisions={t.id: fields for t in tasks if (fields := decisions.decision_of(t))},
        appointment_overdue=deadlines.is_overdue(dossier.appointment_at, now, done_at=finished),
        now=now,
    )


def _names_in(events: list[Event]) -> dict[str, str]:
    usernames = {
        value
        for e in events
        if e.kind == EventKind.REASSIGNED and isinstance(e.data, dict)
        for key in ("from", "to")
        if isinstance(value := e.data.get(key), str)
    }
    if not usernames:
        return {}
    query = select(User.username, User.display_name).where(User.username.in_(usernames))
    return {username: name for username, name in db.session.execute(query)}


def diagram(actor: User, code: str) -> str:
    """The BPMN XML of the process version the dossier runs on. Raises NotFound."""
    return dossiers.get(actor, code).process_version.bpmn_xml


def open_attachment(actor: User, code: str, attachment_id: int) -> tuple[Attachment, BinaryIO]:
    """A file of the dossier and its stored bytes (the caller closes the stream).

    Raises NotFound if the dossier is not visible, the file is not the dossier's, or its bytes
    are missing from storage.
    """
    dossier = dossiers.get(actor, code)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.dossier_id != dossier.id:
        raise NotFound(_l("Không có tệp này trong hồ sơ."), code="attachment_not_found")
    try:
        stream = storage.open_file(current_app.config["STORAGE_DIR"], attachment.storage_key)
    except FileNotFoundError as exc:
        raise NotFound(_l("Tệp không còn trong kho lưu trữ."), code="file_missing") from exc
    return attachment, stream


def safe_media_type(media_type: str | None) -> str:
    """The recorded media type if it is a plain type/subtype, else application/octet-stream
    (the type came from the uploading browser and is not trusted)."""
    value = (media_type or "").strip().lower()
    return value if _MEDIA_TYPE.match(value) else "application/octet-stream"


def shows_inline(media_type: str) -> bool:
    """Whether the browser may preview the file: PDFs and raster images. SVG is an image that
    can carry scripts, so it is always downloaded."""
    return media_type == "application/pdf" or (
        media_type.startswith("image/") and not media_type.startswith("image/svg")
    )
