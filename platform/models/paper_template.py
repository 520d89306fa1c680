from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.models.base import Base, UTCDateTime, utcnow
from motcua.models.procedure import Procedure
from motcua.models.user import User


class PaperTemplate(Base):
    """A template file (mẫu đơn, tờ khai) of one required paper of a procedure, for applicants
    to download. Rows are never changed: a new upload is a new row, and the newest one of a
    paper is the one offered; the bytes live in storage under their sha256."""

    __tablename__ = "paper_templates"
    __table_args__ = (Index("ix_paper_templates_procedure_paper", "procedure_id", "paper_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"))
    # The paper's place in the procedure's list and its name then: a template is offered only
    # while the paper at that place still has that name (a reordered list offers no wrong one).
    paper_index: Mapped[int] = mapped_column(Integer)
    paper_name: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    procedure: Mapped[Procedure] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
