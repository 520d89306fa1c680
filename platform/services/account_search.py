"""Finding officers' accounts for their administrators: the officers a system administrator
(everyone) or a unit administrator (their own subtree) administers, searched and paged; one of
them; how many steps one has taken and not finished.
"""

import math
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from motcua.errors import Forbidden, NotFound
from motcua.extensions import db
from motcua.models import Role, Task, TaskStatus, User, UserRole
from motcua.services import org, units
from motcua.services.account_rules import parse_role

PER_PAGE = 25
LOOKS_UP_OFFICERS = frozenset({Role.LEADER, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN})


@dataclass
class UserPage:
    items: list[User]
    total: int
    page: int
    per_page: int
    filters: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def search(
    actor: User,
    *,
    q: str = "",
    unit_code: str = "",
    role: str = "",
    active: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> UserPage:
    """The officers the actor administers, by username.

    `q` matches the username or the display name; `unit_code` keeps the officers of that unit
    (their own unit, or a role held there); `role` keeps those holding the role (in that unit
    when one is given); `active` is "1", "0" or "" (all). Raises Forbidden, NotFound (a unit
    outside the actor's subtree).
    """
    managed = units.require_people_admin(actor)
    query = select(User)
    if managed is not None:
        query = query.where(User.unit_id.in_(managed))
    q = (q or "").strip()
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                User.username.ilike(pattern, escape="\\"),
                User.display_name.ilike(pattern, escape="\\"),
            )
        )
    role_value = parse_role(role)
    unit = units.get_visible(actor, unit_code) if unit_code else None
    has_role = UserRole.user_id == User.id
    if unit is not None and role_value is not None:
        query = query.where(
            exists().where(has_role, UserRole.unit_id == unit.id, UserRole.role == role_value)
        )
    elif unit is not None:
        query = query.where(
            or_(User.unit_id == unit.id, exists().where(has_role, UserRole.unit_id == unit.id))
        )
    elif role_value is not None:
        query = query.where(exists().where(has_role, UserRole.role == role_value))
    if active in ("0", "1"):
        query = query.where(User.active.is_(active == "1"))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    per_page = min(max(per_page, 1), 200)
    page = min(max(page, 1), max(1, math.ceil(total / per_page)))
    items = list(
        db.session.scalars(
            query.options(joinedload(User.unit), selectinload(User.roles).joinedload(UserRole.unit))
            .order_by(User.username)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).unique()
    )
    filters = {
        "q": q,
        "unit": unit.code if unit else "",
        "role": role_value.value if role_value else "",
        "active": active if active in ("0", "1") else "",
    }
    return UserPage(items, total, page, per_page, filters)


def get_user(actor: User, user_id: int) -> User:
    """An officer whose own unit the actor administers; NotFound otherwise."""
    managed = units.require_people_admin(actor)
    user = db.session.get(User, user_id)
    if user is None or (managed is not None and user.unit_id not in managed):
        raise NotFound(
            _l("Không có cán bộ này trong các đơn vị bạn quản trị."), code="user_not_found"
        )
    return user


def claimed_open_tasks(user: User) -> int:
    """How many steps the officer has taken and not finished (a leader reassigns them)."""
    return db.session.scalar(
        select(func.count(Task.id)).where(
            Task.assignee_id == user.id, Task.status == TaskStatus.CLAIMED
        )
    )


def officers_for(actor: User, role: Role | None, unit_code: str | None) -> list[User]:
    """The active officers a leader or an administrator may look up (GET /api/v1/users), to
    assign a step or manage an account: those of the units they administer or lead and the
    units below (belonging there, or holding a role there); everyone for a system
    administrator. ``role`` and ``unit_code`` narrow the list. Raises Forbidden for anyone
    else, NotFound for an unknown unit."""
    if not any(r.role in LOOKS_UP_OFFICERS for r in actor.roles):
        raise Forbidden(_l("Chỉ lãnh đạo và quản trị xem được danh sách cán bộ."), code="forbidden")
    query = org.users_query(role, unit_code)
    if not org.is_system_admin(actor):
        led = {r.unit_id for r in actor.roles if r.role == Role.LEADER}
        scope = (org.administered_unit_ids(actor) or set()) | org.subtree_ids(led)
        held = aliased(UserRole)  # not the role the filters above joined
        in_scope = select(held.id).where(held.user_id == User.id, held.unit_id.in_(scope))
        query = query.where(or_(User.unit_id.in_(scope), exists(in_scope)))
    return list(db.session.scalars(query))
