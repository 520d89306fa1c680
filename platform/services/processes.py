"""Process versions: storing a procedure's diagram for a unit, and choosing the one to run."""

import hashlib

from sqlalchemy import func, select

from motcua import engine
from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import Procedure, ProcessStatus, ProcessVersion, Unit, User, utcnow
from motcua.services import deadlines, org


def check(xml: bytes | str, procedure: Procedure | None, unit: Unit | None) -> engine.Diagram:
    """Parse and lint a diagram as it would run for this procedure and unit.

    Raises Invalid (code ``bad_diagram``) listing every problem, each naming its element.
    """
    hours_per_day = deadlines.calendar().hours_per_day
    try:
        return engine.check_diagram(
            xml,
            resolve_handler=lambda handler: org.handler_problem(handler, unit),
            legal_limit_days=procedure.legal_limit_days if procedure else None,
            hours_per_day=hours_per_day,
        )
    except engine.DiagramError as exc:
        raise Invalid(
            "Sơ đồ quy trình không hợp lệ.",
            code="bad_diagram",
            details=[{"element": p.element_id, "message": p.message} for p in exc.problems],
        ) from exc


def store_version(
    procedure: Procedure,
    unit: Unit | None,
    xml: bytes | str,
    *,
    author: User | None,
    publish: bool,
    template_version: ProcessVersion | None = None,
) -> ProcessVersion:
    """Store a new version of the procedure's diagram for the unit (None: the template).

    Nothing is stored if the diagram does not pass the checks.
    """
    raw = xml.encode() if isinstance(xml, str) else xml
    diagram = check(raw, procedure, unit)
    last = db.session.scalar(
        select(func.max(ProcessVersion.version)).where(
            ProcessVersion.procedure_id == procedure.id,
            ProcessVersion.unit_id.is_(None) if unit is None else ProcessVersion.unit_id == unit.id,
        )
    )
    now = utcnow()
    version = ProcessVersion(
        procedure=procedure,
        unit=unit,
        version=(last or 0) + 1,
        process_id=diagram.process_id,
        bpmn_xml=raw.decode("utf-8"),
        sha256=hashlib.sha256(raw).hexdigest(),
        spec=diagram.spec,
        status=ProcessStatus.PUBLISHED if publish else ProcessStatus.DRAFT,
        created_by_id=author.id if author else None,
        published_at=now if publish else None,
        published_by_id=author.id if author and publish else None,
        template_version=template_version,
    )
    db.session.add(version)
    return version


def newest_version(procedure: Procedure, unit: Unit | None) -> ProcessVersion | None:
    """The newest published version of the unit's variant (None: of the template) or None."""
    return db.session.scalar(
        select(ProcessVersion)
        .where(
            ProcessVersion.procedure_id == procedure.id,
            ProcessVersion.unit_id.is_(None) if unit is None else ProcessVersion.unit_id == unit.id,
            ProcessVersion.status == ProcessStatus.PUBLISHED,
        )
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    )


def version_to_run(procedure: Procedure, unit: Unit) -> ProcessVersion:
    """The newest published variant of the unit, falling back to the provincial template."""
    for owner in (unit, None):
        version = newest_version(procedure, owner)
        if version is not None:
            return version
    raise Invalid(
        f"Thủ tục {procedure.code} chưa có quy trình nội bộ được ban hành cho {unit.name}.",
        code="no_process",
    )
