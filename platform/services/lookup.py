"""The public lookup (tra cứu hồ sơ): anyone holding a dossier's code and the applicant's id
number or phone learns where the dossier stands, and nothing more.

A wrong pair answers exactly as an unknown code does. Failed attempts are counted twice, per
dossier code and per client address, within a window: a code tried wrongly
``LOOKUP_MAX_FAILURES_PER_CODE`` times is refused to everyone for a while (429) even with a right
pair, so that an id number cannot be guessed by trying; an address is refused after
``LOOKUP_MAX_FAILURES_PER_ADDRESS`` failures, a higher limit, so that a desk kiosk shared by many
applicants is not locked by a few mistyped numbers while one machine still cannot try codes by
the thousand (settings in motcua.config). The counts are in the database, shared by every
process (motcua.services.lookup_limits); a refusal is returned, not raised, so that the count it
made is kept.

What it tells: the procedure, the stage in plain words, the papers asked for while the dossier
waits for them (form 02's list, TT 03/2025 Appendix I [S]; answered online through
motcua.services.applicant_papers), the result files once the result is ready
(motcua.services.results_online), the dates. While the clock is
stopped (waiting for papers, paused) the appointment is not shown: it moves when the clock runs
again (motcua.services.exceptional_paths).
"""

import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from motcua.errors import Invalid, MotcuaError, NotFound
from motcua.extensions import db
from motcua.models import (
    ACTIVE_TASK_STATUSES,
    FINAL_STATUSES,
    Attachment,
    Dossier,
    DossierStatus,
    SupplementRequest,
    Task,
    utcnow,
)
from motcua.services import applicant_access, results_online
from motcua.services import lookup_limits as limits

NOT_FOUND = _l("Không tìm thấy hồ sơ với mã hồ sơ và số giấy tờ hoặc số điện thoại đã nhập.")
REQUIRED = _l("Trường này là bắt buộc.")
# Compared against when the code is unknown or the applicant gave no phone, so that every
# attempt does the same work.
_DUMMY = "\x00" * 12


class TooManyAttempts(MotcuaError):
    status = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int, by_code: bool = False):
        minutes = max(1, (retry_after + 59) // 60)
        if by_code:
            message = _l(
                "Mã hồ sơ này đã bị tra cứu sai quá nhiều lần; vui lòng thử lại sau "
                "%(minutes)s phút.",
                minutes=minutes,
            )
        else:
            message = _l(
                "Bạn đã tra cứu sai quá nhiều lần; vui lòng thử lại sau %(minutes)s phút.",
                minutes=minutes,
            )
        super().__init__(message)
        self.retry_after = retry_after


# The stage in plain words, for an applicant who knows nothing of the steps inside.
SUMMARIES = {
    DossierStatus.RECEIVED: _l("Hồ sơ đã được tiếp nhận và đang chuyển đến bộ phận giải quyết."),
    DossierStatus.PROCESSING: _l("Hồ sơ đang được giải quyết."),
    DossierStatus.WAITING_APPLICANT: _l(
        "Hồ sơ đang chờ người nộp bổ sung giấy tờ; thời hạn giải quyết tạm dừng cho đến khi "
        "nhận đủ giấy tờ bổ sung."
    ),
    DossierStatus.RESULT_READY: _l("Đã có kết quả; mời người nộp đến nhận theo giấy hẹn."),
    DossierStatus.RETURNED: _l("Kết quả đã được giao cho người nộp hồ sơ."),
    DossierStatus.REFUSED: _l("Hồ sơ bị từ chối giải quyết; lý do ghi trong văn bản đã gửi."),
    DossierStatus.WITHDRAWN: _l("Hồ sơ đã được người nộp rút."),
    DossierStatus.PAUSED: _l("Việc giải quyết hồ sơ đang tạm dừng; thời hạn giải quyết tạm dừng."),
    DossierStatus.STOPPED: _l("Hồ sơ đã dừng giải quyết."),
    DossierStatus.NOT_ACCEPTED: _l(
        "Hồ sơ không được tiếp nhận; lý do ghi trong thông báo đã gửi đến thư điện tử của bạn."
    ),
    DossierStatus.SUBMITTED: _l(
        "Hồ sơ đã được nộp trực tuyến và đang chờ bộ phận một cửa kiểm tra; thời hạn giải "
        "quyết tính từ khi hồ sơ được tiếp nhận."
    ),
}


@dataclass
class LookupResult:
    code: str
    procedure: str
    procedure_code: str
    status: DossierStatus
    summary: str
    stage: str | None  # the steps it waits at, while it is being worked on
    received_at: datetime
    appointment_at: datetime | None  # None while the clock is stopped: it will move
    missing_papers: list[str]  # the open supplement request's items
    supplement_requested_at: datetime | None
    returned_at: datetime | None
    finished_at: datetime | None  # refused, withdrawn or stopped: when it ended
    # The applicant's signed link to act on the dossier (motcua.services.applicant_access).
    token: str
    # The result files to download, once the result is ready (motcua.services.results_online).
    result_files: list[Attachment] = field(default_factory=list)
    # When the applicant last answered the open request for papers online.
    answered_at: datetime | None = None


@dataclass(frozen=True)
class Lookup:
    """The answer of a lookup: the result, or why not (kept as counted)."""

    result: LookupResult | None
    refused: MotcuaError | None = None


def lookup(code: str, secret: str, client: str) -> Lookup:
    """Where the dossier ``code`` stands, if ``secret`` is its applicant's id number or phone.

    Raises Invalid (a field left empty). Returns the refusal, counted: NotFound with the same
    message whether the code exists or not, TooManyAttempts (429) once ``client`` or ``code``
    has failed too often.
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
    # A dossier received complete on a later day than its form 02 is found by either code
    # (motcua.services.dossier_codes); both share one count of failures.
    dossier = db.session.scalar(
        select(Dossier).where(or_(Dossier.code == code, Dossier.provisional_code == code))
    )
    config = current_app.config
    now = utcnow()
    # The address first, then the code, always: two tries never wait for each other's rows.
    by_address = limits.count_try(f"address:{client}"[:200], now)
    by_code = limits.count_try(f"code:{dossier.code if dossier else code}"[:200], now)
    wait = limits.retry_after(by_address, config["LOOKUP_MAX_FAILURES_PER_ADDRESS"], now)
    if wait is not None:
        return Lookup(None, TooManyAttempts(wait))
    wait = limits.retry_after(by_code, config["LOOKUP_MAX_FAILURES_PER_CODE"], now)
    if wait is not None:
        return Lookup(None, TooManyAttempts(wait, by_code=True))
    stored = [dossier.applicant_id_number, dossier.applicant_phone] if dossier else [None, None]
    matched = False
    for value in stored:  # both compared every time: the same work whichever matches
        value = normalise(value)
        same = hmac.compare_digest(secret.encode(), (value or _DUMMY).encode())
        matched = matched or (same and bool(value))
    if not matched:
        return Lookup(None, NotFound(NOT_FOUND, code="dossier_not_found"))
    limits.forgive(by_address)
    limits.forgive(by_code)
    return Lookup(_result(dossier))


def _result(dossier: Dossier) -> LookupResult:
    status = dossier.status
    final = status in FINAL_STATUSES
    waiting = _open_supplement(dossier) if status == DossierStatus.WAITING_APPLICANT else None
    return LookupResult(
        code=dossier.code,
        procedure=dossier.procedure.name,
        procedure_code=dossier.procedure.code,
        status=status,
        summary=str(SUMMARIES[status]),
        stage=None if final or waiting else _stage(dossier),
        received_at=dossier.received_at,
        appointment_at=None if dossier.clock_stopped_at or final else dossier.appointment_at,
        missing_papers=list(waiting.items) if waiting else [],
        supplement_requested_at=waiting.requested_at if waiting else None,
        returned_at=dossier.returned_at if status == DossierStatus.RETURNED else None,
        finished_at=dossier.finished_at if final and status != DossierStatus.RETURNED else None,
        token=applicant_access.token_for(dossier),
        result_files=results_online.result_files(dossier),
        answered_at=waiting.answered_at if waiting else None,
    )


def _open_supplement(dossier: Dossier) -> SupplementRequest | None:
    """The request whose papers have not come yet (the latest, should there be several)."""
    return db.session.scalar(
        select(SupplementRequest)
        .where(SupplementRequest.dossier_id == dossier.id, SupplementRequest.received_at.is_(None))
        .order_by(SupplementRequest.requested_at.desc(), SupplementRequest.id.desc())
        .limit(1)
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
