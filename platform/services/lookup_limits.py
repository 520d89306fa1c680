"""Wrong tries at the public lookup, counted in the database so that every process and every
node of a deployment shares one count, and a restart forgets nothing (issue 14).

Each try is counted before the pair is compared, by one atomic upsert that also takes the row's
lock: tries at the same moment are counted one after the other, so no more than the limit are
ever compared; a try whose pair matches is then forgiven. A window starts at the first wrong try
of a key and lasts LOOKUP_WINDOW_SECONDS; after it the count starts again.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, update

from motcua.database import insert_on_conflict
from motcua.extensions import db
from motcua.models import LookupFailure, utcnow


@dataclass(frozen=True)
class Count:
    key: str
    failures: int  # this try included
    window_start: datetime


def count_try(key: str, now: datetime | None = None) -> Count:
    """Count a try of ``key`` ("code:…" or "address:…") as a failure, until forgiven."""
    now = now or utcnow()
    table = LookupFailure.__table__
    expired = table.c.window_start <= now - _window()
    statement = (
        insert_on_conflict(db.session, LookupFailure)
        .values(key=key, window_start=now, failures=1)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": case((expired, 1), else_=table.c.failures + 1),
                "window_start": case((expired, now), else_=table.c.window_start),
            },
        )
        .returning(table.c.failures, table.c.window_start)
    )
    failures, window_start = db.session.execute(statement).one()
    return Count(key, failures, window_start)


def retry_after(count: Count, limit: int, now: datetime | None = None) -> int | None:
    """Seconds until the key may be tried again, if this try is over the limit."""
    if count.failures <= limit:
        return None
    now = now or utcnow()
    left = (count.window_start + _window() - now).total_seconds()
    return max(1, int(left + 0.999))


def forgive(count: Count) -> None:
    """The try matched: it was no failure."""
    db.session.execute(
        update(LookupFailure)
        .where(LookupFailure.key == count.key, LookupFailure.failures > 0)
        .values(failures=LookupFailure.failures - 1)
    )


def forget_old(now: datetime | None = None) -> int:
    """Remove the counts whose window is over (the worker's round); returns how many."""
    cutoff = (now or utcnow()) - _window()
    return db.session.execute(
        delete(LookupFailure).where(LookupFailure.window_start <= cutoff)
    ).rowcount


def _window() -> timedelta:
    return timedelta(seconds=current_app.config["LOOKUP_WINDOW_SECONDS"])
