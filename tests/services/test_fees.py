"""The fees service as the payment callback (helper H2's) and the blocking rule use it: a
dossier received gets its procedure's fee lines; ``settle_online`` confirms them once."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from motcua.errors import Conflict, NotFound
from motcua.extensions import db
from motcua.models import Dossier, Event, Procedure
from motcua.services import fee_lines, fees
from motcua.unit_of_work import unit_of_work
from motcua.vocabulary import EventKind, FeeState, PaymentMethod

HOUSEHOLD = "1.001612"
LINES = (
    "LP01 | Lệ phí đăng ký hộ kinh doanh | lệ phí | 100000\n"
    " | Phí thẩm định | phí | theo từng trường hợp"
)


def give_lines(app, text=LINES, code=HOUSEHOLD):
    with app.app_context(), unit_of_work():
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == code))
        fee_lines.set_lines(procedure, fee_lines.parse(text))


def dossier_fees(code):
    dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
    return dossier, fees.fees_of(dossier)


def test_a_received_dossier_gets_its_procedures_fee_lines(app, make_dossier):
    give_lines(app)
    code = make_dossier()["code"]
    with app.app_context():
        dossier, owed = dossier_fees(code)
        assert [(f.name, f.amount, f.state) for f in owed] == [
            ("Lệ phí đăng ký hộ kinh doanh", 100000, FeeState.DUE),
            ("Phí thẩm định", None, FeeState.DUE),
        ]
        assert owed[0].code == "LP01"
        assert fees.unsettled(dossier)
        assert [f.id for f in fees.payable(dossier)] == [owed[0].id]
        kinds = db.session.scalars(select(Event.kind).where(Event.dossier_id == dossier.id))
        assert EventKind.FEES_ASSESSED in list(kinds)


def test_settle_online_confirms_the_fees_once(app, make_dossier):
    give_lines(app, "LP01 | Lệ phí | lệ phí | 100000")
    code = make_dossier()["code"]
    at = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    with app.app_context(), unit_of_work():
        dossier, owed = dossier_fees(code)
        settled = fees.settle_online(dossier, [owed[0].id], reference="VNP123", at=at)
        assert [(f.state, f.method, f.reference, f.settled_by_id) for f in settled] == [
            (FeeState.CONFIRMED, PaymentMethod.ONLINE, "VNP123", None)
        ]
    with app.app_context(), unit_of_work():
        dossier, owed = dossier_fees(code)
        assert owed[0].settled_at == at
        assert not fees.unsettled(dossier)
        # The provider tells it twice: nothing more happens.
        again = fees.settle_online(dossier, [owed[0].id], reference="VNP123", at=at)
        assert again[0].state == FeeState.CONFIRMED
        events = db.session.scalars(
            select(Event).where(
                Event.dossier_id == dossier.id, Event.kind == EventKind.FEE_PAID_ONLINE
            )
        ).all()
        assert len(events) == 1
        assert events[0].data["reference"] == "VNP123"
        assert events[0].data["fees"][0]["amount"] == 100000
        # Another payment of the same fee is refused.
        with pytest.raises(Conflict) as refused:
            fees.settle_online(dossier, [owed[0].id], reference="VNP999", at=at)
        assert refused.value.code == "fee_not_due"


def test_settle_online_refuses_a_fee_of_another_dossier(app, make_dossier):
    give_lines(app, "LP01 | Lệ phí | lệ phí | 100000")
    first, second = make_dossier()["code"], make_dossier()["code"]
    with app.app_context():
        dossier, _ = dossier_fees(first)
        _, theirs = dossier_fees(second)
        with pytest.raises(NotFound):
            fees.settle_online(dossier, [theirs[0].id], reference="X", at=datetime.now(UTC))


def test_a_fee_line_text_that_is_wrong_names_its_line(app):
    with app.app_context():
        with pytest.raises(Exception) as refused:
            fee_lines.parse("A | Lệ phí | lệ phí | 100000\nB | Phí | thuế | 5")
        assert "Dòng 2" in refused.value.details["fee_lines"]
        assert fee_lines.parse(" | Phí | phí | 150.000")[0]["amount"] == 150000


def test_the_diagram_property_requires_fees_paid_is_read_and_linted():
    from motcua import engine
    from tests.api.test_fees_api import BLOCKING_BPMN

    steps = engine.steps_of(engine.check_diagram(BLOCKING_BPMN).spec)
    assert {s.id for s in steps.values() if s.requires_fees_paid} == {"tham_dinh"}
    wrong = BLOCKING_BPMN.replace(
        'name="requiresFeesPaid" value="true"', 'name="requiresFeesPaid" value="có"'
    )
    with pytest.raises(engine.DiagramError) as refused:
        engine.check_diagram(wrong)
    assert "requiresFeesPaid phải là «true» hoặc «false», không phải «có»." in str(refused.value)
