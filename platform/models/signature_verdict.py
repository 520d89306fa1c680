from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from motcua.models.attachment import Attachment
from motcua.models.base import Base, UTCDateTime, str_enum
from motcua.vocabulary import SignatureVerdict


class AttachmentSignature(Base):
    """The verdict on a received PDF's signatures (motcua.services.signature_check), one per
    attachment, written by `motcua worker`: pending while a worker holds it (``claimed_until``,
    its lease; ``attempts`` the claims so far), then the verdict, the first signer and the
    signing time, and ``details`` (one entry per signature). A file's bytes never change, so
    neither does its verdict, unless the check is run again by hand."""

    __tablename__ = "signature_verdicts"
    __table_args__ = (Index("ix_signature_verdicts_verdict_claimed", "verdict", "claimed_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"), unique=True)
    verdict: Mapped[SignatureVerdict] = mapped_column(
        str_enum(SignatureVerdict), default=SignatureVerdict.PENDING
    )
    signer: Mapped[str | None] = mapped_column(String(255))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    details: Mapped[dict | None] = mapped_column(JSON)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # ``attachment.signature``: None until a worker first takes the file.
    attachment: Mapped[Attachment] = relationship(backref=backref("signature", uselist=False))
