"""Checking a step's submitted data against its form definition (JSON Schema)."""

from functools import cache

from flask_babel import lazy_gettext as _l
from jsonschema import Draft202012Validator

from motcua.errors import Invalid
from motcua.forms import load_form

# jsonschema speaks English; officers read these next to each field, in their language.
_MESSAGES = {
    "required": _l("Trường này là bắt buộc."),
    "type": _l("Giá trị không đúng kiểu."),
    "enum": _l("Giá trị không nằm trong danh sách cho phép."),
    "const": _l("Trường này phải được xác nhận."),
    "minimum": _l("Giá trị nhỏ hơn mức tối thiểu."),
    "maximum": _l("Giá trị lớn hơn mức tối đa."),
    "minLength": _l("Trường này không được để trống."),
    "maxLength": _l("Giá trị quá dài."),
    "format": _l("Giá trị không đúng định dạng."),
    "pattern": _l("Giá trị không đúng định dạng."),
    "additionalProperties": _l("Có trường không thuộc biểu mẫu."),
}


def form_errors(form_name: str | None, data: dict) -> dict[str, str]:
    """Field → message (in the reader's language) for every problem of ``data``; empty when
    it is valid."""
    if not isinstance(data, dict):
        return {"": _l("Dữ liệu biểu mẫu phải là một đối tượng JSON.")}
    if not form_name:
        return {}
    errors: dict[str, str] = {}
    for error in _validator(form_name).iter_errors(data):
        if error.validator == "required":
            missing = [f for f in error.validator_value if f not in error.instance]
            for field in missing:
                errors.setdefault(field, _MESSAGES["required"])
            continue
        field = ".".join(str(p) for p in error.absolute_path) or ""
        errors.setdefault(field, _MESSAGES.get(error.validator, error.message))
    return errors


@cache
def _validator(form_name: str) -> Draft202012Validator:
    schema = load_form(form_name)["schema"]
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate(form_name: str | None, data: dict) -> None:
    """Raise Invalid (code ``invalid_form``) with the field errors when data does not fit."""
    errors = form_errors(form_name, data)
    if errors:
        raise Invalid(_l("Dữ liệu biểu mẫu chưa hợp lệ."), code="invalid_form", details=errors)


def example_data(form_name: str | None, **overrides) -> dict:
    """Valid data for a form, for demos and benchmarks: every field filled but those its rules
    ask for only in some cases (a refusal's reason, say), filled when the case arises.

    Overrides apply to the fields the form has (say ``decision="refuse"``); others are ignored.
    """
    if not form_name:
        return {}
    schema = load_form(form_name)["schema"]
    properties = schema.get("properties", {})
    rules = [r for r in schema.get("allOf", []) if "if" in r]
    conditional = {name for r in rules for name in r.get("then", {}).get("required", [])}
    data = {name: _example(prop) for name, prop in properties.items() if name not in conditional}
    data.update({k: v for k, v in overrides.items() if k in properties})
    for rule in rules:
        if Draft202012Validator(rule["if"]).is_valid(data):
            for name in rule.get("then", {}).get("required", []):
                data.setdefault(name, _example(properties[name]))
    return data


def _example(prop: dict):
    if "const" in prop:
        return prop["const"]
    if "enum" in prop:
        return prop["enum"][0]
    kind = prop.get("type")
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return max(prop.get("minimum", 1), 1)
    if kind == "array":
        return []
    if prop.get("format") == "date":
        return "2026-01-05"
    return "Đã kiểm tra, đủ điều kiện."
