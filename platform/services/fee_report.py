"""The fee report of a unit and the units below it for a period: the fees collected, and the two
figures of the 766 index on paying online (Quyết định 766/QĐ-TTg; LAW.md "The 766 index"):

- collected = the sum of the amounts of the dossiers' fees confirmed in the period (settled_at
  in it), by method: at the desk, bank transfer, online (waived fees are not collected);
- dossiers with a fee = the dossiers received in the period (not those only submitted online
  and not received, as in every report) with at least one fee not waived;
- dossiers paid online = those among them with at least one fee paid online;
- **3.6** = dossiers paid online ÷ dossiers with a fee (in percent);
- **3.5** = procedures with fee lines that the units offer (procedure_offers) and that are
  payable online ÷ procedures with fee lines that the units offer (in percent, target ≥ 80 %).
  Online payment is the province's provider (PAYMENT_PROVIDER): while one is configured every
  such procedure is payable online, and none is without one. It is counted as things stand
  now (the offers and the provider have no history).

Dossiers count for their competent unit (the one that collects the fee), as the other reports
count what a unit decides. Who may read it: motcua.services.reports.reach.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select

from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import Dossier, DossierFee, FeeLine, Offer, Unit, User, utcnow
from motcua.services import org, payments
from motcua.services.report_periods import Period
from motcua.services.reports import report_unit
from motcua.vocabulary import NOT_RECEIVED, FeeState, PaymentMethod

# Each figure's formula, as the page and the API print it next to the figure.
FORMULAS = {
    "collected": _l("Tổng số tiền các khoản phí, lệ phí được xác nhận đã nộp trong kỳ"),
    "online_payment_share": _l(
        "Chỉ số 3.6 = số hồ sơ có khoản phí được thanh toán trực tuyến ÷ số hồ sơ tiếp nhận "
        "trong kỳ có phí, lệ phí (không tính khoản được miễn) × 100 %"
    ),
    "payable_online_share": _l(
        "Chỉ số 3.5 = số thủ tục có phí, lệ phí mà đơn vị giải quyết và thanh toán trực tuyến "
        "được ÷ số thủ tục có phí, lệ phí mà đơn vị giải quyết × 100 % (mục tiêu ≥ 80 %)"
    ),
}


@dataclass
class FeeReport:
    unit: Unit
    period: Period
    start_at: datetime
    end_at: datetime
    collected: dict[PaymentMethod, Decimal] = field(default_factory=dict)
    dossiers_with_fee: int = 0
    dossiers_paid_online: int = 0
    procedures_with_fees: int = 0
    procedures_payable_online: int = 0
    provider: str = ""

    @property
    def collected_total(self) -> Decimal:
        return sum(self.collected.values(), Decimal(0))

    @property
    def online_payment_share(self) -> float | None:
        """766 index 3.6, percent; None when no dossier had a fee."""
        return _share(self.dossiers_paid_online, self.dossiers_with_fee)

    @property
    def payable_online_share(self) -> float | None:
        """766 index 3.5, percent; None when no procedure offered has a fee."""
        return _share(self.procedures_payable_online, self.procedures_with_fees)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def fee_report(
    user: User, unit_code: str | None, period: Period, now: datetime | None = None
) -> FeeReport:
    """The fee report of the unit (by default the highest in the user's reach) and the units
    below it. Raises Forbidden, NotFound (as motcua.services.reports.report_unit), Invalid
    ``period_not_started``."""
    unit = report_unit(user, unit_code)
    start_at, end_at = period.bounds(ZoneInfo(current_app.config["TIMEZONE"]))
    if start_at > (now or utcnow()):
        raise Invalid(
            _l("Kỳ báo cáo chưa bắt đầu."),
            code="period_not_started",
            details={"from": _l("Sau hôm nay.")},
        )
    scope = sorted(org.subtree_ids({unit.id}))
    report = FeeReport(unit=unit, period=period, start_at=start_at, end_at=end_at)
    report.collected = _collected(scope, start_at, end_at)
    report.dossiers_with_fee, report.dossiers_paid_online = _dossiers(scope, start_at, end_at)
    report.procedures_with_fees = _procedures_with_fees(scope)
    chosen = payments.provider()
    report.provider = chosen.name if chosen else ""
    report.procedures_payable_online = report.procedures_with_fees if chosen else 0
    return report


def _collected(scope, start_at, end_at) -> dict[PaymentMethod, Decimal]:
    f = DossierFee
    query = (
        select(f.method, func.sum(f.amount))
        .join(Dossier, Dossier.id == f.dossier_id)
        .where(
            f.state == FeeState.CONFIRMED,
            f.settled_at >= start_at,
            f.settled_at < end_at,
            Dossier.unit_id.in_(scope),
        )
        .group_by(f.method)
    )
    sums = {method: Decimal(amount or 0) for method, amount in db.session.execute(query)}
    return {method: sums.get(method, Decimal(0)) for method in PaymentMethod}


def _dossiers(scope, start_at, end_at) -> tuple[int, int]:
    f = DossierFee
    with_fee = exists().where(f.dossier_id == Dossier.id, f.state != FeeState.WAIVED)
    paid_online = exists().where(
        f.dossier_id == Dossier.id,
        and_(f.state == FeeState.CONFIRMED, f.method == PaymentMethod.ONLINE),
    )
    query = select(func.count(), func.count().filter(paid_online)).where(
        Dossier.received_at >= start_at,
        Dossier.received_at < end_at,
        Dossier.status.not_in(NOT_RECEIVED),
        Dossier.unit_id.in_(scope),
        with_fee,
    )
    total, online = db.session.execute(query).one()
    return total, online


def _procedures_with_fees(scope) -> int:
    query = select(func.count(func.distinct(Offer.procedure_id))).where(
        Offer.unit_id.in_(scope),
        exists().where(FeeLine.procedure_id == Offer.procedure_id),
    )
    return db.session.scalar(query) or 0


def as_json(report: FeeReport) -> dict:
    period = report.period
    return {
        "unit": {"code": report.unit.code, "name": report.unit.name},
        "period": {
            "kind": period.kind,
            "key": period.key,
            "from": period.start.isoformat(),
            "to": period.last_day.isoformat(),
        },
        "collected": {method.value: int(amount) for method, amount in report.collected.items()},
        "collected_total": int(report.collected_total),
        "dossiers_with_fee": report.dossiers_with_fee,
        "dossiers_paid_online": report.dossiers_paid_online,
        "online_payment_share": report.online_payment_share,
        "procedures_with_fees": report.procedures_with_fees,
        "procedures_payable_online": report.procedures_payable_online,
        "payable_online_share": report.payable_online_share,
        "provider": report.provider,
        "formulas": {name: str(text) for name, text in FORMULAS.items()},
    }
