from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.models.base import Base, UTCDateTime, utcnow
from motcua.models.unit import Unit
from motcua.models.user import User


class ReportSnapshot(Base):
    """A statistics report frozen as it was sent (chốt số liệu báo cáo): its figures as the API
    gives them and its Excel and PDF files in storage under their sha256.

    Append-only: freezing the same unit, period and grouping again adds a row (a correction);
    the newest one is the one that stands.
    """

    __tablename__ = "report_snapshots"
    __table_args__ = (
        Index("ix_report_snapshots_period", "unit_id", "period_kind", "period_key", "group_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the subtree's root
    # The period as motcua.services.report_periods.Period: local days [start, end).
    period_kind: Mapped[str] = mapped_column(String(16))
    period_key: Mapped[str] = mapped_column(String(32))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    group_by: Mapped[str] = mapped_column(String(16))
    figures: Mapped[dict] = mapped_column(JSON)
    xlsx_sha256: Mapped[str] = mapped_column(String(64))
    xlsx_storage_key: Mapped[str] = mapped_column(String(255))
    xlsx_size: Mapped[int] = mapped_column(BigInteger)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_storage_key: Mapped[str] = mapped_column(String(255))
    pdf_size: Mapped[int] = mapped_column(BigInteger)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    note: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[Unit] = relationship()
    created_by: Mapped[User] = relationship()


@event.listens_for(ReportSnapshot, "before_update")
@event.listens_for(ReportSnapshot, "before_delete")
def _refuse_rewrite(mapper, connection, target):
    raise RuntimeError("frozen reports are append-only")
