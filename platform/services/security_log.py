"""The security log: an append-only record of sign-ins (and failed ones, lockouts and
sign-outs), of passwords reset or changed, of sessions revoked, and of who opened which
dossier: what a provincial one-stop system keeps for review at security level 3 (Circular
21/2023/TT-BTTTT as amended by Circular 11/2025/TT-BKHCN, [S] in LAW.md; how long it is kept
is not verified, so it is a setting, SECURITY_LOG_DAYS).

Written in the act's own transaction: an attempt's entry is kept with what the attempt
changed (the lockout counter), and a failed sign-in is committed as its refusal is answered.
Read by system administrators only.
"""

from datetime import datetime, timedelta

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from motcua.errors import Forbidden
from motcua.extensions import db
from motcua.models import SecurityEvent, User, utcnow
from motcua.services import org
from motcua.vocabulary import SecurityEventKind

PER_PAGE = 100


def record(
    kind: SecurityEventKind,
    *,
    user: User | None = None,
    username: str = "",
    dossier_code: str | None = None,
    **data,
) -> None:
    db.session.add(
        SecurityEvent(
            at=utcnow(),
            kind=kind.value,
            user_id=user.id if user else None,
            username=(user.username if user else username)[:150],
            address=(request.remote_addr or "")[:64] if has_request_context() else "",
            dossier_code=dossier_code,
            data=data or None,
        )
    )


def entries(actor: User, *, username: str = "", page: int = 1) -> list[SecurityEvent]:
    """The newest entries first, a page of PER_PAGE, of one account when ``username`` is given.
    Raises Forbidden for anyone but a system administrator."""
    if not org.is_system_admin(actor):
        raise Forbidden(_l("Chỉ quản trị hệ thống xem được nhật ký an toàn."), code="forbidden")
    query = select(SecurityEvent).options(joinedload(SecurityEvent.user))
    if username:
        query = query.where(SecurityEvent.username == username)
    page = min(max(page, 1), 100_000)
    query = query.order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc())
    return list(db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))


def purge(now: datetime | None = None) -> int:
    """Remove the entries older than SECURITY_LOG_DAYS (each round of the worker); returns how
    many."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["SECURITY_LOG_DAYS"])
    return db.session.execute(delete(SecurityEvent).where(SecurityEvent.at < cutoff)).rowcount
