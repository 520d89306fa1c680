"""Jinja filters: dates as dd/mm/yyyy HH:MM in the province's time zone, Vietnamese labels."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

from motcua.web import bp

DOSSIER_STATUS = {
    "received": _l("Mới tiếp nhận"),
    "processing": _l("Đang xử lý"),
    "waiting_applicant": _l("Chờ bổ sung"),
    "result_ready": _l("Có kết quả"),
    "returned": _l("Đã trả kết quả"),
    "refused": _l("Từ chối"),
    "withdrawn": _l("Đã rút"),
    "paused": _l("Đang tạm dừng"),
}
ATTACHMENT_KINDS = {
    "component": _l("Thành phần hồ sơ"),
    "working": _l("Tệp xử lý"),
    "result": _l("Kết quả"),
    "slip": _l("Phiếu"),
}
TASK_STATUS = {
    "open": _l("Chưa nhận"),
    "claimed": _l("Đang xử lý"),
    "done": _l("Đã xong"),
    "cancelled": _l("Đã hủy"),
}


@bp.app_template_filter("dt")
def local_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%d/%m/%Y %H:%M")


@bp.app_template_filter("iso_dt")
def iso_datetime(value: str | None) -> str:
    """A time kept as ISO text in an event's data, shown like `dt`."""
    return local_datetime(datetime.fromisoformat(value)) if value else ""


@bp.app_template_filter("dossier_status")
def dossier_status(value) -> str:
    return str(DOSSIER_STATUS.get(getattr(value, "value", value), value))


@bp.app_template_filter("task_status")
def task_status(value) -> str:
    return str(TASK_STATUS.get(getattr(value, "value", value), value))
