from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask import request

from motcua.api import bp
from motcua.errors import Invalid
from motcua.services import deadlines


def _amount(name: str) -> Decimal | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise Invalid(f"{name} phải là một số.", code="invalid_amount") from exc
    if not value.is_finite() or value < 0 or value > 3650:
        raise Invalid(f"{name} phải trong khoảng 0–3650.", code="invalid_amount")
    return value


@bp.get("/calendar/deadline")
def deadline():
    """The deadline that a time limit in working days or hours gives from a start time."""
    try:
        start = datetime.fromisoformat(request.args.get("start", ""))
    except ValueError as exc:
        raise Invalid("start phải là thời điểm ISO 8601.", code="invalid_start") from exc
    if start.tzinfo is None:
        raise Invalid("start phải có múi giờ (ví dụ +07:00).", code="invalid_start")
    days, hours = _amount("days"), _amount("hours")
    if (days is None) == (hours is None):
        raise Invalid("Cần đúng một trong hai tham số days hoặc hours.", code="invalid_amount")
    return {"deadline": deadlines.working_deadline(start, days=days, hours=hours).isoformat()}
