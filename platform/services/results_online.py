"""Results returned online (trả kết quả trực tuyến): the result files of a dossier reach its
applicant through a signed link (the lookup's, or the result mail's) and the national portal
through links signed for it, and each download is recorded.

What is given: only the dossier's RESULT attachments, once its result is ready or returned
(DossierStatus.RESULT_READY, RETURNED), never its papers (COMPONENT), working files or slips.
Electronic results have the value of paper ones and go to the applicant's data store (Decree
45/2020/NĐ-CP as amended, [S] in LAW.md); the 766 index counts dossiers with an electronic
result (4.1, [S]). A paper result stays possible: the return step's method (at the desk, by
post, online) is kept on the dossier (``returned``) and the mail says where to collect it.

The result mail carries the link whenever the dossier has result files, whatever the method:
the files are the electronic result the applicant is entitled to either way, the address is
the applicant's own (given at receipt), and the link is bound to the dossier's code and the
applicant's id number (motcua.services.applicant_access).

Every download is an event of the dossier (``result_downloaded``, no actor, ``by`` applicant
or portal), kept with the dossier for good and shown on its timeline: the proof that the
electronic result reached the applicant, which a purged security log would not keep.

Setting: PORTAL_RESULT_LINK_DAYS (MOTCUA_PORTAL_RESULT_LINK_DAYS, 365): how long a link given
to the portal (DuongDanTepTinKetQua) stays good; the portal's own rule was not found ([U]).
"""

from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select

from motcua.errors import NotFound
from motcua.extensions import db
from motcua.models import Attachment, AttachmentKind, Dossier, DossierStatus, utcnow
from motcua.services import applicant_access, links, storage, workflow
from motcua.vocabulary import EventKind, ReturnMethod

RESULT_STATUSES = frozenset({DossierStatus.RESULT_READY, DossierStatus.RETURNED})
APPLICANT, PORTAL = "applicant", "portal"


@dataclass(frozen=True)
class Results:
    """What the applicant's page of results shows."""

    dossier: Dossier
    files: list[Attachment]
    token: str  # the link's token, for the download links


def result_files(dossier: Dossier) -> list[Attachment]:
    """The dossier's result files, once its result is ready or returned; none before."""
    if dossier.status not in RESULT_STATUSES:
        return []
    return list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.dossier_id == dossier.id, Attachment.kind == AttachmentKind.RESULT)
            .order_by(Attachment.id)
        )
    )


def for_applicant(token: str) -> Results:
    """The result files of the dossier the applicant's token names. Raises Invalid
    ``link_expired`` (motcua.services.applicant_access)."""
    dossier = applicant_access.dossier_for(token)
    return Results(dossier, result_files(dossier), token)


def open_for_applicant(token: str, attachment_id: int) -> tuple[Attachment, BinaryIO]:
    """A result file of the token's dossier and its bytes (the caller closes the stream); the
    download is recorded. Raises Invalid ``link_expired``, NotFound (not a result file of this
    dossier, not ready yet, or its bytes are missing), StorageUnavailable."""
    dossier = applicant_access.dossier_for(token)
    return _open(dossier, attachment_id, APPLICANT)


def portal_url(attachment: Attachment) -> str:
    """The absolute link to a result file given to the national portal, signed for it and
    bound to the file's hash (a link to a file never names another)."""
    token = _portal_serializer().dumps({"a": attachment.id, "h": attachment.sha256[:16]})
    return links.public_url(f"/applicant/results/{token}")


def open_for_portal(token: str) -> tuple[Attachment, BinaryIO]:
    """The result file a portal link names and its bytes; the download is recorded. Raises
    NotFound for a link forged, too old (PORTAL_RESULT_LINK_DAYS) or to a file no longer given."""
    days = current_app.config["PORTAL_RESULT_LINK_DAYS"]
    try:
        payload = _portal_serializer().loads(token or "", max_age=days * 86400)
        attachment = db.session.get(Attachment, int(payload["a"]))
    except (BadData, TypeError, ValueError, KeyError):
        raise _not_found() from None
    if attachment is None or attachment.sha256[:16] != payload.get("h"):
        raise _not_found()
    return _open(db.session.get(Dossier, attachment.dossier_id), attachment.id, PORTAL)


def portal_papers(dossier: Dossier) -> list[tuple[Attachment, str]]:
    """The result files the portal is told of (DanhSachGiayToKetQua), each with its link."""
    return [(a, portal_url(a)) for a in result_files(dossier)]


def mail_context(dossier: Dossier) -> dict:
    """What the result mail says of the files: their names and the link to download them
    (a MAIL token, good for APPLICANT_MAIL_LINK_DAYS); nothing without result files."""
    files = result_files(dossier)
    if not files:
        return {"result_files": [], "results_url": None}
    token = applicant_access.token_for(dossier, applicant_access.MAIL)
    return {
        "result_files": [a.file_name for a in files],
        "results_url": links.public_url(f"/applicant/{token}/results"),
        "link_days": current_app.config["APPLICANT_MAIL_LINK_DAYS"],
    }


def returned(dossier: Dossier, method: str | None) -> None:
    """Keep how the result was handed over, from the return step's ``method`` (a diagram's own
    form may word it otherwise: then at the desk, the default)."""
    known = method in set(ReturnMethod)
    dossier.return_method = ReturnMethod(method) if known else ReturnMethod.AT_DESK


def _open(dossier: Dossier | None, attachment_id: int, by: str) -> tuple[Attachment, BinaryIO]:
    files = {a.id: a for a in result_files(dossier)} if dossier is not None else {}
    attachment = files.get(attachment_id)
    if attachment is None:
        raise _not_found()
    try:
        stream = storage.open_file(current_app.config["STORAGE_DIR"], attachment.storage_key)
    except FileNotFoundError:
        raise _not_found() from None
    workflow.record(
        dossier,
        EventKind.RESULT_DOWNLOADED,
        actor=None,
        at=utcnow(),
        data={"attachment_id": attachment.id, "file_name": attachment.file_name, "by": by},
    )
    return attachment, stream


def _not_found() -> NotFound:
    return NotFound(_l("Không có tệp kết quả này."), code="result_not_found")


def _portal_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="motcua.results.portal.v1")
