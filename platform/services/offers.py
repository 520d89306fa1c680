"""The procedures a unit decides (thủ tục thuộc thẩm quyền giải quyết): nothing may be received
for a unit that cannot work it.

A unit offers a procedure when it is configured for it: its own variant is published, or its
admin has checked that the provincial template's handlers all resolve there. Publishing a
template checks again every unit that runs it without a variant. The catalogue's level says
where a procedure is decided (Decree 118/2025/NĐ-CP: the province or the commune since 1 July
2025); a unit offers only procedures of its own level.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.database import insert_on_conflict
from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import (
    Offer,
    Procedure,
    ProcedureLevel,
    ProcessStatus,
    ProcessVersion,
    Unit,
    User,
    utcnow,
)
from motcua.services import audit, org, processes
from motcua.vocabulary import UnitLevel, in_vietnamese


def offers(unit: Unit, procedure: Procedure) -> bool:
    return not unit.retired and _held(unit, procedure) is not None


def _held(unit: Unit, procedure: Procedure) -> Offer | None:
    return db.session.scalar(
        select(Offer).where(Offer.unit_id == unit.id, Offer.procedure_id == procedure.id)
    )


def offering_units(procedure: Procedure) -> list[Unit]:
    """The units that decide the procedure now, by code."""
    return list(
        db.session.scalars(
            select(Unit)
            .join(Offer, Offer.unit_id == Unit.id)
            .where(Offer.procedure_id == procedure.id, Unit.retired_at.is_(None))
            .order_by(Unit.code)
        )
    )


def offered_ids(unit_ids) -> set[tuple[int, int]]:
    """(unit id, procedure id) of every offer of the units: one query for a list."""
    return set(
        db.session.execute(
            select(Offer.unit_id, Offer.procedure_id).where(Offer.unit_id.in_(sorted(unit_ids)))
        ).all()
    )


def require_offered(procedure: Procedure, unit: Unit) -> None:
    """Raises Invalid (procedure_not_offered) naming the unit, the procedure and the units that
    do decide it, unless the unit offers the procedure."""
    if offers(unit, procedure):
        return
    others = [u for u in offering_units(procedure) if u.id != unit.id]
    details = {}
    if others:
        details["competent_unit"] = _l(
            "Thủ tục này do %(units)s giải quyết: chọn đơn vị giải quyết để tiếp nhận hộ.",
            units=", ".join(f"{u.name} ({u.code})" for u in others),
        )
    raise Invalid(
        _l(
            "%(unit)s không giải quyết thủ tục %(code)s «%(name)s».",
            unit=unit.name,
            code=procedure.code,
            name=procedure.name,
        ),
        code="procedure_not_offered",
        details=details or None,
    )


def decides_at(unit: Unit) -> ProcedureLevel:
    """The level of the procedures a unit decides: a commune and its offices decide the
    commune's; a former district its own; every other unit the province's."""
    level = unit.level
    if level == UnitLevel.OFFICE and unit.parent is not None:
        level = unit.parent.level
    if level == UnitLevel.COMMUNE:
        return ProcedureLevel.COMMUNE
    if level == UnitLevel.DISTRICT:
        return ProcedureLevel.DISTRICT
    return ProcedureLevel.PROVINCE


@dataclass
class Unrunnable:
    unit: Unit
    problems: list[dict]


def runnable_problems(procedure: Procedure, unit: Unit, template_xml: str | None = None):
    """Why the procedure cannot run in the unit ([] when it can): the problems of its variant,
    or of the template (``template_xml``, else the newest published one) in that unit."""
    variant, template = processes.newest_versions(procedure, unit)
    if variant is not None:
        return []
    xml = template_xml if template_xml is not None else template and template.bpmn_xml
    if xml is None:
        return [{"element": None, "message": in_vietnamese(_no_process(procedure, unit))}]
    return processes.problems_of(xml, procedure, unit)


def offer(actor: User, unit_code: str, procedure_code: str) -> None:
    """The unit admin's act: the unit decides the procedure from now on. Its own variant, or the
    provincial template checked to resolve in the unit, will run. Raises NotFound, Forbidden,
    Invalid (retired unit, another level, a handler that does not resolve)."""
    unit = org.unit_by_code(unit_code)
    org.require_unit_admin(actor, unit)
    procedure = processes.procedure_by_code(procedure_code)
    if _held(unit, procedure) is not None:
        return
    if unit.retired:
        raise Invalid(
            _l("%(unit)s đã giải thể, không nhận thêm thủ tục.", unit=unit.name),
            code="unit_retired",
        )
    if decides_at(unit) != procedure.level:
        raise Invalid(
            _l(
                "Thủ tục %(code)s thuộc %(level)s, %(unit)s không giải quyết thủ tục cấp này.",
                code=procedure.code,
                level=procedure.level.label,
                unit=unit.name,
            ),
            code="wrong_level",
        )
    problems = runnable_problems(procedure, unit)
    if problems:
        raise Invalid(
            _l(
                "Quy trình của thủ tục %(code)s chưa chạy được tại %(unit)s: cấu hình quy trình "
                "riêng của đơn vị trước.",
                code=procedure.code,
                unit=unit.name,
            ),
            code="procedure_not_runnable",
            details=problems,
        )
    ensure(unit, procedure, actor)
    audit.record(
        actor,
        "procedure.offer",
        "procedure",
        procedure.code,
        f"{unit.name} nhận giải quyết thủ tục {procedure.code}.",
        unit=unit,
    )


def withdraw(actor: User, unit_code: str, procedure_code: str) -> None:
    """The unit stops deciding the procedure: no new dossier names it; those open finish."""
    unit = org.unit_by_code(unit_code)
    org.require_unit_admin(actor, unit)
    procedure = processes.procedure_by_code(procedure_code)
    found = _held(unit, procedure)
    if found is None:
        return
    db.session.delete(found)
    audit.record(
        actor,
        "procedure.withdraw",
        "procedure",
        procedure.code,
        f"{unit.name} thôi giải quyết thủ tục {procedure.code}.",
        unit=unit,
    )


def ensure(unit: Unit, procedure: Procedure, actor: User | None) -> None:
    """A unit whose variant is published offers the procedure (configuring it is the act):
    one INSERT that leaves an existing offer as it is."""
    if unit.retired:
        return
    db.session.flush()  # the unit and the procedure have their ids
    db.session.execute(
        insert_on_conflict(db.session, Offer)
        .values(
            unit_id=unit.id,
            procedure_id=procedure.id,
            since=utcnow(),
            by_id=actor.id if actor else None,
        )
        .on_conflict_do_nothing(index_elements=["unit_id", "procedure_id"])
    )


def template_breaks(procedure: Procedure, template_xml: str) -> list[Unrunnable]:
    """The units that run the template without a variant and where this text of it would not
    resolve (checked before a template is published)."""
    with_variant = select(ProcessVersion.unit_id).where(
        ProcessVersion.procedure_id == procedure.id,
        ProcessVersion.unit_id.is_not(None),
        ProcessVersion.status == ProcessStatus.PUBLISHED,
    )
    units = db.session.scalars(
        select(Unit)
        .join(Offer, Offer.unit_id == Unit.id)
        .where(
            Offer.procedure_id == procedure.id,
            Unit.retired_at.is_(None),
            Unit.id.not_in(with_variant),
        )
        .order_by(Unit.code)
    )
    broken = []
    for unit in units:
        if problems := processes.problems_of(template_xml, procedure, unit):
            broken.append(Unrunnable(unit, problems))
    return broken


def _no_process(procedure: Procedure, unit: Unit) -> str:
    return _l(
        "Thủ tục %(code)s chưa có quy trình nội bộ được ban hành cho %(unit)s.",
        code=procedure.code,
        unit=unit.name,
    )
