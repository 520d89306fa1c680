"""Language and time zone of the pages: Vietnamese by default, English on request."""

from flask import current_app, has_request_context, session


def select_locale() -> str:
    """The officer's chosen language; the default (Vietnamese) outside a request (the CLI, the
    worker) and when none was chosen."""
    chosen = session.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]
