"""Units, officers and who may do what where."""

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from motcua.engine import Handler
from motcua.errors import Forbidden, Invalid, NotFound
from motcua.extensions import db
from motcua.models import Role, Task, TaskCandidate, Unit, User, UserRole
from motcua.vocabulary import in_sentence


def unit_by_code(code: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(_l("Không có đơn vị mã %(code)s.", code=code), code="unit_not_found")
    return unit


def role_pairs(user: User) -> set[tuple[int, Role]]:
    return {(r.unit_id, r.role) for r in user.roles}


def has_role(user: User, role: Role, unit_id: int) -> bool:
    return (unit_id, role) in role_pairs(user)


def is_system_admin(user: User) -> bool:
    return any(r.role == Role.SYSTEM_ADMIN for r in user.roles)


def subtree_ids(unit_ids: set[int], *, below: bool = True) -> set[int]:
    """The given units, every unit below them (unless not ``below``) and every unit they
    succeeded after a reorganisation, and so on (one recursive query): a merged commune's
    figures and dossiers roll up to the commune that carries on its work."""
    if not unit_ids:
        return set()
    tree = select(Unit.id).where(Unit.id.in_(sorted(unit_ids))).cte("tree", recursive=True)
    reached = Unit.successor_id == tree.c.id
    if below:
        reached = reached | (Unit.parent_id == tree.c.id)
    tree = tree.union(select(Unit.id).where(reached))
    return set(db.session.scalars(select(tree.c.id)))


def is_analyst(user: User) -> bool:
    """Analysts author the provincial templates (system admins may too)."""
    return any(r.role in (Role.ANALYST, Role.SYSTEM_ADMIN) for r in user.roles)


def administered_unit_ids(user: User) -> set[int] | None:
    """The units whose configuration the user manages: a unit admin's units and every unit
    below them; None means all (system admin). Read once per action."""
    if is_system_admin(user):
        return None
    known = g.setdefault("motcua_administered", {})
    if user.id not in known:
        known[user.id] = subtree_ids({r.unit_id for r in user.roles if r.role == Role.UNIT_ADMIN})
    return known[user.id]


def require_unit_admin(user: User, unit: Unit) -> None:
    """Raises Forbidden unless the user administers the unit (or is a system admin)."""
    managed = administered_unit_ids(user)
    if managed is not None and unit.id not in managed:
        raise Forbidden(
            _l("Bạn không phải quản trị của đơn vị %(unit)s.", unit=unit.name), code="forbidden"
        )


def require_analyst(user: User) -> None:
    if not is_analyst(user):
        raise Forbidden(
            _l("Chỉ chuyên viên phân tích nghiệp vụ và quản trị hệ thống sửa được quy trình mẫu."),
            code="forbidden",
        )


def require_system_admin(user: User) -> None:
    if not is_system_admin(user):
        raise Forbidden(_l("Chỉ quản trị hệ thống làm được việc này."), code="forbidden")


def require_role(user: User, role: Role, unit: Unit) -> None:
    if not has_role(user, role, unit.id):
        raise Forbidden(
            _l(
                "Bạn không có vai trò %(role)s tại đơn vị %(unit)s.",
                role=in_sentence(role.label),
                unit=unit.name,
            ),
            code="forbidden",
        )


def resolve_handler(
    handler: Handler, dossier_unit: Unit, desk_unit: Unit | None = None
) -> tuple[Unit, Role | None, list[User]]:
    """The unit whose inbox gets the step, the role asked for, and the officers who may work it.

    A role without a unit is the dossier's (competent) unit's, except the receptionist's: that
    is the desk of the centre that received the dossier (``desk_unit``), which may be another
    unit's (Decree 118/2025/NĐ-CP art. 14, receipt regardless of boundary). A retired unit's
    work goes to its successor (a reorganisation re-homes what it did).

    Raises Invalid with a Vietnamese message when the handler names nothing that exists.
    """
    if handler.kind == "users":
        users = list(
            db.session.scalars(
                select(User)
                .options(joinedload(User.unit))  # the task's unit, in the same statement
                .where(User.username.in_(handler.usernames), User.active.is_(True))
            )
        )
        missing = set(handler.usernames) - {u.username for u in users}
        if missing:
            raise Invalid(_no_active_officers(missing), code="handler_unresolved")
        by_name = {u.username: u for u in users}
        ordered = [by_name[name] for name in handler.usernames]
        return ordered[0].unit, None, ordered

    role = Role(handler.role)
    if handler.relative:
        code = f"{dossier_unit.code}.{handler.unit_code}"
    elif handler.unit_code:
        code = handler.unit_code
    elif role == Role.RECEPTIONIST and desk_unit is not None:
        code = desk_unit.code
    else:
        code = dossier_unit.code
    while True:
        rows = db.session.execute(
            select(Unit, User)
            .join(UserRole, UserRole.unit_id == Unit.id)
            .join(User, User.id == UserRole.user_id)
            .where(Unit.code == code, UserRole.role == role, User.active.is_(True))
            .where(Unit.retired_at.is_(None))
            .order_by(User.username)
        ).all()
        if rows:
            return rows[0][0], role, [user for _, user in rows]
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        if unit is None:
            raise Invalid(_no_unit(code), code="handler_unresolved")
        if unit.retired and unit.successor is not None:
            code = unit.successor.code
            continue
        raise Invalid(_no_holder(unit.name, code, role), code="handler_unresolved")


# Why a handler names nobody: at run time (resolve_handler) and in the lint (HandlerCheck).


def _no_active_officers(usernames) -> str:
    return _l("Không tìm thấy cán bộ đang hoạt động: %(names)s", names=", ".join(sorted(usernames)))


def _no_unit(code: str) -> str:
    return _l("Không có đơn vị mã %(code)s.", code=code)


def _no_holder(unit_name: str, code: str, role: Role) -> str:
    return _l(
        "Đơn vị %(unit)s (%(code)s) không có cán bộ nào giữ vai trò %(role)s.",
        unit=unit_name,
        code=code,
        role=in_sentence(role.label),
    )


class HandlerCheck:
    """Whether handlers resolve in a unit, for the diagram lint and the configurator: who holds
    which role in which unit, and which named officers are active, read once (``prepare``) for
    all the handlers of a diagram instead of a query per step. One per unit and action
    (``handler_check``): what it read stays true while the action runs.

    A provincial template (unit None) has no unit yet, so its relative handlers, and roles in
    the dossier's own unit, can only be checked in variants.
    """

    def __init__(self, unit: Unit | None):
        self.unit = unit
        # code -> (name, roles held, retired)
        self._units: dict[str, tuple[str, set[Role], bool]] = {}
        self._asked_codes: set[str] = set()
        self._active: set[str] = set()
        self._asked_names: set[str] = set()

    def prepare(self, handlers) -> None:
        """Read what the handlers need that is not read yet: at most two queries."""
        codes, names = set(), set()
        for handler in handlers:
            if handler.kind == "users":
                names |= set(handler.usernames) - self._asked_names
            elif (code := self._code(handler)) is not None and code not in self._asked_codes:
                codes.add(code)
        if codes:
            self._asked_codes |= codes
            found = db.session.execute(
                select(Unit.code, Unit.name, Unit.retired_at, UserRole.role, User.id)
                .outerjoin(UserRole, UserRole.unit_id == Unit.id)
                .outerjoin(User, (User.id == UserRole.user_id) & User.active.is_(True))
                .where(Unit.code.in_(sorted(codes)))
            )
            for code, name, retired_at, role, user_id in found:
                _, roles, _ = self._units.setdefault(code, (name, set(), retired_at is not None))
                if role is not None and user_id is not None:
                    roles.add(role)
        if names:
            self._asked_names |= names
            self._active |= set(
                db.session.scalars(
                    select(User.username).where(
                        User.username.in_(sorted(names)), User.active.is_(True)
                    )
                )
            )

    def problem(self, handler: Handler) -> str | None:
        """None if the handler resolves, else why not (as ``resolve_handler`` would say), worded
        when read."""
        self.prepare([handler])
        if handler.kind == "users":
            missing = set(handler.usernames) - self._active
            return _no_active_officers(missing) if missing else None
        code = self._code(handler)
        if code is None:
            return None
        if code not in self._units:
            return _no_unit(code)
        name, roles, retired = self._units[code]
        if retired:
            # Dossiers already open find the successor (resolve_handler); a diagram being
            # configured should name it.
            return _l(
                "Đơn vị %(unit)s (%(code)s) đã giải thể: chọn đơn vị kế thừa.",
                unit=name,
                code=code,
            )
        role = Role(handler.role)
        return _no_holder(name, code, role) if role not in roles else None

    def _code(self, handler: Handler) -> str | None:
        """The unit a role handler names in this unit; None where a template cannot tell, and
        for the desk (a receptionist without a unit): that is the centre which receives the
        dossier, known only at receipt, where the receiving officer is one."""
        if handler.relative:
            return f"{self.unit.code}.{handler.unit_code}" if self.unit is not None else None
        if handler.unit_code:
            return handler.unit_code
        if handler.role == Role.RECEPTIONIST:
            return None
        return self.unit.code if self.unit is not None else None


def handler_check(unit: Unit | None) -> HandlerCheck:
    """The action's HandlerCheck for the unit (one per app context)."""
    checks = g.setdefault("motcua_handler_checks", {})
    key = unit.id if unit is not None else None
    if key not in checks:
        checks[key] = HandlerCheck(unit)
    return checks[key]


def forget_handler_checks() -> None:
    """After officers or roles move within an action (a reorganisation): the next check reads
    who holds what again."""
    g.pop("motcua_handler_checks", None)


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
    known = g.setdefault("motcua_visible", {})
    if user.id not in known:
        ids = {r.unit_id for r in user.roles} | {user.unit_id}
        # Supervisors and leaders oversee the units below theirs (a commune's offices, say);
        # everyone sees what the units their unit succeeded did.
        overseen = {r.unit_id for r in user.roles if r.role in (Role.SUPERVISOR, Role.LEADER)}
        known[user.id] = subtree_ids(ids, below=False) | subtree_ids(overseen)
    return known[user.id]


def require_dossier_visible(user: User, dossier) -> None:
    """Officers see the dossiers their units decide or received, and those whose steps their
    units handle."""
    units = visible_unit_ids(user)
    if units is None:
        return
    if dossier.unit_id in units or dossier.receiving_unit_id in units:
        return
    handled = db.session.scalar(
        select(Task.id).where(Task.dossier_id == dossier.id, Task.unit_id.in_(units)).limit(1)
    )
    if handled is None:
        raise NotFound(_l("Không có hồ sơ %(code)s.", code=dossier.code), code="dossier_not_found")


def users_for(role: Role | None, unit_code: str | None) -> list[User]:
    return list(db.session.scalars(users_query(role, unit_code)))


def users_query(role: Role | None, unit_code: str | None):
    """The active officers holding ``role`` (any) in the unit ``unit_code`` (any), by username.
    Raises NotFound for an unknown unit."""
    query = select(User).where(User.active.is_(True)).order_by(User.username)
    if role is not None or unit_code is not None:
        query = query.join(UserRole, UserRole.user_id == User.id).distinct()
    if role is not None:
        query = query.where(UserRole.role == role)
    if unit_code is not None:
        query = query.where(UserRole.unit_id == unit_by_code(unit_code).id)
    return query
