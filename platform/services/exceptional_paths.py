"""The exceptional paths of a dossier, each with a written reason, an event and its slip.

A supplement request is an outcome of a step, as the diagram says: the step's decision leads
to a step that waits for the applicant (property waitsForApplicant; at receipt, the desk's
check finding the dossier incomplete; during processing, the specialist's, the request going
back through the desk). ``supplement_opened`` and ``papers_received`` are what happens when
such a step opens and when the desk completes it. Refusal is an outcome of the diagram too
(an end event with dossierStatus refused, services.processing). An apology with a new
appointment, the withdrawal at the applicant's request, a stop (dừng giải quyết), and a pause
and its resumption concern the whole dossier whatever step it is at, so they are actions on the
dossier.

One complete request. The officer guides the applicant on what to add "cụ thể, đầy đủ trong
một lần" (Decree 118/2025/NĐ-CP art. 17.2.a as amended by Decree 309/2026/NĐ-CP, [V] in
LAW.md): a second or later request on the same dossier is taken only with its written reason
(``repeat_reason``), is shown as such on the dossier and its timeline, and makes the dossier
late in the reports (the 766 index counts more than one request as late, Quyết định
766/QĐ-TTg [S]; motcua.services.report_verdicts).

The clock while waiting (setting SUPPLEMENT_RULE):
  "resume" (default) — the clock only stops while waiting: new appointment = the old one moved
  by the working time spent waiting. The 766 index subtracts the time spent waiting for the
  applicant from the time a dossier took (Quyết định 766/QĐ-TTg, as the national portal
  describes its formulas, [S]).
  "restart" — the whole legal limit again from the papers' receipt, as some provinces applied
  61/2018/NĐ-CP; kept as a setting because provinces' own regulations differ and the decree's
  wording on it was not found ([U]).
  A dossier found incomplete at the desk was never received: when its papers come it is
  received complete, and its time limit runs from then whatever the rule (art. 17.3, [V]); it
  gets the code of that day (motcua.services.dossier_codes).

While a dossier waits for the applicant or is paused its clock stops (clock_stopped_at), its
steps cannot be worked, and on resumption the open steps' deadlines are counted again from
then (with their own time limits). A withdrawal and a stop end the dossier: its processing is
finished (``finished_at``, as the 766 index counts "từ chối / dừng / rút" [S]) and the applicant
gets form 05, "Thông báo dừng giải quyết hồ sơ" (Circular 03/2025/TT-VPCP, Appendix I [S]).
"""

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from motcua.errors import Conflict, Forbidden, Invalid
from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    FINAL_STATUSES,
    Apology,
    Dossier,
    DossierStatus,
    Role,
    SupplementRequest,
    Task,
    TaskStatus,
    User,
    utcnow,
)
from motcua.services import deadlines, dossier_codes, notifications, org, slips, workflow
from motcua.services.workflow import task_due_at
from motcua.vocabulary import EventKind, MailKind

MAX_REASON = 2000
STOPPED = (DossierStatus.WAITING_APPLICANT, DossierStatus.PAUSED)


def locked(code: str, actor: User) -> Dossier:
    found = db.session.scalar(select(Dossier.id).where(Dossier.code == code))
    dossier = workflow.lock_dossier(found if found is not None else -1)
    org.require_dossier_visible(actor, dossier)
    return dossier


def written_reason(text: str | None) -> str:
    reason = " ".join((text or "").split())
    if not reason:
        raise Invalid(
            _l("Phải ghi rõ lý do (sẽ in trên phiếu giao cho người nộp hồ sơ)."),
            code="reason_required",
            details={"reason": _l("Phải ghi rõ lý do.")},
        )
    if len(reason) > MAX_REASON:
        raise Invalid(
            _l("Lý do dài tối đa %(n)s ký tự.", n=MAX_REASON),
            code="reason_too_long",
            details={"reason": _l("Tối đa %(n)s ký tự.", n=MAX_REASON)},
        )
    return reason


def require_open(dossier: Dossier, *allowed: DossierStatus) -> None:
    if dossier.status in FINAL_STATUSES:
        raise Conflict(
            _l("Hồ sơ %(code)s đã kết thúc.", code=dossier.code), code="dossier_finished"
        )
    if allowed and dossier.status not in allowed:
        raise Conflict(
            _l(
                "Hồ sơ %(code)s đang ở trạng thái «%(status)s», không làm được việc này.",
                code=dossier.code,
                status=dossier.status.label,
            ),
            code="wrong_status",
        )


def require_one_of(actor: User, dossier: Dossier, roles: set[Role], what) -> None:
    """The actor holds one of the roles in the dossier's unit (system admins may too)."""
    if org.is_system_admin(actor):
        return
    if not any(org.has_role(actor, role, dossier.unit_id) for role in roles):
        raise Forbidden(
            _l("Chỉ %(what)s của đơn vị tiếp nhận làm được việc này.", what=what), code="forbidden"
        )


def _active_tasks(dossier: Dossier) -> list[Task]:
    return list(
        db.session.scalars(
            select(Task).where(Task.dossier_id == dossier.id, Task.status.in_(ACTIVE_TASK_STATUSES))
        )
    )


def supplement_opened(
    actor: User,
    dossier: Dossier,
    deciding: Task,
    data: dict,
    waiting: Task,
    now: datetime,
    at_receipt: bool,
) -> SupplementRequest:
    """The diagram took the dossier from ``deciding`` (completed by ``actor`` with ``data``)
    to ``waiting``, a step that waits for the applicant: the request is recorded with the
    reason and the papers to add given in ``data``, the dossier's clock stops, the applicant
    is told and gets form 02. ``at_receipt``: the desk found the dossier incomplete before
    receiving it, so form 02 replaces the receipt. A request after an earlier one needs
    ``repeat_reason`` in ``data`` (see the module). Raises Invalid (``reason``, ``items``,
    ``repeat_reason_required``)."""
    reason = written_reason(data.get("reason"))
    items = _items(data.get("items"))
    earlier = db.session.scalar(
        select(func.count(SupplementRequest.id)).where(SupplementRequest.dossier_id == dossier.id)
    )
    repeat_reason = _repeat_reason(data.get("repeat_reason")) if earlier else None
    request = SupplementRequest(
        dossier_id=dossier.id,
        task_id=deciding.id,
        requested_at=now,
        requested_by_id=actor.id,
        reason=reason,
        items=items,
        at_receipt=at_receipt,
        repeat_reason=repeat_reason,
    )
    db.session.add(request)
    dossier.status = DossierStatus.WAITING_APPLICANT
    dossier.clock_stopped_at = now
    db.session.flush()
    workflow.record(
        dossier,
        EventKind.SUPPLEMENT_REQUESTED,
        actor=actor,
        at=now,
        task_id=deciding.id,
        from_step=deciding.step_name,
        to_step=waiting.step_name,
        note=reason,
        data={
            "request_id": request.id,
            "items": items,
            "at_receipt": at_receipt,
            "number": earlier + 1,
            "repeat_reason": repeat_reason,
        },
    )
    if at_receipt and dossier.received_at != now:
        # Received by an earlier act (the API's plain call) whose receipt mail is queued: take
        # it back; a dossier received in this very act queued none.
        notifications.cancel_queued(dossier, MailKind.RECEIPT)
    tell_applicant(dossier, MailKind.SUPPLEMENT, request=request)
    slips.issue(dossier, "02", actor, request=request)
    return request


def _repeat_reason(text) -> str:
    reason = " ".join(text.split()) if isinstance(text, str) else ""
    if not reason:
        raise Invalid(
            _l(
                "Hồ sơ đã được yêu cầu bổ sung: yêu cầu lần đầu phải nêu đầy đủ một lần, nên "
                "yêu cầu lần nữa phải ghi rõ lý do."
            ),
            code="repeat_reason_required",
            details={"repeat_reason": _l("Ghi rõ lý do phải yêu cầu bổ sung lần nữa.")},
        )
    return reason[:MAX_REASON]


def _items(value) -> list[str]:
    """The papers to add: a list, or a text with one per line."""
    lines = value.splitlines() if isinstance(value, str) else value
    items = [" ".join(i.split()) for i in lines or [] if isinstance(i, str) and i.strip()]
    if not items:
        raise Invalid(
            _l("Liệt kê các giấy tờ cần bổ sung, hoàn thiện."),
            code="items_required",
            details={"items": _l("Ghi ít nhất một giấy tờ cần bổ sung.")},
        )
    return items


def papers_received(actor: User, dossier: Dossier, note: str | None, now: datetime) -> None:
    """The desk completed the step that waited for the applicant: the papers came, processing
    resumes with a new appointment (see the module's rule)."""
    request = db.session.scalar(
        select(SupplementRequest)
        .where(SupplementRequest.dossier_id == dossier.id, SupplementRequest.received_at.is_(None))
        .order_by(SupplementRequest.requested_at.desc())
        .limit(1)
    )
    calendar = deadlines.calendar()
    stopped = dossier.clock_stopped_at or now
    at_receipt = request is not None and request.at_receipt
    if current_app.config["SUPPLEMENT_RULE"] == "resume" and not at_receipt:
        appointment = _moved(calendar, dossier.appointment_at, stopped, now)
    else:
        appointment = calendar.add(now, days=dossier.procedure.legal_limit_days)
    old_appointment = dossier.appointment_at
    if request is not None:
        request.received_at, request.received_by_id = now, actor.id
        request.new_appointment_at = appointment
    _resume(dossier, now, appointment)
    if at_receipt:
        # Only now is the dossier complete, so received in law (the reports count it from
        # here, and its code is of this day); the applicant gets the receipt mail taken back
        # when form 02 was given.
        dossier_codes.received_complete(dossier, now, dossier.received_at)
        dossier.received_at = now
        tell_applicant(dossier, MailKind.RECEIPT)
    workflow.record(
        dossier,
        EventKind.SUPPLEMENT_RECEIVED,
        actor=actor,
        at=now,
        note=" ".join((note or "").split()) or None,
        data={
            "request_id": request.id if request else None,
            "old_appointment": old_appointment.isoformat(),
            "new_appointment": appointment.isoformat(),
        },
    )


def _moved(calendar, appointment: datetime, stopped: datetime, now: datetime) -> datetime:
    """The appointment moved by the working time the clock stood still (not at all when that
    was none: adding nothing to 17:00 would still roll it to the next morning)."""
    waited = calendar.working_hours_between(stopped, now)
    return calendar.add(appointment, hours=waited) if waited > 0 else appointment


def _resume(dossier: Dossier, now: datetime, appointment: datetime) -> None:
    calendar = deadlines.calendar()
    # The promised date moves with the rules (papers received, a pause ended); only an
    # apology's new date leaves it behind, so that the dossier still counts as late.
    if not db.session.scalar(select(Apology.id).where(Apology.dossier_id == dossier.id)):
        dossier.first_appointment_at = appointment
    dossier.appointment_at = appointment
    dossier.clock_stopped_at = None
    dossier.status = DossierStatus.PROCESSING
    for task in _active_tasks(dossier):
        task.due_at = task_due_at(calendar, now, task.time_limit)


def withdraw(actor: User, code: str, reason: str) -> Dossier:
    """The applicant withdraws the dossier (at the desk): it ends as ``_end`` says."""
    dossier = locked(code, actor)
    require_open(dossier)
    require_one_of(actor, dossier, {Role.RECEPTIONIST}, _l("bộ phận một cửa"))
    return _end(
        actor, dossier, DossierStatus.WITHDRAWN, EventKind.WITHDRAWN, written_reason(reason)
    )


def stop(actor: User, code: str, reason: str) -> Dossier:
    """A leader stops processing the dossier (dừng giải quyết) where the law allows it, with
    the written reason and its basis: it ends as ``_end`` says. Raises NotFound, Forbidden,
    Conflict (finished), Invalid (``reason``)."""
    dossier = locked(code, actor)
    require_open(dossier)
    require_one_of(actor, dossier, {Role.LEADER}, _l("lãnh đạo"))
    return _end(actor, dossier, DossierStatus.STOPPED, EventKind.STOPPED, written_reason(reason))


def _end(actor: User, dossier: Dossier, status, kind, reason: str) -> Dossier:
    """The dossier ends before its result: the open steps are cancelled, its processing is
    finished (unless a result was ready already), the event is recorded and the applicant is
    told with form 05, "Thông báo dừng giải quyết hồ sơ" (Circular 03/2025/TT-VPCP [S])."""
    now = utcnow()
    for task in _active_tasks(dossier):
        task.status = TaskStatus.CANCELLED
    dossier.status = status
    dossier.finished_at = dossier.finished_at or now
    dossier.clock_stopped_at = None
    workflow.record(dossier, kind, actor=actor, at=now, note=reason)
    slips.issue(dossier, "05", actor, reason=reason)
    return dossier


def pause(actor: User, code: str, reason: str) -> Dossier:
    """Pause the dossier where the law allows it (a leader's decision); its clock stops."""
    dossier = locked(code, actor)
    require_open(dossier, DossierStatus.RECEIVED, DossierStatus.PROCESSING)
    require_one_of(actor, dossier, {Role.LEADER}, _l("lãnh đạo"))
    reason = written_reason(reason)
    now = utcnow()
    dossier.status = DossierStatus.PAUSED
    dossier.clock_stopped_at = now
    workflow.record(dossier, EventKind.PAUSED, actor=actor, at=now, note=reason)
    return dossier


def resume(actor: User, code: str, note: str | None = None) -> Dossier:
    """End a pause: the appointment moves by the working time the dossier was paused."""
    dossier = locked(code, actor)
    require_open(dossier, DossierStatus.PAUSED)
    require_one_of(actor, dossier, {Role.LEADER}, _l("lãnh đạo"))
    now = utcnow()
    calendar = deadlines.calendar()
    paused = calendar.working_hours_between(dossier.clock_stopped_at, now)
    _resume(dossier, now, _moved(calendar, dossier.appointment_at, dossier.clock_stopped_at, now))
    workflow.record(
        dossier,
        EventKind.RESUMED,
        actor=actor,
        at=now,
        note=" ".join((note or "").split()) or None,
        data={"paused_hours": paused, "new_appointment": dossier.appointment_at.isoformat()},
    )
    return dossier


def allowed_actions(actor: User, dossier: Dossier) -> set[str]:
    """Which exceptional actions the actor may take on the dossier now (for the page's
    buttons; each action checks again when it is taken)."""
    if dossier.status in FINAL_STATUSES:
        return set()
    admin = org.is_system_admin(actor)
    desk = admin or org.has_role(actor, Role.RECEPTIONIST, dossier.unit_id)
    leader = admin or org.has_role(actor, Role.LEADER, dossier.unit_id)
    running = dossier.status in (DossierStatus.RECEIVED, DossierStatus.PROCESSING)
    actions = set()
    if (desk or leader) and not db.session.scalar(
        select(Apology.id).where(Apology.dossier_id == dossier.id)
    ):
        actions.add("apologize")
    if desk:
        actions.add("withdraw")
    if running and leader:
        actions.add("pause")
    if leader:
        actions.add("stop")
    if dossier.status == DossierStatus.PAUSED and leader:
        actions.add("resume")
    return actions


def require_running(dossier: Dossier, task: Task) -> None:
    """While a dossier waits for the applicant only the step waiting for the papers can be
    worked; a paused dossier's steps cannot be worked at all."""
    if dossier.status == DossierStatus.WAITING_APPLICANT and not task.waits_for_applicant:
        raise Conflict(
            _l(
                "Hồ sơ đang chờ người nộp bổ sung; bộ phận một cửa nhận bổ sung rồi mới xử lý tiếp."
            ),
            code="waiting_applicant",
        )
    if dossier.status == DossierStatus.PAUSED:
        raise Conflict(_l("Hồ sơ đang tạm dừng."), code="dossier_paused")


def tell_applicant(dossier: Dossier, kind: str, **context) -> None:
    """Queue the email to the applicant (sent later by the worker)."""
    notifications.to_applicant(dossier, kind, **context)
