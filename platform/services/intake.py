"""Receiving a dossier (tiếp nhận hồ sơ): the only way a dossier comes into being."""

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from motcua import engine
from motcua.errors import Invalid, NotFound
from motcua.extensions import db
from motcua.models import (
    Channel,
    Dossier,
    DossierCounter,
    DossierStatus,
    Procedure,
    Role,
    Task,
    TaskStatus,
    User,
    utcnow,
)
from motcua.services import notifications, org, processes, workflow
from motcua.services.deadlines import calendar_for

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ID_NUMBER = re.compile(r"^[0-9A-Za-z]{8,20}$")  # CCCD has 12 digits; old CMND 9; passports


@dataclass
class Applicant:
    name: str
    id_number: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None


def parse_applicant(raw) -> Applicant:
    """Check an applicant given as a mapping; raise Invalid with the field errors."""
    if not isinstance(raw, dict):
        raise Invalid("Thiếu thông tin người nộp hồ sơ.", code="invalid_applicant")
    values = {
        k: (str(raw[k]).strip() if raw.get(k) is not None else None)
        for k in ("name", "id_number", "phone", "email", "address")
    }
    errors = {}
    if not values["name"]:
        errors["applicant.name"] = "Trường này là bắt buộc."
    if not values["id_number"]:
        errors["applicant.id_number"] = "Trường này là bắt buộc."
    elif not ID_NUMBER.match(values["id_number"]):
        errors["applicant.id_number"] = "Số giấy tờ tùy thân không hợp lệ."
    if values["email"] and not EMAIL.match(values["email"]):
        errors["applicant.email"] = "Địa chỉ thư điện tử không hợp lệ."
    if values["phone"] and not re.fullmatch(r"\+?[0-9 .-]{8,20}", values["phone"]):
        errors["applicant.phone"] = "Số điện thoại không hợp lệ."
    if errors:
        raise Invalid("Thông tin người nộp chưa hợp lệ.", code="invalid_applicant", details=errors)
    return Applicant(**{k: v or None for k, v in values.items()})


def receive(
    actor: User, procedure_code: str, unit_code: str, applicant: Applicant, channel: str
) -> Dossier:
    """Receive a dossier at a unit's desk: give it a code and an appointment, start its workflow.

    Only a receptionist of the unit may do this. Raises NotFound, Forbidden or Invalid.
    Commits.
    """
    dossier, _ = open_dossier(actor, procedure_code, unit_code, applicant, channel)
    workflow.commit()
    return dossier


def open_dossier(
    actor: User,
    procedure_code: str,
    unit_code: str,
    applicant: Applicant,
    channel: str,
    *,
    documents: list[dict] | None = None,
) -> tuple[Dossier, list[Task]]:
    """What ``receive`` does, without committing: for callers that do more in the same
    transaction (the desk stores the papers and completes its step before one commit).

    ``documents``: the desk's check list of the procedure's papers, kept in the event.
    Returns the dossier and the steps the receiving officer now holds. Raises as ``receive``.
    """
    try:
        channel = Channel(channel)
    except ValueError as exc:
        raise Invalid(
            "Kênh nộp hồ sơ phải là direct, online hoặc postal.",
            code="invalid_channel",
            details={"channel": "Giá trị không hợp lệ."},
        ) from exc
    unit = org.unit_by_code(unit_code)
    org.require_role(actor, Role.RECEPTIONIST, unit)
    procedure = db.session.scalar(select(Procedure).where(Procedure.code == procedure_code))
    if procedure is None:
        raise NotFound(f"Không có thủ tục mã {procedure_code}.", code="procedure_not_found")
    version = processes.version_to_run(procedure, unit)

    now = utcnow()
    calendar = calendar_for(db.session, current_app.config)
    dossier = Dossier(
        code=_next_code(unit, now),
        procedure=procedure,
        unit=unit,
        process_version=version,
        applicant_name=applicant.name,
        applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone,
        applicant_email=applicant.email,
        applicant_address=applicant.address,
        channel=channel,
        status=DossierStatus.RECEIVED,
        received_at=now,
        appointment_at=calendar.add(now, days=procedure.legal_limit_days),
        received_by_id=actor.id,
    )
    dossier.first_appointment_at = dossier.appointment_at
    db.session.add(dossier)
    db.session.flush()

    run = workflow.run_engine(engine.WorkflowRun.start, workflow.spec_of(version.id))
    created, _ = workflow.save(dossier, run, now=now, progressed=False)
    db.session.flush()
    # The officer who receives the dossier holds its first desk step.
    held = []
    for task in created:
        if org.may_work(actor, task):
            task.status, task.assignee_id, task.claimed_at = TaskStatus.CLAIMED, actor.id, now
            held.append(task)
    data = {"channel": channel.value, "process_version": version.version}
    if documents is not None:
        data["documents"] = documents
    workflow.record(
        dossier,
        "received",
        actor=actor,
        at=now,
        to_step=workflow.step_names(created),
        data=data,
    )
    notifications.dossier_received(dossier, held)
    return dossier, held


def _next_code(unit, now) -> str:
    """<unit code>-<yymmdd>-<sequence>, the sequence counted per unit and local day."""
    day = now.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(DossierCounter)
        .values(unit_id=unit.id, day=day, value=1)
        .on_conflict_do_update(
            index_elements=["unit_id", "day"], set_={"value": DossierCounter.value + 1}
        )
        .returning(DossierCounter.value)
    )
    sequence = db.session.execute(statement).scalar_one()
    return f"{unit.code}-{day:%y%m%d}-{sequence:04d}"
