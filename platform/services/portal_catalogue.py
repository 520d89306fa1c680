"""The national portal's catalogue pulled into ours on demand, with a preview first (issue 15,
"Inbound"): its procedures (LayDanhSachTTHC, each one's details by LayThuTuc, the fields'
names by LayDanhMucLinhVuc) and its agencies (LayDanhMucCoQuan), through the portal's wire
(motcua.services.portal_wire, where the answers' field names are mapped once [U]).

The procedures become the rows of a catalogue file, as the national database exports it, and
go the catalogue import's way (motcua.services.catalogue_import_plan, _import): the same
preview, field by field (added / updated / unchanged or skipped with the reason), the same
fingerprint that refuses to apply what changed since the preview, the same apply and audit.
Agencies are only compared: which portal codes are the identifier codes of our units, and which
are not (a unit is never created from the portal: the province's organisation is its own).
"""

import csv
import io
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import Unit, User
from motcua.services import catalogue_import, portal_inbound, portal_outbox
from motcua.services import portal_wire as wire
from motcua.services.catalogue import require_editor
from motcua.services.catalogue_import_plan import ImportPlan, parse_import

FILENAME = "cong-dich-vu-cong-quoc-gia.csv"
# The catalogue file's columns (motcua.services.catalogue_file) for portal_wire.procedure_row.
COLUMNS = {
    "code": "Mã thủ tục",
    "name": "Tên thủ tục",
    "level": "Cấp thực hiện",
    "field": "Lĩnh vực",
    "legal_limit_days": "Thời hạn giải quyết",
    "fees": "Phí, lệ phí",
    "required_documents": "Thành phần hồ sơ",
    "online_level": "Mức độ",
}


@dataclass(frozen=True)
class Agencies:
    matched: list[tuple[str, str, Unit]]  # (portal code, portal name, our unit)
    unknown: list[tuple[str, str]]  # portal agencies that are none of our units
    ours_unmatched: list[Unit]  # our units with an identifier the portal does not list


@dataclass(frozen=True)
class Pulled:
    data: bytes  # the procedures as a catalogue file: what the apply reads again
    plan: ImportPlan
    agencies: Agencies


def pull(actor: User) -> Pulled:
    """Ask the portal for its catalogue and say what importing it would do; changes nothing.
    Raises Forbidden (not a system admin), Invalid (no portal configured, the portal not
    answering, or its answer not a catalogue)."""
    require_editor(actor)
    portal_outbox.require_configured()
    client = wire.Client(wire.Settings.from_config(current_app.config))
    province = portal_inbound.province_code()
    try:
        names = wire.field_names(client.fetch(province, wire.FIELDS))
        rows = []
        for listed in client.fetch(province, wire.PROCEDURE_LIST):
            details = client.fetch(province, wire.PROCEDURE, {"MaTTHC": listed.get("MaTTHC")})
            rows.append(wire.procedure_row(listed, details[0] if details else {}, names))
        agencies = [wire.agency(r) for r in client.fetch(province, wire.AGENCIES)]
    except wire.PortalError as exc:
        raise Invalid(
            _l("Không lấy được danh mục từ Cổng Dịch vụ công quốc gia: %(why)s", why=str(exc)),
            code="portal_catalogue_unavailable",
        ) from None
    if not rows:
        raise Invalid(
            _l("Cổng không trả về thủ tục nào (LayDanhSachTTHC)."), code="portal_catalogue_empty"
        )
    data = _as_file(rows)
    return Pulled(data, parse_import(data, FILENAME), _compare(agencies))


def apply(actor: User, data: bytes, expected: str) -> ImportPlan:
    """Apply the pulled catalogue as the preview showed it (``expected``: its fingerprint), by
    the import's own path. Raises as catalogue_import.apply_import (Conflict when the catalogue
    changed since the preview)."""
    return catalogue_import.apply_import(actor, data, FILENAME, expected=expected)


def _as_file(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS.values())
    for row in rows:
        writer.writerow(row[key] for key in COLUMNS)
    return out.getvalue().encode()


def _compare(agencies: list[tuple[str, str]]) -> Agencies:
    units = {u.identifier: u for u in db.session.scalars(select(Unit).order_by(Unit.code))}
    units.pop(None, None)
    listed = {code for code, _name in agencies}
    return Agencies(
        matched=[(c, n, units[c]) for c, n in agencies if c in units],
        unknown=[(c, n) for c, n in agencies if c not in units],
        ours_unmatched=[u for code, u in units.items() if code not in listed],
    )
