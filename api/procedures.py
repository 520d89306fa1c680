from flask import g, request

from motcua.api import bp, serialize
from motcua.api.auth import login_required
from motcua.errors import Invalid
from motcua.models import Role
from motcua.services import account_search, catalogue


@bp.get("/procedures")
@login_required
def procedures():
    return {"items": [serialize.procedure(p) for p in catalogue.procedures()]}


@bp.get("/users")
@login_required
def users():
    """The officers the caller may assign or manage (a leader's units, an admin's)."""
    role = request.args.get("role")
    try:
        role = Role(role) if role else None
    except ValueError as exc:
        raise Invalid(f"Không có vai trò {role}.", code="invalid_role") from exc
    found = account_search.officers_for(g.user, role, request.args.get("unit"))
    return {"items": [serialize.user(u) for u in found]}
