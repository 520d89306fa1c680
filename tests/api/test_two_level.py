"""Only what a unit can work is received there; a dossier received at another centre is handed
over to its competent unit; a reorganisation retires a unit without losing its work."""

from dataclasses import asdict
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from motcua.bpmn import BPMN_DIR
from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import Dossier, Event, Procedure, Task, Unit, User
from motcua.services import diagrams, offers, org, processes, reorganisation, report_counts
from motcua.services import report_periods as periods
from motcua.services.formdata import example_data
from motcua.unit_of_work import unit_of_work
from motcua.vocabulary import ACTIVE_TASK_STATUSES, EventKind, UnitLevel
from tests.conftest import NONE_NEEDED

HOUSEHOLD = "1.001612"
APPLICANT = {"name": "Nguyễn Thị Hoa", "id_number": "042190001234"}


def _count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_unit_that_does_not_decide_the_procedure_receives_nothing(app, login_as):
    """The defect of issue 11: a commune desk got 201 for a procedure its diagram could not
    run, and the dossier stuck on handler_unresolved; the department desks too. Tùng Lộc offers
    nothing yet, the Department of Construction none of these commune procedures, and the
    provincial centre decides nothing of its own."""
    before = (_count(app, Dossier), _count(app, Task), _count(app, Event))
    for desk, unit in (("tloc.mc1", "TLOC"), ("sxd.mc1", "SXD"), ("tthcc.mc1", "TTHCC")):
        for code in ("1.001612", "1.009994", "2.000815", "1.013978"):
            body = {"procedure_code": code, "unit_code": unit, "applicant": APPLICANT}
            response = login_as(desk).post("/dossiers", json=body)
            assert response.status_code == 422, response.get_json()
            error = response.get_json()["error"]
            assert error["code"] == "procedure_not_offered"
            assert code in error["message"] and "không giải quyết" in error["message"]
    assert (_count(app, Dossier), _count(app, Task), _count(app, Event)) == before


@pytest.mark.parametrize(
    ("desk", "unit"),
    [("tthcc.mc1", "TTHCC"), ("tthcc.cn1.mc1", "TTHCC.CN1"), ("tloc.mc1", "TLOC")],
)
def test_a_dossier_received_at_another_centre_goes_to_its_competent_unit(app, login_as, desk, unit):
    """Received at the provincial centre, its branch or another commune's centre, decided by
    Can Lộc: the desk keeps the receipt, the competent unit gets the steps, and the hand-over
    restarts the clock (art. 14, art. 17.3)."""
    body = {
        "procedure_code": HOUSEHOLD,
        "unit_code": unit,
        "competent_unit_code": "CLO",
        "applicant": APPLICANT,
        "complete": True,
        "not_needed": NONE_NEEDED,
    }
    response = login_as(desk).post("/dossiers", json=body)
    assert response.status_code == 201, response.get_json()
    code = response.get_json()["code"]
    with app.app_context():
        identifier = db.session.scalar(sa.select(Unit.identifier).where(Unit.code == unit))
    assert code.startswith(f"{identifier}-")  # the receiving centre's identifier
    seen = login_as(desk).get(f"/dossiers/{code}").get_json()
    assert seen["unit"] == "CLO" and seen["receiving_unit"] == unit
    assert seen["handed_over_at"] is not None
    handed = [e for e in seen["events"] if e["kind"] == EventKind.HANDED_OVER]
    assert len(handed) == 1
    # The competent unit's officers see and work it; the receipt desk still sees it.
    assert login_as("clo.cv.tckh1").get(f"/dossiers/{code}").status_code == 200
    assert login_as("hkh.mc1").get(f"/dossiers/{code}").status_code == 404
    with app.app_context():
        dossier = db.session.scalar(sa.select(Dossier).where(Dossier.code == code))
        [open_step] = [t for t in dossier_tasks(dossier) if t.status in ACTIVE_TASK_STATUSES]
        assert open_step.unit.code == "CLO.KT"
        assert dossier.appointment_at == dossier.first_appointment_at


def test_without_a_competent_unit_the_error_names_those_that_decide(app, login_as):
    body = {"procedure_code": HOUSEHOLD, "unit_code": "TTHCC", "applicant": APPLICANT}
    error = login_as("tthcc.mc1").post("/dossiers", json=body).get_json()["error"]
    assert error["code"] == "procedure_not_offered"
    assert "Xã Can Lộc (CLO), Xã Hương Khê (HKH)" in error["details"]["competent_unit"]


def test_the_demo_districts_are_history(app):
    """The demo's own reorganisation: the districts retired into the communes on 1 July 2025,
    their officers there under the same usernames, their offices' work in the new offices."""
    with app.app_context():
        units = {u.code: u for u in db.session.scalars(sa.select(Unit))}
        for district, commune in (("HCLO", "CLO"), ("HHKH", "HKH")):
            assert units[district].level == UnitLevel.DISTRICT and units[district].retired
            assert units[district].successor.code == commune
        assert units["HCLO.TCKH"].successor.code == "CLO.KT"
        assert units["HCLO.TP"].successor.code == "CLO.VP"
        assert not [u for u in units.values() if u.level == UnitLevel.DISTRICT and not u.retired]
        officer = db.session.scalar(sa.select(User).where(User.username == "clo.cv.tckh1"))
        assert officer.unit.code == "CLO.KT"
        assert not db.session.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.unit_id == units["HCLO"].id)
        )


def dossier_tasks(dossier):
    return list(db.session.scalars(sa.select(Task).where(Task.dossier_id == dossier.id)))


def test_a_merge_keeps_usernames_rehomes_open_steps_and_rolls_reports_up(app, login_as):
    """Tùng Lộc merged into Can Lộc with a dossier open at Tùng Lộc's desk."""
    body = {
        "procedure_code": HOUSEHOLD,
        "unit_code": "TLOC",
        "competent_unit_code": "HKH",
        "applicant": APPLICANT,
    }
    response = login_as("tloc.mc1").post("/dossiers", json=body)
    assert response.status_code == 201, response.get_json()
    code = response.get_json()["code"]
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        preview = reorganisation.plan(admin, ["TLOC"], ["CLO"])
        assert [(m.unit.code, m.target.code) for m in preview.moves] == [
            ("TLOC", "CLO"),
            ("TLOC.KT", "CLO.KT"),
            ("TLOC.VHXH", "CLO.VHXH"),
            ("TLOC.VP", "CLO.VP"),
        ]
        assert "tloc.mc1" in [u.username for u in preview.moves[0].officers]
        assert preview.moves[0].open_tasks == 1
        # The preview changed nothing.
        assert db.session.scalar(sa.select(Unit).where(Unit.code == "TLOC")).retired_at is None
        with unit_of_work():
            reorganisation.apply(admin, ["TLOC"], ["CLO"])
        old = db.session.scalar(sa.select(Unit).where(Unit.code == "TLOC"))
        new = db.session.scalar(sa.select(Unit).where(Unit.code == "CLO"))
        assert old.retired and old.successor_id == new.id
        office = db.session.scalar(sa.select(User).where(User.username == "tloc.cv.kt1"))
        assert office.unit.code == "CLO.KT"
        desk = db.session.scalar(sa.select(User).where(User.username == "tloc.mc1"))
        assert desk.unit_id == new.id and org.has_role(desk, "receptionist", new.id)
        dossier = db.session.scalar(sa.select(Dossier).where(Dossier.code == code))
        assert dossier.receiving_unit_id == old.id  # history is not rewritten
        [step] = [t for t in dossier_tasks(dossier) if t.status in ACTIVE_TASK_STATUSES]
        assert step.unit_id == new.id
        kinds = db.session.scalars(sa.select(Event.kind).where(Event.dossier_id == dossier.id))
        assert EventKind.REHOMED in list(kinds)
        assert old.id in org.subtree_ids({new.id})
    # The moved desk officer finishes the check step under the same username.
    task_id = step.id
    done = login_as("tloc.mc1").post(
        f"/tasks/{task_id}/complete", json={"data": {"complete": True}}
    )
    assert done.status_code == 200, done.get_json()
    # Nothing is received at the retired unit any more.
    again = login_as("tloc.mc1").post("/dossiers", json=body)
    assert again.status_code in (403, 422)


def _figures(app, unit_code):
    today = datetime.now(ZoneInfo(app.config["TIMEZONE"])).date()
    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    report = report_counts.statistics(admin, unit_code, periods.containing("month", today))
    return asdict(report.total)


def test_a_report_spanning_a_merge_counts_every_dossier_once(app, login_as):
    """Tùng Lộc decides the household business and receives for Hương Khê; it then merges into
    Can Lộc. The province's figures do not move; Can Lộc's now include Tùng Lộc's; Tùng Lộc's
    own report, history, still reads the same."""
    with app.app_context(), unit_of_work():
        admin = db.session.scalar(sa.select(User).where(User.username == "tloc.qt"))
        offers.offer(admin, "TLOC", HOUSEHOLD)
    for desk, unit, competent in (
        ("tloc.mc1", "TLOC", "TLOC"),
        ("tloc.mc1", "TLOC", "TLOC"),
        ("tloc.mc1", "TLOC", "HKH"),
        ("clo.mc1", "CLO", "CLO"),
    ):
        body = {
            "procedure_code": HOUSEHOLD,
            "unit_code": unit,
            "competent_unit_code": competent,
            "applicant": APPLICANT,
            "complete": True,
            "not_needed": NONE_NEEDED,
        }
        assert login_as(desk).post("/dossiers", json=body).status_code == 201
    with app.app_context():
        before = {code: _figures(app, code) for code in ("HTI", "CLO", "TLOC", "HKH")}
        assert before["HTI"]["received_direct"] == 4
        assert (before["CLO"]["received_direct"], before["TLOC"]["received_direct"]) == (1, 3)
        with unit_of_work():
            admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
            reorganisation.apply(admin, ["TLOC"], ["CLO"])
        after = {code: _figures(app, code) for code in ("HTI", "CLO", "TLOC", "HKH")}
    assert after["HTI"] == before["HTI"]
    assert after["TLOC"] == before["TLOC"] and after["HKH"] == before["HKH"]
    assert after["CLO"]["received_direct"] == 4
    assert after["CLO"]["in_progress_on_time"] == (
        before["CLO"]["in_progress_on_time"] + before["TLOC"]["in_progress_on_time"]
    )


def test_a_template_that_would_break_a_unit_running_it_is_not_published(app):
    """Tùng Lộc runs the household business on the province's template; a new template naming
    an office Tùng Lộc does not have is refused, listing Tùng Lộc and the step, and nothing is
    published. Can Lộc and Hương Khê have their own variants and are not in the way."""
    with app.app_context():
        with unit_of_work():
            tloc_admin = db.session.scalar(sa.select(User).where(User.username == "tloc.qt"))
            offers.offer(tloc_admin, "TLOC", HOUSEHOLD)
        analyst = db.session.scalar(sa.select(User).where(User.username == "hti.phantich"))
        procedure = db.session.scalar(sa.select(Procedure).where(Procedure.code == HOUSEHOLD))
        published = processes.newest_version(procedure, None)
        xml = (BPMN_DIR / "templates" / f"{HOUSEHOLD}.bpmn").read_text(encoding="utf-8")
        assert xml.count('value="specialist@.KT"') == 2
        broken = xml.replace('value="specialist@.KT"', 'value="specialist@.TCKH"')
        with pytest.raises(Invalid) as refused, unit_of_work():
            diagrams.save_draft(procedure, None, broken, analyst)
            diagrams.publish(procedure, None, analyst)
        assert refused.value.code == "template_breaks_units"
        assert "Xã Tùng Lộc" in refused.value.message
        messages = [d["message"] for d in refused.value.details]
        assert messages and all(m.startswith("TLOC: ") for m in messages)
        assert any("TLOC.TCKH" in m for m in messages)
        assert processes.newest_version(procedure, None).id == published.id
        assert diagrams.draft_of(procedure, None) is None  # the refused act kept nothing


def _finish(login_as, code):
    """Work the dossier to its end as the officers it is given to would; its final status."""
    admin = login_as("admin")
    for _ in range(40):
        dossier = admin.get(f"/dossiers/{code}").get_json()
        active = [t for t in dossier["tasks"] if t["status"] in ("open", "claimed")]
        if not active:
            return dossier["status"]
        task = admin.get(f"/tasks/{active[0]['id']}").get_json()
        officer = login_as(task["assignee"] or task["candidates"][0]["username"])
        if task["assignee"] is None:
            assert officer.post(f"/tasks/{task['id']}/claim").status_code == 200
        if task["returns_result"]:
            assert officer.upload(code, "kq.pdf", b"%PDF kq", kind="result").status_code == 201
        data = example_data(task["form"], decision="approve")
        done = officer.post(f"/tasks/{task['id']}/complete", json={"data": data})
        assert done.status_code == 200, done.get_json()
    raise AssertionError("the dossier did not end within 40 steps")


def test_two_communes_merge_with_dossiers_open_in_both_and_every_one_finishes(app, login_as):
    """Tùng Lộc (on the province's template) and Can Lộc (its own variant) each have dossiers
    open at the desk and in an office; after the merge every one is worked to the end, Tùng
    Lộc's on the version it started with, by officers under their old usernames."""
    with app.app_context(), unit_of_work():
        tloc_admin = db.session.scalar(sa.select(User).where(User.username == "tloc.qt"))
        offers.offer(tloc_admin, "TLOC", HOUSEHOLD)
    opened = {}
    for desk, unit, complete in (
        ("tloc.mc1", "TLOC", False),
        ("tloc.mc1", "TLOC", True),
        ("clo.mc1", "CLO", False),
        ("clo.mc1", "CLO", True),
    ):
        body = {"procedure_code": HOUSEHOLD, "unit_code": unit, "applicant": APPLICANT}
        if complete:
            body["complete"], body["not_needed"] = True, NONE_NEEDED
        created = login_as(desk).post("/dossiers", json=body).get_json()
        seen = login_as("admin").get(f"/dossiers/{created['code']}").get_json()
        opened[created["code"]] = (seen["process_version"], unit == "TLOC" and complete)
    with app.app_context():
        with unit_of_work():
            admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
            plan = reorganisation.apply(admin, ["TLOC"], ["CLO"])
        assert sum(m.open_dossiers for m in plan.moves) == 2
        assert {u.username for m in plan.moves for u in m.officers} >= {"tloc.mc1", "tloc.cv.kt1"}
    for code, (version, in_tloc_office) in opened.items():
        assert _finish(login_as, code) == "returned"
        dossier = login_as("admin").get(f"/dossiers/{code}").get_json()
        assert dossier["process_version"] == version
        assert dossier["unit"] == dossier["receiving_unit"]  # the competent unit is not rewritten
        if in_tloc_office:  # its open step moved to CLO.KT with its officers, same usernames
            workers = {t["completed_by"] for t in dossier["tasks"]}
            assert workers & {"tloc.cv.kt1", "tloc.cv.kt2"}


def test_the_former_district_s_open_dossiers_finish_on_its_version(app, login_as):
    """The demo's Huyện Can Lộc received two dossiers in June 2025 still open at the reform. They
    keep the district as their unit and its own version; their open steps moved to Xã Can Lộc
    on 1 July 2025, and every later step finds the commune's offices through the successor
    links; officers finish them under their district-era usernames."""
    admin = login_as("admin")
    for code, status, unit in (
        ("HCLO-250623-0001", "processing", "CLO.KT"),
        ("HCLO-250625-0001", "waiting_applicant", "CLO"),
    ):
        dossier = admin.get(f"/dossiers/{code}").get_json()
        assert (dossier["status"], dossier["unit"], dossier["receiving_unit"]) == (
            status,
            "HCLO",
            "HCLO",
        )
        assert dossier["received_at"].startswith("2025-06-2")
        [open_step] = [t for t in dossier["tasks"] if t["status"] in ("open", "claimed")]
        assert open_step["unit"] == unit
        [rehomed] = [e for e in dossier["events"] if e["kind"] == EventKind.REHOMED]
        assert rehomed["at"].startswith("2025-06-30T17:00")  # 1 July 2025, 00:00 in Hà Tĩnh
        before = {t["id"]: t["unit"] for t in dossier["tasks"] if t["status"] == "done"}
        assert set(before.values()) <= {"HCLO", "HCLO.KTHT", "HCLO.TNMT"}

        assert _finish(login_as, code) == "returned"
        done = admin.get(f"/dossiers/{code}").get_json()
        # The history stays as it was; the work after the reform was the commune's.
        assert {t["id"]: t["unit"] for t in done["tasks"] if t["id"] in before} == before
        after = [t for t in done["tasks"] if t["id"] not in before]
        assert {t["unit"] for t in after} <= {"CLO", "CLO.KT", "CLO.VP", "VPDKDD"}
        assert {t["completed_by"] for t in after} & {"clo.mc1", "clo.ld1", "clo.cv.tnmt1"}
        with app.app_context():
            row = db.session.scalar(sa.select(Dossier).where(Dossier.code == code))
            assert row.process_version.unit.code == "HCLO"


def test_a_department_s_procedure_is_received_at_a_commune_and_handed_over(app, login_as):
    """The Department of Construction's permit (a provincial procedure) received at Xã Can
    Lộc's desk: the commune keeps the receipt and the return, the department's office gets the
    appraisal and its clock starts at the hand-over; no commune may take it on as its own."""
    body = {
        "procedure_code": "1.009974",
        "unit_code": "CLO",
        "competent_unit_code": "SXD",
        "applicant": APPLICANT,
        "complete": True,
        "not_needed": NONE_NEEDED,
    }
    created = login_as("clo.mc1").post("/dossiers", json=body)
    assert created.status_code == 201, created.get_json()
    code = created.get_json()["code"]
    seen = login_as("sxd.cv.qlxd1").get(f"/dossiers/{code}").get_json()
    assert (seen["unit"], seen["receiving_unit"]) == ("SXD", "CLO")
    [open_step] = [t for t in seen["tasks"] if t["status"] in ("open", "claimed")]
    assert open_step["unit"] == "SXD.QLXD"
    handed = [e for e in seen["events"] if e["kind"] == EventKind.HANDED_OVER]
    assert [e["data"]["to"] for e in handed] == ["SXD"]
    assert login_as("hkh.mc1").get(f"/dossiers/{code}").status_code == 404

    not_here = dict(body, competent_unit_code=None)
    error = login_as("clo.mc1").post("/dossiers", json=not_here).get_json()["error"]
    assert error["code"] == "procedure_not_offered"
    assert "Sở Xây dựng tỉnh Hà Tĩnh (SXD)" in error["details"]["competent_unit"]
    with app.app_context(), unit_of_work(), pytest.raises(Invalid) as refused:
        tloc_admin = db.session.scalar(sa.select(User).where(User.username == "tloc.qt"))
        offers.offer(tloc_admin, "TLOC", "1.009974")
    assert refused.value.code == "wrong_level"
