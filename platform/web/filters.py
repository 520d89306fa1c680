"""Jinja filters: dates as dd/mm/yyyy HH:MM in the province's time zone, and the vocabulary's
labels of statuses kept as text (an event's data) or as members."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from motcua import vocabulary
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


# Templates (and the macros they import) name a label as ``member.label``, or for a value kept
# as text (an event's kind, a step's outcome) as ``vocabulary.Outcome.label_of(value)``.
bp.add_app_template_global(vocabulary, "vocabulary")
