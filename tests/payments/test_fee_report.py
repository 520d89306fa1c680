"""The fee report (fees collected by method, the 766 index's 3.5 and 3.6) against a province of
the test's own, counted by hand: through the API and the page."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from motcua.extensions import db
from motcua.models import DossierFee, FeeLine
from motcua.unit_of_work import unit_of_work
from motcua.vocabulary import (
    DossierStatus,
    FeeKind,
    FeeState,
    PaymentMethod,
    Role,
    UnitLevel,
)
from tests import factories

OCTOBER = "from=2026-10-01&to=2026-10-31"
IN_OCTOBER = datetime(2026, 10, 10, 3, tzinfo=UTC)
SEPTEMBER = datetime(2026, 9, 20, 3, tzinfo=UTC)
CONFIRMED, DUE, WAIVED = FeeState.CONFIRMED, FeeState.DUE, FeeState.WAIVED
ONLINE, DESK, TRANSFER = PaymentMethod.ONLINE, PaymentMethod.AT_DESK, PaymentMethod.BANK_TRANSFER


@pytest.fixture
def province(app):
    """Parent P with its commune C below it, and X elsewhere. Procedures: A (offered by C, two
    fee lines), B (offered by P, one line), Z (offered by C, no fee line), Y (offered by X, one
    line). The dossiers, and what each counts for P's October:

    d1 C/A received in October: 50 000 paid online + 20 000 at the desk in October
       → with a fee, paid online; collected online 50 000, at the desk 20 000
    d2 C/A received in October: 30 000 by transfer, confirmed in October → with a fee
    d3 P/B received in October: 100 000 due → with a fee
    d4 P/B received in October: its fee waived → no fee
    d5 C/Z received in October: no fee
    d6 X/Y received in October: 70 000 online → not P's
    d7 P/B received in September: 40 000 at the desk in October → collected, not a dossier of
       the month
    d8 C/A submitted online in October, not received: 10 000 due → nothing
    d9 C/A received in October: 25 000 online, confirmed in November → with a fee, paid
       online, not collected in October

    P: collected 50 000 online, 60 000 at the desk, 30 000 by transfer (140 000); dossiers with
    a fee d1 d2 d3 d9 = 4, paid online d1 d9 = 2 → 3.6 = 50 %; procedures with fee lines
    offered A, B = 2 → 3.5 = 100 % with a provider, 0 % without.
    """
    with app.app_context(), unit_of_work():
        p = factories.make_unit(level=UnitLevel.PROVINCE)
        c = factories.make_unit(parent=p)
        x = factories.make_unit()
        leader = factories.make_user(unit=p, roles=[Role.LEADER])
        procedures = {}
        for name, where, lines in (("A", c, 2), ("B", p, 1), ("Z", c, 0), ("Y", x, 1)):
            procedure = factories.make_procedure(offered_by=(where,))
            for position in range(1, lines + 1):
                db.session.add(
                    FeeLine(
                        procedure_id=procedure.id,
                        position=position,
                        name=f"Lệ phí {position}",
                        kind=FeeKind.CHARGE,
                        amount=Decimal(1000),
                    )
                )
            procedures[name] = procedure
        november = datetime(2026, 11, 20, 3, tzinfo=UTC)
        dossiers = (
            ("A", c, IN_OCTOBER, [(50_000, CONFIRMED, ONLINE), (20_000, CONFIRMED, DESK)]),
            ("A", c, IN_OCTOBER, [(30_000, CONFIRMED, TRANSFER)]),
            ("B", p, IN_OCTOBER, [(100_000, DUE, None)]),
            ("B", p, IN_OCTOBER, [(15_000, WAIVED, None)]),
            ("Z", c, IN_OCTOBER, []),
            ("Y", x, IN_OCTOBER, [(70_000, CONFIRMED, ONLINE)]),
            ("B", p, SEPTEMBER, [(40_000, CONFIRMED, DESK)]),
            ("A", c, IN_OCTOBER, [(10_000, DUE, None)], DossierStatus.SUBMITTED),
            ("A", c, IN_OCTOBER, [(25_000, CONFIRMED, ONLINE)], DossierStatus.PROCESSING, november),
        )
        for name, unit, received_at, fees, *rest in dossiers:
            status = rest[0] if rest else DossierStatus.PROCESSING
            settled_at = rest[1] if len(rest) > 1 else IN_OCTOBER
            dossier = factories.insert_dossier(
                procedures[name], unit, received_at=received_at, status=status
            )
            for amount, state, method in fees:
                db.session.add(
                    DossierFee(
                        dossier_id=dossier.id,
                        name="Lệ phí",
                        kind=FeeKind.CHARGE,
                        amount=Decimal(amount),
                        state=state,
                        method=method,
                        settled_at=settled_at if state != DUE else None,
                    )
                )
        db.session.flush()
        return p.code, leader.username


def with_vnpay(monkeypatch, app):
    for name, value in (
        ("PAYMENT_PROVIDER", "vnpay"),
        ("VNPAY_TMN_CODE", "MOTCUA01"),
        ("VNPAY_HASH_SECRET", "bi-mat"),
    ):
        monkeypatch.setitem(app.config, name, value)


def test_the_fee_report_counts_as_by_hand(app, login_as, province, monkeypatch):
    with_vnpay(monkeypatch, app)
    unit, leader = province
    got = login_as(leader).get(f"/reports/fees?unit={unit}&{OCTOBER}")
    assert got.status_code == 200, got.get_json()
    body = got.get_json()
    assert body["collected"] == {"at_desk": 60_000, "bank_transfer": 30_000, "online": 50_000}
    assert body["collected_total"] == 140_000
    assert (body["dossiers_with_fee"], body["dossiers_paid_online"]) == (4, 2)
    assert body["online_payment_share"] == 50.0
    assert (body["procedures_with_fees"], body["procedures_payable_online"]) == (2, 2)
    assert body["payable_online_share"] == 100.0
    assert body["provider"] == "vnpay"
    assert "3.6" in body["formulas"]["online_payment_share"]
    assert "3.5" in body["formulas"]["payable_online_share"]


def test_without_a_provider_no_fee_procedure_is_payable_online(
    app, login_as, province, monkeypatch
):
    monkeypatch.setitem(app.config, "PAYMENT_PROVIDER", "")
    unit, leader = province
    body = login_as(leader).get(f"/reports/fees?unit={unit}&{OCTOBER}").get_json()
    assert (body["procedures_with_fees"], body["procedures_payable_online"]) == (2, 0)
    assert body["payable_online_share"] == 0.0 and body["provider"] == ""


def test_the_fee_report_is_refused_outside_the_readers_reach(app, login_as, province):
    unit, _leader = province
    desk = login_as("clo.mc1")
    assert desk.get(f"/reports/fees?unit={unit}&{OCTOBER}").status_code == 403
    leader = login_as(province[1])
    bad = leader.get(f"/reports/fees?unit={unit}&from=2026-10-31&to=2026-10-01")
    assert bad.status_code == 422 and bad.get_json()["error"]["code"]
    assert leader.get(f"/reports/fees?unit=KHONGCO&{OCTOBER}").status_code == 404


def test_the_fee_report_page_shows_the_figures_and_their_formulas(
    app, officer, province, monkeypatch
):
    with_vnpay(monkeypatch, app)
    unit, leader = province
    page = officer(leader).page(f"/reports/fees?unit={unit}&period=custom&{OCTOBER}")
    assert "140.000 đ" in page and "50.000 đ" in page and "60.000 đ" in page
    assert "50,0 %" in page and "100,0 %" in page
    assert "Chỉ số 3.6 = số hồ sơ" in page and "Chỉ số 3.5 = số thủ tục" in page
    statistics = officer(leader).page(f"/reports?unit={unit}")
    assert 'id="fee-report-link"' in statistics
    bad = officer(leader).get(f"/reports/fees?unit={unit}&period=custom&from=x&to=y")
    assert bad.status_code == 422 and "field-error" in bad.get_data(as_text=True)
