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


def dossier_record(dossier, version: int, supplements=()) -> dict:
    """DongBoHoSoMC: the dossier as it stands (``supplements``: its SupplementRequest rows)."""
    procedure = dossier.procedure
    record = {
        "MaHoSo": dossier.code,
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
        "TrangThaiHoSo": codes.status_code(dossier.status),
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
    return record


def progress_record(dossier, version: int, task, actor, at: datetime, text: str | None) -> dict:
    """CapNhatTienDoHoSoMC: one processing step done (or sent back)."""
    return {
        "MaHoSo": dossier.code,
        "PhienBan": version,
        "NguoiXuLy": actor.display_name if actor else None,
        "ChucDanh": in_vietnamese(Role(task.role).label) if task and task.role else None,
        "ThoiDiemXuLy": when(at),
        "PhongBanXuLy": task.unit.name if task else dossier.unit.name,
        "NoiDungXuLy": text,
        "TrangThai": codes.status_code(dossier.status),
        "NgayBatDau": when(task.created_at) if task else None,
        "NgayKetThucTheoQuyDinh": when(task.due_at) if task else None,
    }


def status_record(dossier, version: int, at: datetime) -> dict:
    """DongBoTrangThaiHoSo: the dossier's status code now."""
    return {
        "MaHoSo": dossier.code,
        "PhienBan": version,
        "TrangThaiHoSo": codes.status_code(dossier.status),
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
        for fresh in (False, True):
            session = self._session(renew=fresh)
            envelope = {
                "session": session,
                "madonvi": unit,
                "service": service,
                "isUpdating": is_updating,
                "data": [record],
            }
            try:
                answer = self._post(self.settings.url, envelope)
            except _SessionRejected:
                if fresh:
                    raise PortalError("the portal refused a new session") from None
                continue
            code = str(answer.get("error_code", "")).strip()
            if code in OK_CODES:
                return
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
