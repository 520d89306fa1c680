from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, event, false, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.folding import digits, fold
from motcua.models.base import Base, UTCDateTime, str_enum, utcnow
from motcua.models.procedure import Procedure, ProcessVersion
from motcua.models.unit import Unit
from motcua.vocabulary import Channel, DossierStatus, ReturnMethod

# What the officers' search finds a dossier by (motcua.services.dossier_search, the inbox).
SEARCHED = (
    "code",
    "provisional_code",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
)


def search_text(code, provisional_code, applicant_name, applicant_id_number, applicant_phone):
    """The folded words a dossier is searched by (motcua.folding), one space
    between them; a phone by its digits alone, however the desk wrote it."""
    parts = (
        fold(code),
        fold(provisional_code),
        fold(applicant_name),
        fold(applicant_id_number),
        digits(applicant_phone),
    )
    return " ".join(part for part in parts if part)


def _search_text_default(context) -> str:
    # A column default, so that Core inserts of many rows (tests, benchmarks) get it too.
    row = context.get_current_parameters()
    return search_text(*(row.get(name) for name in SEARCHED))


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
        # The officers' search, a part of search_text (LIKE '%…%'): a trigram index on
        # PostgreSQL (pg_trgm). On SQLite no index answers a LIKE that starts with a wildcard,
        # so the index holds no row there (WHERE 0) and the table is read: enough for a laptop.
        Index(
            "ix_dossiers_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
            sqlite_where=false(),
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
    # SEARCHED folded (``search_text``): written with the row, kept right by ``_refold`` when
    # the ORM changes one of them. A bulk UPDATE of those columns must set it too; a raw
    # INSERT that leaves it out gets "" (found by nothing).
    search_text: Mapped[str] = mapped_column(Text, default=_search_text_default, server_default="")
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    status: Mapped[DossierStatus] = mapped_column(str_enum(DossierStatus))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    appointment_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The end of processing ("xử lý xong", Biểu 06/VPCP/KSTT and the 766 index [S]): the first of
    # the result ready, a refusal, a stop or a withdrawal; the return does not move it.
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the result was handed to the applicant (status returned).
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How it was handed over (the return step's "method"; motcua.services.results_online).
    return_method: Mapped[ReturnMethod | None] = mapped_column(str_enum(ReturnMethod))
    # The appointment first given on the receipt: a rescheduled dossier still counts as late
    # against it. Set once, at receipt.
    first_appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # While waiting for the applicant or paused, the clock stops: since when.
    clock_stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The dossier's code at the national portal (MaHoSo) when it came from there: the portal
    # hears of it under that code (motcua.services.portal_wire.dossier_record).
    portal_code: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
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


@event.listens_for(Dossier, "before_update")
def _refold(mapper, connection, dossier: Dossier) -> None:
    """A new code (motcua.services.dossier_codes) or corrected applicant details: fold again."""
    state = inspect(dossier)
    if any(state.attrs[name].history.has_changes() for name in SEARCHED):
        dossier.search_text = search_text(*(getattr(dossier, name) for name in SEARCHED))


class DossierCounter(Base):
    """The last sequence number given to a unit's dossiers on one day (for readable codes)."""

    __tablename__ = "dossier_counters"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
