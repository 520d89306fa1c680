"""Every string of the pages and every message of the services has its English translation, and
the compiled catalogue is current."""

import ast
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.support import Translations

REPO = Path(__file__).resolve().parents[2]
CATALOGUES = REPO / "platform" / "translations"


def source_messages() -> set[str]:
    with open(REPO / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO),
        method_map,
        options_map,
        keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_page_string_has_an_english_translation():
    with open(CATALOGUES / "en" / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalogue = read_po(po, locale="en")
    translated = {
        m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id and m.string
    }
    missing = sorted(source_messages() - translated)
    assert not missing, f"untranslated (pybabel extract/update, then translate): {missing[:10]}"


def test_the_compiled_catalogue_matches_the_po_file():
    with open(CATALOGUES / "en" / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalogue = read_po(po, locale="en")
    compiled = Translations.load(str(CATALOGUES), ["en"])
    stale = [
        m.id
        for m in catalogue
        if m.id and isinstance(m.id, str) and m.string and compiled.gettext(m.id) != m.string
    ]
    assert not stale, f"run pybabel compile -d platform/translations: {stale[:5]}"


# -- the services' messages --------------------------------------------------------------------

SERVICES = REPO / "platform" / "services"
ERRORS = {"Invalid", "Conflict", "NotFound", "Forbidden", "Unauthorized", "TooManyAttempts"}


def _written_out(node: ast.expr) -> bool:
    """A message the catalogue cannot see: a literal, an f-string, or text built from them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _written_out(node.left) or _written_out(node.right)
    if isinstance(node, ast.IfExp):
        return _written_out(node.body) or _written_out(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _written_out(node.func.value)
    return False


def _messages_of(call: ast.Call) -> list[ast.expr]:
    """The message of an error raised (or made) here, and its field details written inline."""
    found = call.args[:1]
    for keyword in call.keywords:
        if keyword.arg == "details" and isinstance(keyword.value, ast.Dict):
            found += keyword.value.values
    return found


def _error_calls(path: Path) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) in ERRORS
    ]


def test_the_services_raise_errors_with_catalogue_messages():
    # `_l("Không có hồ sơ %(code)s.", code=code)`, never "…" or f"…": a written-out message is
    # missing from the catalogue, and the English pages would show it in Vietnamese.
    written_out = [
        f"{path.name}:{message.lineno}"
        for path in sorted(SERVICES.glob("*.py"))
        for call in _error_calls(path)
        for message in _messages_of(call)
        if _written_out(message)
    ]
    assert not written_out, f"mark these messages with _l(...): {written_out}"


def test_every_service_that_raises_gives_the_catalogue_its_messages():
    with open(REPO / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    extracted = {
        Path(filename).name
        for filename, *_ in extract_from_dir(
            str(REPO), method_map, options_map, keywords={"_l": None}
        )
        if Path(filename).parent.name == "services"
    }
    raising = {path.name for path in SERVICES.glob("*.py") if _error_calls(path)}
    assert raising - extracted == set()
