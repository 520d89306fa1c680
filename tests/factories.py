"""Factories: the rows a test needs, made through the ORM in the test's own transaction.

The conftest fixtures `make_unit`, `make_user`, `make_procedure`, `make_province`,
`insert_dossier` and `add_task` each return one of these create functions (Indico's pattern).
They run in the current app context (one is pushed for the call when there is none, and the
objects come back detached, their columns loaded); these functions only flush, the fixture then
commits the session's savepoint so that other app contexts see the rows, and the autouse
`_rollback` fixture rolls the test's transaction back. Nothing here needs the demo province;
`insert_dossier` writes a dossier and its task rows in the state a read-side test (inbox,
watch, reports, timeline) asks for, without the engine.
"""

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from motcua.extensions import db
from motcua.models import (
    Channel,
    Dossier,
    DossierStatus,
    OnlineLevel,
    Procedure,
    ProcedureLevel,
    Role,
    Task,
    TaskCandidate,
    TaskStatus,
    Unit,
    UnitLevel,
    User,
    UserRole,
    utcnow,
)
from motcua.services import auth, offers, processes

_serial = itertools.count(1)


def unique(prefix: str) -> str:
    """A name no other factory call of this run gives (codes and usernames are unique)."""
    return f"{prefix}{next(_serial)}"


# A small diagram whose handlers resolve in any unit once it has a receptionist and a
# specialist: the desk's check, then the specialist's appraisal. 4 h + 1 d fits 5 days.
SIMPLE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" \
targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:process id="thu_tuc_thu" name="Thủ tục thử" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:userTask id="tiep_nhan" name="Tiếp nhận hồ sơ"><bpmn:extensionElements>
    <spiffworkflow:properties><spiffworkflow:property name="handler" value="receptionist"/>
    <spiffworkflow:property name="timeLimit" value="4h"/></spiffworkflow:properties>
  </bpmn:extensionElements></bpmn:userTask>
  <bpmn:userTask id="tham_dinh" name="Thẩm định hồ sơ"><bpmn:extensionElements>
    <spiffworkflow:properties><spiffworkflow:property name="handler" value="specialist"/>
    <spiffworkflow:property name="timeLimit" value="1d"/></spiffworkflow:properties>
  </bpmn:extensionElements></bpmn:userTask>
  <bpmn:endEvent id="end" name="Đã trả kết quả"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="tiep_nhan"/>
  <bpmn:sequenceFlow id="f2" sourceRef="tiep_nhan" targetRef="tham_dinh"/>
  <bpmn:sequenceFlow id="f3" sourceRef="tham_dinh" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>
"""


def make_unit(
    code: str | None = None,
    name: str | None = None,
    level: UnitLevel = UnitLevel.COMMUNE,
    parent: Unit | None = None,
) -> Unit:
    """A unit (a commune unless `level` says otherwise); `code` may be given to follow the
    tree's rule (an office is `<unit>.<X>`, e.g. WA.KT of the commune WA)."""
    code = code or unique("T")
    unit = Unit(
        code=code,
        name=name or f"Đơn vị {code}",
        level=level,
        parent_id=parent.id if parent else None,
    )
    db.session.add(unit)
    db.session.flush()
    return unit


def make_user(
    username: str | None = None,
    unit: Unit | None = None,
    roles=(),
    *,
    display_name: str | None = None,
    email: str | None = None,
    password: str = "mat-khau",
    active: bool = True,
) -> User:
    """An officer of `unit` (a new commune when None) holding `roles`: each a Role (in the
    officer's own unit) or a (Role, Unit) pair (a role in another unit). The password is hashed
    with the app's method (one cheap round when testing)."""
    unit = unit or make_unit()
    username = username or unique("u")
    user = User(
        username=username,
        display_name=display_name or f"Cán bộ {username}",
        email=email,
        unit_id=unit.id,
        password_hash=auth.hash_password(password),
        active=active,
    )
    for held in roles:
        role, where = held if isinstance(held, tuple) else (held, unit)
        user.roles.append(UserRole(unit_id=where.id, role=Role(role)))
    db.session.add(user)
    db.session.flush()
    return user


def make_procedure(
    code: str | None = None,
    bpmn: str | bytes = SIMPLE_BPMN,
    *,
    unit: Unit | None = None,
    name: str | None = None,
    field: str = "Lĩnh vực thử",
    level: ProcedureLevel = ProcedureLevel.COMMUNE,
    legal_limit_days: Decimal | int | str = 5,
    required_documents: list | None = None,
    online_level: OnlineLevel = OnlineLevel.FULL,
    author: User | None = None,
    offered_by: tuple[Unit, ...] = (),
) -> Procedure:
    """A catalogue entry with a published process version of `bpmn` for `unit` (None: the
    provincial template), stored by the platform's own store_version (checked and linted).
    The unit, and the units `offered_by`, decide it (motcua.services.offers)."""
    code = code or unique("9.")
    procedure = Procedure(
        code=code,
        name=name or f"Thủ tục thử {code}",
        field=field,
        level=level,
        legal_limit_days=Decimal(str(legal_limit_days)),
        required_documents=required_documents or [],
        online_level=online_level,
    )
    db.session.add(procedure)
    db.session.flush()
    # Without commit=False: services stop committing (motcua.unit_of_work) and the keyword
    # goes; in a test the service's commit only releases the session's savepoint.
    processes.store_version(procedure, unit, bpmn, author=author, publish=True)
    for offering in (unit, *offered_by) if unit is not None else offered_by:
        offers.ensure(offering, procedure, author)
    db.session.flush()
    return procedure


def insert_dossier(
    procedure: Procedure,
    unit: Unit,
    *,
    code: str | None = None,
    status: DossierStatus = DossierStatus.PROCESSING,
    received_at: datetime | None = None,
    appointment_at: datetime | None = None,
    applicant_name: str = "Nguyễn Thị Hoa",
    applicant_id_number: str = "042190001234",
    channel: Channel = Channel.DIRECT,
    steps=(),
    **fields,
) -> Dossier:
    """A dossier of `unit` written directly (no engine), on the process version it would run,
    with a task row for each of `steps` (the keyword arguments of add_task). Other Dossier
    columns (finished_at, clock_stopped_at, applicant_phone …) may be given as keywords."""
    received_at = received_at or utcnow()
    appointment_at = appointment_at or received_at + timedelta(days=7)
    dossier = Dossier(
        code=code or unique("TEST-"),
        procedure_id=procedure.id,
        unit_id=unit.id,
        receiving_unit_id=fields.pop("receiving_unit_id", unit.id),
        process_version_id=processes.version_to_run(procedure, unit).id,
        applicant_name=applicant_name,
        applicant_id_number=applicant_id_number,
        channel=channel,
        status=status,
        received_at=received_at,
        appointment_at=appointment_at,
        first_appointment_at=fields.pop("first_appointment_at", appointment_at),
        workflow_state="",
        **fields,
    )
    db.session.add(dossier)
    db.session.flush()
    for step in steps:
        add_task(dossier, **step)
    return dossier


def add_task(
    dossier: Dossier,
    *,
    unit: Unit | None = None,
    role: Role | None = Role.SPECIALIST,
    status: TaskStatus = TaskStatus.OPEN,
    assignee: User | None = None,
    candidates=(),
    step_id: str = "tham_dinh",
    step_name: str = "Thẩm định hồ sơ",
    handler: str | None = None,
    time_limit: str = "1d",
    created_at: datetime | None = None,
    due_at: datetime | None = None,
    completed_at: datetime | None = None,
    **fields,
) -> Task:
    """A task row of the dossier in the inbox of `unit` (the dossier's own by default) in the
    given state: a held step is claimed when it was created, a done one completed now by its
    assignee. `candidates` are the officers named by a `user:` handler (role None)."""
    created_at = created_at or dossier.received_at
    named = [c.username for c in candidates]
    if status == TaskStatus.DONE and completed_at is None:
        completed_at = utcnow()
    task = Task(
        dossier_id=dossier.id,
        engine_task_id=unique("task-"),
        step_id=step_id,
        step_name=step_name,
        handler=handler or (role.value if role else "user:" + ",".join(named)),
        unit_id=unit.id if unit else dossier.unit_id,
        role=role,
        time_limit=time_limit,
        status=status,
        created_at=created_at,
        due_at=due_at or created_at + timedelta(days=1),
        assignee_id=assignee.id if assignee else None,
        claimed_at=fields.pop("claimed_at", created_at if assignee else None),
        completed_at=completed_at,
        completed_by_id=fields.pop(
            "completed_by_id", assignee.id if assignee and status == TaskStatus.DONE else None
        ),
        **fields,
    )
    task.candidates = [TaskCandidate(user_id=c.id) for c in candidates]
    db.session.add(task)
    db.session.flush()
    return task


# A commune's offices since 1 July 2025, as the demo's (demo.COMMUNE_OFFICES).
OFFICES = ("VP", "KT", "VHXH")


@dataclass
class Province:
    """A province made by make_province: its units by code, its officers by username."""

    code: str
    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    @property
    def unit_ids(self) -> list[int]:
        return [u.id for u in self.units.values()]


def make_province(
    code: str = "T",
    communes: int = 2,
    departments: int = 2,
    offices: tuple[str, ...] = OFFICES,
) -> Province:
    """A province shaped like the demo's (two-level, since 1 July 2025), with names of its own,
    for read-side tests that need a whole tree (12 units and 50 officers by default; the demo
    has 17 units at work and 74 officers). With code T:

    - T, its staff t.mc1, t.cv1, t.cv2, t.ld, t.qt, and t.giamsat (supervisor), t.phantich
      (analyst), t.quantri (system administrator);
    - its service centre TTT (level centre) with the receptionists ttt.mc1, ttt.mc2;
    - departments TS1, TS2 … with the same staff as T's (ts1.mc1 …);
    - communes TX1, TX2 … each with tx1.mc1/mc2 (desk), tx1.ld1/ld2 (leaders), tx1.qt (unit
      admin), tx1.cv1 (specialist); and its offices TX1.VP, TX1.KT, TX1.VHXH, each with two
      specialists and a head: tx1.cv.kt1, tx1.cv.kt2, tx1.ld.kt ….

    No district, and nothing but offices below a commune. Every officer's password is
    "mat-khau", hashed once; the rows go in with one flush.
    """
    province = Province(code)
    prefix = code.lower()
    password_hash = auth.hash_password("mat-khau")

    def unit(unit_code, name, level, parent):
        made = Unit(code=unit_code, name=name, level=level, parent=parent)
        province.units[unit_code] = made
        return made

    def officer(username, where, *roles):
        user = User(
            username=username,
            display_name=f"Cán bộ {username}",
            unit=where,
            password_hash=password_hash,
            active=True,
        )
        user.roles = [UserRole(unit=where, role=role) for role in roles]
        province.users[username] = user

    def staff(where, short):
        officer(f"{short}.mc1", where, Role.RECEPTIONIST)
        officer(f"{short}.cv1", where, Role.SPECIALIST)
        officer(f"{short}.cv2", where, Role.SPECIALIST)
        officer(f"{short}.ld", where, Role.LEADER)
        officer(f"{short}.qt", where, Role.UNIT_ADMIN)

    root = unit(code, f"Tỉnh {code}", UnitLevel.PROVINCE, None)
    officer(f"{prefix}.quantri", root, Role.SYSTEM_ADMIN)
    officer(f"{prefix}.giamsat", root, Role.SUPERVISOR)
    officer(f"{prefix}.phantich", root, Role.ANALYST)
    staff(root, prefix)
    centre = unit(
        f"{code}TT", f"Trung tâm Phục vụ hành chính công tỉnh {code}", UnitLevel.CENTRE, root
    )
    for k in (1, 2):
        officer(f"{prefix}tt.mc{k}", centre, Role.RECEPTIONIST)
    for n in range(1, departments + 1):
        department = unit(f"{code}S{n}", f"Sở {n}", UnitLevel.DEPARTMENT, root)
        staff(department, f"{prefix}s{n}")
    for n in range(1, communes + 1):
        commune_code, short = f"{code}X{n}", f"{prefix}x{n}"
        commune = unit(commune_code, f"Xã {n}", UnitLevel.COMMUNE, root)
        for k in (1, 2):
            officer(f"{short}.mc{k}", commune, Role.RECEPTIONIST)
            officer(f"{short}.ld{k}", commune, Role.LEADER)
        officer(f"{short}.qt", commune, Role.UNIT_ADMIN)
        officer(f"{short}.cv1", commune, Role.SPECIALIST)
        for office_code in offices:
            office = unit(f"{commune_code}.{office_code}", office_code, UnitLevel.OFFICE, commune)
            for k in (1, 2):
                officer(f"{short}.cv.{office_code.lower()}{k}", office, Role.SPECIALIST)
            officer(f"{short}.ld.{office_code.lower()}", office, Role.LEADER)
    db.session.add_all([*province.units.values(), *province.users.values()])
    db.session.flush()
    return province
