"""Who may act on a dossier's fees, and the step a fee blocks (motcua.services.fees).

- The amount of a fee "by the case": the dossier's desk (a receptionist of the receiving or the
  competent unit) or a leader of the competent unit.
- A fee paid at the desk: a receptionist of the receiving unit, who took the money.
- A notified transfer confirmed or rejected: a receptionist of the receiving or competent unit
  (the unit's desk checks its account; seed 002: "thông báo … để chấp thuận").
- A waiver: a leader of the competent unit.
- An act takes the fees it names only if each is the dossier's and in the state the act needs
  (``pick``): one that is not refuses the whole act.
- A step marked ``requiresFeesPaid`` (motcua.engine.conventions) is not completed while a fee
  is unsettled (motcua.services.processing).
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.extensions import db
from motcua.models import Dossier, DossierFee, Role, User
from motcua.services import fees, org
from motcua.vocabulary import FeeState


@dataclass(frozen=True)
class Allowed:
    """What an officer may do with the dossier's fees (the dossier page's buttons)."""

    amount: bool
    at_desk: bool
    transfer: bool
    waive: bool

    @property
    def anything(self) -> bool:
        return self.amount or self.at_desk or self.transfer or self.waive


def allowed(actor: User, dossier: Dossier) -> Allowed:
    desk = any(
        org.has_role(actor, Role.RECEPTIONIST, u)
        for u in {dossier.unit_id, dossier.receiving_unit_id}
    )
    leader = org.has_role(actor, Role.LEADER, dossier.unit_id)
    return Allowed(
        amount=desk or leader,
        at_desk=org.has_role(actor, Role.RECEPTIONIST, dossier.receiving_unit_id),
        transfer=desk,
        waive=leader,
    )


def require_officer(actor: User, dossier: Dossier) -> None:
    if not allowed(actor, dossier).amount:
        raise Forbidden(
            _l("Bạn không phụ trách phí, lệ phí của hồ sơ này."), code="not_fee_officer"
        )


def require_desk(actor: User, dossier: Dossier) -> None:
    if not allowed(actor, dossier).transfer:
        raise Forbidden(
            _l("Chỉ cán bộ một cửa mới xác nhận khoản chuyển khoản."), code="not_the_desk"
        )


def require_receiving_desk(actor: User, dossier: Dossier) -> None:
    if not allowed(actor, dossier).at_desk:
        raise Forbidden(
            _l("Chỉ cán bộ một cửa của nơi tiếp nhận hồ sơ mới ghi thu phí tại quầy."),
            code="not_the_desk",
        )


def require_leader(actor: User, dossier: Dossier) -> None:
    if not allowed(actor, dossier).waive:
        raise Forbidden(
            _l("Chỉ lãnh đạo đơn vị giải quyết hồ sơ mới được miễn phí, lệ phí."),
            code="not_a_leader",
        )


def pick(dossier: Dossier, fee_ids, states, *, known: bool = True) -> list[DossierFee]:
    """The dossier's fees of these ids (each once), each in one of ``states`` (and, with
    ``known``, its amount entered); the whole act is refused for one that is not."""
    try:
        wanted = sorted({int(i) for i in fee_ids or ()})
    except (TypeError, ValueError):
        wanted = []
    if not wanted:
        message = _l("Chọn ít nhất một khoản phí, lệ phí.")
        raise Invalid(message, code="no_fee", details={"fees": message})
    fees = list(
        db.session.scalars(
            select(DossierFee)
            .where(DossierFee.dossier_id == dossier.id, DossierFee.id.in_(wanted))
            .order_by(DossierFee.id)
            .execution_options(populate_existing=True)
        )
    )
    if len(fees) != len(wanted):
        raise NotFound(_l("Không có khoản phí này của hồ sơ."), code="fee_not_found")
    for fee in fees:
        if fee.state not in states:
            raise not_in_state(fee)
        if known and fee.amount is None:
            raise unknown(fee)
    return fees


def not_in_state(fee: DossierFee) -> Conflict:
    return Conflict(
        _l("Khoản «%(name)s» đang ở trạng thái «%(state)s».", name=fee.name, state=fee.state.label),
        code="fee_not_due" if fee.state != FeeState.NOTIFIED else "fee_notified",
    )


def unknown(fee: DossierFee) -> Conflict:
    return Conflict(
        _l("Khoản «%(name)s» chưa có số tiền: cán bộ nhập số tiền trước.", name=fee.name),
        code="amount_unknown",
    )


def require_settled_for(run, task) -> None:
    """Refuse to complete a step marked ``requiresFeesPaid`` (motcua.engine.conventions) while a
    fee of its dossier is unsettled: Conflict ``fees_due`` saying which. Costs a query only for
    such a step."""
    step = next(
        (r.step for r in run.ready_steps() if r.engine_task_id == task.engine_task_id), None
    )
    if step is None or not step.requires_fees_paid or not fees.unsettled(task.dossier):
        return
    names = ", ".join(f.name for f in fees.fees_of(task.dossier) if fees.is_unsettled(f))
    raise Conflict(
        _l(
            "Bước «%(step)s» chỉ hoàn thành khi người nộp đã thực hiện nghĩa vụ tài chính; còn "
            "chưa nộp hoặc chưa xác nhận: %(fees)s.",
            step=task.step_name,
            fees=names,
        ),
        code="fees_due",
    )
