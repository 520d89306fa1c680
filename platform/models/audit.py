from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.models.base import Base, UTCDateTime, utcnow
from motcua.models.user import User


class AuditEntry(Base):
    """The append-only log of configuration changes: diagrams, catalogue, units, users, calendar.

    What happens to dossiers is in `events`; this is everything an admin or analyst changes.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))  # e.g. "process.publish", "user.deactivate"
    target_type: Mapped[str] = mapped_column(String(32))  # procedure, unit, user, calendar_day
    target_key: Mapped[str] = mapped_column(String(255))  # its code, username or ISO date
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_rewrite(mapper, connection, target):
    raise RuntimeError("the audit log is append-only")
