"""The published versions of a procedure's diagrams as people read them: a template's or a
unit's variant's versions, newest first; one of them; two of them compared step by step; each
for whoever may read it (`require_reader`). Drafts and publishing: motcua.services.diagrams.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import Forbidden, Invalid, NotFound
from motcua.extensions import db
from motcua.models import Procedure, ProcessStatus, ProcessVersion, Unit, User
from motcua.services import org
from motcua.services.diagrams import StepChange, diff
from motcua.services.processes import procedure_by_code
from motcua.vocabulary import StepChangeKind


def versions(procedure: Procedure, unit: Unit | None) -> list[ProcessVersion]:
    """The published versions of the unit's variant (None: the template), newest first."""
    return list(
        db.session.scalars(
            select(ProcessVersion)
            .where(
                ProcessVersion.procedure_id == procedure.id,
                ProcessVersion.unit_id.is_(None)
                if unit is None
                else ProcessVersion.unit_id == unit.id,
                ProcessVersion.status == ProcessStatus.PUBLISHED,
            )
            .order_by(ProcessVersion.version.desc())
        )
    )


@dataclass
class VersionList:
    procedure: Procedure
    unit: Unit | None  # None: the template
    versions: list[ProcessVersion]


def version_list(user: User, procedure_code: str, unit_code: str | None) -> VersionList:
    """The published versions of a procedure's template, or of a unit's variant, newest
    first, if the user may read them. Raises NotFound, Forbidden."""
    procedure = procedure_by_code(procedure_code)
    unit = org.unit_by_code(unit_code) if unit_code else None
    require_reader(user, unit)
    return VersionList(procedure, unit, versions(procedure, unit))


def readable_version(user: User, procedure_code: str, version_id: int) -> ProcessVersion:
    """One version of a procedure's diagram, if the user may read it. Raises NotFound,
    Forbidden."""
    version = version_by_id(version_id, procedure_by_code(procedure_code))
    require_reader(user, version.unit)
    return version


def require_reader(user: User, unit: Unit | None) -> None:
    """Templates: analysts, unit admins and system admins; a variant: its unit admins."""
    if unit is None:
        if not (org.is_analyst(user) or org.administered_unit_ids(user) != set()):
            raise Forbidden(_l("Bạn không xem được quy trình mẫu."), code="forbidden")
    else:
        org.require_unit_admin(user, unit)


def version_by_id(version_id: int, procedure: Procedure) -> ProcessVersion:
    version = db.session.get(ProcessVersion, version_id)
    if version is None or version.procedure_id != procedure.id:
        raise NotFound(
            _l("Không có phiên bản %(n)s của thủ tục này.", n=version_id), code="not_found"
        )
    return version


@dataclass
class Comparison:
    """Two versions of a procedure's diagram, the older first, and their differences."""

    old: ProcessVersion
    new: ProcessVersion
    changes: list[StepChange]

    @property
    def markers(self) -> dict[str, dict[str, str]]:
        """For each diagram, the css class of each step that differs."""
        shown = {
            "old": (StepChangeKind.REMOVED, StepChangeKind.CHANGED),
            "new": (StepChangeKind.ADDED, StepChangeKind.CHANGED),
        }
        return {
            side: {c.step_id: f"diff-{c.kind.value}" for c in self.changes if c.kind in kinds}
            for side, kinds in shown.items()
        }


def compare(user: User, procedure_code: str, first_id, second_id) -> Comparison:
    """Two versions the user may read, compared step by step. Raises Invalid (not two version
    ids), NotFound, Forbidden."""
    procedure = procedure_by_code(procedure_code)
    try:
        ids = int(first_id), int(second_id)
    except (TypeError, ValueError):
        raise Invalid(_l("Chọn hai phiên bản để so sánh."), code="invalid") from None
    old, new = (version_by_id(i, procedure) for i in ids)
    require_reader(user, old.unit)
    require_reader(user, new.unit)
    if old.created_at > new.created_at:
        old, new = new, old
    return Comparison(old, new, diff(old, new))
