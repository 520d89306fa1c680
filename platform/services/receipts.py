"""The desk's receipt (form 01 of Circular 03/2025/TT-VPCP [S], Giấy tiếp nhận hồ sơ và hẹn trả
kết quả): the page shows what is stored, and printing gives the stored PDF, issuing and storing
it first if there is none, so that the applicant holds exactly the paper on record (one receipt,
not a second layout). The paper itself is motcua.services.slips."""

from dataclasses import dataclass

from sqlalchemy import func, select

from motcua.extensions import db
from motcua.models import Attachment, Dossier, SupplementRequest, User
from motcua.services import slips


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
    # Papers brought for a supplement request move the appointment: a receipt stored before
    # them bears the old date, so the applicant is given a new one.
    moved = db.session.scalar(
        select(func.max(SupplementRequest.received_at)).where(
            SupplementRequest.dossier_id == dossier.id
        )
    )
    stored = [a for a in slips.of_form(issued, "01") if moved is None or a.uploaded_at >= moved]
    return ReceiptView(dossier, stored[-1] if stored else None, slips.receipt_due(dossier))


def print_receipt(actor: User, code: str) -> Attachment:
    """The receipt to print at the desk: the newest one stored, else a new one issued and
    stored. Raises NotFound, Conflict (``receipt_not_due``: the dossier waits for papers asked
    at receipt, see ``slips.issue``)."""
    view = receipt_view(actor, code)
    if view.stored is not None and view.due:
        return view.stored
    return slips.issue(view.dossier, "01", actor)
