"""The admins' list of procedures: each procedure's template and, per unit the admin manages,
its variant (the newest published version, the draft, whether the template has moved on).
A fixed number of queries whatever the numbers of procedures and units."""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from motcua.errors import Forbidden
from motcua.extensions import db
from motcua.models import (
    Procedure,
    ProcessDraft,
    ProcessStatus,
    ProcessVersion,
    Unit,
    UnitLevel,
    User,
)
from motcua.services import offers, org

# Units that decide dossiers and so may have their own variant of a procedure (a former
# district still runs its open dossiers, but is retired and so not listed).
DECIDING_LEVELS = (UnitLevel.DEPARTMENT, UnitLevel.COMMUNE, UnitLevel.DISTRICT)


@dataclass
class Variant:
    unit: Unit
    version: ProcessVersion | None
    draft: ProcessDraft | None
    behind: bool  # configured on an older template than the newest
    offered: bool  # the unit decides the procedure (motcua.services.offers)


@dataclass
class Row:
    procedure: Procedure
    template: ProcessVersion | None
    variants: list[Variant] = field(default_factory=list)


def variant_units(user: User) -> list[Unit]:
    """The deciding units whose variants the user manages (all for a system admin)."""
    managed = org.administered_unit_ids(user)
    query = (
        select(Unit)
        .where(Unit.level.in_(DECIDING_LEVELS), Unit.retired_at.is_(None))
        .order_by(Unit.code)
    )
    if managed is not None:
        query = query.where(Unit.id.in_(managed))
    return list(db.session.scalars(query))


def overview(user: User) -> tuple[list[Row], list[Unit]]:
    """Every procedure with its template and the user's units' variants, and those units.
    Raises Forbidden for those who administer no unit."""
    units = variant_units(user)
    if not units and not org.is_system_admin(user):
        raise Forbidden(_l("Chỉ quản trị đơn vị cấu hình được quy trình."), code="forbidden")
    unit_ids = [u.id for u in units]
    # Not the diagrams' text nor their specs: only what the list shows.
    columns = load_only(
        ProcessVersion.procedure_id,
        ProcessVersion.unit_id,
        ProcessVersion.version,
        ProcessVersion.published_at,
        ProcessVersion.template_version_id,
    )
    newest = (
        select(func.max(ProcessVersion.id))  # the newest is the last stored
        .where(
            ProcessVersion.status == ProcessStatus.PUBLISHED,
            ProcessVersion.unit_id.in_(unit_ids) | ProcessVersion.unit_id.is_(None),
        )
        .group_by(ProcessVersion.procedure_id, ProcessVersion.unit_id)
    )
    versions = {
        (v.procedure_id, v.unit_id): v
        for v in db.session.scalars(
            select(ProcessVersion).options(columns).where(ProcessVersion.id.in_(newest))
        )
    }
    drafts = {
        (d.procedure_id, d.unit_id): d
        for d in db.session.scalars(
            select(ProcessDraft)
            .options(
                load_only(
                    ProcessDraft.procedure_id,
                    ProcessDraft.unit_id,
                    ProcessDraft.updated_at,
                    ProcessDraft.template_version_id,
                )
            )
            .where(ProcessDraft.unit_id.in_(unit_ids))
        )
    }
    offered = offers.offered_ids(unit_ids)
    rows = []
    for procedure in db.session.scalars(select(Procedure).order_by(Procedure.code)):
        template = versions.get((procedure.id, None))
        row = Row(procedure, template)
        for unit in units:
            version = versions.get((procedure.id, unit.id))
            draft = drafts.get((procedure.id, unit.id))
            based_on = (draft or version).template_version_id if draft or version else None
            behind = (
                template is not None
                and (version is not None or draft is not None)
                and based_on != template.id
            )
            row.variants.append(
                Variant(unit, version, draft, behind, (unit.id, procedure.id) in offered)
            )
        rows.append(row)
    return rows, units
