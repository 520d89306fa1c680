from flask import g, request

from motcua.api import bp, serialize
from motcua.api.auth import login_required
from motcua.errors import Forbidden, Invalid
from motcua.models import Role
from motcua.services import catalogue, org


@bp.get("/procedures")
@login_required
def procedures():
    return {"items": [serialize.procedure(p) for p in catalogue.procedures()]}


@bp.get("/users")
@login_required
def users():
    allowed = {Role.LEADER, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN}
    if not any(r.role in allowed for r in g.user.roles):
        raise Forbidden("Chỉ lãnh đạo và quản trị xem được danh sách cán bộ.", code="forbidden")
    role = request.args.get("role")
    try:
        role = Role(role) if role else None
    except ValueError as exc:
        raise Invalid(f"Không có vai trò {role}.", code="invalid_role") from exc
    return {"items": [serialize.user(u) for u in org.users_for(role, request.args.get("unit"))]}
