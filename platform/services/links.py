"""Links to the platform as it is published (MOTCUA_PUBLIC_URL), for mails and printed papers:
made inside an act, by a request or a command alike, so never from the host a request came
through."""

from flask import current_app


def public_url(path: str) -> str:
    """The published address of a path of the site ("/lookup")."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + path
