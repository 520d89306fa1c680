"""The OpenAPI 3.1 document of the API, generated from the app: GET /api/v1/openapi.json.

Paths, methods and path parameters come from the app's URL map (every rule of this blueprint),
whether a call needs a token from the handler (``login_required``), the description from the
handler's docstring; the rest — query parameters, the request body, the answers — from
OPERATIONS below, one entry per endpoint, with the schemas of motcua.api.openapi_schemas. A
route without an entry makes the document fail to build (and tests/api/test_openapi.py fail),
so none is forgotten.

Every refusal has the one error shape, ``{"error": {"code", "message", "details"?}}``; each
operation lists the statuses it may refuse with: 400 for any (the request guard: NUL
characters, deep JSON), 401 and 403 where a token is needed, and its own.
"""

import inspect
import re
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

from flask import current_app

from motcua.api import bp
from motcua.api.openapi_schemas import (
    DAY,
    MOMENT,
    SCHEMAS,
    STRING,
    choice,
    obj,
    ref,
    strings,
)
from motcua.request_guard import MAX_ID
from motcua.services import report_counts, report_periods, task_list
from motcua.vocabulary import AttachmentKind, DossierStatus, Role

JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
ANY_FILE = {"type": "string", "contentMediaType": "application/octet-stream"}
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted: a code was mailed to confirm it",
    400: "Bad input (a NUL character, JSON nested too deep)",
    401: "No token, or a bad or expired one",
    403: "Not allowed for this officer",
    404: "Not found",
    409: "In conflict with the dossier's or the step's state",
    413: "Request too large",
    422: "Invalid values (details per field)",
    429: "Too many tries; Retry-After says when to try again",
    503: "File storage unavailable; nothing was changed",
}
POSITIVE = {"type": "integer", "minimum": 1}


def query(name: str, schema: dict, *, required: bool = False, description: str = "") -> dict:
    param = {"name": name, "in": "query", "required": required, "schema": schema}
    if description:
        param["description"] = description
    return param


def json_body(schema: str) -> dict:
    return {"required": True, "content": {JSON: {"schema": ref(schema)}}}


def listing(key: str, item: str) -> dict:
    return obj({key: {"type": "array", "items": ref(item)}})


@dataclass(frozen=True)
class Operation:
    """What the URL map and the handler cannot tell of one endpoint."""

    summary: str
    ok: dict  # the answer's content, by media type
    status: int = 200
    params: tuple = ()
    body: dict | None = None
    errors: tuple[int, ...] = ()
    headers: dict = field(default_factory=dict)


def answer(schema) -> dict:
    return {JSON: {"schema": ref(schema) if isinstance(schema, str) else schema}}


def binary(*media_types: str) -> dict:
    return {m: {"schema": {"type": "string", "contentMediaType": m}} for m in media_types}


SUMMARY_ERRORS = (404, 409, 422)
LOCATION = {"Location": {"description": "The URL of what was made", "schema": STRING}}
PERIOD_QUERY = (
    query("unit", STRING, description="A unit code; by default the highest in reach."),
    query("from", DAY),
    query("to", DAY),
    query("kind", strings(*(k for k in report_periods.KINDS if k != "custom"))),
    query("period", STRING, description="2026-W47, 2026-11, 2026-Q4, 2026-6M, 2026-9M, 2026"),
    query("group", strings(*report_counts.GROUPS)),
)

OPERATIONS: dict[str, Operation] = {
    "api.openapi_document": Operation("This document", answer({"type": "object"})),
    "api.token": Operation(
        "Sign in: a bearer token",
        answer("Token"),
        body=json_body("Credentials"),
        errors=(401, 403, 422),
    ),
    "api.logout": Operation("Sign out everywhere", answer("SignedOut")),
    "api.deadline": Operation(
        "A deadline in working time",
        answer("Deadline"),
        params=(
            query("start", MOMENT, required=True),
            query("days", {"type": "number", "minimum": 0, "maximum": 3650}),
            query("hours", {"type": "number", "minimum": 0, "maximum": 3650}),
        ),
        errors=(422,),
    ),
    "api.receive_dossier": Operation(
        "Receive a dossier",
        answer("DossierSummary"),
        status=201,
        body={
            "required": True,
            "content": {
                JSON: {"schema": ref("Intake")},
                "multipart/form-data": {
                    "schema": {
                        **obj({"dossier": {**STRING, "contentMediaType": JSON}}),
                        "patternProperties": {"^doc-[0-9]+$": ANY_FILE},
                    }
                },
            },
        },
        errors=(404, 409, 413, 422, 503),
    ),
    "api.search_dossiers": Operation(
        "Search the dossiers the officer may see",
        answer("DossierPage"),
        params=(
            query("q", STRING),
            query("status", choice(DossierStatus)),
            query("procedure", STRING),
            query("received_from", DAY),
            query("received_to", DAY),
            query("page", POSITIVE),
            query("per_page", POSITIVE),
        ),
        errors=(422,),
    ),
    "api.get_dossier": Operation("A dossier", answer("Dossier"), errors=(404,)),
    "api.add_attachment": Operation(
        "Attach a file",
        answer("Attachment"),
        status=201,
        body={
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": obj(
                        {"file": ANY_FILE} | {"kind": choice(AttachmentKind)},
                        optional=("kind",),
                    )
                }
            },
        },
        errors=(404, 409, 413, 422, 503),
    ),
    "api.apologize": Operation(
        "Apologise with a new appointment (form 04)",
        answer("DossierSummary"),
        status=201,
        body=json_body("Apology"),
        errors=SUMMARY_ERRORS,
    ),
    "api.dossier_fees": Operation(
        "A dossier's fees and their state", answer("DossierFees"), errors=(404,)
    ),
    "api.fee_amount": Operation(
        "Enter the amount of a fee by the case",
        answer("DossierFees"),
        body=json_body("FeeAmount"),
        errors=SUMMARY_ERRORS,
    ),
    "api.fee_paid_at_desk": Operation(
        "A fee paid at the desk",
        answer("DossierFees"),
        body=json_body("FeeAtDesk"),
        errors=SUMMARY_ERRORS,
    ),
    "api.fee_confirm": Operation(
        "Confirm a notified bank transfer", answer("DossierFees"), errors=SUMMARY_ERRORS
    ),
    "api.fee_reject": Operation(
        "Reject a notified bank transfer (due again)",
        answer("DossierFees"),
        body=json_body("Reason"),
        errors=SUMMARY_ERRORS,
    ),
    "api.fee_waive": Operation(
        "Waive a fee (a leader)",
        answer("DossierFees"),
        body=json_body("Reason"),
        errors=SUMMARY_ERRORS,
    ),
    "api.withdraw": Operation(
        "The applicant withdraws",
        answer("DossierSummary"),
        body=json_body("Reason"),
        errors=SUMMARY_ERRORS,
    ),
    "api.stop": Operation(
        "Stop processing (form 05)",
        answer("DossierSummary"),
        body=json_body("Reason"),
        errors=SUMMARY_ERRORS,
    ),
    "api.pause": Operation(
        "Pause processing",
        answer("DossierSummary"),
        body=json_body("Reason"),
        errors=SUMMARY_ERRORS,
    ),
    "api.resume": Operation(
        "Resume processing",
        answer("DossierSummary"),
        body=json_body("Note"),
        errors=SUMMARY_ERRORS,
    ),
    "api.lookup_dossier": Operation(
        "Where a dossier stands (public)",
        answer("Lookup"),
        params=(
            query("code", STRING, required=True),
            query("secret", STRING, required=True, description="ID number or phone"),
        ),
        errors=(404, 422, 429),
    ),
    "api.portal_dossiers": Operation(
        "The national portal pushes dossiers (bearer: MOTCUA_PORTAL_INBOUND_TOKEN)",
        answer("PortalAnswer"),
        body=json_body("PortalPush"),
        errors=(404, 422),
    ),
    "api.procedures": Operation("The catalogue", answer(listing("items", "Procedure"))),
    "api.online_procedures": Operation(
        "The public catalogue: online level, reason, units, papers and templates",
        answer(listing("items", "OnlineProcedure")),
    ),
    "api.start_submission": Operation(
        "Submit online: the code is mailed to the applicant",
        answer("OnlinePending"),
        status=202,
        body={
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        **obj(
                            {
                                "unit": STRING,
                                **{
                                    f"applicant.{name}": STRING
                                    for name in ("name", "id_number", "email", "phone", "address")
                                },
                            },
                            optional=("applicant.phone", "applicant.address"),
                        ),
                        "patternProperties": {"^doc-[0-9]+$": ANY_FILE},
                    }
                }
            },
        },
        errors=(404, 413, 422, 429, 503),
    ),
    "api.confirm_submission": Operation(
        "Confirm an online submission with the mailed code",
        answer("OnlineSubmitted"),
        status=201,
        body=json_body("OnlineConfirmation"),
        errors=(409, 422, 429),
    ),
    "api.users": Operation(
        "Officers the caller may assign or manage",
        answer(listing("items", "User")),
        params=(query("role", choice(Role)), query("unit", STRING)),
        errors=(404, 422),
    ),
    "api.report_statistics": Operation(
        "Statistics of a period", answer("Report"), params=PERIOD_QUERY, errors=(404, 422)
    ),
    "api.fee_report": Operation(
        "Fees collected and paid online (766: 3.5, 3.6)",
        answer("FeeReport"),
        params=PERIOD_QUERY[:5],
        errors=(404, 422),
    ),
    "api.freeze_report": Operation(
        "Freeze a report",
        answer("FrozenReport"),
        status=201,
        body=json_body("ReportRequest"),
        errors=(404, 409, 422, 503),
        headers=LOCATION,
    ),
    "api.list_report_snapshots": Operation(
        "Frozen reports",
        answer(listing("snapshots", "ReportSnapshot")),
        params=(query("unit", STRING),),
        errors=(404,),
    ),
    "api.get_report_snapshot": Operation(
        "A frozen report with its figures", answer("FrozenReport"), errors=(404,)
    ),
    "api.get_report_snapshot_file": Operation(
        "A frozen report's file", binary(XLSX, PDF), errors=(404, 503)
    ),
    "api.issue_slip": Operation(
        "Issue a receipt (01) or a control slip (06)",
        answer("Slip"),
        status=201,
        body=json_body("SlipRequest"),
        errors=(404, 409, 422, 503),
        headers=LOCATION,
    ),
    "api.list_slips": Operation(
        "The dossier's slips", answer(listing("slips", "Slip")), errors=(404,)
    ),
    "api.get_slip": Operation("A slip's PDF", binary(PDF), errors=(404, 503)),
    "api.list_tasks": Operation(
        "The officer's inbox",
        answer("TaskPage"),
        params=(
            query("scope", strings(*task_list.SCOPES)),
            query("status", strings(*task_list.STATUSES)),
            query("page", {"type": "integer"}),
            query("per_page", {"type": "integer"}),
        ),
        errors=(422,),
    ),
    "api.get_task": Operation("A step", answer("TaskDetail"), errors=(404,)),
    "api.claim_task": Operation("Claim a step", answer("Task"), errors=SUMMARY_ERRORS),
    "api.release_task": Operation(
        "Release a step to the pool", answer("Task"), errors=SUMMARY_ERRORS
    ),
    "api.complete_task": Operation(
        "Complete a step with its form's data",
        answer("Task"),
        body=json_body("Completion"),
        errors=SUMMARY_ERRORS,
    ),
    "api.send_back_task": Operation(
        "Send a step back to the one before",
        answer("Task"),
        body=json_body("Reason"),
        errors=SUMMARY_ERRORS,
    ),
}

_VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


def _path_parameter(match: re.Match) -> dict:
    converter, args = match["converter"] or "default", match["args"] or ""
    if converter == "int":
        schema = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
    elif converter == "any":
        schema = strings(*(a.strip().strip("'\"") for a in args.split(",")))
    else:
        schema = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}
    return {"name": match["name"], "in": "path", "required": True, "schema": schema}


def _error(status: int) -> dict:
    return {"description": STATUS_TEXT[status], "content": answer("Error")}


def _operation(endpoint: str, method: str, rule_text: str, view) -> dict:
    try:
        op = OPERATIONS[endpoint]
    except KeyError:
        raise LookupError(f"{endpoint} has no operation in motcua.api.openapi") from None
    signed_in = getattr(view, "motcua_login_required", False)
    errors = {400, *op.errors} | ({401, 403} if signed_in else set())
    success = {"description": STATUS_TEXT[op.status], "content": op.ok}
    if op.headers:
        success["headers"] = op.headers
    doc = inspect.getdoc(view) or ""
    operation = {
        "operationId": endpoint.removeprefix("api."),
        "summary": op.summary,
        "tags": [rule_text.removeprefix(bp.url_prefix).split("/")[1]],
        "parameters": [_path_parameter(m) for m in _VARIABLE.finditer(rule_text)] + list(op.params),
        "responses": {str(op.status): success} | {str(s): _error(s) for s in sorted(errors)},
        "security": [{"bearer": []}] if signed_in else [],
    }
    if doc:
        operation["description"] = doc
    if op.body is not None and method in ("POST", "PUT", "PATCH"):
        operation["requestBody"] = op.body
    return operation


def document(app) -> dict:
    """The OpenAPI document of every route of the API blueprint in ``app``; raises LookupError
    for a route that has no entry in OPERATIONS."""
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith(bp.name + "."):
            continue
        path = _VARIABLE.sub(lambda m: "{" + m["name"] + "}", rule.rule)
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            paths.setdefault(path, {})[method.lower()] = _operation(
                rule.endpoint, method, rule.rule, view
            )
    try:
        release = version("motcua")
    except PackageNotFoundError:
        release = "0"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Một cửa điện tử — API",
            "version": release,
            "description": 'Errors: {"error": {"code", "message", "details"?}}.',
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document of this API (no sign-in)."""
    return document(current_app)
