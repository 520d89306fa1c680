"""Dossiers submitted at the national portal, taken into ours (issue 15, "Inbound"): the portal
is the gateway for online dossiers (Decree 118/2025/NĐ-CP; QĐ 31/2021/QĐ-TTg art. 30.3 [S]).

How they come is a setting, PORTAL_INBOUND (the portal's mechanism is not in the sources [U]):
"push", the portal POSTs them to /api/v1/portal/dossiers (motcua.api.portal) with the shared
secret PORTAL_INBOUND_TOKEN as a bearer token; "pull", the worker asks the portal's service
PORTAL_INBOUND_SERVICE for them each round (motcua.portal_pull). Either way, never lost:

1. ``store``: each record is kept FIRST as it came (table portal_inbound, one row per portal
   code MaHoSo), and the caller commits that on its own;
2. ``import_each``: each kept record becomes a dossier by the own form's path — submitted, not
   yet checked, channel online, its papers' files fetched from DuongDanTaiTepTin, checked as
   the form checks them (size, type, the virus-scan hook: motcua.services.online_files) and
   stored by their hash — in the desk's online queue (motcua.services.online_desk). A record
   that cannot be (unknown procedure or unit, a unit that does not decide it, a file out of
   reach or refused) stays ``failed`` with the reason, on the admin's portal page, and can be
   tried again (``retry``) once the cause is fixed.

A record sent again (a resend, or the next pull before the portal forgets it) finds its row and
changes nothing: the row keeps what first came, a dossier made stays as it is (a pushed record
that failed is tried again, as its resend asks). The dossier keeps the portal's code
(``Dossier.portal_code``): the portal hears of it under that code. Its first message to the
portal is the whole dossier as an update of the portal's own record, then status 1 as for every
online dossier: the portal learns our receipt number, and the same 1 → 2 → 4 … → 10 follows
whatever the source. The dossier is made by the own form's path (``online.submit``).
"""

import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from motcua.errors import Conflict, Invalid, MotcuaError, NotFound
from motcua.extensions import db
from motcua.folding import fold
from motcua.models import (
    Dossier,
    PortalInbound,
    Unit,
    User,
    utcnow,
)
from motcua.services import (
    audit,
    dossiers,
    intake,
    offers,
    online,
    online_files,
    org,
    processes,
)
from motcua.services import portal_wire as wire
from motcua.services.catalogue import normalise_code
from motcua.vocabulary import AuditAction, PortalInboundState, in_vietnamese

PUSH, PULL = "push", "pull"
LONGEST_CODE = 64  # portal_inbound.portal_code


def mechanism(config) -> str:
    return str(config.get("PORTAL_INBOUND") or "").strip().lower()


def province_code() -> str:
    """The province's code at the portal: its top unit's (the madonvi of province-wide calls)."""
    top = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))
    return wire.unit_code(top) if top else ""


def keep_pushed(body) -> list[PortalInbound]:
    """Keep the records of a push (the portal's envelope, ``{madonvi, data: [record, …]}``).
    Raises Invalid (nothing kept) for a body that is not that or a record without MaHoSo."""
    try:
        unit_code, records = wire.pushed_records(body)
    except ValueError as exc:
        raise Invalid(
            _l("Dữ liệu gửi đến không đúng dạng: %(why)s.", why=str(exc)),
            code="invalid_portal_dossier",
        ) from None
    return store(unit_code, records)


def store(unit_code: str, records: list[dict]) -> list[PortalInbound]:
    """Keep each record as it came, or find the row of its MaHoSo kept before (unchanged).
    Raises Invalid when a record has no MaHoSo, or one too long."""
    rows, errors = [], {}
    for n, record in enumerate(records):
        code = wire.portal_code(record)
        if not code or len(code) > LONGEST_CODE:
            errors[f"data.{n}.MaHoSo"] = _l("Thiếu mã hồ sơ (MaHoSo), hoặc mã dài quá 64 ký tự.")
            continue
        row = db.session.scalar(select(PortalInbound).where(PortalInbound.portal_code == code))
        if row is None:
            row = PortalInbound(
                portal_code=code,
                unit_code=unit_code[:LONGEST_CODE],
                raw=record,
                state=PortalInboundState.RECEIVED,
                attempts=0,
            )
            db.session.add(row)
            db.session.flush()
        rows.append(row)
    if errors:
        raise Invalid(
            _l("Hồ sơ gửi đến thiếu mã hồ sơ."), code="invalid_portal_dossier", details=errors
        )
    return rows


def import_each(ids: list[int], now: datetime | None = None) -> list[PortalInbound]:
    """Make a dossier of each kept record not imported yet, each in a savepoint: one that
    cannot be imported is marked ``failed`` with the reason, and the others go on."""
    done = []
    for inbound_id in ids:
        row = db.session.get(PortalInbound, inbound_id, with_for_update=True)
        if row is None or row.state == PortalInboundState.IMPORTED:
            done.append(row)
            continue
        row.attempts += 1
        row.tried_at = now or utcnow()
        try:
            with db.session.begin_nested():  # rolled back alone when the import is refused
                dossier = _import(row)
        except (MotcuaError, wire.PortalError) as exc:
            row.state, row.dossier_id = PortalInboundState.FAILED, None
            row.error = _reason(exc)[:2000]
        else:
            row.state, row.dossier_id, row.error = PortalInboundState.IMPORTED, dossier.id, None
        done.append(row)
    db.session.flush()
    return done


def answer(rows: list[PortalInbound]) -> dict:
    """What the push answers the portal: success (every record is kept), and each one's fate."""
    return wire.answer(
        [
            (row.portal_code, row.state.value, row.dossier.code if row.dossier else None, row.error)
            for row in rows
        ]
    )


def _reason(exc: Exception) -> str:
    if isinstance(exc, MotcuaError):
        parts = [in_vietnamese(exc.message)]
        parts += [in_vietnamese(v) for v in (exc.details or {}).values()]
        return " ".join(str(p) for p in parts)
    return in_vietnamese(_l("Không tải được tệp từ Cổng: %(why)s", why=str(exc)))


def _import(row: PortalInbound) -> Dossier:
    incoming = wire.read_dossier(row.raw, row.unit_code)
    unit = _unit(incoming.unit_code)
    procedure = processes.procedure_by_code(
        normalise_code(incoming.procedure_code) or incoming.procedure_code or "?"
    )
    offers.require_offered(procedure, unit)
    applicant = intake.parse_applicant(incoming.applicant)
    papers = list(procedure.required_documents or [])
    held = _fetch_files(incoming.files, papers)
    return online.submit(procedure, unit, applicant, held, incoming.portal_code)


def _unit(code: str) -> Unit:
    """The receiving unit, by its code at the portal (its identifier code, else ours)."""
    unit = None
    if code:
        unit = db.session.scalar(select(Unit).where(Unit.identifier == code))
        unit = unit or db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(
            _l("Không có đơn vị có mã định danh «%(code)s» (madonvi).", code=code),
            code="unit_not_found",
        )
    return unit


def _fetch_files(files: list[wire.IncomingFile], papers: list[str]) -> list[online_files.Held]:
    """Each paper's file from the portal, checked as the online form checks a file, stored
    once every one passes. Raises Invalid (each file's problem) or PortalError (unreachable)."""
    config = current_app.config
    largest = config["ONLINE_MAX_FILE_BYTES"]
    folded = [fold(p) for p in papers]
    errors, checked = {}, []
    for n, item in enumerate(files):
        field = f"TaiLieuNop.{n}"
        index = _paper_index(item, papers, folded)
        if index is None:
            errors[field] = _l(
                "Tệp «%(name)s» không thuộc thành phần hồ sơ nào của thủ tục.", name=item.name
            )
            continue
        try:
            name = dossiers.clean_file_name(item.name or f"tep-{n + 1}", field)
        except Invalid as exc:
            errors.update(exc.details or {field: exc.message})
            continue
        stream = _download(item.url, largest, float(config.get("PORTAL_TIMEOUT", 20)))
        problem = online_files.file_problem(stream, name)  # size, type, the virus scan
        if problem:
            stream.close()
            errors[field] = _l("Tệp «%(name)s»: %(problem)s", name=name, problem=problem)
            continue
        checked.append((index, name, stream))
    if errors:
        for _index, _name, stream in checked:
            stream.close()
        raise Invalid(_l("Tệp của hồ sơ không nhận được."), code="invalid_files", details=errors)
    stored = []
    for index, name, stream in checked:
        with stream:
            stored.append(online_files.Held(index, name, *online_files.store(stream, name)))
    return stored


def _download(url: str, largest: int, timeout: float):
    """A paper's file from the portal (DuongDanTaiTepTin: a plain GET, not the envelope), in a
    temporary file; raises PortalError saying why not (not http(s), unreachable, an HTTP
    error, over ``largest``). The address comes from the authenticated portal only."""
    if not url.lower().startswith(("http://", "https://")):
        raise wire.PortalError(f"not an http(s) address: {url[:200]!r}")
    copy = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            while chunk := response.read(64 * 1024):
                copy.write(chunk)
                if copy.tell() > largest:
                    raise wire.PortalError(f"larger than {largest} bytes: {url[:200]}")
    except BaseException as exc:
        copy.close()
        if isinstance(exc, urllib.error.HTTPError):
            raise wire.PortalError(f"HTTP {exc.code} {exc.reason}: {url[:200]}") from None
        if isinstance(exc, (urllib.error.URLError, TimeoutError, ConnectionError, ValueError)):
            reason = getattr(exc, "reason", exc)
            raise wire.PortalError(f"{type(reason).__name__}: {reason}: {url[:200]}") from None
        raise
    copy.seek(0)
    return copy


def _paper_index(item: wire.IncomingFile, papers: list[str], folded: list[str]) -> int | None:
    if item.paper_number is not None and 1 <= item.paper_number <= len(papers):
        return item.paper_number - 1
    if item.paper_name and fold(item.paper_name) in folded:
        return folded.index(fold(item.paper_name))
    return None


# -- the admin's page --------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    failed: list[PortalInbound]
    failed_total: int
    received: list[PortalInbound]  # kept, not tried yet (a crash between the two acts)
    received_total: int


def waiting(actor: User, limit: int = 100) -> Waiting:
    """The records not made into dossiers, newest first, for the system administrator (Forbidden
    for anyone else)."""
    org.require_system_admin(actor)

    def newest(state):
        return list(
            db.session.scalars(
                select(PortalInbound)
                .where(PortalInbound.state == state)
                .order_by(PortalInbound.id.desc())
                .limit(limit)
            )
        )

    def count(state):
        return db.session.scalar(
            select(func.count()).select_from(PortalInbound).where(PortalInbound.state == state)
        )

    failed, received = PortalInboundState.FAILED, PortalInboundState.RECEIVED
    return Waiting(newest(failed), count(failed), newest(received), count(received))


def retry(actor: User, inbound_id: int) -> PortalInbound:
    """Try again to make a dossier of a kept record (once the procedure, the unit's offer or the
    portal's file is fixed), now. Records "portal.inbound_retry". Raises Forbidden unless a
    system admin, NotFound, Conflict for a record imported already."""
    org.require_system_admin(actor)
    row = db.session.get(PortalInbound, inbound_id, with_for_update=True)
    if row is None:
        raise NotFound(_l("Không có hồ sơ nhận từ Cổng này."), code="portal_inbound_not_found")
    if row.state == PortalInboundState.IMPORTED:
        raise Conflict(
            _l("Hồ sơ %(code)s đã được tạo.", code=row.portal_code), code="portal_inbound_imported"
        )
    before = {"state": row.state.value, "attempts": row.attempts, "error": row.error}
    (row,) = import_each([row.id])
    audit.record(
        actor,
        AuditAction.PORTAL_INBOUND_RETRY,
        "portal_inbound",
        str(row.id),
        f"Tạo lại hồ sơ nhận từ Cổng {row.portal_code}: {row.state.value}",
        data=before,
    )
    return row
