"""Searching the procedure catalogue (the admin's list): every word typed must be in the code
or the name; a word typed without diacritics matches any diacritics."""

import math
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from motcua.extensions import db
from motcua.folding import fold
from motcua.models import Procedure, ProcedureLevel, User
from motcua.services.catalogue import fields, require_viewer

PER_PAGE = 25


def _lower(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def matches(query: str, text: str) -> bool:
    """Every word of the query is in the text, case ignored; a word typed without diacritics
    matches any diacritics ("dang ky" finds "Đăng ký"), one typed with them matches exactly
    those ("hộ" finds "hộ kinh doanh", not "hồ sơ")."""
    lowered, folded = _lower(text), fold(text)
    for word in _lower(query).split():
        plain = fold(word)
        if plain == word:
            if plain not in folded:
                return False
        elif word not in lowered:
            return False
    return True


@dataclass
class CataloguePage:
    rows: list[Procedure]
    total: int
    page: int
    pages: int
    per_page: int
    fields: list[str]
    filters: dict


def search(
    actor: User,
    *,
    q: str = "",
    field: str = "",
    level: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> CataloguePage:
    """One page of the catalogue, by code; `q` searches code and name (see `matches`), `field`
    and `level` filter exactly. Forbidden for officers who may not see the catalogue.

    The text search runs in Python: a province's catalogue is a couple of thousand entries, and
    SQLite's lower() knows no Vietnamese.
    """
    require_viewer(actor)
    query = select(Procedure).order_by(Procedure.code)
    if field:
        query = query.where(Procedure.field == field)
    if level in {lvl.value for lvl in ProcedureLevel}:
        query = query.where(Procedure.level == ProcedureLevel(level))
    else:
        level = ""
    q = q.strip()
    found = [p for p in db.session.scalars(query) if matches(q, f"{p.code} {p.name}")]
    pages = max(1, math.ceil(len(found) / per_page))
    page = min(max(1, page), pages)
    return CataloguePage(
        rows=found[(page - 1) * per_page : page * per_page],
        total=len(found),
        page=page,
        pages=pages,
        per_page=per_page,
        fields=fields(),
        filters={"q": q, "field": field, "level": level},
    )
