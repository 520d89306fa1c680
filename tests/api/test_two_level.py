"""Only what a unit can work is received there; a dossier received at another centre is handed
over to its competent unit; a reorganisation retires a unit without losing its work."""

import sqlalchemy as sa

from motcua.extensions import db
from motcua.models import Dossier, Event, Task, Unit, User
from motcua.services import org, reorganisation
from motcua.unit_of_work import unit_of_work
from motcua.vocabulary import ACTIVE_TASK_STATUSES, EventKind

HOUSEHOLD = "1.001612"
APPLICANT = {"name": "Nguyễn Thị Hoa", "id_number": "042190001234"}


def _count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_unit_that_does_not_decide_the_procedure_receives_nothing(app, login_as):
    """The defect of issue 11: the commune desk of Thiên Lộc got 201 and a dossier stuck on
    handler_unresolved; the department desks too."""
    before = (_count(app, Dossier), _count(app, Task), _count(app, Event))
    for desk, unit in (("clo.thienloc.mc1", "CLO.THIENLOC"), ("sxd.mc1", "SXD")):
        for code in ("1.001612", "1.009994", "2.000815", "1.013978"):
            body = {"procedure_code": code, "unit_code": unit, "applicant": APPLICANT}
            response = login_as(desk).post("/dossiers", json=body)
            assert response.status_code == 422, response.get_json()
            error = response.get_json()["error"]
            assert error["code"] == "procedure_not_offered"
            assert code in error["message"] and "không giải quyết" in error["message"]
    assert (_count(app, Dossier), _count(app, Task), _count(app, Event)) == before


def test_a_dossier_received_at_another_centre_goes_to_its_competent_unit(app, login_as):
    """Received at the commune Thiên Lộc's desk, decided by Can Lộc: the desk keeps the receipt,
    the competent unit gets the steps, and the hand-over restarts the clock (art. 17.3)."""
    body = {
        "procedure_code": HOUSEHOLD,
        "unit_code": "CLO.THIENLOC",
        "competent_unit_code": "CLO",
        "applicant": APPLICANT,
        "complete": True,
    }
    response = login_as("clo.thienloc.mc1").post("/dossiers", json=body)
    assert response.status_code == 201, response.get_json()
    code = response.get_json()["code"]
    assert code.startswith("CLO.THIENLOC-")
    seen = login_as("clo.thienloc.mc1").get(f"/dossiers/{code}").get_json()
    assert seen["unit"] == "CLO" and seen["receiving_unit"] == "CLO.THIENLOC"
    assert seen["handed_over_at"] is not None
    handed = [e for e in seen["events"] if e["kind"] == EventKind.HANDED_OVER]
    assert len(handed) == 1
    # The competent unit's officers see and work it; the receipt desk still sees it.
    assert login_as("clo.cv.tckh1").get(f"/dossiers/{code}").status_code == 200
    with app.app_context():
        dossier = db.session.scalar(sa.select(Dossier).where(Dossier.code == code))
        [open_step] = [t for t in dossier_tasks(dossier) if t.status in ACTIVE_TASK_STATUSES]
        assert open_step.unit.code == "CLO.TCKH"
        assert dossier.appointment_at == dossier.first_appointment_at


def test_without_a_competent_unit_the_error_names_those_that_decide(app, login_as):
    body = {"procedure_code": HOUSEHOLD, "unit_code": "CLO.THIENLOC", "applicant": APPLICANT}
    error = login_as("clo.thienloc.mc1").post("/dossiers", json=body).get_json()["error"]
    assert error["code"] == "procedure_not_offered"
    assert "CLO" in error["details"]["competent_unit"]


def dossier_tasks(dossier):
    return list(db.session.scalars(sa.select(Task).where(Task.dossier_id == dossier.id)))


def test_a_merge_keeps_usernames_rehomes_open_steps_and_rolls_reports_up(app, login_as):
    """Hương Trạch merged into Thiên Lộc with a dossier open in Hương Trạch's hands."""
    body = {
        "procedure_code": HOUSEHOLD,
        "unit_code": "HKH.HUONGTRACH",
        "competent_unit_code": "HKH",
        "applicant": APPLICANT,
    }
    response = login_as("hkh.huongtrach.mc1").post("/dossiers", json=body)
    assert response.status_code == 201, response.get_json()
    code = response.get_json()["code"]
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        preview = reorganisation.plan(admin, ["HKH.HUONGTRACH"], ["CLO.THIENLOC"])
        assert [m.unit.code for m in preview.moves] == ["HKH.HUONGTRACH"]
        assert "hkh.huongtrach.mc1" in [u.username for u in preview.moves[0].officers]
        assert preview.moves[0].open_tasks == 1
        # The preview changed nothing.
        assert (
            db.session.scalar(sa.select(Unit).where(Unit.code == "HKH.HUONGTRACH")).retired_at
            is None
        )
        with unit_of_work():
            reorganisation.apply(admin, ["HKH.HUONGTRACH"], ["CLO.THIENLOC"])
        old = db.session.scalar(sa.select(Unit).where(Unit.code == "HKH.HUONGTRACH"))
        new = db.session.scalar(sa.select(Unit).where(Unit.code == "CLO.THIENLOC"))
        assert old.retired and old.successor_id == new.id
        desk = db.session.scalar(sa.select(User).where(User.username == "hkh.huongtrach.mc1"))
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
    done = login_as("hkh.huongtrach.mc1").post(
        f"/tasks/{task_id}/complete", json={"data": {"complete": True}}
    )
    assert done.status_code == 200, done.get_json()
    # Nothing is received at the retired unit any more.
    again = login_as("hkh.huongtrach.mc1").post("/dossiers", json=body)
    assert again.status_code in (403, 422)
