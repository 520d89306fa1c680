"""The apology for a late result with a new appointment (văn bản xin lỗi và đề nghị gia hạn
thời gian giải quyết, form 04 of Circular 03/2025/TT-VPCP [S]): an action on the whole dossier,
as the other exceptional paths (motcua.services.exceptional_paths)."""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import Conflict, Invalid
from motcua.extensions import db
from motcua.models import Apology, Role, User, utcnow
from motcua.services import deadlines, slips, workflow
from motcua.services.exceptional_paths import (
    locked,
    require_one_of,
    require_open,
    tell_applicant,
    written_reason,
)
from motcua.vocabulary import EventKind, MailKind


def apologize(actor: User, code: str, reason: str, new_appointment: datetime) -> Apology:
    """The handling unit apologizes for a late result and sets a new appointment (form 04).

    The written apology with the reason and the new date is issued before the appointment
    passes, by default at least one working day before its day (the setting
    APOLOGY_MIN_WORKING_DAYS_BEFORE, from 61/2018/NĐ-CP's wording, [S] in LAW.md "Receipt and
    the clock"); the date is moved once [S]; the new date is a working day after the old one's
    day; the dossier still counts as late against its first appointment. Raises Conflict
    (``already_rescheduled``, ``apology_too_late``), Invalid (``invalid_appointment``,
    ``reason_required``), Forbidden."""
    dossier = locked(code, actor)
    require_open(dossier)
    require_one_of(
        actor, dossier, {Role.LEADER, Role.RECEPTIONIST}, _l("lãnh đạo hoặc bộ phận một cửa")
    )
    reason = written_reason(reason)
    if db.session.scalar(select(Apology.id).where(Apology.dossier_id == dossier.id)):
        raise Conflict(
            _l("Hồ sơ đã được hẹn lại một lần; không được hẹn lại lần nữa."),
            code="already_rescheduled",
        )
    if new_appointment.tzinfo is None:
        raise Invalid(_l("Ngày hẹn mới phải có múi giờ."), code="invalid_appointment")
    deadlines.require_plausible(new_appointment, "new_appointment")
    now = utcnow()
    _require_in_time(deadlines.calendar(), dossier.appointment_at, new_appointment, now)
    apology = Apology(
        dossier_id=dossier.id,
        issued_at=now,
        issued_by_id=actor.id,
        reason=reason,
        old_appointment_at=dossier.appointment_at,
        new_appointment_at=new_appointment,
    )
    db.session.add(apology)
    dossier.appointment_at = new_appointment
    db.session.flush()
    workflow.record(
        dossier,
        EventKind.APOLOGY_ISSUED,
        actor=actor,
        at=now,
        note=reason,
        data={
            "old_appointment": apology.old_appointment_at.isoformat(),
            "new_appointment": new_appointment.isoformat(),
        },
    )
    tell_applicant(dossier, MailKind.DELAY, apology=apology)
    slips.issue(dossier, "04", actor, apology=apology)
    return apology


def _require_in_time(calendar, old: datetime, new: datetime, now: datetime) -> None:
    """The apology's timing rules (see ``apologize``)."""
    tz = calendar.tz
    latest = old.astimezone(tz).date()
    for _ in range(current_app.config["APOLOGY_MIN_WORKING_DAYS_BEFORE"]):
        latest -= timedelta(days=1)
        while not calendar.is_working_day(latest):
            latest -= timedelta(days=1)
    if now >= old or now.astimezone(tz).date() > latest:
        raise Conflict(
            _l(
                "Văn bản xin lỗi, hẹn lại phải gửi trước ngày hẹn trả kết quả, chậm nhất ngày "
                "%(day)s; nay đã quá thời hạn đó.",
                day=f"{latest:%d/%m/%Y}",
            ),
            code="apology_too_late",
        )
    day = new.astimezone(tz).date()
    if day <= old.astimezone(tz).date() or not calendar.is_working_day(day):
        raise Invalid(
            _l("Ngày hẹn mới phải là một ngày làm việc sau ngày hẹn hiện tại."),
            code="invalid_appointment",
            details={"new_appointment": _l("Chọn một ngày làm việc sau ngày hẹn hiện tại.")},
        )
