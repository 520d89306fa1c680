"""The wire of the national portal, as ../shared/PORTAL.md describes it [S]: the one module that
knows its shape (the records' field names, the envelope, the sign-in). Another portal API (the
real-time exchange of Thông tư 04/2025/TT-VPCP, whose fields were not found [U]) would be
another implementation of ``records_*`` and ``Client`` behind the same calls.

- ``dossier_record``, ``progress_record``, ``status_record``: the one record of a message's
  ``data``, built when the message is queued (motcua.services.portal_outbox). Each carries the
  dossier's code ``MaHoSo`` and the message's version ``PhienBan`` (its per-dossier number):
  the portal tells a resend by the pair, and a resend is the same bytes.
- ``Client``: POSTs the envelope ``{session, madonvi, service, isUpdating, data: [record]}``
  to the integration endpoint with the standard library (urllib: no new dependency); signs in
  (``username``, ``password`` → ``session``) on first use and again when the portal answers
  that the session is no longer good, once per call. The session is kept per process.
"""

import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from motcua.services import portal_codes as codes
from motcua.vocabulary import Role, in_vietnamese

VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
OK_CODES = frozenset({"0", "00"})
# How the portal says the session is not (or no longer) good: HTTP 401, or these codes. The
# sources do not show the codes [U]; every other error is retried with backoff.
SESSION_ERRORS = frozenset({"401", "-1"})


def when(moment: datetime | None) -> str | None:
    return moment.astimezone(VIETNAM).strftime(codes.DATE_FORMAT) if moment else None


def unit_code(unit) -> str:
    """The unit's code at the portal: its official identifier code (mã định danh), else ours."""
    return unit.identifier or unit.code


def dossier_code(dossier) -> str:
    """The dossier's MaHoSo: the portal's own code for a dossier that came from it, else ours."""
    return dossier.portal_code or dossier.code


def dossier_record(dossier, version: int, supplements=()) -> dict:
    """DongBoHoSoMC: the dossier as it stands (``supplements``: its SupplementRequest rows)."""
    procedure = dossier.procedure
    record = {
        "MaHoSo": dossier_code(dossier),
        "PhienBan": version,
        "MaTTHC": procedure.code,
        "TenTTHC": procedure.name,
        "TenLinhVuc": procedure.field,
        "SoBienNhan": dossier.code,
        "ChuHoSo": dossier.applicant_name,
        "MaDoiTuong": dossier.applicant_id_number,
        "Email": dossier.applicant_email,
        "SoDienThoai": dossier.applicant_phone,
        "DiaChi": dossier.applicant_address,
        "TrichYeuHoSo": procedure.name,
        "NgayTiepNhan": when(dossier.received_at),
        "NgayHenTra": when(dossier.appointment_at),
        "TrangThaiHoSo": codes.dossier_status_code(dossier),
        "NgayKetThucXuLy": when(dossier.finished_at),
        "NgayTra": when(dossier.returned_at),
        "HinhThuc": codes.CHANNEL_CODE[dossier.channel],
        "DonViXuLy": dossier.unit.name,
    }
    if supplements:
        record["DanhSachHoSoBoSung"] = [
            {
                "NgayYeuCau": when(s.requested_at),
                "NoiDungYeuCau": s.reason,
                "DanhSachGiayTo": list(s.items or []),
                "NgayTiepNhanBoSung": when(s.received_at),
                "NgayHenTraMoi": when(s.new_appointment_at),
            }
            for s in supplements
        ]
    # Imported here: results_online and fees record through workflow, which imports this module.
    from motcua.services import fees, results_online

    owed = fees.fees_of(dossier)
    if owed:
        record["DanhSachLePhi"] = [
            {
                "TenPhiLePhi": f.name,
                "MaPhiLePhi": f.code or None,
                "HinhThucThu": codes.FEE_METHOD_CODE[f.method],
                "Gia": int(f.amount) if f.amount is not None else None,
                "LoaiPhiLePhi": codes.FEE_KIND_CODE[f.kind],
            }
            for f in owed
        ]

    papers = results_online.portal_papers(dossier)
    if papers:
        record["DanhSachGiayToKetQua"] = [
            {"GiayToId": a.id, "TenGiayTo": a.file_name, "DuongDanTepTinKetQua": url}
            for a, url in papers
        ]
    return record


def progress_record(dossier, version: int, task, actor, at: datetime, text: str | None) -> dict:
    """CapNhatTienDoHoSoMC: one processing step done (or sent back)."""
    return {
        "MaHoSo": dossier_code(dossier),
        "PhienBan": version,
        "NguoiXuLy": actor.display_name if actor else None,
        "ChucDanh": in_vietnamese(Role(task.role).label) if task and task.role else None,
        "ThoiDiemXuLy": when(at),
        "PhongBanXuLy": task.unit.name if task else dossier.unit.name,
        "NoiDungXuLy": text,
        "TrangThai": codes.dossier_status_code(dossier),
        "NgayBatDau": when(task.created_at) if task else None,
        "NgayKetThucTheoQuyDinh": when(task.due_at) if task else None,
    }


def status_record(dossier, version: int, at: datetime) -> dict:
    """DongBoTrangThaiHoSo: the dossier's status code now."""
    return {
        "MaHoSo": dossier_code(dossier),
        "PhienBan": version,
        "TrangThaiHoSo": codes.dossier_status_code(dossier),
        "NgayCapNhat": when(at),
        "NgayHenTra": when(dossier.appointment_at),
        "NgayKetThucXuLy": when(dossier.finished_at),
        "NgayTra": when(dossier.returned_at),
    }


@dataclass(frozen=True)
class Settings:
    auth_url: str
    url: str
    username: str
    password: str
    timeout: float

    @classmethod
    def from_config(cls, config) -> "Settings":
        return cls(
            config.get("PORTAL_AUTH_URL", ""),
            config.get("PORTAL_URL", ""),
            config.get("PORTAL_USERNAME", ""),
            config.get("PORTAL_PASSWORD", ""),
            float(config.get("PORTAL_TIMEOUT", 20)),
        )

    @property
    def configured(self) -> bool:
        return bool(self.url and self.auth_url)  # as ``configured`` below


def configured(config) -> bool:
    return bool(config.get("PORTAL_URL") and config.get("PORTAL_AUTH_URL"))


class PortalError(Exception):
    """The portal did not take the message (the text says why, for the admin's page)."""


class Unreachable(PortalError):
    """The portal could not be reached at all: the other messages of the round wait too."""


class _SessionRejected(PortalError):
    pass


_SESSIONS: dict[tuple[str, str], str] = {}
_LOCK = threading.Lock()


class Client:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._key = (settings.auth_url, settings.username)

    def send(self, unit: str, service: str, is_updating: bool, record: dict) -> None:
        """Deliver one record; raises PortalError (Unreachable) when the portal did not take it."""
        self._exchange(unit, service, is_updating, [record])

    def fetch(self, unit: str, service: str, query: dict | None = None) -> list[dict]:
        """Ask the portal (a catalogue, the new dossiers): the records of the answer's ``data``
        (a list of objects; anything else is a PortalError). Raises as ``send``."""
        answer = self._exchange(unit, service, False, [query] if query else [])
        data = answer.get("data", [])
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise PortalError(f"{service}: data is not a list of records")
        return data

    def _exchange(self, unit: str, service: str, is_updating: bool, data: list) -> dict:
        for fresh in (False, True):
            session = self._session(renew=fresh)
            envelope = {
                "session": session,
                "madonvi": unit,
                "service": service,
                "isUpdating": is_updating,
                "data": data,
            }
            try:
                answer = self._post(self.settings.url, envelope)
            except _SessionRejected:
                if fresh:
                    raise PortalError("the portal refused a new session") from None
                continue
            code = str(answer.get("error_code", "")).strip()
            if code in OK_CODES:
                return answer
            if code in SESSION_ERRORS and not fresh:
                continue
            raise PortalError(f"error_code {code or '?'}: {answer.get('message') or ''}".strip())

    def _session(self, renew: bool) -> str:
        with _LOCK:
            if renew:
                _SESSIONS.pop(self._key, None)
            session = _SESSIONS.get(self._key)
        if session:
            return session
        credentials = {"username": self.settings.username, "password": self.settings.password}
        try:
            answer = self._post(self.settings.auth_url, credentials)
        except _SessionRejected:
            raise PortalError("sign-in refused (MOTCUA_PORTAL_USERNAME/PASSWORD)") from None
        session = answer.get("session")
        if not isinstance(session, str) or not session:
            raise PortalError("sign-in answered no session")
        with _LOCK:
            _SESSIONS[self._key] = session
        return session

    def _post(self, url: str, payload: dict) -> dict:
        request = urllib.request.Request(
            url,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout) as response:
                text = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise _SessionRejected from None
            raise PortalError(f"HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise Unreachable(f"{type(reason).__name__}: {reason}") from None
        try:
            answer = json.loads(text)
        except ValueError:
            raise PortalError(f"not JSON: {text[:200]!r}") from None
        if not isinstance(answer, dict):
            raise PortalError(f"not a JSON object: {text[:200]!r}")
        return answer


def forget_sessions() -> None:
    with _LOCK:
        _SESSIONS.clear()


# -- what the portal sends us (motcua.services.portal_inbound, portal_catalogue) ----------------
# The fields of dossiers handed to us are those the portal takes (PORTAL.md [S]); the receiving
# unit, where a record names it, is ``MaDonVi`` (else the envelope's ``madonvi``); a paper's
# ``MaThanhPhanHoSo`` is its number in the procedure's list (1, 2 …) or ``TenThanhPhanHoSo``
# its name [U]. The services that hand out new dossiers and the catalogue, and the fields of
# their answers, are not in the sources [U]: PORTAL_INBOUND_SERVICE, and the names below.

PROCEDURE_LIST = "LayDanhSachTTHC"  # [{MaTTHC, TenTTHC, MaLinhVuc, CapThucHien}]
PROCEDURE = "LayThuTuc"  # asked with {MaTTHC}: its PROCEDURE_FIELDS, ThanhPhanHoSo[]
AGENCIES = "LayDanhMucCoQuan"  # [{MaCoQuan, TenCoQuan}]
FIELDS = "LayDanhMucLinhVuc"  # [{MaLinhVuc, TenLinhVuc}]
# Ours → the portal's: the applicant (intake.parse_applicant), a procedure (the import's row).
APPLICANT = {
    "name": "ChuHoSo",
    "id_number": "MaDoiTuong",
    "phone": "SoDienThoai",
    "email": "Email",
    "address": "DiaChi",
}
PROCEDURE_FIELDS = {
    "code": "MaTTHC",
    "name": "TenTTHC",
    "level": "CapThucHien",  # "Cấp Tỉnh", "Cấp Xã"
    "legal_limit_days": "ThoiHanGiaiQuyet",  # "05 ngày làm việc"
    "fees": "PhiLePhi",
    "online_level": "MucDo",  # "Toàn trình", "Một phần"
}


@dataclass(frozen=True)
class IncomingFile:
    name: str  # TenTepDinhKem
    url: str  # DuongDanTaiTepTin
    paper_number: int | None  # MaThanhPhanHoSo, when a number
    paper_name: str  # TenThanhPhanHoSo


@dataclass(frozen=True)
class Incoming:
    """A dossier record the portal handed us, in our words."""

    portal_code: str
    unit_code: str
    procedure_code: str
    applicant: dict  # as motcua.services.intake.parse_applicant reads it
    files: list[IncomingFile]


def _text(value) -> str:
    return str(value).strip() if value is not None else ""


def portal_code(record: dict) -> str:
    return _text(record.get("MaHoSo"))


def pushed_records(body) -> tuple[str, list[dict]]:
    """The envelope the portal POSTs to us: ``{madonvi, data: [record, …]}`` (its session and
    service, if sent, are not ours to check). Raises ValueError saying what is wrong."""
    if not isinstance(body, dict):
        raise ValueError("the body is not a JSON object")
    data = body.get("data")
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data or not all(isinstance(r, dict) for r in data):
        raise ValueError("data is not a list of dossier records")
    return _text(body.get("madonvi")), data


def read_dossier(record: dict, unit_code: str = "") -> Incoming:
    files = []
    for item in record.get("TaiLieuNop") or []:
        if not isinstance(item, dict) or item.get("IsDeleted") in (True, 1, "1", "true"):
            continue
        number = _text(item.get("MaThanhPhanHoSo"))
        files.append(
            IncomingFile(
                _text(item.get("TenTepDinhKem")),
                _text(item.get("DuongDanTaiTepTin")),
                int(number) if number.isdigit() else None,
                _text(item.get("TenThanhPhanHoSo")),
            )
        )
    applicant = {ours: record.get(theirs) for ours, theirs in APPLICANT.items()}
    unit = _text(record.get("MaDonVi")) or unit_code
    return Incoming(portal_code(record), unit, _text(record.get("MaTTHC")), applicant, files)


def answer(results: list[tuple]) -> dict:
    """Our answer to the portal's push: success, with what became of each record, given as
    (its MaHoSo, received / imported / failed, our dossier's code, why it failed)."""
    keys = ("MaHoSo", "TrangThai", "SoBienNhan", "LyDo")
    return {
        "error_code": "0",
        "message": "Thành công",
        "data": [dict(zip(keys, r, strict=True)) for r in results],
    }


def procedure_row(listed: dict, detail: dict, field_names: dict[str, str]) -> dict:
    """A procedure of LayDanhSachTTHC with its LayThuTuc details, as the catalogue import reads
    a row (motcua.services.catalogue_import_plan): values as the national database writes
    them. ``field_names``: MaLinhVuc → TenLinhVuc (LayDanhMucLinhVuc)."""
    merged = {**listed, **detail}
    papers = []
    for paper in merged.get("ThanhPhanHoSo") or []:
        name = _text(paper.get("TenThanhPhanHoSo") if isinstance(paper, dict) else paper)
        if name:
            papers.append(name)
    row = {ours: _text(merged.get(theirs)) for ours, theirs in PROCEDURE_FIELDS.items()}
    field = _text(merged.get("TenLinhVuc")) or field_names.get(_text(merged.get("MaLinhVuc")), "")
    return row | {"field": field, "required_documents": "\n".join(papers)}


def field_names(records: list[dict]) -> dict[str, str]:
    return {_text(r.get("MaLinhVuc")): _text(r.get("TenLinhVuc")) for r in records}


def agency(record: dict) -> tuple[str, str]:
    """An agency of LayDanhMucCoQuan: its code at the portal and its name."""
    return _text(record.get("MaCoQuan")), _text(record.get("TenCoQuan"))
