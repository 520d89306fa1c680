"""Form definitions of the steps: JSON Schema plus UI hints, one file per form."""

import json
import re
from functools import cache
from pathlib import Path

FORMS_DIR = Path(__file__).resolve().parent

# A form name is a plain file name: no separators, no leading dot, nothing that climbs up.
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@cache
def load_form(name: str) -> dict:
    """The definition in forms/<name>.json; raises KeyError(name) if there is none."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        raise KeyError(name)
    path = FORMS_DIR / f"{name}.json"
    if not path.is_file():
        raise KeyError(name)
    return json.loads(path.read_text(encoding="utf-8"))


def form_names() -> list[str]:
    """The names of every form definition, sorted."""
    return sorted(path.stem for path in FORMS_DIR.glob("*.json"))
