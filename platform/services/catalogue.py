"""The procedure catalogue (danh mục thủ tục hành chính)."""

from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Procedure


def procedures() -> list[Procedure]:
    return list(db.session.scalars(select(Procedure).order_by(Procedure.code)))
