"""A procedure's diagrams as people edit them: the working copy an editor opens, drafts,
publishing, the modeler's choices, and what changed between two diagrams (`diff`).

The provincial template (unit None) is the analysts' work in the BPMN modeler; a unit's variant
is the template with only the steps' handlers and time limits (and lanes' names) changed, made
by its unit admin in the configurator. Either is edited as one draft per procedure and unit
that may have problems; publishing checks it with the engine's rules and turns it into a new
immutable version. Dossiers keep the version they started on (see `processes.version_to_run`).
The unit admins' table of steps is in `configurator`; the published versions as people read and
compare them, in `diagram_versions`.
"""

import hashlib
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua import engine
from motcua.errors import Invalid, NotFound
from motcua.extensions import db
from motcua.forms import form_names
from motcua.models import Procedure, ProcessDraft, ProcessVersion, Role, Unit, User, utcnow
from motcua.services import audit, offers, org, processes
from motcua.vocabulary import StepChangeKind

# The roles a step may be given to: the others configure or watch, they do not work dossiers.
STEP_ROLES = (Role.RECEPTIONIST, Role.SPECIALIST, Role.LEADER)


@dataclass
class WorkingCopy:
    """What an editor opens: the draft if there is one, else the newest published version."""

    xml: str
    source: str  # "draft" | "published" | "new"
    problems: list[dict]
    draft: ProcessDraft | None
    version: ProcessVersion | None


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
            ProcessDraft.unit_key == unit_key(unit),
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
            _l("Không nhận tệp sơ đồ này: %(why)s", why=" ".join(p.message for p in exc.problems)),
            code="unsafe_diagram",
            details=[{"element": p.element_id, "message": p.message} for p in exc.problems],
        ) from None
    raw = engine.as_utf8(raw)  # a UTF-16 file is kept as UTF-8, as every diagram
    draft = draft_of(procedure, unit)
    if draft is None:
        draft = ProcessDraft(procedure=procedure, unit=unit, unit_key=unit_key(unit))
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
    draft.problems = processes.problems_of(raw, procedure, unit)
    draft.updated_at = utcnow()
    draft.updated_by_id = user.id
    audit.record(
        user,
        action,
        "procedure",
        procedure.code,
        (summary or f"Lưu nháp sơ đồ {owner(procedure, unit)}") + f" ({len(draft.problems)} lỗi).",
        unit=unit,
        data={**(data or {}), "sha256": draft.sha256, "problems": len(draft.problems)},
    )
    return draft


_READ = object()  # publish(): read it here


def _refuse_breaking(procedure: Procedure, xml: str) -> None:
    """A template may not be published if a unit that runs it without a variant could then no
    longer work its dossiers: the problems are listed per unit."""
    broken = offers.template_breaks(procedure, xml)
    if broken:
        raise Invalid(
            _l(
                "Quy trình mẫu mới không chạy được tại %(units)s (đơn vị đang dùng quy trình mẫu): "
                "cấu hình quy trình riêng cho các đơn vị đó hoặc sửa người xử lý.",
                units=", ".join(b.unit.name for b in broken),
            ),
            code="template_breaks_units",
            details=[
                {"element": p.get("element"), "message": f"{b.unit.code}: {p['message']}"}
                for b in broken
                for p in b.problems
            ],
        )


def publish(
    procedure: Procedure,
    unit: Unit | None,
    user: User,
    *,
    draft: ProcessDraft | None = None,
    previous: ProcessVersion | None | object = _READ,
) -> ProcessVersion:
    """Turn the draft into the newest published version (immutable; new dossiers use it).
    ``draft`` and ``previous`` (the newest published version, None if there is none): as the
    caller has just read them, else they are read here.

    Raises NotFound(no_draft), Invalid(new_steps_unset) after a rebase whose new steps the
    unit admin has not filled in, or Invalid(bad_diagram) with every problem; nothing is
    written then.
    """
    require_editor(user, unit)
    draft = draft or draft_of(procedure, unit)
    if draft is None:
        raise NotFound(_l("Không có bản nháp nào để ban hành."), code="no_draft")
    if draft.new_steps:
        raise Invalid(
            _l(
                "Có bước mới từ quy trình mẫu chưa được cấu hình người xử lý và thời hạn: "
                "%(steps)s",
                steps=", ".join(draft.new_steps),
            ),
            code="new_steps_unset",
            details=[
                {"element": s, "message": _l("Bước mới chưa cấu hình.")} for s in draft.new_steps
            ],
        )
    if unit is None:
        _refuse_breaking(procedure, draft.bpmn_xml)
    if previous is _READ:
        previous = processes.newest_version(procedure, unit)
    version = processes.store_version(
        procedure,
        unit,
        draft.bpmn_xml.encode("utf-8"),
        author=user,
        publish=True,
        template_version=draft.template_version if unit is not None else None,
    )
    db.session.delete(draft)
    if unit is not None:
        offers.ensure(unit, procedure, user)
    db.session.flush()
    changes = diff(previous, version) if previous else None
    audit.record(
        user,
        "process.publish",
        "procedure",
        procedure.code,
        f"Ban hành phiên bản {version.version} sơ đồ {owner(procedure, unit)}"
        + (f": {_summary(changes)}." if changes else "."),
        unit=unit,
        data={
            "version": version.version,
            "sha256": version.sha256,
            "changes": [c.as_dict() for c in changes or [] if c.kind != StepChangeKind.UNCHANGED],
        },
    )
    return version


def discard_draft(procedure: Procedure, unit: Unit | None, user: User) -> None:
    require_editor(user, unit)
    draft = draft_of(procedure, unit)
    if draft is None:
        raise NotFound(_l("Không có bản nháp nào."), code="no_draft")
    audit.record(
        user,
        "process.discard_draft",
        "procedure",
        procedure.code,
        f"Bỏ bản nháp sơ đồ {owner(procedure, unit)}.",
        unit=unit,
        data={"sha256": draft.sha256},
    )
    db.session.delete(draft)


def modeler_options() -> dict:
    """The choices the modeler's "Xử lý" group offers."""
    units = db.session.execute(
        select(Unit.code, Unit.name).where(Unit.retired_at.is_(None)).order_by(Unit.code)
    ).all()
    return {
        "roles": [{"value": r.value, "label": str(r.label)} for r in STEP_ROLES],
        "forms": form_names(),
        "units": [{"code": code, "name": name} for code, name in units],
    }


def new_diagram(procedure: Procedure) -> str:
    """A minimal diagram to start from: start → one step at the desk → end."""
    process_id = "quy_trinh_" + "".join(c if c.isalnum() else "_" for c in procedure.code)
    return NEW_DIAGRAM.format(process_id=process_id, name=_xml_attr(procedure.name))


@dataclass
class StepChange:
    """One step compared between two versions."""

    step_id: str
    name: str
    kind: StepChangeKind
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
    before = {s.id: s for s in steps_of(old.bpmn_xml)}
    after = {s.id: s for s in steps_of(new.bpmn_xml)}
    changes = []
    for step_id, step in after.items():
        if step_id not in before:
            changes.append(StepChange(step_id, step.name, StepChangeKind.ADDED, {}, _fields(step)))
            continue
        old_fields, new_fields = _fields(before[step_id]), _fields(step)
        same = old_fields == new_fields
        kind = StepChangeKind.UNCHANGED if same else StepChangeKind.CHANGED
        changes.append(StepChange(step_id, step.name, kind, old_fields, new_fields))
    changes += [
        StepChange(step_id, step.name, StepChangeKind.REMOVED, _fields(step), {})
        for step_id, step in before.items()
        if step_id not in after
    ]
    return changes


def steps_of(xml: str) -> list[engine.Step]:
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
    counts = {k: sum(c.kind == k for c in changes) for k in StepChangeKind}
    return (
        f"thêm {counts[StepChangeKind.ADDED]}, bỏ {counts[StepChangeKind.REMOVED]}, "
        f"đổi {counts[StepChangeKind.CHANGED]} bước"
    )


def load(xml: str) -> engine.Diagram:
    try:
        return engine.load_diagram(xml)
    except engine.DiagramError as exc:
        raise Invalid(
            _l("Sơ đồ không đọc được: %(why)s", why=" ".join(p.message for p in exc.problems)),
            code="bad_diagram",
            details=[{"element": p.element_id, "message": p.message} for p in exc.problems],
        ) from None


def unit_key(unit: Unit | None) -> int:
    return unit.id if unit is not None else 0


def owner(procedure: Procedure, unit: Unit | None) -> str:
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
