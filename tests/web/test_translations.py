"""Every string of the pages has its English translation, and the compiled catalogue is current."""

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
