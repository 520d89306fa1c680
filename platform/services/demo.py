"""The demo province: units, officers, the procedure catalogue and every diagram in bpmn/.

Demo data only: every account's password is ``demo``.
"""

import json
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from motcua.bpmn import BPMN_DIR
from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    OnlineLevel,
    Procedure,
    ProcedureLevel,
    Role,
    Task,
    Unit,
    UnitLevel,
    User,
    UserRole,
)
from motcua.services import auth, formdata, intake, offers, processes, processing
from motcua.services.intake import Applicant

PROVINCE = ("HTI", "Tỉnh Hà Tĩnh")
DEPARTMENTS = [
    ("VPDKDD", "Văn phòng Đăng ký đất đai tỉnh Hà Tĩnh"),
    ("SXD", "Sở Xây dựng tỉnh Hà Tĩnh"),
]
DISTRICTS = [
    ("CLO", "Huyện Can Lộc", ("CLO.THIENLOC", "Xã Thiên Lộc")),
    ("HKH", "Huyện Hương Khê", ("HKH.HUONGTRACH", "Xã Hương Trạch")),
]
OFFICES = [
    ("VP", "Văn phòng HĐND và UBND"),
    ("TCKH", "Phòng Tài chính - Kế hoạch"),
    ("KTHT", "Phòng Kinh tế - Hạ tầng"),
    ("TNMT", "Phòng Tài nguyên và Môi trường"),
    ("TP", "Phòng Tư pháp"),
]
PASSWORD = "demo"

_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Đỗ"]
_GIVEN = [
    "Văn An",
    "Thị Bình",
    "Văn Cường",
    "Thị Dung",
    "Minh Đức",
    "Thị Hà",
    "Quốc Hùng",
    "Thị Lan",
    "Văn Long",
    "Thị Mai",
    "Hữu Nam",
    "Thị Oanh",
    "Văn Phúc",
    "Thị Quyên",
    "Đức Sơn",
    "Thị Thảo",
    "Văn Tuấn",
    "Thị Uyên",
    "Quang Vinh",
    "Thị Xuân",
]


def is_loaded() -> bool:
    return db.session.scalar(select(Unit.id).where(Unit.code == PROVINCE[0])) is not None


def load() -> None:
    """Create the demo province and publish every diagram of bpmn/. Commits once."""
    password_hash = auth.hash_password(PASSWORD)  # one slow hash for all demo accounts
    people = _People(password_hash)

    province = _unit(PROVINCE[0], PROVINCE[1], UnitLevel.PROVINCE, None)
    people.add("admin", "Quản trị hệ thống", province, [Role.SYSTEM_ADMIN])
    people.add("hti.giamsat", None, province, [Role.SUPERVISOR])
    people.add("hti.phantich", None, province, [Role.ANALYST])
    _staff(people, province, "hti")
    for code, name in DEPARTMENTS:
        unit = _unit(code, name, UnitLevel.DEPARTMENT, province)
        _staff(people, unit, code.lower())
    for code, name, (commune_code, commune_name) in DISTRICTS:
        district = _unit(code, name, UnitLevel.DISTRICT, province)
        prefix = code.lower()
        for n in (1, 2):
            people.add(f"{prefix}.mc{n}", None, district, [Role.RECEPTIONIST])
            people.add(f"{prefix}.ld{n}", None, district, [Role.LEADER])
        people.add(f"{prefix}.qt", None, district, [Role.UNIT_ADMIN])
        people.add(f"{prefix}.cv1", None, district, [Role.SPECIALIST])
        for office_code, office_name in OFFICES:
            office = _unit(f"{code}.{office_code}", office_name, UnitLevel.OFFICE, district)
            suffix = office_code.lower()
            for n in (1, 2):
                people.add(f"{prefix}.cv.{suffix}{n}", None, office, [Role.SPECIALIST])
            people.add(f"{prefix}.ld.{suffix}", None, office, [Role.LEADER])
        commune = _unit(commune_code, commune_name, UnitLevel.COMMUNE, district)
        _staff(people, commune, commune_code.lower())
    db.session.flush()

    for entry in json.loads((BPMN_DIR / "catalogue.json").read_text(encoding="utf-8")):
        procedure = Procedure(
            code=entry["code"],
            name=entry["name"],
            field=entry["field"],
            level=ProcedureLevel(entry["level"]),
            legal_limit_days=Decimal(str(entry["legal_limit_days"])),
            fees=entry.get("fees", ""),
            required_documents=entry.get("required_documents", []),
            online_level=OnlineLevel(entry["online_level"]),
        )
        db.session.add(procedure)
        db.session.flush()
        analyst = people.by_name["hti.phantich"]
        template = BPMN_DIR / "templates" / f"{procedure.code}.bpmn"
        template_version = processes.store_version(
            procedure, None, template.read_bytes(), author=analyst, publish=True
        )
        for code, _name, _commune in DISTRICTS:
            variant = BPMN_DIR / "variants" / code / f"{procedure.code}.bpmn"
            if variant.exists():
                unit_admin = people.by_name[f"{code.lower()}.qt"]
                unit = _unit_by_code(code)
                processes.store_version(
                    procedure,
                    unit,
                    variant.read_bytes(),
                    author=unit_admin,
                    publish=True,
                    template_version=template_version,
                )
                offers.ensure(unit, procedure, unit_admin)


def _staff(people: "_People", unit: Unit, prefix: str) -> None:
    people.add(f"{prefix}.mc1", None, unit, [Role.RECEPTIONIST])
    people.add(f"{prefix}.cv1", None, unit, [Role.SPECIALIST])
    people.add(f"{prefix}.cv2", None, unit, [Role.SPECIALIST])
    people.add(f"{prefix}.ld", None, unit, [Role.LEADER])
    people.add(f"{prefix}.qt", None, unit, [Role.UNIT_ADMIN])


def _unit(code: str, name: str, level: UnitLevel, parent: Unit | None) -> Unit:
    unit = Unit(code=code, name=name, level=level, parent=parent)
    db.session.add(unit)
    return unit


def _unit_by_code(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


class _People:
    def __init__(self, password_hash: str):
        self.password_hash = password_hash
        self.by_name: dict[str, User] = {}

    def add(self, username: str, display_name: str | None, unit: Unit, roles: list[Role]) -> User:
        n = len(self.by_name)
        name = display_name or f"{_SURNAMES[n % len(_SURNAMES)]} {_GIVEN[n % len(_GIVEN)]}"
        user = User(
            username=username,
            display_name=name,
            unit=unit,
            password_hash=self.password_hash,
            active=True,
        )
        user.roles = [UserRole(unit=unit, role=role) for role in roles]
        db.session.add(user)
        self.by_name[username] = user
        return user


SAMPLE_APPLICANT = Applicant(
    name="Nguyễn Thị Hoa",
    id_number="042190001234",
    phone="0912345678",
    email="hoa@example.vn",
    address="Thôn Phú Lộc, xã Thiên Lộc, huyện Can Lộc",
)


def walk_through(unit_code: str = "CLO", procedure_code: str = "1.009994", steps: int = 3):
    """Receive a sample dossier and work its first steps as the demo officers would.

    Yields one line per step (in Vietnamese) saying who has the dossier next and until when,
    so that a newcomer sees the routing that the district's own diagram gives.
    """
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    desk = db.session.scalar(select(User).where(User.username == f"{unit_code.lower()}.mc1"))
    dossier = intake.receive(desk, procedure_code, unit_code, SAMPLE_APPLICANT, "direct")
    yield (
        f"Hồ sơ {dossier.code} ({dossier.procedure.name}) tiếp nhận lúc "
        f"{dossier.received_at.astimezone(tz):%d/%m/%Y %H:%M}, hẹn trả "
        f"{dossier.appointment_at.astimezone(tz):%d/%m/%Y %H:%M}"
    )
    for _ in range(steps):
        task = db.session.scalar(
            select(Task).where(Task.dossier_id == dossier.id, Task.status.in_(ACTIVE_TASK_STATUSES))
        )
        if task is None:
            return
        yield (
            f"  → {task.step_name}: {task.handler} tại {task.unit.code} "
            f"({len(task.candidates)} cán bộ), hạn {task.due_at.astimezone(tz):%d/%m/%Y %H:%M}"
        )
        officer = task.assignee or task.candidates[0].user
        processing.complete(officer, task.id, formdata.example_data(task.form))
