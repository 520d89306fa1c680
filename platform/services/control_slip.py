"""The rows of form 06 of Circular 03/2025/TT-VPCP, Phiếu kiểm soát quá trình giải quyết hồ sơ
(form 05 of Circular 01/2018/TT-VPCP): every handover of a dossier, who gave and who took it,
when, its due and completion times and its verdict; the coordinating units; whether the result
came after the first appointment. The paper itself is motcua.services.slips."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Dossier, Task, User, utcnow
from motcua.services import deadlines, dossiers, org
from motcua.services.paper_wording import desk_name, stamp, working_time
from motcua.services.timeline import Verdict, timing
from motcua.vocabulary import EventKind, Outcome, in_vietnamese

# The decisions the control slip notes next to a step (the others say nothing more).
NOTED_OUTCOMES = (Outcome.APPROVE, Outcome.SEND_BACK, Outcome.SENT_BACK, Outcome.REFUSE)


@dataclass(frozen=True)
class Handover:
    """One row of the control slip: a step handed from one officer to another."""

    step: str
    giver: str
    giver_unit: str
    receiver: str
    receiver_unit: str
    handed_at: datetime
    due_at: datetime
    completed_at: datetime | None
    verdict: Verdict
    note: str


def partners(dossier: Dossier) -> list[str]:
    """Units coordinating from outside the competent unit (a department for an interconnected
    procedure); the unit's own offices are not "cơ quan phối hợp"."""
    own = org.subtree_ids({dossier.unit_id})
    return sorted({t.unit.name for t in dossiers.tasks_of(dossier) if t.unit_id not in own})


def handovers(dossier: Dossier, *, now: datetime | None = None) -> list[Handover]:
    """Every handover of the dossier, in order: each step, who handed it over (the officer
    who completed the step it came from, or the desk that received the dossier), who took it,
    when, its due and completion times, and its verdict (motcua.services.timeline)."""
    now = now or utcnow()
    calendar = deadlines.calendar()
    tasks = sorted(dossiers.tasks_of(dossier), key=lambda t: (t.created_at, t.id))
    desk = db.session.get(User, dossier.received_by_id) if dossier.received_by_id else None
    reassigned = _reassignments(dossier)
    rows = []
    for task in tasks:
        source = _source_of(task, tasks)
        if source is None:
            giver_unit = desk_name(dossier.receiving_unit)
            giver = desk.display_name if desk else giver_unit
        else:
            giver = source.completed_by.display_name if source.completed_by else ""
            giver_unit = source.unit.name
        taker = task.completed_by or task.assignee
        result = timing(
            calendar,
            due_at=task.due_at,
            completed_at=task.completed_at,
            status=task.status,
            now=now,
        )
        notes = (
            [in_vietnamese(Outcome(task.outcome).label)] if task.outcome in NOTED_OUTCOMES else []
        )
        if result.verdict in (Verdict.LATE, Verdict.OVERDUE) and result.hours:
            notes.append(f"quá hạn {working_time(result.hours)} làm việc")
        notes += reassigned.get(task.id, [])
        rows.append(
            Handover(
                step=task.step_name,
                giver=giver,
                giver_unit=giver_unit,
                receiver=taker.display_name if taker else "(chưa có người nhận)",
                receiver_unit=task.unit.name,
                handed_at=task.created_at,
                due_at=task.due_at,
                completed_at=task.completed_at,
                verdict=result.verdict,
                note="; ".join(notes),
            )
        )
    return rows


def _source_of(task: Task, tasks: list[Task]) -> Task | None:
    """The step this one came from: the step completed in the same action that opened it (the
    engine opens the next steps in the same transaction, at the same time), else the last step
    completed before it opened; None for the steps opened at receipt. Only steps opened before
    it (a smaller id) count: a step past the desk of a dossier received after the cut-off hour
    starts the next working morning (``created_at``), after steps completed in the meantime."""
    before = [
        t
        for t in tasks
        if t.id < task.id and t.completed_at is not None and t.completed_at <= task.created_at
    ]
    if not before:
        return None
    same = [t for t in before if t.completed_at == task.created_at]
    return max(same or before, key=lambda t: (t.completed_at, t.id))


def _reassignments(dossier: Dossier) -> dict[int, list[str]]:
    events = [
        e for e in dossiers.events_of(dossier) if e.kind == EventKind.REASSIGNED and e.task_id
    ]
    usernames = {
        v for e in events for v in ((e.data or {}).get("from"), (e.data or {}).get("to")) if v
    }
    names = dict(
        db.session.execute(
            select(User.username, User.display_name).where(User.username.in_(usernames))
        ).all()
    )
    found: dict[int, list[str]] = {}
    for e in events:
        data = e.data or {}
        to = names.get(data.get("to"), data.get("to") or "")
        found.setdefault(e.task_id, []).append(f"giao lại cho {to} lúc {stamp(e.at)}")
    return found


def late_against_first(dossier: Dossier) -> bool | None:
    """Whether the result came after the first appointment (a rescheduled dossier is still
    late); None while it is not finished."""
    if dossier.finished_at is None:
        return None
    first = dossier.first_appointment_at or dossier.appointment_at
    return deadlines.is_overdue(first, utcnow(), done_at=dossier.finished_at)
