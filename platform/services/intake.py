"""Receiving a dossier (tiếp nhận hồ sơ): the only way a dossier comes into being, at the desk's
page and through the API alike, and — not yet received — as submitted online (``submitted``),
whose acceptance goes the same way as the desk's (``start``)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import (
    AttachmentKind,
    Channel,
    Dossier,
    DossierStatus,
    Role,
    Task,
    TaskStatus,
    User,
    utcnow,
)
from motcua.services import (
    deadlines,
    dossier_codes,
    dossiers,
    fees,
    notifications,
    offers,
    org,
    processes,
    processing,
    workflow,
)
from motcua.vocabulary import EventKind, MailKind

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REQUIRED = _l("Trường này là bắt buộc.")
NOT_GIVEN = _l("Chưa có giấy tờ này: đính kèm tệp, hoặc ghi lý do không cần nộp.")
MAX_NOTE = 500
ID_NUMBER = re.compile(r"^[0-9A-Za-z]{8,20}$")  # CCCD has 12 digits; old CMND 9; passports
LONGEST = {"name": 255, "email": 255, "address": 500}  # the dossier's columns


@dataclass
class Applicant:
    name: str
    id_number: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None


def parse_applicant(raw) -> Applicant:
    """Check an applicant given as a mapping; raise Invalid with the field errors."""
    if not isinstance(raw, dict):
        raise Invalid(_l("Thiếu thông tin người nộp hồ sơ."), code="invalid_applicant")
    values = {
        k: (str(raw[k]).strip() if raw.get(k) is not None else None)
        for k in ("name", "id_number", "phone", "email", "address")
    }
    errors = {}
    if not values["name"]:
        errors["applicant.name"] = _l("Trường này là bắt buộc.")
    if not values["id_number"]:
        errors["applicant.id_number"] = _l("Trường này là bắt buộc.")
    elif not ID_NUMBER.match(values["id_number"]):
        errors["applicant.id_number"] = _l("Số giấy tờ tùy thân không hợp lệ.")
    for name, longest in LONGEST.items():
        if values[name] and len(values[name]) > longest:
            errors[f"applicant.{name}"] = _l("Dài quá %(n)s ký tự.", n=longest)
    if values["email"] and not EMAIL.match(values["email"]) and "applicant.email" not in errors:
        errors["applicant.email"] = _l("Địa chỉ thư điện tử không hợp lệ.")
    if values["phone"] and not re.fullmatch(r"\+?[0-9 .-]{8,20}", values["phone"]):
        errors["applicant.phone"] = _l("Số điện thoại không hợp lệ.")
    if errors:
        raise Invalid(
            _l("Thông tin người nộp chưa hợp lệ."), code="invalid_applicant", details=errors
        )
    return Applicant(**{k: v or None for k, v in values.items()})


@dataclass(frozen=True)
class Check:
    """What the desk found checking the papers, completing its first step (form tiep-nhan).

    ``complete``: the officer's statement that the dossier is complete as the procedure
    requires; ``checked``: the procedure's papers (by index) ticked present, each with at least
    one file; ``not_needed``: for a paper the applicant need not give (a case the procedure's
    "nếu có" does not meet), the officer's note why; ``supplement`` = (reason, papers to add,
    one per line) instead: the dossier is incomplete and waits for the applicant (form 02
    instead of the receipt).

    The same for the desk's page and the API: a complete dossier has a file of each paper or
    the note why it is not needed.
    """

    complete: bool = False
    checked: frozenset[int] = frozenset()
    note: str = ""
    supplement: tuple[str, str] | None = None
    not_needed: Mapping[int, str] = field(default_factory=dict)


# One file of a paper: (index of the procedure's paper, file name, bytes, media type).
PaperFile = tuple[int, str, BinaryIO]


def paper_files(uploads) -> list[PaperFile]:
    """The files of a posted form whose fields are named ``doc-<n>``, n the paper's place in
    the procedure's list (the desk's page and the API's multipart call); a field of another
    number gets -1, which ``receive`` refuses; other fields are not papers."""
    files = []
    for key in uploads:
        if not key.startswith("doc-"):
            continue
        number = key.removeprefix("doc-")
        index = int(number) if number.isdigit() and len(number) < 4 else -1
        for upload in uploads.getlist(key):
            if upload.filename:
                files.append((index, upload.filename, upload.stream))
    return files


def receive(
    actor: User,
    procedure_code: str,
    unit_code: str,
    applicant: Applicant | dict,
    channel: str,
    files: list[PaperFile] = (),
    check: Check | None = None,
    competent_unit_code: str | None = None,
    fees_given: fees.AtReceipt | None = None,
) -> Dossier:
    """Receive a dossier at a unit's desk in one pass: give it a code and an appointment, start its
    workflow, store its papers' files and, with ``check``, complete the desk's check step as the
    officer stated it: the dossier leaves the desk processing, or waiting for the applicant's
    missing papers (Decree 118/2025/NĐ-CP art. 17.2.a, as amended by Decree 309/2026/NĐ-CP: the
    desk guides the applicant in writing, fully and at once, on what to add). Without ``check``
    (the API's plain call) the dossier stays received, its check step with the receiving
    officer.

    ``unit_code`` is the centre whose desk receives; ``competent_unit_code`` the unit that
    decides (by default the same). Any centre of the province may receive a dossier decided by
    another unit (Decree 118/2025/NĐ-CP art. 14): its desk keeps the receipt and the return,
    and the competent unit's clock starts when the dossier is handed over to it (art. 17.3 as
    amended by Decree 309/2026/NĐ-CP; see motcua.services.workflow). The competent unit must
    offer the procedure (motcua.services.offers): nothing is received that cannot be worked.

    Only a receptionist of the receiving unit may do this. ``applicant`` may be the raw form values,
    checked with the other fields. Raises NotFound (procedure, unit), Forbidden, or Invalid with
    the field errors (``applicant.*``, ``unit``, ``channel``, ``complete``, ``doc-<n>``,
    ``reason``, ``items``, ``file``); the boundary then keeps nothing.
    """
    procedure = processes.procedure_by_code(procedure_code)
    errors: dict[str, str] = {}
    unit = competent = None
    if not unit_code:
        errors["unit"] = REQUIRED
    else:
        unit = org.unit_by_code(unit_code)
        org.require_role(actor, Role.RECEPTIONIST, unit)
        if unit.retired:
            raise Invalid(
                _l("%(unit)s đã giải thể, không tiếp nhận hồ sơ mới.", unit=unit.name),
                code="unit_retired",
            )
        competent = org.unit_by_code(competent_unit_code) if competent_unit_code else unit
        offers.require_offered(procedure, competent)
    if not isinstance(applicant, Applicant):
        try:
            applicant = parse_applicant(applicant)
        except Invalid as exc:
            errors.update(exc.details or {"applicant": exc.message})
    if channel not in {c.value for c in Channel}:
        errors["channel"] = _l("Giá trị không hợp lệ.")
    papers = list(procedure.required_documents or [])
    counts = _file_counts(papers, files, check.checked if check else frozenset())
    if check is not None:
        errors.update(check_errors(check, counts))
    if errors:
        raise Invalid(
            _l("Hồ sơ chưa đủ điều kiện tiếp nhận."), code="invalid_intake", details=errors
        )

    now = utcnow()
    version = processes.version_to_run(procedure, competent)
    calendar = deadlines.calendar()
    dossier = Dossier(
        code=dossier_codes.next_code(unit, now),
        procedure=procedure,
        unit=competent,
        receiving_unit=unit,
        process_version=version,
        applicant_name=applicant.name,
        applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone,
        applicant_email=applicant.email,
        applicant_address=applicant.address,
        channel=Channel(channel),
        status=DossierStatus.RECEIVED,
        received_at=now,
        appointment_at=calendar.add(now, days=procedure.legal_limit_days),
        received_by_id=actor.id,
    )
    dossier.first_appointment_at = dossier.appointment_at
    db.session.add(dossier)
    data = {"channel": channel, "process_version": version.version}
    if competent is not unit:
        data["competent_unit"] = competent.code
    return start(actor, dossier, now, papers, files, check, counts, data, fees_given)


def submitted(procedure, unit, applicant: Applicant, now) -> Dossier:
    """A dossier submitted online (the province's own form, motcua.services.online), not yet
    checked by ``unit``'s desk: its code, no workflow and no clock until the desk accepts it
    (motcua.services.online_desk, which then goes ``start``'s way)."""
    dossier = Dossier(
        code=dossier_codes.next_code(unit, now),
        procedure=procedure,
        unit=unit,
        receiving_unit=unit,
        process_version=processes.version_to_run(procedure, unit),
        applicant_name=applicant.name,
        applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone,
        applicant_email=applicant.email,
        applicant_address=applicant.address,
        channel=Channel.ONLINE,
        status=DossierStatus.SUBMITTED,
        received_at=now,
        clock_stopped_at=now,  # no clock runs: the lookup shows no appointment yet
        # Provisional: the acceptance sets the appointment from its own moment.
        appointment_at=deadlines.calendar().add(now, days=procedure.legal_limit_days),
    )
    db.session.add(dossier)
    db.session.flush()
    return dossier


def start(
    actor: User,
    dossier: Dossier,
    now,
    papers: list[str],
    files,
    check: Check | None,
    counts: list[int],
    data: dict,
    fees_given: fees.AtReceipt | None = None,
) -> Dossier:
    """Start a received dossier's workflow and work its desk check: the one path of every
    channel, from ``receive`` at the desk and from an online dossier's acceptance
    (motcua.services.online_desk, whose files are stored already and ``files`` empty)."""
    progress = workflow.start(dossier, now)
    opened, _ = workflow.advance(progress, progressed=False)
    # The officer who receives the dossier holds its first desk step.
    held = [task for task in opened if org.may_work(actor, task)]
    for task in held:
        task.status, task.assignee, task.claimed_at = TaskStatus.CLAIMED, actor, now
    db.session.flush()
    if check is not None:
        not_needed = _not_needed(check, counts)
        data["documents"] = [
            {"name": name, "complete": i in check.checked, "files": counts[i]}
            | ({"not_needed": not_needed[i]} if i in not_needed else {})
            for i, name in enumerate(papers)
        ]
    workflow.record(
        dossier,
        EventKind.RECEIVED,
        actor=actor,
        at=now,
        to_step=workflow.step_names(opened),
        data=data,
    )
    first = held[0] if held else None
    _store_papers(actor, dossier, first, papers, files)
    if check is not None:
        _work_the_check(actor, progress, first, check)
    # The fees follow the receipt's acts: the portal hears "accepted", then "fees due" (6).
    fees.assess(actor, dossier, now, fees_given)
    workflow.save(progress)
    if dossier.status != DossierStatus.WAITING_APPLICANT:
        notifications.to_applicant(dossier, MailKind.RECEIPT)
    return dossier


def _file_counts(papers: list[str], files, checked) -> list[int]:
    counts = [0] * len(papers)
    for index, *_ in files:
        if not 0 <= index < len(papers):
            raise Invalid(_l("Tệp không thuộc thành phần hồ sơ nào."), code="invalid_file")
        counts[index] += 1
    for index in checked:
        if not 0 <= index < len(papers):
            raise Invalid(_l("Thành phần hồ sơ không có trong danh mục."), code="invalid_document")
    return counts


def check_errors(check: Check, counts: list[int]) -> dict[str, str]:
    errors = {}
    if check.supplement is not None:
        reason, items = (" ".join((text or "").split()) for text in check.supplement)
        if not reason:
            errors["reason"] = _l("Phải ghi rõ lý do (sẽ in trên phiếu yêu cầu bổ sung).")
        if not items:
            errors["items"] = _l("Ghi ít nhất một giấy tờ cần bổ sung.")
    elif not check.complete:
        errors["complete"] = _l("Phải xác nhận hồ sơ đầy đủ theo quy định trước khi tiếp nhận.")
    for index in sorted(check.checked):
        if counts[index] == 0:
            errors[f"doc-{index}"] = _l("Thành phần đã đánh dấu có phải kèm ít nhất một tệp.")
    if check.supplement is None:
        # A complete dossier has every paper the procedure lists, or the officer's note why
        # this applicant need not give it (Decree 118/2025/NĐ-CP art. 17.2.a as amended by
        # Decree 309/2026/NĐ-CP: the desk checks the dossier's completeness before receiving).
        for index, files in enumerate(counts):
            if not files and not (check.not_needed.get(index) or "").strip():
                errors.setdefault(f"doc-{index}", NOT_GIVEN)
    return errors


def _not_needed(check: Check, counts: list[int]) -> dict[int, str]:
    """The papers not given, each with the officer's note why it is not needed."""
    return {
        index: " ".join(note.split())[:MAX_NOTE]
        for index, note in check.not_needed.items()
        if 0 <= index < len(counts) and not counts[index] and note and note.strip()
    }


def _store_papers(actor, dossier, first: Task | None, papers: list[str], files) -> None:
    dossiers.attach_files(
        actor,
        dossier,
        first,
        [
            dossiers.NewFile(name, stream, {"document": papers[i]}, f"doc-{i}")
            for i, name, stream in files
        ],
        kind=AttachmentKind.COMPONENT,
    )


def _work_the_check(actor, progress, first: Task | None, check: Check) -> None:
    """Complete the desk's check step as the officer stated it."""
    if check.supplement is not None:
        reason, items = check.supplement
        opened = []
        if first is not None:
            opened = processing.complete_step(
                actor,
                progress,
                first,
                {"complete": False, "reason": reason.strip(), "items": items.strip()},
            )
        if not any(t.waits_for_applicant for t in opened):
            raise Invalid(
                _l(
                    "Quy trình của thủ tục này chưa có bước chờ người nộp bổ sung sau bước tiếp "
                    "nhận; báo quản trị đơn vị bổ sung vào sơ đồ."
                ),
                code="no_supplement_step",
            )
    elif first is not None:
        data = {"complete": True}
        if check.note and check.note.strip():
            data["note"] = check.note.strip()
        processing.complete_step(actor, progress, first, data)
    # else the diagram's first step is not the desk's: the dossier stays received
