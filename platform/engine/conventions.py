"""The project's BPMN conventions: the properties a user task or end event carries and their syntax.

A user task carries `spiffworkflow:properties` with
  handler      who works the step: `role`, `role@.SUB` (sub-unit of the dossier's unit),
               `role@UNIT` (an absolute unit: an interconnected step) or `user:name1,name2`;
  timeLimit    how long it may take: `4h` (working hours) or `2d` (working days);
  form         optional: the name of a form definition (forms/<name>.json);
  returnsResult optional, "true"/"false": this step hands the result to the applicant.
  producesResult optional, "true"/"false": this step issues the result (signs, numbers,
               seals it: the step before the return, "vào sổ, phát hành"); its officer files
               the result papers as result files, which the return step hands over as they
               are (the desk does not upload them again).
  waitsForApplicant optional, "true"/"false": this step waits for the applicant's missing
               papers (a supplement request, Decree 118/2025/NĐ-CP art. 17.2.a). The step
               that leads here must give `reason` and `items` (what to add and why, printed
               on form 02); while it is open the dossier waits with its clock stopped;
               completing it records the papers' receipt and the new appointment.
  signsResult  optional, "true"/"false": the leader's "ký duyệt" signs the result files here
               with their own certificate and the unit's seal (motcua.services.signing), on
               completing the step (not when sending it back).
  requiresFeesPaid optional, "true"/"false": this step cannot be completed while a fee of
               the dossier is unsettled (due, notified and not confirmed, or its amount not
               entered yet: motcua.services.fees); say, the step that issues the result.
An end event may carry `dossierStatus` (`returned`, the default, or `refused`).
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from .errors import clip

ROLES = (
    "receptionist",
    "specialist",
    "leader",
    "unit_admin",
    "analyst",
    "supervisor",
    "system_admin",
)

HANDLER = "handler"
TIME_LIMIT = "timeLimit"
FORM = "form"
RETURNS_RESULT = "returnsResult"
PRODUCES_RESULT = "producesResult"
WAITS_FOR_APPLICANT = "waitsForApplicant"
REQUIRES_FEES_PAID = "requiresFeesPaid"
SIGNS_RESULT = "signsResult"
USER_TASK_PROPERTIES = (
    HANDLER,
    TIME_LIMIT,
    FORM,
    RETURNS_RESULT,
    PRODUCES_RESULT,
    WAITS_FOR_APPLICANT,
    REQUIRES_FEES_PAID,
    SIGNS_RESULT,
)

DOSSIER_STATUS = "dossierStatus"
END_STATUSES = ("returned", "refused")
DEFAULT_END_STATUS = "returned"
END_EVENT_PROPERTIES = (DOSSIER_STATUS,)

_UNIT_CODE = re.compile(r"[A-Z0-9]+(?:\.[A-Z0-9]+)*")
_TIME_LIMIT = re.compile(r"(\d+(?:\.\d+)?)([hd])")
# A form name becomes a file name: no slashes, no leading dot, nothing that climbs directories.
_FORM_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Handler:
    """Who works a step.

    kind "role": `role` in a unit. `relative` means the unit is the dossier unit's sub-unit
    `<dossier unit code>.<unit_code>` (`role@.SUB`); otherwise the unit is `unit_code`
    (`role@UNIT`), or the dossier's own unit when `unit_code` is None (plain `role`).
    kind "users": the named officers in `usernames`, in order.
    """

    kind: Literal["role", "users"]
    role: str | None = None
    unit_code: str | None = None
    relative: bool = False
    usernames: tuple[str, ...] = ()

    def unit_for(self, dossier_unit_code: str) -> str | None:
        """The code of the unit whose officers work the step, for a dossier of that unit."""
        if self.kind == "users":
            return None
        if self.relative:
            return f"{dossier_unit_code}.{self.unit_code}"
        return self.unit_code or dossier_unit_code

    def __str__(self) -> str:
        if self.kind == "users":
            return "user:" + ",".join(self.usernames)
        if self.unit_code is None:
            return str(self.role)
        return f"{self.role}@{'.' if self.relative else ''}{self.unit_code}"


def parse_handler(text: str) -> Handler:
    """Parse a `handler` property; raises ValueError with a Vietnamese message."""
    text = (text or "").strip()
    if not text:
        raise ValueError("Thiếu người xử lý (handler).")
    if text.startswith("user:"):
        names = tuple(name.strip() for name in text[len("user:") :].split(","))
        if not names or any(not name or any(c.isspace() for c in name) for name in names):
            raise ValueError(
                f"Người xử lý «{clip(text)}» không hợp lệ: sau «user:» phải là tên đăng nhập "
                "của cán bộ, cách nhau bởi dấu phẩy, không có tên trống hay khoảng trắng."
            )
        return Handler(kind="users", usernames=names)
    role, _, unit = text.partition("@")
    if role not in ROLES:
        raise ValueError(
            f"Người xử lý «{clip(text)}» không hợp lệ: vai trò «{clip(role)}» không có; "
            f"các vai trò là {', '.join(ROLES)} (hoặc «user:tên1,tên2» cho cán bộ cụ thể)."
        )
    if "@" not in text:
        return Handler(kind="role", role=role)
    relative = unit.startswith(".")
    code = unit[1:] if relative else unit
    if not _UNIT_CODE.fullmatch(code):
        raise ValueError(
            f"Người xử lý «{clip(text)}» không hợp lệ: mã đơn vị «{clip(unit)}» phải gồm chữ "
            "in hoa và số, các phần cách nhau bởi dấu chấm (ví dụ STNMT, hoặc .TNMT cho đơn vị "
            "trực thuộc đơn vị của hồ sơ)."
        )
    return Handler(kind="role", role=role, unit_code=code, relative=relative)


@dataclass(frozen=True)
class TimeLimit:
    """How long a step may take: `amount` working hours ("h") or working days ("d")."""

    amount: Decimal
    unit: Literal["h", "d"]

    def hours(self, hours_per_day: float) -> float:
        """The limit in working hours, a working day being `hours_per_day` hours."""
        if self.unit == "h":
            return float(self.amount)
        return float(self.amount) * hours_per_day

    def days(self, hours_per_day: float) -> float:
        """The limit in working days."""
        if self.unit == "d":
            return float(self.amount)
        return float(self.amount) / hours_per_day

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


def parse_time_limit(text: str) -> TimeLimit:
    """Parse a `timeLimit` property like `4h`, `1.5h`, `2d`, `0.5d`; raises ValueError."""
    text = (text or "").strip()
    if not text:
        raise ValueError("Thiếu thời hạn (timeLimit).")
    match = _TIME_LIMIT.fullmatch(text)
    try:
        amount = Decimal(match.group(1)) if match else None
    except InvalidOperation:  # pragma: no cover - the regex only lets numbers through
        amount = None
    if amount is None or amount <= 0:
        raise ValueError(
            f"Thời hạn «{clip(text)}» không hợp lệ: phải là một số dương và đơn vị h (giờ làm "
            "việc) hoặc d (ngày làm việc), ví dụ 4h, 1.5h, 2d, 0.5d."
        )
    return TimeLimit(amount=amount, unit=match.group(2))


def form_name_problem(text: str) -> str | None:
    """None if `text` can name a form definition file, else why not (Vietnamese)."""
    if _FORM_NAME.fullmatch(text or "") and ".." not in text:
        return None
    return (
        f"Tên biểu mẫu «{clip(text)}» không hợp lệ: chỉ dùng chữ, số, «_», «-», «.» "
        "(tên tệp trong thư mục forms/, không có đuôi .json)."
    )


def parse_flag(text: str | None) -> bool:
    """A "true"/"false" property; anything else counts as false (lint reports it)."""
    return (text or "").strip().lower() == "true"
