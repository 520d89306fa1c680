from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.models.base import Base, UTCDateTime, str_enum, utcnow
from motcua.models.unit import Unit
from motcua.models.user import User
from motcua.vocabulary import OnlineLevel, ProcedureLevel, ProcessStatus


class Procedure(Base):
    """An entry of the administrative procedure catalogue (thủ tục hành chính)."""

    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # national code, e.g. 1.001612
    name: Mapped[str] = mapped_column(String(500))
    field: Mapped[str] = mapped_column(String(255))
    level: Mapped[ProcedureLevel] = mapped_column(str_enum(ProcedureLevel))
    legal_limit_days: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    fees: Mapped[str] = mapped_column(Text, default="")
    required_documents: Mapped[list] = mapped_column(JSON, default=list)
    online_level: Mapped[OnlineLevel] = mapped_column(str_enum(OnlineLevel))
    # Where the level comes from and how sure it is (the 2025 decrees moved the district's
    # procedures to the province or the commune; the province publishes its own list).
    level_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Why the service is only partly online, published with it (Decree 224/2026/NĐ-CP: full
    # online is the default); required when online_level is partial (motcua.services.catalogue).
    partial_online_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    def __repr__(self) -> str:
        return f"<Procedure {self.code}>"


class Offer(Base):
    """A unit decides a procedure (thủ tục thuộc thẩm quyền giải quyết của đơn vị): only then may
    a dossier for it name the unit as competent. Made when the unit's variant is published or
    its admin checks that the provincial template resolves there; removed when it stops."""

    __tablename__ = "procedure_offers"
    __table_args__ = (UniqueConstraint("unit_id", "procedure_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship()
    procedure: Mapped[Procedure] = relationship()


class ProcessVersion(Base):
    """One version of a procedure's diagram: the provincial template (no unit) or a unit's variant.

    Published versions are immutable; dossiers keep the version they started on.
    """

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("procedure_id", "unit_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    process_id: Mapped[str] = mapped_column(String(255))  # the executable BPMN process's id
    bpmn_xml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # The engine's serialized spec, made once when the version is stored.
    spec: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ProcessStatus] = mapped_column(str_enum(ProcessStatus))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # For a unit's variant: the template version it was configured from (rebase compares it).
    template_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_versions.id"))

    procedure: Mapped[Procedure] = relationship()
    unit: Mapped[Unit | None] = relationship()
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    template_version: Mapped["ProcessVersion | None"] = relationship(remote_side=[id])


@event.listens_for(ProcessVersion, "before_update")
@event.listens_for(ProcessVersion, "before_delete")
def _refuse_rewrite(mapper, connection, target):
    raise RuntimeError("process versions are immutable: publish a new one")


class ProcessDraft(Base):
    """The work in progress on a procedure's diagram for a unit (None: the template).

    One per procedure and unit, overwritten by each save; it may have problems (`problems`, as
    the checks found them at the last save) and cannot run. Publishing turns it into a new
    ProcessVersion and removes it. Every save is in the audit log with the diagram's hash.
    """

    __tablename__ = "process_drafts"
    __table_args__ = (UniqueConstraint("procedure_id", "unit_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # unit_id or 0 for the template: a unique constraint ignores NULLs, this column does not.
    unit_key: Mapped[int] = mapped_column(Integer)
    bpmn_xml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    problems: Mapped[list] = mapped_column(JSON, default=list)
    # Variants: the template version the draft was made from, and the steps that template
    # added which the unit admin has not filled in yet (after a rebase).
    template_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_versions.id"))
    new_steps: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    procedure: Mapped[Procedure] = relationship()
    unit: Mapped[Unit | None] = relationship()
    updated_by: Mapped[User | None] = relationship()
    template_version: Mapped[ProcessVersion | None] = relationship()
