"""The factories' rows read like the ones the platform writes (tests/factories.py)."""

from dataclasses import asdict

from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Dossier, Task, TaskStatus, User
from motcua.services import auth, inbox, intake


def test_a_factory_officer_signs_in_with_the_password_given(make_unit, make_user, ctx):
    user = make_user("t.cv", make_unit("T"), password="mat-khau-1")
    assert auth.sign_in("t.cv", "mat-khau-1").user.id == user.id


def test_an_inserted_dossier_reads_like_one_received_through_the_engine(
    make_province, make_procedure, insert_dossier, ctx
):
    province = make_province("T", communes=1, departments=0, offices=())
    procedure = make_procedure(offered_by=(province.units["TX1"],))
    desk = db.session.scalar(select(User).where(User.username == "tx1.mc1"))
    applicant = intake.Applicant(name="Lê Thị Mai", id_number="042190007777")
    received = intake.receive(desk, procedure.code, "TX1", applicant, "direct")
    [step] = db.session.scalars(select(Task).where(Task.dossier_id == received.id))
    # The desk that receives a dossier holds its first step.
    assert (step.step_id, step.status) == ("tiep_nhan", TaskStatus.CLAIMED)
    assert step.assignee_id == desk.id

    inserted = insert_dossier(
        procedure,
        province.units["TX1"],
        status=received.status,
        received_at=received.received_at,
        appointment_at=received.appointment_at,
        applicant_name=applicant.name,
        applicant_id_number=applicant.id_number,
        steps=[
            dict(
                step_id=step.step_id,
                step_name=step.step_name,
                role=step.role,
                time_limit=step.time_limit,
                status=step.status,
                assignee=desk,
                created_at=step.created_at,
                claimed_at=step.claimed_at,
                due_at=step.due_at,
            )
        ],
    )
    assert inserted.process_version_id == db.session.get(Dossier, received.id).process_version_id

    def seen(code):
        [row] = [r for r in inbox.inbox(desk, tab="mine").rows if r.dossier_code == code]
        return {k: v for k, v in asdict(row).items() if k not in ("task_id", "dossier_code")}

    assert seen(inserted.code) == seen(received.code)
