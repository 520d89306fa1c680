from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.models.base import Base, UTCDateTime, utcnow
from motcua.models.user import User


class Event(Base):
    """The append-only audit log of a dossier: who did what, when, from which step to which."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(64))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    from_step: Mapped[str | None] = mapped_column(String(255))
    to_step: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()


@event.listens_for(Event, "before_update")
@event.listens_for(Event, "before_delete")
def _refuse_rewrite(mapper, connection, target):
    raise RuntimeError("events are append-only")
