"""Jinja filters: dates as dd/mm/yyyy HH:MM in the province's time zone, the vocabulary's
labels of statuses kept as text (an event's data) or as members, and codes in words (a step's
time limit and handler, a role, a unit, an officer, an audit action: motcua.services.wording)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from motcua import vocabulary
from motcua.services import wording
from motcua.web import bp


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
    return str(vocabulary.DossierStatus.label_of(value))


@bp.app_template_filter("task_status")
def task_status(value) -> str:
    return str(vocabulary.TaskStatus.label_of(value))


@bp.app_template_filter("time_limit")
def time_limit(value: str | None) -> str:
    """A step's time limit in words ("1.5d" → "1,5 ngày làm việc")."""
    return wording.time_limit_words(value)


@bp.app_template_filter("handler")
def handler(value, unit=None) -> str:
    """A step's handler (its text, of ``unit``'s diagram, or a Task) in words."""
    return wording.handler_words(value, unit)


@bp.app_template_filter("role_label")
def role_label(value) -> str:
    return wording.role_label(value)


@bp.app_template_filter("unit_name")
def unit_name(code: str | None) -> str:
    return wording.names().unit_name(code)


@bp.app_template_filter("officer_name")
def officer_name(username: str | None) -> str:
    return wording.names().officer_name(username)


@bp.app_template_filter("audit_action")
def audit_action(value) -> str:
    return str(vocabulary.AuditAction.label_of(value))


@bp.app_template_filter("audit_target")
def audit_target(value) -> str:
    return str(vocabulary.AuditTarget.label_of(value))


@bp.app_template_global("prepare_names")
def prepare_names(**named) -> str:
    """Read at once the unit and officer names a list will show (``Names.prepare``'s keywords);
    gives "" so that ``{{ prepare_names(events=view.events) }}`` prints nothing."""
    wording.names().prepare(**named)
    return ""


# Templates (and the macros they import) name a label as ``member.label``, or for a value kept
# as text (an event's kind, a step's outcome) as ``vocabulary.Outcome.label_of(value)``.
bp.add_app_template_global(vocabulary, "vocabulary")
