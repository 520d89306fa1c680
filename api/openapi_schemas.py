"""The JSON Schemas of the OpenAPI document (motcua.api.openapi): what the handlers answer, as
motcua.api.serialize and the handlers shape it, and the bodies they read.

Enumerations come from motcua.vocabulary and the report's figures from its dataclass, so that a
new status or column shows here without an edit. The fuzzer (tests/api/test_fuzz.py) checks every
answer against these schemas: a field the handlers add must be added here too.
"""

from dataclasses import fields

from motcua.services import dossier_search, report_counts, report_periods, reports, task_list
from motcua.vocabulary import (
    AttachmentKind,
    Channel,
    DossierStatus,
    OnlineLevel,
    PaymentMethod,
    ProcedureLevel,
    ReturnMethod,
    Role,
    SignatureVerdict,
    TaskStatus,
)

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
MOMENT = {"type": "string", "format": "date-time"}
DAY = {"type": "string", "format": "date"}
ANY_OBJECT = {"type": "object"}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def choice(enum) -> dict:
    return {"type": "string", "enum": [member.value for member in enum]}


def strings(*values: str) -> dict:
    return {"type": "string", "enum": list(values)}


def obj(properties: dict, optional: tuple[str, ...] = ()) -> dict:
    """An object with these properties, each always present unless named in ``optional``."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
    }


CODE_NAME = obj({"code": STRING, "name": STRING})
USERNAME_NAME = obj({"username": STRING, "display_name": STRING})

DOSSIER_SUMMARY = {
    "code": STRING,
    "status": choice(DossierStatus),
    "received_at": MOMENT,
    "appointment_at": MOMENT,
}

TASK = {
    "id": INTEGER,
    "dossier": STRING,
    "procedure": STRING,
    "applicant": STRING,
    "step_id": STRING,
    "step_name": STRING,
    "lane": nullable(STRING),
    "handler": STRING,
    "unit": STRING,
    "role": {"enum": [*choice(Role)["enum"], None]},
    "time_limit": STRING,
    "status": choice(TaskStatus),
    "assignee": nullable(STRING),
    "created_at": MOMENT,
    "due_at": MOMENT,
    "overdue": BOOLEAN,
    "claimed_at": nullable(MOMENT),
    "completed_at": nullable(MOMENT),
    "completed_by": nullable(STRING),
    "outcome": nullable(STRING),
    "decision": {
        "type": "object",
        "additionalProperties": obj({"label": STRING, "value": {}, "text": STRING}),
    },
    "returns_result": BOOLEAN,
    "form": nullable(STRING),
    "received_at": MOMENT,
    "appointment_at": MOMENT,
}

ATTACHMENT = {
    "id": INTEGER,
    "kind": choice(AttachmentKind),
    "file_name": STRING,
    "size": INTEGER,
    "media_type": STRING,
    "sha256": STRING,
    "task_id": nullable(INTEGER),
    "uploaded_by": nullable(STRING),
    "uploaded_at": MOMENT,
    # A PDF's signatures (motcua.services.signature_check); null for a file that is not a PDF.
    "signature": {
        "anyOf": [
            obj(
                {
                    "verdict": choice(SignatureVerdict),
                    "signer": nullable(STRING),
                    "signed_at": nullable(MOMENT),
                    "details": nullable(ANY_OBJECT),
                }
            ),
            {"type": "null"},
        ]
    },
}

FIGURES = obj(
    {
        **{f.name: INTEGER for f in fields(reports.Figures)},
        **{name: INTEGER for name in ("received", "received_new", "resolved", "in_progress")},
        "online_share": nullable({"type": "number"}),
    }
)

REPORT = obj(
    {
        "unit": CODE_NAME,
        "period": obj(
            {
                "kind": STRING,
                "key": STRING,
                "from": DAY,
                "to": DAY,
                "start_at": MOMENT,
                "end_at": MOMENT,
                "as_of": MOMENT,
                "complete": BOOLEAN,
            }
        ),
        "group": STRING,
        "columns": {"type": "array", "items": STRING},
        "rows": {
            "type": "array",
            "items": {
                "allOf": [ref("Figures"), obj({"key": STRING, "label": STRING})],
            },
        },
        "total": ref("Figures"),
        "officers": {
            "type": "array",
            "items": obj(
                {
                    "username": STRING,
                    "display_name": STRING,
                    "unit": STRING,
                    "unit_name": STRING,
                    "completed": INTEGER,
                    "late": INTEGER,
                    "average_hours": nullable({"type": "number"}),
                }
            ),
        },
        "generated_at": MOMENT,
    }
)

STORED_FILE = obj({"sha256": STRING, "size": INTEGER, "url": STRING})

SNAPSHOT = {
    "id": INTEGER,
    "url": STRING,
    "unit": CODE_NAME,
    "period": obj({"kind": STRING, "key": STRING, "from": DAY, "to": DAY}),
    "group": STRING,
    "note": nullable(STRING),
    "created_by": USERNAME_NAME,
    "created_at": MOMENT,
    "version": INTEGER,
    "versions": INTEGER,
    "latest": BOOLEAN,
    "files": obj({"xlsx": STORED_FILE, "pdf": STORED_FILE}),
}

APPLICANT = {
    "name": STRING,
    "id_number": STRING,
    "phone": nullable(STRING),
    "email": nullable(STRING),
    "address": nullable(STRING),
}

SCHEMAS = {
    "Error": obj(
        {
            "error": obj(
                {
                    "code": STRING,
                    "message": STRING,
                    # field → message, or a list of problems
                    "details": {"type": ["object", "array"]},
                },
                optional=("details",),
            )
        }
    ),
    "Token": obj({"token": STRING, "username": STRING}),
    "SignedOut": obj({"signed_out": {"const": True}}),
    "Deadline": obj({"deadline": MOMENT}),
    "Procedure": obj(
        {
            "code": STRING,
            "name": STRING,
            "field": STRING,
            "level": choice(ProcedureLevel),
            "legal_limit_days": {"type": "number"},
            "fees": STRING,
            "required_documents": {"type": "array"},
            "online_level": choice(OnlineLevel),
        }
    ),
    "User": obj(
        {
            "username": STRING,
            "display_name": STRING,
            "unit": STRING,
            "roles": {
                "type": "array",
                "items": obj({"unit": STRING, "role": choice(Role)}),
            },
        }
    ),
    "DossierSummary": obj(DOSSIER_SUMMARY),
    "DossierListItem": obj(
        {
            **DOSSIER_SUMMARY,
            "provisional_code": nullable(STRING),
            "procedure": CODE_NAME,
            "applicant": obj({"name": STRING}),
            "finished_at": nullable(MOMENT),
            "returned_at": nullable(MOMENT),
        }
    ),
    "DossierPage": obj(
        {
            "items": {"type": "array", "items": ref("DossierListItem")},
            "total": {"type": "integer", "maximum": dossier_search.COUNT_LIMIT},
            "total_limit": {"const": dossier_search.COUNT_LIMIT},
            "more": BOOLEAN,
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": dossier_search.MAX_PER_PAGE},
            "pages": {"type": "integer", "minimum": 1},
        }
    ),
    "Dossier": obj(
        {
            **DOSSIER_SUMMARY,
            "procedure": CODE_NAME,
            "unit": STRING,
            "receiving_unit": STRING,
            "handed_over_at": nullable(MOMENT),
            "process_version": INTEGER,
            "channel": choice(Channel),
            "finished_at": nullable(MOMENT),
            "returned_at": nullable(MOMENT),
            "return_method": {"enum": [*choice(ReturnMethod)["enum"], None]},
            "provisional_code": nullable(STRING),
            "supplement_requests": INTEGER,
            "repeated_supplement": BOOLEAN,
            "applicant": obj(APPLICANT),
            "tasks": {"type": "array", "items": ref("Task")},
            "attachments": {"type": "array", "items": ref("Attachment")},
            "events": {"type": "array", "items": ref("Event")},
        }
    ),
    "Event": obj(
        {
            "at": MOMENT,
            "kind": STRING,
            "actor": nullable(STRING),
            "task_id": nullable(INTEGER),
            "from_step": nullable(STRING),
            "to_step": nullable(STRING),
            "note": nullable(STRING),
            "data": nullable(ANY_OBJECT),
        }
    ),
    "Task": obj(TASK),
    "TaskDetail": obj(
        {
            **TASK,
            "candidates": {"type": "array", "items": USERNAME_NAME},
            "form_definition": nullable(ANY_OBJECT),
            "may_work": BOOLEAN,
        }
    ),
    "TaskPage": obj(
        {
            "items": {"type": "array", "items": ref("Task")},
            "total": INTEGER,
            "page": {"type": "integer", "minimum": 1, "maximum": task_list.LAST_PAGE},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 200},
        }
    ),
    "Attachment": obj(ATTACHMENT),
    "Slip": obj({**ATTACHMENT, "form": STRING, "url": STRING}),
    "Lookup": obj(
        {
            "code": STRING,
            "procedure": CODE_NAME,
            "status": choice(DossierStatus),
            "status_label": STRING,
            "summary": STRING,
            "stage": nullable(STRING),
            "received_at": MOMENT,
            "appointment_at": nullable(MOMENT),
            "missing_papers": {"type": "array", "items": STRING},
            "supplement_requested_at": nullable(MOMENT),
            "returned_at": nullable(MOMENT),
            "finished_at": nullable(MOMENT),
        }
    ),
    "OnlineProcedure": obj(
        {
            "code": STRING,
            "name": STRING,
            "field": STRING,
            "level": choice(ProcedureLevel),
            "legal_limit_days": {"type": "number"},
            "fees": STRING,
            "required_documents": {"type": "array"},
            "online_level": choice(OnlineLevel),
            "partial_online_reason": STRING,
            "online": BOOLEAN,
            "units": {"type": "array", "items": CODE_NAME},
            "papers": {
                "type": "array",
                "items": obj(
                    {
                        "index": INTEGER,
                        "name": STRING,
                        "optional": BOOLEAN,
                        "template": nullable(
                            obj(
                                {
                                    "file_name": STRING,
                                    "media_type": STRING,
                                    "size": INTEGER,
                                    "sha256": STRING,
                                    "url": STRING,
                                }
                            )
                        ),
                    }
                ),
            },
        }
    ),
    "OnlinePending": obj({"token": STRING, "email": STRING, "expires_in": INTEGER}),
    "OnlineSubmitted": obj(
        {
            "code": STRING,
            "status": choice(DossierStatus),
            "received_at": MOMENT,
            "appointment_at": nullable(MOMENT),
            "lookup_url": STRING,
        }
    ),
    "Figures": FIGURES,
    "Report": REPORT,
    "FeeReport": obj(
        {
            "unit": CODE_NAME,
            "period": obj({"kind": STRING, "key": STRING, "from": DAY, "to": DAY}),
            "collected": obj({method.value: INTEGER for method in PaymentMethod}),
            "collected_total": INTEGER,
            "dossiers_with_fee": INTEGER,
            "dossiers_paid_online": INTEGER,
            "online_payment_share": nullable({"type": "number"}),
            "procedures_with_fees": INTEGER,
            "procedures_payable_online": INTEGER,
            "payable_online_share": nullable({"type": "number"}),
            "provider": STRING,
            "formulas": {"type": "object", "additionalProperties": STRING},
        }
    ),
    "ReportSnapshot": obj(SNAPSHOT),
    "FrozenReport": obj({**SNAPSHOT, "figures": ref("Report")}),
    # -- request bodies ---------------------------------------------------------------------
    "OnlineConfirmation": obj({"token": STRING, "code": STRING}),
    "Credentials": obj(
        {"username": STRING, "password": STRING, "code": STRING}, optional=("code",)
    ),
    "Intake": {
        **obj(
            {
                "procedure_code": STRING,
                "unit_code": STRING,
                "competent_unit_code": nullable(STRING),
                "channel": choice(Channel),
                "applicant": obj(APPLICANT, optional=("phone", "email", "address")),
                "complete": BOOLEAN,
                "checked": {"type": "array", "items": {"type": "integer", "minimum": 0}},
                "not_needed": {"type": "object", "additionalProperties": STRING},
                "note": STRING,
                "supplement": obj({"reason": STRING, "items": STRING}),
            },
            optional=(
                "competent_unit_code",
                "channel",
                "complete",
                "checked",
                "not_needed",
                "note",
                "supplement",
            ),
        ),
        "description": "With complete (or supplement) the desk's check is done in the same act.",
    },
    "Reason": obj({"reason": STRING}),
    "FeeAmount": obj({"amount": {"type": ["integer", "string"]}}),
    "FeeAtDesk": obj({"receipt_number": STRING}, optional=("receipt_number",)),
    "DossierFees": obj(
        {
            "code": STRING,
            "unsettled": BOOLEAN,
            "fees": {
                "type": "array",
                "items": obj(
                    {
                        "id": INTEGER,
                        "code": STRING,
                        "name": STRING,
                        "kind": {"type": "string", "enum": ["fee", "charge"]},
                        "amount": nullable(INTEGER),
                        "state": {
                            "type": "string",
                            "enum": ["due", "notified", "confirmed", "waived"],
                        },
                        "method": {
                            "type": ["string", "null"],
                            "enum": ["at_desk", "bank_transfer", "online", None],
                        },
                        "reference": nullable(STRING),
                        "receipt_id": nullable(INTEGER),
                        "notified_at": nullable(MOMENT),
                        "settled_at": nullable(MOMENT),
                        "note": nullable(STRING),
                    }
                ),
            },
        }
    ),
    # The national portal's push (motcua.api.portal): its envelope, records as PORTAL.md's.
    "PortalPush": obj(
        {"madonvi": STRING, "data": {"type": "array", "items": ANY_OBJECT, "minItems": 1}},
        optional=("madonvi",),
    ),
    "PortalAnswer": obj(
        {
            "error_code": STRING,
            "message": STRING,
            "data": {
                "type": "array",
                "items": obj(
                    {
                        "MaHoSo": STRING,
                        "TrangThai": strings("received", "imported", "failed"),
                        "SoBienNhan": nullable(STRING),
                        "LyDo": nullable(STRING),
                    }
                ),
            },
        }
    ),
    "Note": obj({"note": STRING}, optional=("note",)),
    "Apology": obj({"reason": STRING, "new_appointment": MOMENT}),
    "SlipRequest": obj({"form": strings("01", "06")}),
    "Completion": obj({"data": ANY_OBJECT}, optional=("data",)),
    "ReportRequest": obj(
        {
            "unit": STRING,
            "from": DAY,
            "to": DAY,
            "kind": strings(*(k for k in report_periods.KINDS if k != "custom")),
            "period": STRING,
            "group": strings(*report_counts.GROUPS),
            "note": STRING,
        },
        optional=("unit", "from", "to", "kind", "period", "group", "note"),
    ),
}
