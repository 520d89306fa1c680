"""The admin editor: the BPMN modeler for analysts, the step configurator for centres, versions,
the procedure catalogue, units and users, and the working calendar.

Pages are thin: they call the services in `motcua.services` and render; every rule (who may
do what, what a valid diagram is) lives there.
"""

from flask import Blueprint

bp = Blueprint(
    "admin",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

from motcua.admin import (  # noqa: E402,F401  (routes register themselves on bp)
    calendar,
    catalogue,
    mails,
    modeler,
    people,
    portal,
    procedures,
    reorganisation,
    security,
    signing,
)
