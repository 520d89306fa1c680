import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.models.base import Base, UTCDateTime, str_enum, utcnow
from motcua.models.unit import Unit
from motcua.models.user import User


class ProcedureLevel(enum.StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class OnlineLevel(enum.StrEnum):
    FULL = "full"  # toàn trình
    PARTIAL = "partial"  # một phần
    NONE = "none"


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

    def __repr__(self) -> str:
        return f"<Procedure {self.code}>"


class ProcessStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


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

    procedure: Mapped[Procedure] = relationship()
    unit: Mapped[Unit | None] = relationship()
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
