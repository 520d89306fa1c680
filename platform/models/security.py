from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.models.base import Base, UTCDateTime, utcnow
from motcua.models.user import User


class SecurityEvent(Base):
    """The append-only security log: who signed in or failed to, was locked out, signed out,
    had a password reset or changed it, and who opened which dossier (motcua.services.
    security_log). Kept SECURITY_LOG_DAYS, then purged by the worker; never rewritten."""

    __tablename__ = "security_events"
    __table_args__ = (Index("ix_security_events_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(32))  # vocabulary.SecurityEventKind
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(150))  # as typed, for an unknown account
    address: Mapped[str] = mapped_column(String(64), default="")
    dossier_code: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict | None] = mapped_column(JSON)

    user: Mapped[User | None] = relationship()


@event.listens_for(SecurityEvent, "before_update")
def _refuse_rewrite(mapper, connection, target):
    raise RuntimeError("the security log is append-only")


class LookupFailure(Base):
    """Wrong tries at the public lookup per dossier code or client address (``key``), in a
    window that starts at the first of them (motcua.services.lookup_limits)."""

    __tablename__ = "lookup_failures"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer)
