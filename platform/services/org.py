"""Units, officers and who may do what where."""

from sqlalchemy import select

from motcua.engine import Handler
from motcua.errors import Forbidden, Invalid, NotFound
from motcua.extensions import db
from motcua.models import Role, Task, TaskCandidate, Unit, User, UserRole


def unit_by_code(code: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(f"Không có đơn vị mã {code}.", code="unit_not_found")
    return unit


def role_pairs(user: User) -> set[tuple[int, Role]]:
    return {(r.unit_id, r.role) for r in user.roles}


def has_role(user: User, role: Role, unit_id: int) -> bool:
    return (unit_id, role) in role_pairs(user)


def is_system_admin(user: User) -> bool:
    return any(r.role == Role.SYSTEM_ADMIN for r in user.roles)


def subtree_ids(unit_ids: set[int]) -> set[int]:
    """The given units and every unit below them."""
    found = set(unit_ids)
    frontier = set(unit_ids)
    while frontier:
        frontier = set(db.session.scalars(select(Unit.id).where(Unit.parent_id.in_(frontier))))
        frontier -= found
        found |= frontier
    return found


def is_analyst(user: User) -> bool:
    """Analysts author the provincial templates (system admins may too)."""
    return any(r.role in (Role.ANALYST, Role.SYSTEM_ADMIN) for r in user.roles)


def administered_unit_ids(user: User) -> set[int] | None:
    """The units whose configuration the user manages: a unit admin's units and every unit
    below them; None means all (system admin)."""
    if is_system_admin(user):
        return None
    return subtree_ids({r.unit_id for r in user.roles if r.role == Role.UNIT_ADMIN})


def require_unit_admin(user: User, unit: Unit) -> None:
    """Raises Forbidden unless the user administers the unit (or is a system admin)."""
    managed = administered_unit_ids(user)
    if managed is not None and unit.id not in managed:
        raise Forbidden(f"Bạn không phải quản trị của đơn vị {unit.name}.", code="forbidden")


def require_analyst(user: User) -> None:
    if not is_analyst(user):
        raise Forbidden(
            "Chỉ chuyên viên phân tích nghiệp vụ và quản trị hệ thống sửa được quy trình mẫu.",
            code="forbidden",
        )


def require_system_admin(user: User) -> None:
    if not is_system_admin(user):
        raise Forbidden("Chỉ quản trị hệ thống làm được việc này.", code="forbidden")


def require_role(user: User, role: Role, unit: Unit) -> None:
    if not has_role(user, role, unit.id):
        raise Forbidden(
            f"Bạn không có vai trò {role.value} tại đơn vị {unit.name}.", code="forbidden"
        )


def resolve_handler(handler: Handler, dossier_unit: Unit) -> tuple[Unit, Role | None, list[User]]:
    """The unit whose inbox gets the step, the role asked for, and the officers who may work it.

    Raises Invalid with a Vietnamese message when the handler names nothing that exists.
    """
    if handler.kind == "users":
        users = list(
            db.session.scalars(
                select(User).where(User.username.in_(handler.usernames), User.active.is_(True))
            )
        )
        missing = set(handler.usernames) - {u.username for u in users}
        if missing:
            raise Invalid(
                "Không tìm thấy cán bộ đang hoạt động: " + ", ".join(sorted(missing)),
                code="handler_unresolved",
            )
        by_name = {u.username: u for u in users}
        ordered = [by_name[name] for name in handler.usernames]
        return ordered[0].unit, None, ordered

    if handler.relative:
        code = f"{dossier_unit.code}.{handler.unit_code}"
    else:
        code = handler.unit_code or dossier_unit.code
    role = Role(handler.role)
    rows = db.session.execute(
        select(Unit, User)
        .join(UserRole, UserRole.unit_id == Unit.id)
        .join(User, User.id == UserRole.user_id)
        .where(Unit.code == code, UserRole.role == role, User.active.is_(True))
        .order_by(User.username)
    ).all()
    if rows:
        return rows[0][0], role, [user for _, user in rows]
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise Invalid(f"Không có đơn vị mã {code}.", code="handler_unresolved")
    raise Invalid(
        f"Đơn vị {unit.name} ({code}) không có cán bộ nào giữ vai trò {role.value}.",
        code="handler_unresolved",
    )


def handler_problem(handler: Handler, dossier_unit: Unit | None) -> str | None:
    """For the diagram lint: None if the handler resolves in the unit, else why not.

    A provincial template has no unit yet, so relative handlers can only be checked in variants.
    """
    if dossier_unit is None and handler.kind == "role" and handler.relative:
        return None
    if dossier_unit is None and handler.kind == "role" and not handler.unit_code:
        return None
    try:
        resolve_handler(handler, dossier_unit)
    except Invalid as exc:
        return exc.message
    return None


def may_work(user: User, task: Task) -> bool:
    """Whether the user is among those the task's handler names (now, not only when it opened)."""
    if task.role is not None and has_role(user, task.role, task.unit_id):
        return True
    return (
        db.session.scalar(
            select(TaskCandidate.user_id).where(
                TaskCandidate.task_id == task.id, TaskCandidate.user_id == user.id
            )
        )
        is not None
    )


def visible_unit_ids(user: User) -> set[int] | None:
    """Units whose dossiers the user may see; None means all (system admin)."""
    if is_system_admin(user):
        return None
    ids = {r.unit_id for r in user.roles} | {user.unit_id}
    # Supervisors and leaders oversee the units below theirs (a district's communes, say).
    overseen = {r.unit_id for r in user.roles if r.role in (Role.SUPERVISOR, Role.LEADER)}
    return ids | subtree_ids(overseen)


def require_dossier_visible(user: User, dossier) -> None:
    """Officers see their units' dossiers and those whose steps their units handle."""
    units = visible_unit_ids(user)
    if units is None:
        return
    if dossier.unit_id in units:
        return
    handled = db.session.scalar(
        select(Task.id).where(Task.dossier_id == dossier.id, Task.unit_id.in_(units)).limit(1)
    )
    if handled is None:
        raise NotFound(f"Không có hồ sơ {dossier.code}.", code="dossier_not_found")


def users_for(role: Role | None, unit_code: str | None) -> list[User]:
    query = select(User).where(User.active.is_(True)).order_by(User.username)
    if role is not None or unit_code is not None:
        query = query.join(UserRole, UserRole.user_id == User.id).distinct()
    if role is not None:
        query = query.where(UserRole.role == role)
    if unit_code is not None:
        query = query.where(UserRole.unit_id == unit_by_code(unit_code).id)
    return list(db.session.scalars(query))
