from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.models.base import Base, UTCDateTime, str_enum
from motcua.vocabulary import UnitLevel


class Unit(Base):
    """A node of the administrative tree: the province → its departments, its service centre
    (and branches) and its communes → their offices.

    A unit is never deleted: a reorganisation retires it (``retired_at``) and names the unit
    that carries on its work (``successor``), so that its dossiers and reports stay readable.
    """

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    # The official identifier code (mã định danh, TT 10/2016/TT-BTTTT), e.g. "000.00.12.H30".
    identifier: Mapped[str | None] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    level: Mapped[UnitLevel] = mapped_column(str_enum(UnitLevel))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # The account the unit publishes for its fees paid by bank transfer (bank, number, holder),
    # shown to the applicant as written (motcua.services.fees; seed 002).
    fee_account: Mapped[str | None] = mapped_column(Text)

    parent: Mapped["Unit | None"] = relationship(
        remote_side=[id], back_populates="children", foreign_keys=[parent_id]
    )
    children: Mapped[list["Unit"]] = relationship(back_populates="parent", foreign_keys=[parent_id])
    successor: Mapped["Unit | None"] = relationship(remote_side=[id], foreign_keys=[successor_id])

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"
