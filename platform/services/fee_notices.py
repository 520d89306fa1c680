"""What the fees' acts leave besides their rows (motcua.services.fees): the applicant's proof of
a bank transfer, stored as a file with its hash ("Chứng từ nộp phí"), and the mails: to the
receiving desk's officers when a transfer waits for their confirmation, to the applicant when
it is not confirmed."""

from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l

from motcua.extensions import db
from motcua.models import Attachment, AttachmentKind, Dossier, DossierFee, Role
from motcua.services import dossiers as dossier_files
from motcua.services import links, online_files, org
from motcua.services.outbox import queue, render
from motcua.vocabulary import MailKind

# A bank's proof of a transfer: its PDF or a photo of it.
RECEIPT_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


def receipt_problem(stream: BinaryIO, name: str):
    """What refuses the applicant's proof of a transfer, or None: the online form's rules for
    an applicant's file (motcua.services.online_files: its size, the virus-scan hook), and a
    PDF or an image by its bytes."""
    if problem := online_files.size_problem(stream, current_app.config["ONLINE_MAX_FILE_BYTES"]):
        return problem
    head = stream.read(dossier_files.HEAD_BYTES)
    stream.seek(0)
    if dossier_files.media_type_of(head, name) not in RECEIPT_TYPES:
        return _l("Chứng từ phải là tệp PDF hoặc ảnh (JPEG, PNG).")
    return online_files.scan(stream)


def store_receipt(dossier: Dossier, name: str, stream: BinaryIO, now) -> Attachment:
    sha256, size, key, media_type = online_files.store(stream, name)
    receipt = Attachment(
        dossier_id=dossier.id,
        kind=AttachmentKind.PAYMENT_RECEIPT,
        file_name=name,
        size=size,
        media_type=media_type,
        sha256=sha256,
        storage_key=key,
        uploaded_at=now,
    )
    db.session.add(receipt)
    db.session.flush()
    return receipt


def mail_desk(dossier: Dossier, fees: list[DossierFee], total, reference: str) -> None:
    """Tell the receiving desk's officers a transfer waits for their confirmation."""
    officers = org.users_for(Role.RECEPTIONIST, dossier.receiving_unit.code)
    url = links.public_url(f"/dossiers/{dossier.code}")
    for user in officers:
        if not (user.active and user.email and user.email.strip()):
            continue
        subject, body = render(
            MailKind.FEE_TRANSFER,
            dossier=dossier,
            procedure=dossier.procedure,
            user=user,
            fees=fees,
            total=total,
            reference=reference,
            dossier_url=url,
        )
        queue(
            kind=MailKind.FEE_TRANSFER,
            to_address=user.email.strip(),
            subject=subject,
            body=body,
            dossier_id=dossier.id,
            user_id=user.id,
            dedup_key=None,
        )


def mail_applicant(dossier: Dossier, fees: list[DossierFee], reason: str) -> None:
    address = (dossier.applicant_email or "").strip()
    if not address:
        return
    subject, body = render(
        MailKind.FEE_REJECTED,
        dossier=dossier,
        procedure=dossier.procedure,
        unit=dossier.unit,
        fees=fees,
        reason=reason,
        lookup_url=links.public_url("/lookup"),
    )
    queue(
        kind=MailKind.FEE_REJECTED,
        to_address=address,
        subject=subject,
        body=body,
        dossier_id=dossier.id,
        dedup_key=None,
    )
