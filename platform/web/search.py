"""The officers' dossier search (issue 13, item 6): every dossier they may see, finished ones
included, by code, applicant's name, ID number or phone (rules in
motcua.services.dossier_search)."""

from flask import g, render_template, request, url_for

from motcua.errors import Invalid
from motcua.services import dossier_search as service
from motcua.unit_of_work import refusal
from motcua.vocabulary import DossierStatus
from motcua.web import bp
from motcua.web.auth import login_required

FILTER_ARGS = ("q", "status", "procedure", "received_from", "received_to")


def _page_number() -> int:
    try:
        return int(request.args.get("page", 1))
    except ValueError:
        return 1


@bp.get("/dossiers")
@login_required
def dossier_search():
    asked = {name: request.args.get(name, "") for name in FILTER_ARGS}
    errors, status = {}, 200
    with refusal(Invalid) as refused:
        found = service.search(g.user, page=_page_number(), **asked)
    if refused:
        # A bad filter: say so next to it, and find nothing rather than guess.
        errors, status = refused.error.details or {}, refused.error.status
        found = None
    args = {name: value for name, value in asked.items() if value}

    def page_url(number: int) -> str:
        return url_for("web.dossier_search", page=number, **args)

    return render_template(
        "dossier/search.html",
        found=found,
        asked=asked,
        errors=errors,
        statuses=list(DossierStatus),
        procedures=found.procedures if found else service.procedure_choices(),
        page_url=page_url,
    ), status
