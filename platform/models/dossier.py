from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.models.base import Base, UTCDateTime, str_enum, utcnow
from motcua.models.procedure import Procedure, ProcessVersion
from motcua.models.unit import Unit
from motcua.vocabulary import Channel, DossierStatus


class Dossier(Base):
    """One application (hồ sơ) for one procedure, run by one workflow.

    ``unit`` is the competent unit (cơ quan có thẩm quyền), whose diagram runs and which decides;
    ``receiving_unit`` the centre whose desk received it and returns the result. They differ
    for a dossier received outside the competent unit (Decree 118/2025/NĐ-CP art. 14, receipt
    regardless of administrative boundary): it is then handed over (``handed_over_at``), and its
    time limit runs from then (art. 17.3 as amended by Decree 309/2026/NĐ-CP).
    """

    __tablename__ = "dossiers"
    __table_args__ = (
        Index("ix_dossiers_unit_status", "unit_id", "status"),
        # Reports: the dossiers received in a period, and those received before it and finished
        # after its start or not at all (a B-tree answers "finished_at IS NULL" too; received_at
        # as a key is checked inside the index). The finished ones carry what the verdict
        # early / on time / late needs, so that a year of them is read from the index alone on
        # PostgreSQL (the chart) instead of row by row from the table.
        Index("ix_dossiers_received_at", "received_at"),
        Index(
            "ix_dossiers_finished_at",
            "finished_at",
            "received_at",
            postgresql_include=[
                "status",
                "appointment_at",
                "first_appointment_at",
                "unit_id",
                "receiving_unit_id",
                "procedure_id",
                "id",
            ],
        ),
        # Inbox search by code prefix or part of the applicant's name: trigram indexes on
        # PostgreSQL (pg_trgm); plain ones elsewhere.
        Index(
            "ix_dossiers_code_trgm",
            "code",
            postgresql_using="gin",
            postgresql_ops={"code": "gin_trgm_ops"},
        ),
        Index(
            "ix_dossiers_applicant_name_trgm",
            "applicant_name",
            postgresql_using="gin",
            postgresql_ops={"applicant_name": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    # The code a dossier waiting for papers at receipt was first given (on its form 02), kept
    # when it gets its own code on the later day it is received complete
    # (motcua.services.dossier_codes); the lookup and the inbox search still find it by it.
    provisional_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    # By default the competent unit's own desk received it.
    receiving_unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id"),
        index=True,
        default=lambda context: context.get_current_parameters()["unit_id"],
    )
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    applicant_name: Mapped[str] = mapped_column(String(255))
    applicant_id_number: Mapped[str] = mapped_column(String(32), index=True)
    applicant_phone: Mapped[str | None] = mapped_column(String(32))
    applicant_email: Mapped[str | None] = mapped_column(String(255))
    applicant_address: Mapped[str | None] = mapped_column(String(500))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    status: Mapped[DossierStatus] = mapped_column(str_enum(DossierStatus))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    appointment_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The end of processing ("xử lý xong", Biểu 06/VPCP/KSTT and the 766 index [S]): the first of
    # the result ready, a refusal, a stop or a withdrawal; the return does not move it.
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the result was handed to the applicant (status returned).
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The appointment first given on the receipt: a rescheduled dossier still counts as late
    # against it. Set once, at receipt.
    first_appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # While waiting for the applicant or paused, the clock stops: since when.
    clock_stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The engine's serialized workflow, without the spec (stored once on the process version).
    workflow_state: Mapped[str] = mapped_column(Text, default="")
    # Bumped on every save; a stale save fails instead of overwriting another officer's work.
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    procedure: Mapped[Procedure] = relationship()
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    receiving_unit: Mapped[Unit] = relationship(foreign_keys=[receiving_unit_id])
    process_version: Mapped[ProcessVersion] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}

    def __repr__(self) -> str:
        return f"<Dossier {self.code}>"


class DossierCounter(Base):
    """The last sequence number given to a unit's dossiers on one day (for readable codes)."""

    __tablename__ = "dossier_counters"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
