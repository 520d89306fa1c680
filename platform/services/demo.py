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
    OnlineLevel,
    Procedure,
    ProcedureLevel,
    Role,
    Unit,
    UnitLevel,
    User,
    UserRole,
    replaying,
)
from motcua.services import (
    auth,
    diagrams,
    fee_lines,
    formdata,
    intake,
    offers,
    processes,
    processing,
    reorganisation,
)
from motcua.services.demo_history import (
    COMMUNES_CONFIGURED,
    DISTRICT_ERA_OFFICES,
    DISTRICT_OFFICES,
    FORMER_DISTRICTS,
    REFORM_DAY,
    SYSTEM_DAY,
    district_variant,
    open_task,
    receive_district_dossiers,
)
from motcua.services.intake import Applicant

# Demo data shaped as a province is since 1 July 2025 (Decree 118/2025/NĐ-CP art. 1.1; LAW.md
# "Two-level local government"): the province, its service centre with a branch, two departments
# and three communes, each with the three offices of a commune. The identifiers have the shape of
# TT 10/2016/TT-BTTTT's codes but are not Hà Tĩnh's real ones.
PROVINCE = ("HTI", "Tỉnh Hà Tĩnh", "000.00.00.H30")
CENTRE = ("TTHCC", "Trung tâm Phục vụ hành chính công tỉnh Hà Tĩnh", "000.00.01.H30")
BRANCH = ("TTHCC.CN1", "Chi nhánh số 1 Trung tâm Phục vụ hành chính công tỉnh", "000.01.01.H30")
DEPARTMENTS = [
    (("VPDKDD", "Văn phòng Đăng ký đất đai tỉnh Hà Tĩnh", "000.00.25.H30"), ()),
    (
        ("SXD", "Sở Xây dựng tỉnh Hà Tĩnh", "000.00.20.H30"),
        (("VP", "Văn phòng Sở"), ("QLXD", "Phòng Quản lý hoạt động xây dựng")),
    ),
]
# The department that decides each provincial procedure of the catalogue.
DECIDED_BY = {"1.009974": "SXD"}
COMMUNES = [
    ("CLO", "Xã Can Lộc", "000.20.50.H30"),
    ("HKH", "Xã Hương Khê", "000.21.50.H30"),
    ("TLOC", "Xã Tùng Lộc", "000.22.50.H30"),
]
COMMUNE_OFFICES = [
    ("VP", "Văn phòng HĐND và UBND"),
    ("KT", "Phòng Kinh tế"),
    ("VHXH", "Phòng Văn hóa - Xã hội"),
]
PASSWORD = "demo"
# Fee lines of two procedures (motcua.services.fee_lines), one "by the case"; the amounts are
# illustrative, not Hà Tĩnh's resolution's.
DEMO_FEE_LINES = {
    "1.013978": "LPGCN | Lệ phí cấp Giấy chứng nhận quyền sử dụng đất | lệ phí | 100000\n"
    "PTĐ | Phí thẩm định hồ sơ cấp Giấy chứng nhận | phí | theo từng trường hợp",
    "1.009974": "LPGPXD | Lệ phí cấp giấy phép xây dựng | lệ phí | 150000",
}

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
    """Create the demo province and publish every diagram of bpmn/. Commits once.

    The demo replays the province's 2025 with the services every officer uses (their rows
    stamped with the day, ``replaying``): in June the system of the old districts runs the
    procedures on their own variants and receives dossiers; on 1 July the reorganisation retires
    each district into its commune (its variants copied as the commune's drafts), and the
    communes' admins publish their own variants. Two dossiers of Huyện Can Lộc stay open on the
    district's version, their steps re-homed to Xã Can Lộc.
    """
    password_hash = auth.hash_password(PASSWORD)  # one slow hash for all demo accounts
    people = _People(password_hash)
    with replaying(SYSTEM_DAY):
        admin = _units_and_people(people)
        procedures = _catalogue(people)
        db.session.flush()
    receive_district_dossiers(people.by_name["clo.mc1"])
    with replaying(REFORM_DAY):
        for code, _name, commune in FORMER_DISTRICTS:
            offices = {f"{code}.{office}": f"{commune}.{to}" for office, _n, to in DISTRICT_OFFICES}
            reorganisation.apply(admin, [code], [commune], offices)
        db.session.flush()
    with replaying(COMMUNES_CONFIGURED):
        for procedure in procedures:
            _publish_variants(people, procedure)
        db.session.flush()


def _units_and_people(people: "_People") -> User:
    """The province as it stood before the reform: its centre, departments and new communes,
    and the two districts with their officers. Returns the system admin."""
    province = _unit(PROVINCE, UnitLevel.PROVINCE, None)
    admin = people.add("admin", "Quản trị hệ thống", province, [Role.SYSTEM_ADMIN])
    people.add("hti.giamsat", None, province, [Role.SUPERVISOR])
    people.add("hti.phantich", None, province, [Role.ANALYST])
    centre = _unit(CENTRE, UnitLevel.CENTRE, province)
    for n in (1, 2):
        people.add(f"tthcc.mc{n}", None, centre, [Role.RECEPTIONIST])
    people.add("tthcc.ld", None, centre, [Role.LEADER])
    people.add("tthcc.qt", None, centre, [Role.UNIT_ADMIN])
    branch = _unit(BRANCH, UnitLevel.BRANCH, centre)
    people.add("tthcc.cn1.mc1", None, branch, [Role.RECEPTIONIST])
    for entry, offices in DEPARTMENTS:
        department = _unit(entry, UnitLevel.DEPARTMENT, province)
        _staff(people, department, department.code.lower())
        for code, name in offices:
            office = _unit((f"{department.code}.{code}", name, None), UnitLevel.OFFICE, department)
            _office_staff(people, office, department.code.lower())
    # CLO and HKH get their officers from the districts the reorganisation retires.
    staffed_by_districts = {commune for _code, _name, commune in FORMER_DISTRICTS}
    for entry in COMMUNES:
        commune = _unit(entry, UnitLevel.COMMUNE, province)
        offices = [
            _unit((f"{commune.code}.{code}", name, None), UnitLevel.OFFICE, commune)
            for code, name in COMMUNE_OFFICES
        ]
        if commune.code not in staffed_by_districts:
            _staff(people, commune, commune.code.lower())
            for office in offices:
                _office_staff(people, office, commune.code.lower())
    for code, name, _commune in FORMER_DISTRICTS:
        _former_district(people, province, code, name)
    # The accounts the receiving desks publish for fees paid by bank transfer (illustrative).
    for number, unit in enumerate([centre, *(_unit_by_code(c[0]) for c in COMMUNES)], start=1):
        unit.fee_account = (
            f"Kho bạc Nhà nước tỉnh Hà Tĩnh\nSố tài khoản: 3511.0.10{number:05d}\n"
            f"Chủ tài khoản: {unit.name}"
        )
    db.session.flush()
    return admin


def _catalogue(people: "_People") -> list[Procedure]:
    """The procedures of bpmn/catalogue.json with their templates, the departments' offers of
    the provincial ones, and each district's own variant as it ran before the reform."""
    analyst = people.by_name["hti.phantich"]
    procedures = []
    for entry in json.loads((BPMN_DIR / "catalogue.json").read_text(encoding="utf-8")):
        procedure = Procedure(
            code=entry["code"],
            name=entry["name"],
            field=entry["field"],
            level=ProcedureLevel(entry["level"]),
            level_note=entry.get("level_note", ""),
            legal_limit_days=Decimal(str(entry["legal_limit_days"])),
            fees=entry.get("fees", ""),
            required_documents=entry.get("required_documents", []),
            online_level=OnlineLevel(entry["online_level"]),
            partial_online_reason=entry.get("partial_online_reason", ""),
        )
        db.session.add(procedure)
        db.session.flush()
        if procedure.code in DEMO_FEE_LINES:
            fee_lines.set_lines(procedure, fee_lines.parse(DEMO_FEE_LINES[procedure.code]))
        template = processes.store_version(
            procedure,
            None,
            (BPMN_DIR / "templates" / f"{procedure.code}.bpmn").read_bytes(),
            author=analyst,
            publish=True,
        )
        procedures.append(procedure)
        if procedure.code in DECIDED_BY:
            department = DECIDED_BY[procedure.code]
            offers.offer(people.by_name[f"{department.lower()}.qt"], department, procedure.code)
        if procedure.code in DISTRICT_ERA_OFFICES:
            xml = district_variant(template, dict(COMMUNE_OFFICES))
            for code, _name, _commune in FORMER_DISTRICTS:
                district = _unit_by_code(code)
                admin = people.by_name[f"{code.removeprefix('H').lower()}.qt"]
                processes.store_version(
                    procedure, district, xml, author=admin, publish=True, template_version=template
                )
                offers.ensure(district, procedure, admin)
    return procedures


def _publish_variants(people: "_People", procedure: Procedure) -> None:
    """The communes' own variants in bpmn/variants/<unit>/, saved over the draft the
    reorganisation copied from the district and published, as their admins do."""
    template = processes.newest_version(procedure, None)
    for variant in sorted((BPMN_DIR / "variants").glob(f"*/{procedure.code}.bpmn")):
        unit = _unit_by_code(variant.parent.name)
        unit_admin = people.by_name[f"{unit.code.lower()}.qt"]
        diagrams.save_draft(
            procedure, unit, variant.read_bytes(), unit_admin, template_version=template
        )
        diagrams.publish(procedure, unit, unit_admin)


def _former_district(people: "_People", province: Unit, code: str, name: str) -> None:
    """A district of the old system with its officers; ``clo.mc1`` … as they were called then."""
    district = _unit((code, name, None), UnitLevel.DISTRICT, province)
    prefix = code.removeprefix("H").lower()
    for n in (1, 2):
        people.add(f"{prefix}.mc{n}", None, district, [Role.RECEPTIONIST])
        people.add(f"{prefix}.ld{n}", None, district, [Role.LEADER])
    people.add(f"{prefix}.qt", None, district, [Role.UNIT_ADMIN])
    people.add(f"{prefix}.cv1", None, district, [Role.SPECIALIST])
    for office_code, office_name, _to in DISTRICT_OFFICES:
        office = _unit((f"{code}.{office_code}", office_name, None), UnitLevel.OFFICE, district)
        _office_staff(people, office, prefix)


def _office_staff(people: "_People", office: Unit, prefix: str) -> None:
    """Two specialists and a head: ``clo.cv.kt1``, ``clo.cv.kt2``, ``clo.ld.kt``."""
    suffix = office.code.rsplit(".", 1)[1].lower()
    for n in (1, 2):
        people.add(f"{prefix}.cv.{suffix}{n}", None, office, [Role.SPECIALIST])
    people.add(f"{prefix}.ld.{suffix}", None, office, [Role.LEADER])


def _staff(people: "_People", unit: Unit, prefix: str) -> None:
    people.add(f"{prefix}.mc1", None, unit, [Role.RECEPTIONIST])
    people.add(f"{prefix}.cv1", None, unit, [Role.SPECIALIST])
    people.add(f"{prefix}.cv2", None, unit, [Role.SPECIALIST])
    people.add(f"{prefix}.ld", None, unit, [Role.LEADER])
    people.add(f"{prefix}.qt", None, unit, [Role.UNIT_ADMIN])


def _unit(entry: tuple[str, str, str | None], level: UnitLevel, parent: Unit | None) -> Unit:
    code, name, identifier = entry
    unit = Unit(code=code, name=name, identifier=identifier, level=level, parent=parent)
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
    address="Thôn Phú Lộc, xã Can Lộc, tỉnh Hà Tĩnh",
)


def walk_through(
    unit_code: str = "CLO",
    procedure_code: str = "1.009994",
    steps: int = 3,
    desk_code: str | None = None,
):
    """Receive a sample dossier at ``desk_code``'s desk (by default the competent unit's own)
    for ``unit_code`` to decide, and work its first steps as the demo officers would.

    Yields one line per step (in Vietnamese) saying who has the dossier next and until when,
    so that a newcomer sees the routing that the commune's own diagram gives, and the hand-over
    when another centre received it (Decree 118/2025/NĐ-CP art. 14, 17.3).
    """
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    desk_code = desk_code or unit_code
    desk = db.session.scalar(select(User).where(User.username == f"{desk_code.lower()}.mc1"))
    dossier = intake.receive(
        desk, procedure_code, desk_code, SAMPLE_APPLICANT, "direct", competent_unit_code=unit_code
    )
    yield (
        f"Hồ sơ {dossier.code} ({dossier.procedure.name}) tiếp nhận tại {desk.unit.name} lúc "
        f"{dossier.received_at.astimezone(tz):%d/%m/%Y %H:%M}, hẹn trả "
        f"{dossier.appointment_at.astimezone(tz):%d/%m/%Y %H:%M}"
    )
    for _ in range(steps):
        task = open_task(dossier)
        if task is None:
            return
        yield (
            f"  → {task.step_name}: {task.handler} tại {task.unit.code} "
            f"({len(task.candidates)} cán bộ), hạn {task.due_at.astimezone(tz):%d/%m/%Y %H:%M}"
        )
        officer = task.assignee or task.candidates[0].user
        processing.complete(officer, task.id, formdata.example_data(task.form))
