from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.models.base import Base, UTCDateTime, str_enum, utcnow
from motcua.models.dossier import Dossier
from motcua.vocabulary import NotificationStatus


class Notification(Base):
    """An email waiting in the outbox: written in the transaction of the change it tells about,
    sent later by `motcua worker`, retried on failure. Requests never wait for mail."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(64))  # receipt, supplement, refusal, delay, result…
    to_address: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Stops the same reminder being queued twice (e.g. "task 42 due soon").
    dedup_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    status: Mapped[NotificationStatus] = mapped_column(
        str_enum(NotificationStatus), default=NotificationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Pending: when the worker may take it (again). Failed: when it was given up.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The Message-ID header, fixed when the mail is first claimed: every attempt, by any
    # worker, sends the same one, so that a receiver can tell a resent copy.
    message_id: Mapped[str | None] = mapped_column(String(255))
    # Set, and committed, just before a worker starts the SMTP conversation for an attempt;
    # cleared with its outcome. Found on a pending mail whose lease has passed: the worker
    # died mid-send, and the server may have the mail already (motcua.worker).
    sending_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dossier: Mapped[Dossier | None] = relationship()
