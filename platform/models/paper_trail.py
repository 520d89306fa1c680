"""The legal paper trail of a dossier's exceptional paths: supplement requests and apologies.

Refusals, withdrawals and pauses are final or temporary states of the dossier with their reason
in the events; these two need their own rows because reports and slips read their dates.
"""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.models.base import Base, UTCDateTime, utcnow
from motcua.models.dossier import Dossier
from motcua.models.user import User


class SupplementRequest(Base):
    """A request to the applicant to add to or complete the dossier (form 02)."""

    __tablename__ = "supplement_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))  # the deciding step
    # Asked at the desk before the dossier was received (form 02 instead of the receipt).
    at_receipt: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    items: Mapped[list] = mapped_column(JSON, default=list)  # what to add or complete
    # Why a second (or later) request was needed although the first must list everything
    # (Decree 118/2025/NĐ-CP art. 17.2.a as amended by 309/2026/NĐ-CP); None on the first.
    repeat_reason: Mapped[str | None] = mapped_column(Text)
    # When the applicant last answered it online (motcua.services.applicant_papers): the desk
    # still records the receipt itself (received_at), which is what starts the clock again.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    new_appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dossier: Mapped[Dossier] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])


class Apology(Base):
    """An apology for a late result with a new appointment (form 04); allowed once a dossier."""

    __tablename__ = "apologies"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    old_appointment_at: Mapped[datetime] = mapped_column(UTCDateTime)
    new_appointment_at: Mapped[datetime] = mapped_column(UTCDateTime)

    dossier: Mapped[Dossier] = relationship()
    issued_by: Mapped[User | None] = relationship()
