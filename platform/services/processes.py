"""Process versions: storing a procedure's diagram for a unit, and choosing the one to run."""

import hashlib

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from motcua import engine
from motcua.errors import Invalid, NotFound
from motcua.extensions import db
from motcua.models import Procedure, ProcessStatus, ProcessVersion, Unit, User, utcnow
from motcua.services import deadlines, org, workflow
from motcua.vocabulary import in_vietnamese


def procedure_by_code(code: str) -> Procedure:
    procedure = db.session.scalar(select(Procedure).where(Procedure.code == code))
    if procedure is None:
        raise NotFound(_l("Không có thủ tục mã %(code)s.", code=code), code="procedure_not_found")
    return procedure


def problems_of(xml: bytes | str, procedure: Procedure, unit: Unit | None) -> list[dict]:
    """Every problem the engine's checks find, as [{"element", "message"}] (empty: publishable)."""
    try:
        check(xml, procedure, unit)
    except Invalid as exc:
        return list(exc.details or [{"element": None, "message": exc.message}])
    return []


def check(xml: bytes | str, procedure: Procedure | None, unit: Unit | None) -> engine.Diagram:
    """Parse and lint a diagram as it would run for this procedure and unit.

    Within one action a text is checked once for a unit (the configurator, saving its draft
    and publishing ask again about the same text); every handler of the diagram is resolved
    with one read of who holds which role (org.HandlerCheck).

    Raises Invalid (code ``bad_diagram``) listing every problem, each naming its element.
    """
    raw = xml.encode() if isinstance(xml, str) else bytes(xml)
    key = (
        hashlib.sha256(raw).hexdigest(),
        procedure.id if procedure is not None else None,
        unit.id if unit is not None else None,
    )
    checked = g.setdefault("motcua_checked_diagrams", {})
    if key not in checked:
        checked[key] = _check(raw, procedure, unit)
    found = checked[key]
    if isinstance(found, list):
        raise Invalid(_l("Sơ đồ quy trình không hợp lệ."), code="bad_diagram", details=list(found))
    return found


def forget_checks() -> None:
    """After officers or roles move within an action: diagrams are checked again, against who
    holds what now."""
    g.pop("motcua_checked_diagrams", None)
    org.forget_handler_checks()


def _check(raw: bytes, procedure: Procedure | None, unit: Unit | None):
    """The diagram, or its problems as [{"element", "message"}]."""
    handlers = org.handler_check(unit)
    try:
        handlers.prepare(_handlers_of(engine.load_diagram(raw)))
    except engine.DiagramError:
        pass  # check_diagram says why

    def unresolved(handler: engine.Handler) -> str | None:
        # The lint's problems are kept with the draft: in Vietnamese, as the engine's own.
        why = handlers.problem(handler)
        return in_vietnamese(why) if why else None

    try:
        return engine.check_diagram(
            raw,
            resolve_handler=unresolved,
            legal_limit_days=procedure.legal_limit_days if procedure else None,
            hours_per_day=deadlines.hours_per_day(),
        )
    except engine.DiagramError as exc:
        return [{"element": p.element_id, "message": p.message} for p in exc.problems]


def _handlers_of(diagram: engine.Diagram) -> list[engine.Handler]:
    handlers = []
    for step in diagram.steps:
        try:
            handlers.append(engine.parse_handler(step.handler or ""))
        except ValueError:
            pass  # the lint reports it
    return handlers


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
    raw = engine.as_utf8(raw)  # a UTF-16 file is kept as UTF-8, as every diagram
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
    db.session.flush()
    workflow.forget_spec(version.id)
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


def newest_versions(
    procedure: Procedure, unit: Unit
) -> tuple[ProcessVersion | None, ProcessVersion | None]:
    """The newest published version of the unit's variant and of the template, in one query."""
    newest = (
        # A version is numbered after the last one stored, so the newest has the highest id.
        select(func.max(ProcessVersion.id))
        .where(
            ProcessVersion.procedure_id == procedure.id,
            ProcessVersion.status == ProcessStatus.PUBLISHED,
            (ProcessVersion.unit_id == unit.id) | ProcessVersion.unit_id.is_(None),
        )
        .group_by(ProcessVersion.unit_id)
    )
    found = {
        v.unit_id: v
        for v in db.session.scalars(select(ProcessVersion).where(ProcessVersion.id.in_(newest)))
    }
    return found.get(unit.id), found.get(None)


def version_to_run(procedure: Procedure, unit: Unit) -> ProcessVersion:
    """The newest published variant of the unit, falling back to the provincial template."""
    variant, template = newest_versions(procedure, unit)
    if variant or template:
        return variant or template
    raise Invalid(
        _l(
            "Thủ tục %(code)s chưa có quy trình nội bộ được ban hành cho %(unit)s.",
            code=procedure.code,
            unit=unit.name,
        ),
        code="no_process",
    )
