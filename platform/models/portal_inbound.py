from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.models.base import Base, UTCDateTime, str_enum, utcnow
from motcua.models.dossier import Dossier
from motcua.vocabulary import PortalInboundState


class PortalInbound(Base):
    """A dossier the national portal handed us (pushed to our endpoint or pulled by the
    worker), kept as it came before anything is made of it (motcua.services.portal_inbound):
    nothing the portal sent is lost when it cannot be imported yet. One row per portal
    code (``MaHoSo``): a resend finds its row and changes nothing."""

    __tablename__ = "portal_inbound"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_code: Mapped[str] = mapped_column(String(64), unique=True)  # MaHoSo
    unit_code: Mapped[str] = mapped_column(String(64))  # madonvi: the receiving unit's code
    raw: Mapped[dict] = mapped_column(JSON)  # the record as the portal sent it
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[PortalInboundState] = mapped_column(
        str_enum(PortalInboundState), default=PortalInboundState.RECEIVED, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)  # why it could not be imported, in Vietnamese
    tried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))

    dossier: Mapped[Dossier | None] = relationship()
