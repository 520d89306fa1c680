"""The audit log of configuration changes (who changed which diagram, entry, user or day, when).

Each action and target kept (``audit_log.action``, ``target_type``) has its label in
motcua.vocabulary (AuditAction, AuditTarget): the page shows the label, the stored value stays
(tests/web/test_plain_words.py checks that every action written here has one). A summary is
stored in Vietnamese, as it was written, and shown as it is.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import Forbidden
from motcua.extensions import db
from motcua.models import AuditEntry, Unit, User
from motcua.services import org
from motcua.vocabulary import AuditAction


def record(
    actor: User | None,
    action: AuditAction | str,
    target_type: str,
    target_key: str,
    summary: str,
    *,
    unit: Unit | None = None,
    data: dict | None = None,
) -> AuditEntry:
    """Add an entry to the session; it commits with the change it describes."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        action=action,
        target_type=target_type,
        target_key=target_key,
        unit_id=unit.id if unit else None,
        summary=summary,
        data=data,
    )
    db.session.add(entry)
    return entry


def entries(
    *,
    target_type: str | None = None,
    target_key: str | None = None,
    unit_ids: set[int] | None = None,
    templates_only: bool = False,
    limit: int = 200,
) -> list[AuditEntry]:
    """The newest entries first; `unit_ids` limits them to those units (None: all),
    `templates_only` to the provincial templates' changes."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_key:
        query = query.where(AuditEntry.target_key == target_key)
    if unit_ids is not None:
        query = query.where(AuditEntry.unit_id.in_(unit_ids))
    if templates_only:
        query = query.where(AuditEntry.action.like("process.%"), AuditEntry.unit_id.is_(None))
    return list(db.session.scalars(query))


def entries_for(
    user: User, *, target_type: str | None = None, target_key: str | None = None
) -> list[AuditEntry]:
    """The entries the user may read: a unit admin's units', an analyst's templates', all for
    a system admin (who may filter by target). Raises Forbidden for anyone else."""
    managed = org.administered_unit_ids(user)
    if managed == set() and not org.is_analyst(user):
        raise Forbidden(_l("Bạn không xem được nhật ký thay đổi."), code="forbidden")
    if managed == set():
        return entries(templates_only=True)
    if managed is not None:
        return entries(unit_ids=managed)
    return entries(target_type=target_type or None, target_key=target_key or None)
