"""Text as the search compares it: lower case, without Vietnamese diacritics, đ as d, one space
between words ("Trần  Văn Bình" → "tran van binh"), so that an officer who types "Binh" on a
keyboard without Vietnamese input finds "Bình", and "bình" finds "BÌNH".

One function for both sides: what is stored (``Dossier.search_text``, motcua.models.dossier) and
what is asked (motcua.services.dossier_search, the inbox's search). Databases fold differently
(SQLite's LIKE ignores the case of ASCII letters only, PostgreSQL's ILIKE knows no accents), so
the folding is done here, in Python, once, and the database only compares folded text.
"""

import unicodedata

# Letters NFD does not take apart: đ is a letter of its own, not a d with a mark.
_LETTERS = str.maketrans({"đ": "d", "ð": "d"})


def fold(text: str | None) -> str:
    """``text`` lower-cased, its combining marks dropped (after NFD), đ → d, runs of white space
    collapsed to one space, trimmed; None → ""."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.lower().translate(_LETTERS))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFC", bare).split())


def digits(text: str | None) -> str:
    """Only the digits of ``text`` (a phone written "0912 345 678" or "0912.345.678")."""
    return "".join(c for c in text or "" if c.isdigit())
