"""The dossier code (mã số hồ sơ): ``<mã định danh of the receiving unit>-YYMMDD-NNNN``.

The shape is the one used so far, from Circular 01/2018/TT-VPCP art. 19 ([S] in LAW.md,
"Receipt and the clock"), e.g. ``000.20.50.H30-261008-0975``: the official identifier code of
the receiving unit (``Unit.identifier``, mã định danh of Circular 10/2016/TT-BTTTT), the local
day the dossier was received complete, and its number among the dossiers that unit received
that day (DossierCounter). Decree 309/2026/NĐ-CP art. 12 says the Ministry of Justice will issue
a unified rule ([V]); none was found yet ([U]): when it comes, this module is what changes. A
unit without an identifier (the former districts of the demo, say) keeps its own ``Unit.code``.

A dossier found incomplete at the desk is not received in law (no receipt, no time limit; art.
17.3 as amended by Decree 309/2026/NĐ-CP) but the applicant leaves with form 02, which must name
it. It gets its code at once, drawn from the same counter. When its papers come on a later day
it is received complete only then, so it gets a new code of that day, and the first one is kept
as ``provisional_code`` (printed on the form 02 the applicant holds; the lookup and the inbox
search still find it). When they come the same day the code already carries the right day and
stays. Why not hold back the code until the dossier is complete: form 02, its QR code and the
applicant's lookup would have nothing to name it by. Why not a separate series for provisional
codes: they would need their own counter and a shape that the portal does not know. Both codes
come from the counter, which only moves forward, so no code is ever given twice or reused;
codes already given never change.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from motcua.database import insert_on_conflict
from motcua.extensions import db
from motcua.models import Dossier, DossierCounter, Unit


def prefix(unit: Unit) -> str:
    """The unit's part of the code: its official identifier, else its own code."""
    return unit.identifier or unit.code


def local_day(at: datetime):
    return at.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def next_code(unit: Unit, at: datetime) -> str:
    """A new code of a dossier received by ``unit`` at ``at``: the unit's counter of that local
    day moves on by one (one statement, safe under concurrent receipts)."""
    day = local_day(at)
    statement = (
        insert_on_conflict(db.session, DossierCounter)
        .values(unit_id=unit.id, day=day, value=1)
        .on_conflict_do_update(
            index_elements=["unit_id", "day"], set_={"value": DossierCounter.value + 1}
        )
        .returning(DossierCounter.value)
    )
    sequence = db.session.execute(statement).scalar_one()
    return f"{prefix(unit)}-{day:%y%m%d}-{sequence:04d}"


def received_complete(dossier: Dossier, at: datetime, first_given_at: datetime) -> None:
    """A dossier that waited for papers at receipt is received complete at ``at``; its code was
    given at ``first_given_at``: on a later local day it gets the code of that day and keeps the
    first one as its provisional code (see the module)."""
    if local_day(at) == local_day(first_given_at):
        return
    if dossier.provisional_code is None:
        dossier.provisional_code = dossier.code
    dossier.code = next_code(dossier.receiving_unit, at)
