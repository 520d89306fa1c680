from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.models.base import Base, UTCDateTime, str_enum, utcnow
from motcua.models.dossier import Dossier
from motcua.models.unit import Unit
from motcua.models.user import Role, User
from motcua.vocabulary import TaskStatus


class Task(Base):
    """A human step of a dossier, as the inbox sees it. The inbox reads only this table."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_assignee_status_due", "assignee_id", "status", "due_at"),
        Index("ix_tasks_unit_role_status_due", "unit_id", "role", "status", "due_at"),
        Index("ix_tasks_status_due", "status", "due_at"),
        # The "done" tab: an officer's finished steps, newest first.
        Index("ix_tasks_assignee_status_completed", "assignee_id", "status", "completed_at"),
        # Reports: the steps completed in a period, by officer.
        Index("ix_tasks_completed_at", "completed_at"),
        # The dossier search: the dossiers a unit's steps handle, from the index alone.
        Index("ix_tasks_unit_dossier", "unit_id", "dossier_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    engine_task_id: Mapped[str] = mapped_column(String(64))  # the engine's task uuid
    step_id: Mapped[str] = mapped_column(String(255))  # the BPMN element id
    step_name: Mapped[str] = mapped_column(String(500))
    lane: Mapped[str | None] = mapped_column(String(255))
    handler: Mapped[str] = mapped_column(String(500))  # as written in the diagram
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # whose inbox it is in
    role: Mapped[Role | None] = mapped_column(str_enum(Role))  # None when officers are named
    time_limit: Mapped[str] = mapped_column(String(16))
    form: Mapped[str | None] = mapped_column(String(255))
    returns_result: Mapped[bool] = mapped_column(Boolean, default=False)
    # The step waits for the applicant's missing papers (a supplement request): while it is
    # open the dossier's clock stands still, so it is never counted late against an officer.
    waits_for_applicant: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus), default=TaskStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict | None] = mapped_column(JSON)

    dossier: Mapped[Dossier] = relationship()
    unit: Mapped[Unit] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    candidates: Mapped[list["TaskCandidate"]] = relationship(
        back_populates="task", cascade="all, delete-orphan"
    )


class TaskCandidate(Base):
    """An officer who may work a task, as resolved from its handler when it became ready."""

    __tablename__ = "task_candidates"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)

    task: Mapped[Task] = relationship(back_populates="candidates")
    user: Mapped[User] = relationship()
