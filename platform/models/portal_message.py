from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.models.base import Base, UTCDateTime, str_enum, utcnow
from motcua.models.dossier import Dossier
from motcua.vocabulary import PortalMessageKind, PortalMessageStatus


class PortalMessage(Base):
    """A message for the national portal, written in the transaction of the act it tells about
    and delivered later by `motcua worker` (motcua.portal_delivery), in ``seq`` order
    per dossier. ``body`` is fixed when queued: every attempt sends the same bytes, and the
    portal tells a resend by the dossier's code and ``seq`` (the message's version)."""

    __tablename__ = "portal_messages"
    __table_args__ = (
        UniqueConstraint("dossier_id", "seq", name="uq_portal_messages_dossier_seq"),
        Index("ix_portal_messages_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … per dossier
    kind: Mapped[PortalMessageKind] = mapped_column(str_enum(PortalMessageKind))
    service: Mapped[str] = mapped_column(String(64))  # the portal's service name
    unit_code: Mapped[str] = mapped_column(String(64))  # madonvi: the unit's code at the portal
    is_updating: Mapped[bool] = mapped_column(default=False)
    body: Mapped[dict] = mapped_column(JSON)  # the one record of the envelope's ``data``
    # The dossier's portal status (TrangThaiHoSo) when the message was queued: a status
    # message is queued only when it differs from the last message's.
    status_code: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[PortalMessageStatus] = mapped_column(
        str_enum(PortalMessageStatus), default=PortalMessageStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Pending: when the worker may take it (again). Failed: when it was given up.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dossier: Mapped[Dossier] = relationship()

    @property
    def key(self) -> str:
        """The stable key the portal tells a resend by: the dossier's code and the version."""
        return f"{self.body.get('MaHoSo')}#{self.seq}"
