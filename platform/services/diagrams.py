"""A procedure's diagrams as people edit them: drafts, publishing, versions and their differences,
and a unit's step configurator with its rebase onto a newer template.

The provincial template (unit None) is the analysts' work in the BPMN modeler; a unit's variant
is the template with only the steps' handlers and time limits (and lanes' names) changed, made
by its unit admin in the configurator. Either is edited as one draft per procedure and unit
that may have problems; publishing checks it with the engine's rules and turns it into a new
immutable version. Dossiers keep the version they started on (see `processes.version_to_run`).
"""

import hashlib
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from motcua import engine
from motcua.errors import Invalid, NotFound
from motcua.extensions import db
from motcua.forms import form_names
from motcua.models import (
    Procedure,
    ProcessDraft,
    ProcessStatus,
    ProcessVersion,
    Role,
    Unit,
    User,
    UserRole,
    utcnow,
)
from motcua.services import audit, org, processes
from motcua.services.deadlines import calendar_for

ROLE_LABELS = {
    Role.RECEPTIONIST: "Cán bộ một cửa",
    Role.SPECIALIST: "Chuyên viên",
    Role.LEADER: "Lãnh đạo",
    Role.UNIT_ADMIN: "Quản trị đơn vị",
    Role.ANALYST: "Phân tích nghiệp vụ",
    Role.SUPERVISOR: "Giám sát",
    Role.SYSTEM_ADMIN: "Quản trị hệ thống",
}
# The roles a step may be given to: the others configure or watch, they do not work dossiers.
STEP_ROLES = (Role.RECEPTIONIST, Role.SPECIALIST, Role.LEADER)
# What the configurator may change on a step; the form and the result flag are the analyst's.
CONFIGURABLE = ("handler", "timeLimit")


@dataclass
class WorkingCopy:
    """What an editor opens: the draft if there is one, else the newest published version."""

    xml: str
    source: str  # "draft" | "published" | "new"
    problems: list[dict]
    draft: ProcessDraft | None
    version: ProcessVersion | None


def procedure_by_code(code: str) -> Procedure:
    procedure = db.session.scalar(select(Procedure).where(Procedure.code == code))
    if procedure is None:
        raise NotFound(f"Không có thủ tục mã {code}.", code="procedure_not_found")
    return procedure


def require_editor(user: User, unit: Unit | None) -> None:
    """Templates are the analysts' (and system admins'); a variant is its unit admins'."""
    if unit is None:
        org.require_analyst(user)
    else:
        org.require_unit_admin(user, unit)


def draft_of(procedure: Procedure, unit: Unit | None) -> ProcessDraft | None:
    return db.session.scalar(
        select(ProcessDraft).where(
            ProcessDraft.procedure_id == procedure.id,
            ProcessDraft.unit_key == _unit_key(unit),
        )
    )


def working_copy(procedure: Procedure, unit: Unit | None, user: User) -> WorkingCopy:
    require_editor(user, unit)
    draft = draft_of(procedure, unit)
    version = processes.newest_version(procedure, unit)
    if draft is not None:
        return WorkingCopy(draft.bpmn_xml, "draft", draft.problems, draft, version)
    if version is not None:
        return WorkingCopy(version.bpmn_xml, "published", [], None, version)
    if unit is not None and (template := processes.newest_version(procedure, None)):
        return WorkingCopy(template.bpmn_xml, "published", [], None, template)
    return WorkingCopy(new_diagram(procedure), "new", [], None, None)


def problems_of(xml: bytes | str, procedure: Procedure, unit: Unit | None) -> list[dict]:
    """Every problem the engine's checks find, as [{"element", "message"}] (empty: publishable)."""
    try:
        processes.check(xml, procedure, unit)
    except Invalid as exc:
        return list(exc.details or [{"element": None, "message": exc.message}])
    return []


def save_draft(
    procedure: Procedure,
    unit: Unit | None,
    xml: bytes | str,
    user: User,
    *,
    template_version: ProcessVersion | None = None,
    new_steps: list[str] | None = None,
    action: str = "process.save_draft",
    summary: str | None = None,
    data: dict | None = None,
) -> ProcessDraft:
    """Store the diagram as the draft, problems and all.

    A file that is not safe, well-formed BPMN XML (a DTD or entity, not XML, too big, not
    bpmn:definitions) is refused with Invalid(code="unsafe_diagram") and nothing is stored.
    """
    require_editor(user, unit)
    raw = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    try:
        engine.parse_xml(raw)
    except engine.DiagramError as exc:
        raise Invalid(
            "Không nhận tệp sơ đồ này: " + " ".join(p.message for p in exc.problems),
            code="unsafe_diagram",
            details=[{"element": p.element_id, "message": p.message} for p in exc.problems],
        ) from None
    draft = draft_of(procedure, unit)
    if draft is None:
        draft = ProcessDraft(procedure=procedure, unit=unit, unit_key=_unit_key(unit))
        db.session.add(draft)
        if unit is not None and template_version is None:
            base = processes.newest_version(procedure, unit)
            template_version = (
                base.template_version if base else processes.newest_version(procedure, None)
            )
    if template_version is not None:
        draft.template_version = template_version
    if new_steps is not None:
        draft.new_steps = new_steps
    draft.bpmn_xml = raw.decode("utf-8")
    draft.sha256 = hashlib.sha256(raw).hexdigest()
    draft.problems = problems_of(raw, procedure, unit)
    draft.updated_at = utcnow()
    draft.updated_by_id = user.id
    audit.record(
        user,
        action,
        "procedure",
        procedure.code,
        (summary or f"Lưu nháp sơ đồ {_owner(procedure, unit)}") + f" ({len(draft.problems)} lỗi).",
        unit=unit,
        data={**(data or {}), "sha256": draft.sha256, "problems": len(draft.problems)},
    )
    db.session.commit()
    return draft


def publish(procedure: Procedure, unit: Unit | None, user: User) -> ProcessVersion:
    """Turn the draft into the newest published version (immutable; new dossiers use it).

    Raises NotFound(no_draft), Invalid(new_steps_unset) after a rebase whose new steps the
    unit admin has not filled in, or Invalid(bad_diagram) with every problem.
    """
    require_editor(user, unit)
    draft = draft_of(procedure, unit)
    if draft is None:
        raise NotFound("Không có bản nháp nào để ban hành.", code="no_draft")
    if draft.new_steps:
        raise Invalid(
            "Có bước mới từ quy trình mẫu chưa được cấu hình người xử lý và thời hạn: "
            + ", ".join(draft.new_steps),
            code="new_steps_unset",
            details=[{"element": s, "message": "Bước mới chưa cấu hình."} for s in draft.new_steps],
        )
    previous = processes.newest_version(procedure, unit)
    version = processes.store_version(
        procedure,
        unit,
        draft.bpmn_xml.encode("utf-8"),
        author=user,
        publish=True,
        template_version=draft.template_version if unit is not None else None,
        commit=False,
    )
    db.session.delete(draft)
    db.session.flush()
    changes = diff(previous, version) if previous else None
    audit.record(
        user,
        "process.publish",
        "procedure",
        procedure.code,
        f"Ban hành phiên bản {version.version} sơ đồ {_owner(procedure, unit)}"
        + (f": {_summary(changes)}." if changes else "."),
        unit=unit,
        data={
            "version": version.version,
            "sha256": version.sha256,
            "changes": [c.as_dict() for c in changes or [] if c.kind != "unchanged"],
        },
    )
    db.session.commit()
    return version


def discard_draft(procedure: Procedure, unit: Unit | None, user: User) -> None:
    require_editor(user, unit)
    draft = draft_of(procedure, unit)
    if draft is None:
        raise NotFound("Không có bản nháp nào.", code="no_draft")
    audit.record(
        user,
        "process.discard_draft",
        "procedure",
        procedure.code,
        f"Bỏ bản nháp sơ đồ {_owner(procedure, unit)}.",
        unit=unit,
        data={"sha256": draft.sha256},
    )
    db.session.delete(draft)
    db.session.commit()


def modeler_options() -> dict:
    """The choices the modeler's "Xử lý" group offers."""
    units = db.session.execute(select(Unit.code, Unit.name).order_by(Unit.code)).all()
    return {
        "roles": [{"value": r.value, "label": ROLE_LABELS[r]} for r in STEP_ROLES],
        "forms": form_names(),
        "units": [{"code": code, "name": name} for code, name in units],
    }


def new_diagram(procedure: Procedure) -> str:
    """A minimal diagram to start from: start → one step at the desk → end."""
    process_id = "quy_trinh_" + "".join(c if c.isalnum() else "_" for c in procedure.code)
    return NEW_DIAGRAM.format(process_id=process_id, name=_xml_attr(procedure.name))


# --- versions -------------------------------------------------------------------------------


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


def version_by_id(version_id: int, procedure: Procedure) -> ProcessVersion:
    version = db.session.get(ProcessVersion, version_id)
    if version is None or version.procedure_id != procedure.id:
        raise NotFound(f"Không có phiên bản {version_id} của thủ tục này.", code="not_found")
    return version


@dataclass
class StepChange:
    """One step compared between two versions."""

    step_id: str
    name: str
    kind: str  # "added" | "removed" | "changed" | "unchanged"
    before: dict = field(default_factory=dict)  # name, handler, timeLimit, form, lane
    after: dict = field(default_factory=dict)

    @property
    def changed_fields(self) -> list[str]:
        return [k for k in self.after if self.before.get(k) != self.after.get(k)]

    def as_dict(self) -> dict:
        return {"step": self.step_id, "kind": self.kind, "before": self.before, "after": self.after}


def diff(
    old: ProcessVersion | ProcessDraft, new: ProcessVersion | ProcessDraft
) -> list[StepChange]:
    """The steps of two diagrams compared by element id, in the newer one's order (removed
    steps after)."""
    before = {s.id: s for s in _steps(old.bpmn_xml)}
    after = {s.id: s for s in _steps(new.bpmn_xml)}
    changes = []
    for step_id, step in after.items():
        if step_id not in before:
            changes.append(StepChange(step_id, step.name, "added", {}, _fields(step)))
            continue
        old_fields, new_fields = _fields(before[step_id]), _fields(step)
        kind = "unchanged" if old_fields == new_fields else "changed"
        changes.append(StepChange(step_id, step.name, kind, old_fields, new_fields))
    changes += [
        StepChange(step_id, step.name, "removed", _fields(step), {})
        for step_id, step in before.items()
        if step_id not in after
    ]
    return changes


def _steps(xml: str) -> list[engine.Step]:
    try:
        return engine.load_diagram(xml).steps
    except engine.DiagramError:
        return []  # a draft that does not load has no steps to compare


def _fields(step: engine.Step) -> dict:
    return {
        "name": step.name,
        "handler": step.handler,
        "timeLimit": step.time_limit,
        "form": step.form,
        "lane": step.lane,
    }


def _summary(changes: list[StepChange]) -> str:
    counts = {k: sum(c.kind == k for c in changes) for k in ("added", "removed", "changed")}
    return f"thêm {counts['added']}, bỏ {counts['removed']}, đổi {counts['changed']} bước"


# --- the step configurator -----------------------------------------------------------------


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
    procedure: Procedure
    unit: Unit
    xml: str  # what the table shows: the draft, the published variant or the template
    rows: list[StepRow]
    lanes: list  # engine.Lane
    total_days: float
    longest_path: list[str]
    legal_limit_days: float
    problems: list[dict]
    source: str  # "draft" | "published" | "template"
    version: ProcessVersion | None  # the unit's newest published variant
    template: ProcessVersion | None  # the newest published template
    based_on: ProcessVersion | None  # the template version the variant was made from
    officers: list[User]  # those the unit admin may name on a step

    @property
    def rebase_available(self) -> bool:
        return self.template is not None and (
            self.based_on is None or self.based_on.id != self.template.id
        )

    @property
    def fits(self) -> bool:
        return self.total_days <= self.legal_limit_days + 1e-9


def configuration(procedure: Procedure, unit: Unit, user: User) -> Configuration:
    """The steps of the unit's variant as the configurator shows them."""
    org.require_unit_admin(user, unit)
    draft = draft_of(procedure, unit)
    version = processes.newest_version(procedure, unit)
    template = processes.newest_version(procedure, None)
    if draft is not None:
        xml, source, based_on = draft.bpmn_xml, "draft", draft.template_version
    elif version is not None:
        xml, source, based_on = version.bpmn_xml, "published", version.template_version
    elif template is not None:
        xml, source, based_on = template.bpmn_xml, "template", template
    else:
        raise Invalid(
            f"Thủ tục {procedure.code} chưa có quy trình mẫu được ban hành để cấu hình.",
            code="no_template",
        )
    return _configuration(
        procedure, unit, xml, source, draft, version, template, based_on, user=user
    )


def _configuration(procedure, unit, xml, source, draft, version, template, based_on, *, user):
    diagram = _load(xml)
    template_steps = {s.id: s for s in (_steps(based_on.bpmn_xml) if based_on else [])}
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
    hours_per_day = calendar_for(db.session, current_app.config).hours_per_day
    total, path = engine.longest_path_days(diagram, hours_per_day)
    problems = draft.problems if draft is not None else problems_of(xml, procedure, unit)
    return Configuration(
        procedure=procedure,
        unit=unit,
        xml=xml,
        rows=rows,
        lanes=engine.lanes(xml),
        total_days=total,
        longest_path=path,
        legal_limit_days=float(procedure.legal_limit_days),
        problems=problems,
        source=source,
        version=version,
        template=template,
        based_on=based_on,
        officers=officers_of(unit),
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
    current: "Configuration"


def edit(
    procedure: Procedure,
    unit: Unit,
    user: User,
    steps: dict[str, dict[str, str]],
    lane_names: dict[str, str] | None = None,
) -> Edit:
    """The variant's XML with the table's handlers, time limits and lane names written in
    (only those that differ from the current ones).

    Raises Invalid(code="bad_configuration") with a message per field when a value is not
    well-formed or names people outside the unit.
    """
    current = configuration(procedure, unit, user)
    rows = {r.id: r for r in current.rows}
    lanes = {lane.id: lane for lane in current.lanes}
    errors, changes, before = [], {}, {}
    for step_id, values in steps.items():
        row = rows.get(step_id)
        if row is None:
            errors.append({"element": step_id, "message": f"Không có bước {step_id}."})
            continue
        for name, value in values.items():
            if name not in CONFIGURABLE:
                errors.append({"element": step_id, "message": f"Không được sửa «{name}» ở đây."})
                continue
            value = " ".join((value or "").split())
            if value == _current_value(row, name):
                continue
            why = _value_problem(name, value, unit)
            if why:
                errors.append({"element": step_id, "field": name, "message": why})
            changes.setdefault(step_id, {})[name] = value
            before.setdefault(step_id, {})[name] = _current_value(row, name)
    renamed = {}
    for lane_id, name in (lane_names or {}).items():
        name = " ".join((name or "").split())
        if lane_id not in lanes:
            errors.append({"element": lane_id, "message": f"Không có làn {lane_id}."})
        elif not name:
            errors.append(
                {"element": lane_id, "field": "lane", "message": "Tên làn không được để trống."}
            )
        elif name != (lanes[lane_id].name or ""):
            renamed[lane_id] = name
    if errors:
        raise Invalid(
            "Bảng cấu hình có giá trị không hợp lệ.", code="bad_configuration", details=errors
        )
    base_xml = current.xml
    if changes or renamed:
        xml = engine.set_step_properties(base_xml, changes, lane_names=renamed)
    else:
        xml = base_xml.encode("utf-8")
    return Edit(xml, changes, before, renamed, current)


def preview(procedure, unit, user, steps, lane_names=None) -> dict:
    """What the table would give, without saving: the total along the longest path against
    the legal limit, and every problem."""
    result = edit(procedure, unit, user, steps, lane_names)
    hours_per_day = calendar_for(db.session, current_app.config).hours_per_day
    total, path = engine.longest_path_days(_load(result.xml), hours_per_day)
    legal = float(procedure.legal_limit_days)
    return {
        "total_days": round(total, 4),
        "legal_limit_days": legal,
        "fits": total <= legal + 1e-9,
        "longest_path": path,
        "problems": problems_of(result.xml, procedure, unit),
    }


def configure(
    procedure: Procedure,
    unit: Unit,
    user: User,
    steps: dict[str, dict[str, str]],
    lane_names: dict[str, str] | None = None,
) -> Configuration:
    """Save the unit admin's table as the variant's draft (see `edit`). A well-formed table
    that breaks a rule of the diagram (the legal limit, an officer without the role) is saved
    with its problems and cannot be published until fixed."""
    result = edit(procedure, unit, user, steps, lane_names)
    save_draft(
        procedure,
        unit,
        result.xml,
        user,
        template_version=result.current.based_on,
        new_steps=[],  # the admin has now seen and submitted every step, new ones included
        action="process.configure",
        summary=(
            f"Cấu hình {len(result.changes)} bước, {len(result.lane_names)} làn của "
            f"{_owner(procedure, unit)}"
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
    return configuration(procedure, unit, user)


def _current_value(row: StepRow, name: str) -> str:
    return row.handler if name == "handler" else row.time_limit


def _value_problem(name: str, value: str, unit: Unit) -> str | None:
    """Why a handler or time limit typed in the configurator cannot be used (None: fine).

    A unit admin gives steps to roles of the unit or of its sub-units, or to its officers:
    never to another unit.
    """
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
    if handler.kind == "role" and handler.role not in STEP_ROLES:
        return (
            f"Vai trò «{handler.role}» không xử lý hồ sơ; chọn một cửa, chuyên viên hoặc lãnh đạo."
        )
    if handler.kind == "role" and handler.unit_code and not handler.relative:
        return (
            f"Người xử lý «{value}» thuộc đơn vị khác: ở đây chỉ giao cho đơn vị "
            f"{unit.name} hoặc phòng, xã trực thuộc."
        )
    if handler.kind == "users":
        allowed = {u.username for u in officers_of(unit)}
        outside = [n for n in handler.usernames if n not in allowed]
        if outside:
            return "Không phải cán bộ đang hoạt động của đơn vị: " + ", ".join(outside) + "."
    why = org.handler_problem(handler, unit)
    return why


def rebase(procedure: Procedure, unit: Unit, user: User) -> Configuration:
    """Bring the unit's variant onto the newest template: the template's diagram with the
    unit's handlers and time limits (and lane names) kept for the steps and lanes that still
    exist. Steps the template added are flagged for the unit admin to fill in; steps it
    removed are gone. The result is the variant's draft."""
    current = configuration(procedure, unit, user)
    template = current.template
    if template is None:
        raise Invalid("Chưa có quy trình mẫu được ban hành.", code="no_template")
    template_diagram = _load(template.bpmn_xml)
    mine = {r.id: r for r in current.rows}
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
    my_lanes = {lane.id: lane.name for lane in current.lanes}
    lane_names = {
        lane.id: my_lanes[lane.id]
        for lane in engine.lanes(template.bpmn_xml)
        if my_lanes.get(lane.id) and my_lanes[lane.id] != lane.name
    }
    xml = engine.set_step_properties(template.bpmn_xml, changes, lane_names=lane_names)
    removed = [step_id for step_id in mine if step_id not in {s.id for s in template_diagram.steps}]
    save_draft(
        procedure,
        unit,
        xml,
        user,
        template_version=template,
        new_steps=added,
        action="process.rebase",
        summary=(
            f"Cập nhật {_owner(procedure, unit)} theo quy trình mẫu phiên bản "
            f"{template.version}: giữ cấu hình {len(mine) - len(removed)} bước, {len(added)} "
            f"bước mới cần cấu hình, {len(removed)} bước đã bỏ"
        ),
        data={"template_version": template.version, "new_steps": added, "removed": removed},
    )
    return configuration(procedure, unit, user)


def _load(xml: str) -> engine.Diagram:
    try:
        return engine.load_diagram(xml)
    except engine.DiagramError as exc:
        raise Invalid(
            "Sơ đồ không đọc được: " + " ".join(p.message for p in exc.problems),
            code="bad_diagram",
            details=[{"element": p.element_id, "message": p.message} for p in exc.problems],
        ) from None


def _unit_key(unit: Unit | None) -> int:
    return unit.id if unit is not None else 0


def _owner(procedure: Procedure, unit: Unit | None) -> str:
    if unit is None:
        return f"mẫu của thủ tục {procedure.code}"
    return f"thủ tục {procedure.code} của {unit.name}"


def _xml_attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


NEW_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="dinh_nghia" targetNamespace="http://motcua.vn/bpmn">
  <bpmn:process id="{process_id}" name="{name}" isExecutable="true">
    <bpmn:startEvent id="bat_dau" name="Nhận hồ sơ">
      <bpmn:outgoing>luong_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="tiep_nhan" name="Tiếp nhận hồ sơ">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="handler" value="receptionist" />
          <spiffworkflow:property name="timeLimit" value="4h" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>luong_1</bpmn:incoming>
      <bpmn:outgoing>luong_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="ket_thuc" name="Trả kết quả">
      <bpmn:incoming>luong_2</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="luong_1" sourceRef="bat_dau" targetRef="tiep_nhan" />
    <bpmn:sequenceFlow id="luong_2" sourceRef="tiep_nhan" targetRef="ket_thuc" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="so_do">
    <bpmndi:BPMNPlane id="mat_phang" bpmnElement="{process_id}">
      <bpmndi:BPMNShape id="bat_dau_di" bpmnElement="bat_dau">
        <dc:Bounds x="152" y="102" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="tiep_nhan_di" bpmnElement="tiep_nhan">
        <dc:Bounds x="240" y="80" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="ket_thuc_di" bpmnElement="ket_thuc">
        <dc:Bounds x="392" y="102" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="luong_1_di" bpmnElement="luong_1">
        <di:waypoint x="188" y="120" />
        <di:waypoint x="240" y="120" />
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="luong_2_di" bpmnElement="luong_2">
        <di:waypoint x="340" y="120" />
        <di:waypoint x="392" y="120" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""
