"""The demo province's 2025: the districts before the reform, the dossiers they received, and
what of them a newcomer still finds open on the old process.

Replayed with the services every officer uses, their rows stamped with the day
(``motcua.models.replaying``), so that the history holds what a real one would: a district's own
variants and dossiers, the reorganisation of 1 July 2025 (Decree 118/2025/NĐ-CP art. 1.1; LAW.md
"Two-level local government": dossiers received before a reorganisation finish on the process
they started with), the steps re-homed to the commune.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from motcua import engine
from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    FINAL_STATUSES,
    Dossier,
    ProcessVersion,
    Task,
    Unit,
    User,
    replaying,
)
from motcua.services import formdata, intake, processing
from motcua.services.intake import Applicant

# The system as it was before the reform: two districts, each retired into a commune by the
# demo's reorganisation, their officers keeping their usernames (as seed 003 tells of 2023).
FORMER_DISTRICTS = [("HCLO", "Huyện Can Lộc", "CLO"), ("HHKH", "Huyện Hương Khê", "HKH")]
# A district's office, its name, and the commune's office that takes its work.
DISTRICT_OFFICES = [
    ("VP", "Văn phòng HĐND và UBND", "VP"),
    ("TCKH", "Phòng Tài chính - Kế hoạch", "KT"),
    ("KTHT", "Phòng Kinh tế - Hạ tầng", "KT"),
    ("TNMT", "Phòng Tài nguyên và Môi trường", "KT"),
    ("TP", "Phòng Tư pháp", "VP"),
]
# Before the reform each district ran the procedures with its own office advising: the office
# of the commune's template (KT, VP) → the district's office of that time.
DISTRICT_ERA_OFFICES = {
    "1.001612": ("KT", "TCKH"),
    "1.009994": ("KT", "KTHT"),
    "1.013978": ("KT", "TNMT"),
    "2.000815": ("VP", "TP"),
}
_VN = ZoneInfo("Asia/Ho_Chi_Minh")
SYSTEM_DAY = datetime(2025, 6, 2, 8, 0, tzinfo=_VN)
REFORM_DAY = datetime(2025, 7, 1, tzinfo=_VN)
COMMUNES_CONFIGURED = datetime(2025, 7, 1, 8, 0, tzinfo=_VN)
# Huyện Can Lộc's dossiers open at the reform: procedure, applicant, received, and the steps
# done (when, the data beyond the form's example).
DISTRICT_DOSSIERS = [
    (
        "1.009994",
        Applicant(
            name="Trần Văn Minh",
            id_number="042085004321",
            phone="0987654321",
            address="Thôn Trung Lộc, huyện Can Lộc, tỉnh Hà Tĩnh",
        ),
        datetime(2025, 6, 23, 9, 15, tzinfo=_VN),
        [
            (datetime(2025, 6, 23, 9, 30, tzinfo=_VN), {}),
            (datetime(2025, 6, 27, 14, 0, tzinfo=_VN), {}),
        ],
    ),
    (
        "1.013978",
        Applicant(
            name="Lê Thị Thu",
            id_number="042192007788",
            phone="0911222333",
            address="Thôn Song Lộc, huyện Can Lộc, tỉnh Hà Tĩnh",
        ),
        datetime(2025, 6, 25, 8, 40, tzinfo=_VN),
        [
            (datetime(2025, 6, 25, 9, 0, tzinfo=_VN), {}),
            (
                datetime(2025, 6, 27, 15, 30, tzinfo=_VN),
                {
                    "proposal": "supplement",
                    "reason": "Thiếu mảnh trích đo bản đồ địa chính thửa đất.",
                    "items": "Mảnh trích đo bản đồ địa chính thửa đất",
                },
            ),
        ],
    ),
]


def district_variant(template: ProcessVersion, office_names: dict[str, str]) -> bytes:
    """A district's variant of a commune's template as it ran before the reform: the steps of
    the commune's office done by the district's office of that time (DISTRICT_ERA_OFFICES),
    the lanes named so; the leader is the district's. ``office_names``: a commune office's
    suffix → its name."""
    office, to = DISTRICT_ERA_OFFICES[template.procedure.code]
    changes = {
        step.id: {"handler": step.handler.replace(f"@.{office}", f"@.{to}")}
        for step in engine.load_diagram(template.bpmn_xml).steps
        if step.handler and step.handler.endswith(f"@.{office}")
    }
    district_office = {code: name for code, name, _to in DISTRICT_OFFICES}[to]
    lane_names = {
        lane.id: lane.name.replace(office_names[office], district_office).replace(
            "UBND xã", "UBND huyện"
        )
        for lane in engine.lanes(template.bpmn_xml)
        if lane.name
    }
    return engine.set_step_properties(template.bpmn_xml, changes, lane_names)


def receive_district_dossiers(desk: User) -> None:
    """Huyện Can Lộc's desk receives DISTRICT_DOSSIERS on their days and its officers work
    their first steps: one is left with the head of the office for review, one waiting for
    the applicant's missing papers."""
    for procedure_code, applicant, received, worked in DISTRICT_DOSSIERS:
        with replaying(received):
            dossier = intake.receive(desk, procedure_code, "HCLO", applicant, "direct")
            db.session.flush()
        for at, data in worked:
            with replaying(at):
                task = open_task(dossier)
                processing.complete(
                    task.assignee or task.candidates[0].user,
                    task.id,
                    formdata.example_data(task.form, **data),
                )
                db.session.flush()


def open_task(dossier: Dossier) -> Task | None:
    return db.session.scalar(
        select(Task)
        .where(Task.dossier_id == dossier.id, Task.status.in_(ACTIVE_TASK_STATUSES))
        .order_by(Task.id)
    )


def still_open():
    """One line (in Vietnamese) per dossier of a former district still open: where it was
    received, the version it runs on, and who has it now."""
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    former = select(Unit.id).where(Unit.code.in_([code for code, _n, _c in FORMER_DISTRICTS]))
    for dossier in db.session.scalars(
        select(Dossier)
        .where(Dossier.unit_id.in_(former), Dossier.status.not_in(FINAL_STATUSES))
        .order_by(Dossier.code)
    ):
        task = open_task(dossier)
        version = dossier.process_version
        yield (
            f"Hồ sơ {dossier.code} nhận tại {dossier.receiving_unit.name} ngày "
            f"{dossier.received_at.astimezone(tz):%d/%m/%Y}, giải quyết tiếp theo quy trình "
            f"{version.unit.code} phiên bản {version.version}: {dossier.status.label}"
            + (f", bước «{task.step_name}» tại {task.unit.code}" if task else "")
        )
