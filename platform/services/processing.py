"""Working the steps of a dossier: claim, release, reassign, complete, send back."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from motcua.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    Attachment,
    AttachmentKind,
    Dossier,
    DossierStatus,
    Role,
    Task,
    TaskStatus,
    User,
    utcnow,
)
from motcua.services import (
    decisions,
    exceptional_paths,
    fee_rules,
    formdata,
    notifications,
    org,
    results_online,
    signing,
    slips,
    workflow,
)
from motcua.vocabulary import EventKind, MailKind, Outcome


def get_task(actor: User, task_id: int) -> Task:
    """The task, if the actor may see its dossier; NotFound otherwise (no leak of existence)."""
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound(_l("Không có công việc này."), code="task_not_found")
    org.require_dossier_visible(actor, task.dossier)
    return task


def _lock(task_id: int) -> tuple[Dossier, Task]:
    """Lock the task's dossier, then read the task afresh: what another officer committed
    while we waited for the lock is what we see."""
    try:
        dossier = workflow.lock_dossier(
            select(Task.dossier_id).where(Task.id == task_id).scalar_subquery()
        )
    except NotFound as exc:
        raise NotFound(_l("Không có công việc này."), code="task_not_found") from exc
    task = db.session.scalar(
        select(Task).where(Task.id == task_id).execution_options(populate_existing=True)
    )
    # The task holds its dossier: the session keeps only weak references to clean objects, so
    # task.dossier would otherwise be read again once the caller drops ``dossier``.
    set_committed_value(task, "dossier", dossier)
    return dossier, task


def _locked_task(actor: User, task_id: int) -> Task:
    """The locked task, if the actor is one of its handlers and it is theirs to work."""
    dossier, task = _lock(task_id)
    if not org.may_work(actor, task):
        org.require_dossier_visible(actor, dossier)  # a stranger learns nothing more than 404
        raise Forbidden(_l("Bạn không phải người xử lý bước này."), code="not_a_handler")
    if task.status not in ACTIVE_TASK_STATUSES:
        raise Conflict(_l("Bước này đã được xử lý hoặc đã bị hủy."), code="task_not_active")
    exceptional_paths.require_running(dossier, task)
    if task.assignee_id not in (None, actor.id):
        raise Conflict(
            _l("Bước này đang do %(name)s xử lý.", name=task.assignee.display_name),
            code="claimed_by_other",
        )
    return task


def claim(actor: User, task_id: int) -> Task:
    """Take an open task into the actor's own inbox. Raises Conflict if someone else has it."""
    task = _locked_task(actor, task_id)
    if task.assignee_id == actor.id:
        return task
    _take(task, actor, utcnow())
    return task


def _take(task: Task, actor: User, now, data: dict | None = None) -> None:
    task.status, task.assignee_id, task.claimed_at = TaskStatus.CLAIMED, actor.id, now
    workflow.record(
        task.dossier,
        EventKind.CLAIMED,
        actor=actor,
        at=now,
        task_id=task.id,
        from_step=task.step_name,
        data=data,
    )


def release(actor: User, task_id: int) -> Task:
    """Put a claimed task back into the unit's inbox."""
    task = _locked_task(actor, task_id)
    if task.assignee_id is None:
        return task
    now = utcnow()
    task.status, task.assignee_id, task.claimed_at = TaskStatus.OPEN, None, None
    workflow.record(
        task.dossier,
        EventKind.RELEASED,
        actor=actor,
        at=now,
        task_id=task.id,
        from_step=task.step_name,
    )
    return task


def reassign(actor: User, task_id: int, assignee_username: str, reason: str) -> Task:
    """A leader of the task's unit gives an active task to another officer, with a reason.

    The new assignee must be an active officer who may work the step. Raises NotFound (no
    such task, or the actor may not see its dossier), Forbidden (not a leader of the task's
    unit), Conflict (the task is no longer active) and Invalid with field errors for
    ``assignee`` and ``reason``.
    """
    dossier, task = _lock(task_id)
    if not org.has_role(actor, Role.LEADER, task.unit_id):
        org.require_dossier_visible(actor, dossier)  # a stranger learns nothing more than 404
        raise Forbidden(
            _l("Chỉ lãnh đạo đơn vị xử lý bước này mới được giao lại công việc."),
            code="not_a_leader",
        )
    if task.status not in ACTIVE_TASK_STATUSES:
        raise Conflict(_l("Bước này đã được xử lý hoặc đã bị hủy."), code="task_not_active")
    errors = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _l("Trường này là bắt buộc.")
    username = (assignee_username or "").strip()
    assignee = (
        db.session.scalar(select(User).where(User.username == username)) if username else None
    )
    if not username:
        errors["assignee"] = _l("Trường này là bắt buộc.")
    elif assignee is None or not assignee.active:
        errors["assignee"] = _l("Không có cán bộ đang hoạt động với tên đăng nhập này.")
    elif not org.may_work(assignee, task):
        errors["assignee"] = _l("Cán bộ này không phải người xử lý bước này.")
    if errors:
        raise Invalid(_l("Chưa giao lại được công việc."), code="invalid_reassign", details=errors)
    previous = db.session.get(User, task.assignee_id) if task.assignee_id else None
    if previous is not None and previous.id == assignee.id:
        return task
    now = utcnow()
    task.status, task.claimed_at = TaskStatus.CLAIMED, now
    task.assignee_id, task.assignee = assignee.id, assignee
    workflow.record(
        dossier,
        EventKind.REASSIGNED,
        actor=actor,
        at=now,
        task_id=task.id,
        from_step=task.step_name,
        note=reason,
        data={"from": previous.username if previous else None, "to": assignee.username},
    )
    notifications.task_reassigned(task, actor, reason, previous)
    return task


def complete(actor: User, task_id: int, data: dict) -> Task:
    """Complete a step with its form data and move the dossier on as the diagram says; a
    step nobody holds is taken by the one who completes it, recorded as a claim.

    Raises Conflict if the step is no longer open or another officer holds it, Invalid with
    field errors if the data does not fit the step's form, and Invalid ``result_required``
    when a step that returns the result has no result file.
    """
    task = _locked_task(actor, task_id)
    progress = workflow.resume(task.dossier, utcnow())
    complete_step(actor, progress, task, data)
    workflow.save(progress)
    return task


def complete_step(actor: User, progress: workflow.Progress, task: Task, data: dict) -> list[Task]:
    """Complete ``task``, a step the actor may work now, within the action ``progress``: the
    engine runs on, the task rows follow, the events (and, as the diagram leads, a supplement
    request or a refusal with their slips) are recorded. The caller saves the progress.

    Returns the steps it opened. Raises as ``complete``.
    """
    formdata.validate(task.form, data)
    dossier, now = progress.dossier, progress.now
    if task.returns_result and not _has_result(dossier.id):
        raise Invalid(
            _l("Chưa có tệp kết quả: phải đính kèm kết quả trước khi trả cho người nộp."),
            code="result_required",
        )
    fee_rules.require_settled_for(progress.run, task)
    at_receipt = dossier.status == DossierStatus.RECEIVED
    _claim_on_completing(task, actor, now)
    signs = signing.signs_results(progress.run, task)  # read while the step is still ready
    workflow.run_engine(progress.run.complete, task.engine_task_id, data)
    decision = data.get("decision")
    _finish(task, actor, now, decision if isinstance(decision, str) else Outcome.DONE)
    task.data = data
    if task.waits_for_applicant:
        exceptional_paths.papers_received(actor, dossier, data.get("note"), now)
    progress.returning = task.outcome in decisions.SEND_BACK_DECISIONS
    if progress.returning:
        progress.returned_by, progress.return_reason = actor, _reason(data)
    elif signs:
        # The leader's "ký duyệt" (signsResult): the result files are signed as it is given.
        signing.sign_results(actor, dossier, task)
    if task.returns_result and not progress.returning:
        results_online.returned(dossier, data.get("method"))
    created, _ = workflow.advance(progress, progressed=True)
    waiting = next((t for t in created if t.waits_for_applicant), None)
    if waiting is not None:
        task.outcome = Outcome.SUPPLEMENT
    workflow.record(
        dossier,
        EventKind.STEP_COMPLETED,
        actor=actor,
        at=now,
        task_id=task.id,
        from_step=task.step_name,
        to_step=workflow.step_names(created),
        data={"outcome": task.outcome, "to_units": sorted({t.unit.code for t in created})},
        note=_reason(data) if progress.returning else None,
    )
    if waiting is not None:
        exceptional_paths.supplement_opened(actor, dossier, task, data, waiting, now, at_receipt)
    if progress.run.is_completed:
        workflow.record(
            dossier,
            EventKind.FINISHED,
            actor=actor,
            at=now,
            from_step=task.step_name,
            data={"status": dossier.status.value},
        )
        if dossier.status == DossierStatus.REFUSED:
            reason = _refusal_reason(dossier, data)
            workflow.record(dossier, EventKind.REFUSED, actor=actor, at=now, note=reason)
            exceptional_paths.tell_applicant(dossier, MailKind.REFUSAL, reason=reason)
            slips.issue(dossier, "03", actor, reason=reason)
    return created


def _reason(data: dict) -> str | None:
    reason = data.get("reason")
    return (reason.strip() or None) if isinstance(reason, str) else None


def _refusal_reason(dossier: Dossier, data: dict) -> str:
    """The written reason of the refusal: given at the step that ended the dossier, or at the
    step that decided to refuse (the desk's last step only hands over the letter)."""
    reason = data.get("reason") if isinstance(data.get("reason"), str) else None
    if reason and reason.strip():
        return reason.strip()
    decided = db.session.scalar(
        select(Task.data)
        .where(Task.dossier_id == dossier.id, Task.outcome == Outcome.REFUSE)
        .order_by(Task.completed_at.desc())
        .limit(1)
    )
    return ((decided or {}).get("reason") or "").strip()


def send_back(actor: User, task_id: int, reason: str) -> Task:
    """Return the dossier to the step before this one, with a written reason; the step
    reopens with the officer who did it (motcua.services.workflow)."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(
            _l("Phải ghi rõ lý do trả lại."),
            code="reason_required",
            details={"reason": _l("Trường này là bắt buộc.")},
        )
    task = _locked_task(actor, task_id)
    if task.waits_for_applicant:
        raise Conflict(
            _l(
                "Bước chờ người nộp bổ sung không trả lại được: nhận đủ giấy tờ bổ sung để hồ "
                "sơ được xử lý tiếp, hoặc rút hồ sơ theo đề nghị của người nộp."
            ),
            code="waiting_applicant",
        )
    dossier = task.dossier
    progress = workflow.resume(dossier, utcnow())
    now = progress.now
    try:
        previous = workflow.run_engine(progress.run.send_back, task.engine_task_id)
    except ValueError as exc:
        raise Invalid(str(exc), code="no_previous_step") from exc
    if previous.waits_for_applicant:
        raise Invalid(
            _l(
                "Bước trước là «%(name)s», bước chờ người nộp bổ sung: không trả lại về đó "
                "được (yêu cầu bổ sung lần nữa bằng quyết định của bước này).",
                name=previous.name,
            ),
            code="no_previous_step",
        )
    _claim_on_completing(task, actor, now)
    _finish(task, actor, now, Outcome.SENT_BACK)
    progress.returning, progress.returned_by, progress.return_reason = True, actor, reason
    workflow.advance(progress, progressed=True)
    workflow.record(
        dossier,
        EventKind.SENT_BACK,
        actor=actor,
        at=now,
        task_id=task.id,
        from_step=task.step_name,
        to_step=previous.name,
        note=reason,
    )
    workflow.save(progress)
    return task


def _claim_on_completing(task: Task, actor: User, now) -> None:
    """A handler who completes a step nobody holds takes it first, on the record: the history
    shows who held it, as if they had claimed it (the page says so before they complete)."""
    if task.assignee_id is None:
        _take(task, actor, now, {"on_completing": True})


def claimed_on_completing(task: Task) -> bool:
    """Whether the done step was taken by completing it (``_claim_on_completing``)."""
    return task.claimed_at is not None and task.claimed_at == task.completed_at


def _finish(task: Task, actor: User, now, outcome: str) -> None:
    task.status, task.outcome = TaskStatus.DONE, outcome[:64]
    task.assignee_id = task.assignee_id or actor.id
    task.completed_at, task.completed_by_id = now, actor.id


def _has_result(dossier_id: int) -> bool:
    return (
        db.session.scalar(
            select(Attachment.id)
            .where(Attachment.dossier_id == dossier_id, Attachment.kind == AttachmentKind.RESULT)
            .limit(1)
        )
        is not None
    )
