from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.models.attachment import Attachment
from motcua.models.base import Base, UTCDateTime, str_enum, utcnow
from motcua.models.dossier import Dossier
from motcua.models.procedure import Procedure
from motcua.models.user import User
from motcua.vocabulary import FeeKind, FeeState, PaymentMethod, PaymentStatus

# Đồng have no minor unit: amounts are whole numbers.
Amount = Numeric(14, 0)


class FeeLine(Base):
    """A fee or charge of a procedure as its catalogue entry publishes it: a fixed amount, or
    none when it depends on the case (the officer enters it for the dossier)."""

    __tablename__ = "fee_lines"
    __table_args__ = (UniqueConstraint("procedure_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"))
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, … in the catalogue's order
    code: Mapped[str] = mapped_column(String(64), default="")  # MaPhiLePhi, when known
    name: Mapped[str] = mapped_column(String(500))
    kind: Mapped[FeeKind] = mapped_column(str_enum(FeeKind))
    amount: Mapped[Decimal | None] = mapped_column(Amount)  # None: by the case

    procedure: Mapped[Procedure] = relationship()


class DossierFee(Base):
    """What one dossier owes for one fee line, and how it was settled. Copied from the line when
    the dossier is received, so that a later change of the catalogue leaves it as it was."""

    __tablename__ = "dossier_fees"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    fee_line_id: Mapped[int | None] = mapped_column(ForeignKey("fee_lines.id"))
    code: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(500))
    kind: Mapped[FeeKind] = mapped_column(str_enum(FeeKind))
    # None until the officer enters the amount of a line "by the case".
    amount: Mapped[Decimal | None] = mapped_column(Amount)
    state: Mapped[FeeState] = mapped_column(str_enum(FeeState), default=FeeState.DUE)
    method: Mapped[PaymentMethod | None] = mapped_column(str_enum(PaymentMethod))
    # The bank transfer's reference the applicant gave, or the provider's transaction number.
    reference: Mapped[str | None] = mapped_column(String(255))
    # The applicant's proof of a bank transfer (a file with its hash, as every file).
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Confirmed or waived: when, by whom (None: the provider's signed callback), and why.
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dossier: Mapped[Dossier] = relationship()
    receipt: Mapped[Attachment | None] = relationship()
    settled_by: Mapped[User | None] = relationship()


class Payment(Base):
    """One attempt to pay a dossier's fees through the online payment provider: made when the
    applicant is sent to the provider, settled by the provider's signed callback (never by the
    browser's return alone). ``reference`` is ours (the order the provider is asked to pay)."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    amount: Mapped[Decimal] = mapped_column(Amount)
    fee_ids: Mapped[list] = mapped_column(JSON, default=list)  # the dossier_fees it pays
    status: Mapped[PaymentStatus] = mapped_column(
        str_enum(PaymentStatus), default=PaymentStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_transaction: Mapped[str | None] = mapped_column(String(64))
    response_code: Mapped[str | None] = mapped_column(String(16))
    # The provider's last callback as it came (its parameters), for disputes.
    callback: Mapped[dict | None] = mapped_column(JSON)

    dossier: Mapped[Dossier] = relationship()
