"""The step configurator: a unit admin's table of a procedure's steps, each with its handler and
time limit, written into the unit's variant (only those properties and the lanes' names change,
see `engine.set_step_properties`), and the rebase of a variant onto a newer template.

An action reads the configuration once (``configuration``) and works from it: the table is
built from one parsed diagram (parses are kept by the text's hash, motcua.engine.parse), every
handler of the unit is resolved in one read (org.HandlerCheck), and the page's table (its
widgets) is read and shown by motcua.services.step_table.
"""

from dataclasses import dataclass
from functools import cached_property

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua import engine
from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import Procedure, ProcessDraft, ProcessVersion, Role, Unit, User, UserRole
from motcua.services import deadlines, diagrams, org, processes

# What the configurator may change on a step; the form and the result flag are the analyst's.
CONFIGURABLE = ("handler", "timeLimit")


@dataclass
class StepRow:
    id: str
    name: str
    lane: str | None
    handler: str
    time_limit: str
    template_handler: str | None  # the template's value, for reference
    template_time_limit: str | None
    is_new: bool  # added by the template since the unit last configured it (after a rebase)


@dataclass
class Configuration:
    """The unit's variant of a procedure as the configurator shows it, for one admin."""

    user: User
    procedure: Procedure
    unit: Unit
    xml: str  # what the table shows: the draft, the published variant or the template
    diagram: engine.Diagram
    rows: list[StepRow]
    source: str  # "draft" | "published" | "template"
    draft: ProcessDraft | None
    version: ProcessVersion | None  # the unit's newest published variant
    template: ProcessVersion | None  # the newest published template
    based_on: ProcessVersion | None  # the template version the variant was made from

    @property
    def lanes(self) -> list[engine.Lane]:
        return self.diagram.lanes

    @cached_property
    def longest_path(self) -> tuple[float, list[str]]:
        return engine.longest_path_days(self.diagram, deadlines.hours_per_day())

    @property
    def total_days(self) -> float:
        return self.longest_path[0]

    @property
    def legal_limit_days(self) -> float:
        return float(self.procedure.legal_limit_days)

    @cached_property
    def problems(self) -> list[dict]:
        if self.draft is not None:
            return self.draft.problems
        return processes.problems_of(self.xml, self.procedure, self.unit)

    @cached_property
    def officers(self) -> list[User]:
        """Those the unit admin may name on a step."""
        return officers_of(self.unit)

    @property
    def rebase_available(self) -> bool:
        return self.template is not None and (
            self.based_on is None or self.based_on.id != self.template.id
        )

    @property
    def fits(self) -> bool:
        return self.total_days <= self.legal_limit_days + 1e-9


def configuration(user: User, procedure_code: str, unit_code: str) -> Configuration:
    """The steps of the unit's variant as the configurator shows them, if the user administers
    the unit. Raises NotFound (procedure, unit), Forbidden, Invalid (no template yet)."""
    procedure = processes.procedure_by_code(procedure_code)
    unit = org.unit_by_code(unit_code)
    org.require_unit_admin(user, unit)
    return _configuration(user, procedure, unit)


def _configuration(user: User, procedure: Procedure, unit: Unit) -> Configuration:
    draft = diagrams.draft_of(procedure, unit)
    version, template = processes.newest_versions(procedure, unit)
    if draft is not None:
        xml, source, based_on = draft.bpmn_xml, "draft", draft.template_version
    elif version is not None:
        xml, source, based_on = version.bpmn_xml, "published", version.template_version
    elif template is not None:
        xml, source, based_on = template.bpmn_xml, "template", template
    else:
        raise Invalid(
            _l(
                "Thủ tục %(code)s chưa có quy trình mẫu được ban hành để cấu hình.",
                code=procedure.code,
            ),
            code="no_template",
        )
    diagram = diagrams.load(xml)
    template_steps = {s.id: s for s in (diagrams.steps_of(based_on.bpmn_xml) if based_on else [])}
    new_steps = set(draft.new_steps) if draft is not None else set()
    rows = [
        StepRow(
            id=s.id,
            name=s.name,
            lane=s.lane,
            handler=s.handler or "",
            time_limit=s.time_limit or "",
            template_handler=template_steps[s.id].handler if s.id in template_steps else None,
            template_time_limit=(
                template_steps[s.id].time_limit if s.id in template_steps else None
            ),
            is_new=s.id in new_steps,
        )
        for s in diagram.steps
    ]
    return Configuration(
        user, procedure, unit, xml, diagram, rows, source, draft, version, template, based_on
    )


def officers_of(unit: Unit) -> list[User]:
    """The active officers of the unit and the units below it: whom a step may name."""
    ids = org.subtree_ids({unit.id})
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True))
            .where(
                User.unit_id.in_(ids)
                | User.id.in_(select(UserRole.user_id).where(UserRole.unit_id.in_(ids)))
            )
            .order_by(User.username)
        )
    )


@dataclass
class Edit:
    """A configurator table applied to the variant's current XML (not saved)."""

    xml: bytes
    changes: dict[str, dict[str, str]]  # step id -> {property: new value}
    before: dict[str, dict[str, str]]  # step id -> {property: old value}
    lane_names: dict[str, str]


def edit(config: Configuration, table) -> Edit:
    """The variant's XML with the table's (a step_table.Table) handlers, time limits and lane
    names written in (only those that differ from the current ones).

    Raises Invalid(code="bad_configuration") with a message per field when a value is not
    well-formed or names people outside the unit.
    """
    rows = {r.id: r for r in config.rows}
    lanes = {lane.id: lane for lane in config.lanes}
    _prepare_handlers(config, table)
    errors, changes, before = [], {}, {}
    for step_id, values in table.steps.items():
        row = rows.get(step_id)
        if row is None:
            errors.append({"element": step_id, "message": _l("Không có bước %(id)s.", id=step_id)})
            continue
        for name, value in values.items():
            if name not in CONFIGURABLE:
                message = _l("Không được sửa «%(name)s» ở đây.", name=name)
                errors.append({"element": step_id, "message": message})
                continue
            value = " ".join((value or "").split())
            if value == _current_value(row, name):
                continue
            why = _value_problem(config, name, value)
            if why:
                errors.append({"element": step_id, "field": name, "message": why})
            changes.setdefault(step_id, {})[name] = value
            before.setdefault(step_id, {})[name] = _current_value(row, name)
    renamed = {}
    for lane_id, name in table.lanes.items():
        name = " ".join((name or "").split())
        if lane_id not in lanes:
            errors.append({"element": lane_id, "message": _l("Không có làn %(id)s.", id=lane_id)})
        elif not name:
            message = _l("Tên làn không được để trống.")
            errors.append({"element": lane_id, "field": "lane", "message": message})
        elif name != (lanes[lane_id].name or ""):
            renamed[lane_id] = name
    if errors:
        raise Invalid(
            _l("Bảng cấu hình có giá trị không hợp lệ."), code="bad_configuration", details=errors
        )
    if changes or renamed:
        xml = engine.set_step_properties(config.xml, changes, lane_names=renamed)
    else:
        xml = config.xml.encode("utf-8")
    return Edit(xml, changes, before, renamed)


def preview(config: Configuration, table) -> dict:
    """What the table would give, without saving: the total along the longest path against
    the legal limit, and every problem. Raises Invalid as ``edit``."""
    result = edit(config, table)
    problems = processes.problems_of(result.xml, config.procedure, config.unit)
    try:
        total, path = engine.longest_path_days(
            engine.load_diagram(result.xml), deadlines.hours_per_day()
        )
    except engine.DiagramError:
        total, path = 0.0, []  # among the problems
    legal = config.legal_limit_days
    return {
        "total_days": round(total, 4),
        "legal_limit_days": legal,
        "fits": total <= legal + 1e-9,
        "longest_path": path,
        "problems": problems,
    }


@dataclass
class Saved:
    """The table saved as the variant's draft, and with ``publish`` its new version, or why it
    was not published (the draft is kept with its problems) and the table as it now stands."""

    version: ProcessVersion | None = None
    not_published: Invalid | None = None
    config: Configuration | None = None


def configure(config: Configuration, table, *, publish: bool = False) -> Saved:
    """Save the unit admin's table as the variant's draft (see `edit`), and with ``publish``
    publish it. A well-formed table that breaks a rule of the diagram (the legal limit, an
    officer without the role) is saved with its problems and cannot be published until fixed:
    the refusal to publish is returned, the draft kept. Raises Invalid for an ill-formed table
    (nothing saved)."""
    procedure, unit, user = config.procedure, config.unit, config.user
    result = edit(config, table)
    draft = diagrams.save_draft(
        procedure,
        unit,
        result.xml,
        user,
        template_version=config.based_on,
        new_steps=[],  # the admin has now seen and submitted every step, new ones included
        action="process.configure",
        summary=(
            f"Cấu hình {len(result.changes)} bước, {len(result.lane_names)} làn của "
            f"{diagrams.owner(procedure, unit)}"
        ),
        data={
            "steps": {
                step_id: {
                    name: {"from": result.before[step_id][name], "to": value}
                    for name, value in change.items()
                }
                for step_id, change in result.changes.items()
            },
            "lanes": result.lane_names,
        },
    )
    if not publish:
        return Saved()
    try:
        version = diagrams.publish(procedure, unit, user, draft=draft, previous=config.version)
    except Invalid as refused:  # raised before publishing wrote anything: the draft stays
        return Saved(not_published=refused, config=_configuration(user, procedure, unit))
    return Saved(version)


def _current_value(row: StepRow, name: str) -> str:
    return row.handler if name == "handler" else row.time_limit


def _prepare_handlers(config: Configuration, table) -> None:
    """Resolve the table's handlers and the diagram's in one read (org.HandlerCheck)."""
    texts = [values.get("handler") or "" for values in table.steps.values()]
    texts += [row.handler for row in config.rows]
    handlers = []
    for text in texts:
        try:
            handlers.append(engine.parse_handler(text))
        except ValueError:
            pass  # reported next to its step
    org.handler_check(config.unit).prepare(handlers)


def _value_problem(config: Configuration, name: str, value: str) -> str | None:
    """Why a handler or time limit typed in the configurator cannot be used (None: fine).

    A unit admin gives steps to roles of the unit or of its sub-units, or to its officers:
    never to another unit.
    """
    unit = config.unit
    if name == "timeLimit":
        try:
            engine.parse_time_limit(value)
        except ValueError as exc:
            return str(exc)
        return None
    try:
        handler = engine.parse_handler(value)
    except ValueError as exc:
        return str(exc)
    if handler.kind == "role" and handler.role not in diagrams.STEP_ROLES:
        return _l(
            "Vai trò «%(role)s» không xử lý hồ sơ; chọn một cửa, chuyên viên hoặc lãnh đạo.",
            role=Role.label_of(handler.role),
        )
    if handler.kind == "role" and handler.unit_code and not handler.relative:
        return _l(
            "Người xử lý «%(handler)s» thuộc đơn vị khác: ở đây chỉ giao cho đơn vị %(unit)s "
            "hoặc phòng, xã trực thuộc.",
            handler=value,
            unit=unit.name,
        )
    if handler.kind == "users":
        allowed = {u.username for u in config.officers}
        outside = [n for n in handler.usernames if n not in allowed]
        if outside:
            return _l(
                "Không phải cán bộ đang hoạt động của đơn vị: %(names)s.", names=", ".join(outside)
            )
    return org.handler_check(unit).problem(handler)


def rebase(config: Configuration) -> Configuration:
    """Bring the unit's variant onto the newest template: the template's diagram with the
    unit's handlers and time limits (and lane names) kept for the steps and lanes that still
    exist. Steps the template added are flagged for the unit admin to fill in; steps it
    removed are gone. The result is the variant's draft."""
    procedure, unit, user, template = config.procedure, config.unit, config.user, config.template
    if template is None:
        raise Invalid(_l("Chưa có quy trình mẫu được ban hành."), code="no_template")
    template_diagram = diagrams.load(template.bpmn_xml)
    mine = {r.id: r for r in config.rows}
    changes, added = {}, []
    for step in template_diagram.steps:
        row = mine.get(step.id)
        if row is None:
            added.append(step.id)
            continue
        change = {
            name: value
            for name, value in (("handler", row.handler), ("timeLimit", row.time_limit))
            if value and value != (step.handler if name == "handler" else step.time_limit)
        }
        if change:
            changes[step.id] = change
    my_lanes = {lane.id: lane.name for lane in config.lanes}
    lane_names = {
        lane.id: my_lanes[lane.id]
        for lane in template_diagram.lanes
        if my_lanes.get(lane.id) and my_lanes[lane.id] != lane.name
    }
    xml = engine.set_step_properties(template.bpmn_xml, changes, lane_names=lane_names)
    kept = {s.id for s in template_diagram.steps}
    removed = [step_id for step_id in mine if step_id not in kept]
    diagrams.save_draft(
        procedure,
        unit,
        xml,
        user,
        template_version=template,
        new_steps=added,
        action="process.rebase",
        summary=(
            f"Cập nhật {diagrams.owner(procedure, unit)} theo quy trình mẫu phiên bản "
            f"{template.version}: giữ cấu hình {len(mine) - len(removed)} bước, {len(added)} "
            f"bước mới cần cấu hình, {len(removed)} bước đã bỏ"
        ),
        data={"template_version": template.version, "new_steps": added, "removed": removed},
    )
    return _configuration(user, procedure, unit)


def discard(config: Configuration) -> None:
    """Drop the unit's draft: the table shows the published variant again. Raises NotFound."""
    diagrams.discard_draft(config.procedure, config.unit, config.user)
