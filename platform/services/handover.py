"""Handing a dossier received at another centre over to its competent unit.

Decree 118/2025/NĐ-CP art. 14 (receipt regardless of administrative boundary, [S] in LAW.md)
lets any centre of the province receive a dossier that another unit decides; art. 17.3 as
amended by Decree 309/2026/NĐ-CP ([V]) makes the time limit run from when the competent unit
receives it. The hand-over is the moment the receiving desk's work is done and the first step
of another unit opens: it is recorded as its own event and the appointment restarts from it.
The 15:00 rule of art. 18.2 (hand-over the next working morning) is not applied here.
"""

from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Apology, Event
from motcua.vocabulary import EventKind


def hand_over_if_due(progress, created) -> None:
    """Record the hand-over when this action opened the competent unit's first step."""
    dossier = progress.dossier
    if dossier.handed_over_at is not None or dossier.receiving_unit_id == dossier.unit_id:
        return
    if not any(task.unit_id != dossier.receiving_unit_id for task in created):
        return
    now = progress.now
    old = dossier.appointment_at
    appointment = progress.calendar.add(now, days=dossier.procedure.legal_limit_days)
    dossier.handed_over_at = now
    dossier.appointment_at = appointment
    if not db.session.scalar(select(Apology.id).where(Apology.dossier_id == dossier.id)):
        dossier.first_appointment_at = appointment
    db.session.add(
        Event(
            dossier_id=dossier.id,
            kind=EventKind.HANDED_OVER,
            at=now,
            note=None,
            data={
                "from": dossier.receiving_unit.code,
                "to": dossier.unit.code,
                "old_appointment": old.isoformat(),
                "new_appointment": appointment.isoformat(),
            },
        )
    )
