"""The public lookup (tra cứu hồ sơ): anyone holding a dossier's code and the applicant's id
number or phone learns where the dossier stands, and nothing more.

A wrong pair answers exactly as an unknown code does. Failed attempts are counted per client
address; past the limit the client is refused for a while (429) even with a right pair, so that
codes and id numbers cannot be guessed by trying. The counter lives in this process: a
deployment with several processes or hosts needs a shared store (Redis, say) instead.
"""

import hmac
import re
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from motcua.errors import Invalid, MotcuaError, NotFound
from motcua.extensions import db
from motcua.models import ACTIVE_TASK_STATUSES, Dossier, DossierStatus, Task

MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60
MAX_CLIENTS = 10_000  # addresses remembered at once; the oldest are forgotten first
NOT_FOUND = _l("Không tìm thấy hồ sơ với mã hồ sơ và số giấy tờ hoặc số điện thoại đã nhập.")
REQUIRED = _l("Trường này là bắt buộc.")
# Compared against when the code is unknown or the applicant gave no phone, so that every
# attempt does the same work.
_DUMMY = "\x00" * 12


class TooManyAttempts(MotcuaError):
    status = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int):
        minutes = max(1, (retry_after + 59) // 60)
        super().__init__(
            _l(
                "Bạn đã tra cứu sai quá nhiều lần; vui lòng thử lại sau %(minutes)s phút.",
                minutes=minutes,
            ),
        )
        self.retry_after = retry_after


@dataclass
class LookupResult:
    code: str
    status: DossierStatus
    stage: str | None
    received_at: datetime
    appointment_at: datetime


class FailureLog:
    """Failed attempts per client within a sliding window; thread-safe, bounded in size."""

    def __init__(self, limit: int, window: float, max_clients: int = MAX_CLIENTS, clock=None):
        self.limit, self.window, self.max_clients = limit, window, max_clients
        self._clock = clock or time.monotonic
        self._lock = threading.Lock()
        self._by_client: OrderedDict[str, deque] = OrderedDict()

    def retry_after(self, client: str) -> int | None:
        """Seconds until the client may try again, or None if it may try now."""
        now = self._clock()
        with self._lock:
            times = self._by_client.get(client)
            if times is None:
                return None
            while times and times[0] <= now - self.window:
                times.popleft()
            if not times:
                del self._by_client[client]
                return None
            if len(times) < self.limit:
                return None
            return max(1, int(times[0] + self.window - now + 0.999))

    def record(self, client: str) -> None:
        now = self._clock()
        with self._lock:
            times = self._by_client.get(client)
            if times is None:
                if len(self._by_client) >= self.max_clients:
                    self._forget_stale(now)
                times = self._by_client[client] = deque(maxlen=self.limit)
            times.append(now)
            self._by_client.move_to_end(client)

    def _forget_stale(self, now: float) -> None:
        for client in [
            c for c, t in self._by_client.items() if not t or t[-1] <= now - self.window
        ]:
            del self._by_client[client]
        while len(self._by_client) >= self.max_clients:
            self._by_client.popitem(last=False)  # the client that failed least recently

    def clear(self) -> None:
        with self._lock:
            self._by_client.clear()


_CREATE_LOCK = threading.Lock()


def failure_log() -> FailureLog:
    """The application's failure counter (one per app, made on first use)."""
    extensions = current_app.extensions
    log = extensions.get("motcua.lookup_failures")
    if log is None:
        with _CREATE_LOCK:
            log = extensions.get("motcua.lookup_failures")
            if log is None:
                log = extensions["motcua.lookup_failures"] = FailureLog(
                    current_app.config.get("LOOKUP_MAX_FAILURES", MAX_FAILURES),
                    current_app.config.get("LOOKUP_WINDOW_SECONDS", WINDOW_SECONDS),
                )
    return log


def lookup(code: str, secret: str, client: str) -> LookupResult:
    """Where the dossier ``code`` stands, if ``secret`` is its applicant's id number or phone.

    Raises Invalid (a field left empty), NotFound with the same message whether the code
    exists or not, and TooManyAttempts (429) once ``client`` has failed too often.
    """
    code = (code or "").strip().upper()
    secret = normalise(secret)
    errors = {}
    if not code:
        errors["code"] = REQUIRED
    if not secret:
        errors["secret"] = REQUIRED
    if errors:
        raise Invalid(_l("Nhập mã hồ sơ và số giấy tờ hoặc số điện thoại."), details=errors)
    log = failure_log()
    wait = log.retry_after(client)
    if wait is not None:
        raise TooManyAttempts(wait)

    # A dossier received complete on a later day than its form 02 is found by either code
    # (motcua.services.dossier_codes).
    dossier = db.session.scalar(
        select(Dossier).where(or_(Dossier.code == code, Dossier.provisional_code == code))
    )
    stored = [dossier.applicant_id_number, dossier.applicant_phone] if dossier else [None, None]
    matched = False
    for value in stored:  # both compared every time: the same work whichever matches
        value = normalise(value)
        same = hmac.compare_digest(secret.encode(), (value or _DUMMY).encode())
        matched = matched or (same and bool(value))
    if not matched:
        log.record(client)
        raise NotFound(NOT_FOUND, code="dossier_not_found")
    return LookupResult(
        code=dossier.code,
        status=dossier.status,
        stage=_stage(dossier),
        received_at=dossier.received_at,
        appointment_at=dossier.appointment_at,
    )


def normalise(value: str | None) -> str:
    """An id number or phone as compared: no spaces, dots or dashes, any case; +84 → 0."""
    value = re.sub(r"[\s.\-]", "", value or "").casefold()
    if value.startswith("+84"):
        value = "0" + value[3:]
    return value


def _stage(dossier: Dossier) -> str | None:
    """The steps the dossier waits at, by name and unit: never who, never why."""
    tasks = db.session.scalars(
        select(Task)
        .where(Task.dossier_id == dossier.id, Task.status.in_(ACTIVE_TASK_STATUSES))
        .order_by(Task.id)
    )
    stages = []
    for task in tasks:
        stage = f"{task.step_name} — {task.unit.name}"
        if stage not in stages:
            stages.append(stage)
    return "; ".join(stages) or None
