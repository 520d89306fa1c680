"""The desk's receipt (form 01 of Circular 03/2025/TT-VPCP [S], Giấy tiếp nhận hồ sơ và hẹn trả
kết quả): the page shows what is stored, and printing gives the stored PDF, issuing and storing
it first if there is none, so that the applicant holds exactly the paper on record (one receipt,
not a second layout). The paper itself is motcua.services.slips."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from motcua.extensions import db
from motcua.models import Attachment, Dossier, Event, SupplementRequest, User
from motcua.services import slips
from motcua.vocabulary import EventKind


@dataclass(frozen=True)
class ReceiptView:
    """What the desk's receipt page shows: the dossier, its newest stored receipt (01) if any
    still bearing its appointment, and whether a receipt is due at all (``slips.receipt_due``)."""

    dossier: Dossier
    stored: Attachment | None
    due: bool


def receipt_view(actor: User, code: str) -> ReceiptView:
    """The desk's receipt page of a dossier the actor may see. Raises NotFound."""
    dossier, issued = slips.issued(actor, code)
    promised = _promised(dossier)
    current = [a for a in slips.of_form(issued, "01") if _bears_appointment(dossier, a, promised)]
    return ReceiptView(dossier, current[-1] if current else None, slips.receipt_due(dossier))


def _promised(dossier: Dossier) -> dict[int, str]:
    """The appointment each stored receipt was issued with (kept with its event), by its
    attachment id."""
    rows = db.session.scalars(
        select(Event.data).where(
            Event.dossier_id == dossier.id, Event.kind == EventKind.SLIP_ISSUED
        )
    )
    return {
        data["attachment_id"]: data["appointment_at"]
        for data in rows
        if data and data.get("appointment_at")
    }


def _bears_appointment(dossier: Dossier, receipt: Attachment, promised: dict[int, str]) -> bool:
    """Whether a stored receipt bears the dossier's appointment as it stands. A receipt stored
    before its appointment was kept is judged by the papers supplemented since, the one thing
    that moved an appointment then."""
    if receipt.id in promised:
        return datetime.fromisoformat(promised[receipt.id]) == dossier.appointment_at
    moved = db.session.scalar(
        select(func.max(SupplementRequest.received_at)).where(
            SupplementRequest.dossier_id == dossier.id
        )
    )
    return moved is None or receipt.uploaded_at >= moved


def print_receipt(actor: User, code: str) -> Attachment:
    """The receipt to print at the desk: the newest one stored, else a new one issued and
    stored. Raises NotFound, Conflict (``receipt_not_due``: the dossier waits for papers asked
    at receipt, see ``slips.issue``)."""
    view = receipt_view(actor, code)
    if view.stored is not None and view.due:
        return view.stored
    return slips.issue(view.dossier, "01", actor)
