"""Checking the digital signatures of every PDF received (issue 16, "Verifying"), with pyHanko.

Every PDF attachment, however it arrived, is taken by `motcua worker` (motcua.signature_checking)
or `motcua signatures check`: no request waits, no way in is missed. For each signature: the
signed bytes unchanged; nothing but signatures, form filling or annotations added after it
(pyHanko's difference analysis); who signed and when; a chain to a trusted root
(SIGNATURE_TRUST_ROOTS: none set, none trusted); the certificate valid when it signed (the
time a timestamp token proves, else the signer's): else "expired"; revoked before then, or
(no timestamp proving the time) at all: "revoked" (SIGNATURE_REVOCATION). A file's verdict is
its worst signature's. A lawfully signed electronic paper needs no paper copy (seed 002 [S];
Decree 30/2020/NĐ-CP art. 13 [V]). Nothing here commits: ``claim`` and ``record`` are the
worker's steps; ``check_pdf`` needs no database.
"""

import asyncio
import io
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from flask_babel import lazy_gettext as _l
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend
from sqlalchemy import delete, exists, func, or_, select, update

from motcua.errors import NotFound
from motcua.extensions import db
from motcua.models import Attachment, AttachmentSignature, Dossier
from motcua.services import storage
from motcua.vocabulary import SignatureVerdict

log = logging.getLogger(__name__)

PDF = "application/pdf"
BATCH = 10
SKEW = timedelta(minutes=1)  # a signer's clock and a timestamp authority's may differ so much
MAX_ATTEMPTS = 3  # a file that stops a worker three times is an error, not a poison
# Worst first: the file's verdict is the first of these that one of its signatures has.
_WORST_FIRST = (
    SignatureVerdict.INVALID,
    SignatureVerdict.REVOKED,
    SignatureVerdict.EXPIRED,
    SignatureVerdict.UNTRUSTED,
    SignatureVerdict.VALID,
)
# What may follow a signature without changing what it signed (pyHanko's levels).
_HARMLESS = (
    ModificationLevel.NONE,
    ModificationLevel.LTA_UPDATES,
    ModificationLevel.FORM_FILLING,
    ModificationLevel.ANNOTATIONS,
)


@dataclass(frozen=True)
class Settings:
    roots: tuple = ()  # asn1crypto certificates
    revocation: str = "soft"
    timeout: float = 5.0

    @classmethod
    def from_config(cls, config) -> "Settings":
        """The settings; raises ValueError for a revocation mode that is not one of ours and
        OSError for a roots path that cannot be read."""
        mode = config.get("SIGNATURE_REVOCATION", "soft")
        if mode not in ("soft", "off"):
            raise ValueError("MOTCUA_SIGNATURE_REVOCATION must be 'soft' or 'off'")
        return cls(
            tuple(load_roots(config.get("SIGNATURE_TRUST_ROOTS", ""))),
            mode,
            float(config.get("SIGNATURE_REVOCATION_TIMEOUT", 5)),
        )

    @property
    def lease(self) -> timedelta:
        """How long a claim holds a file: its fetches (a few per certificate) and the rest."""
        return timedelta(seconds=60 + 20 * self.timeout)


def load_roots(path: str) -> list:
    """The certificates of a PEM/DER file, or of every .pem/.crt/.cer file of a folder."""
    if not path:
        return []
    where = Path(path)
    files = (
        sorted(p for p in where.iterdir() if p.suffix.lower() in (".pem", ".crt", ".cer"))
        if where.is_dir()
        else [where]
    )
    return list(load_certs_from_pemder([str(p) for p in files]))


@dataclass(frozen=True)
class Checked:
    verdict: SignatureVerdict
    signer: str | None = None
    signed_at: datetime | None = None
    details: dict | None = field(default_factory=dict)
    each: list = field(default_factory=list)  # on the pages: several signatures, each's own


def is_pdf(attachment: Attachment) -> bool:
    """A file the check takes: a PDF by its bytes' type, or by its name (a broken PDF)."""
    return attachment.media_type == PDF or attachment.file_name.lower().endswith(".pdf")


def check_pdf(data: bytes, settings: Settings, now: datetime | None = None) -> Checked:
    """The verdict on a file's signatures, with one detail per signature. A file that is not
    a readable PDF: ERROR; one without signatures: UNSIGNED."""
    now = now or datetime.now(UTC)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            reader.decrypt("")  # an owner password alone still lets anyone read it
        signatures = list(reader.embedded_regular_signatures)
    except Exception as exc:  # any fault of the file's: pyHanko raises many kinds
        log.info("not a readable PDF: %s", exc)
        return Checked(SignatureVerdict.ERROR, details={"error": _describe(exc)})
    if not signatures:
        return Checked(SignatureVerdict.UNSIGNED, details={"signatures": []})
    found = [_check_one(embedded, settings, now) for embedded in signatures]
    verdicts = {entry["verdict"] for entry in found}
    verdict = next(v for v in _WORST_FIRST if v.value in verdicts)
    at, signer = found[0].get("signed_at"), _signer_line(found[0].get("signer"))
    signed_at = datetime.fromisoformat(at) if at else None
    return Checked(verdict, signer, signed_at, {"signatures": found})


def _check_one(embedded, settings: Settings, now: datetime) -> dict:
    entry: dict = {"field": embedded.field_name}
    try:
        claimed = embedded.self_reported_timestamp
        cert = embedded.signer_cert
        entry["signer"] = _subject(cert)
        entry["certificate"] = {
            "issuer": cert.issuer.human_friendly,
            "serial": format(cert.serial_number, "x"),
            "not_before": cert.not_valid_before.isoformat(),
            "not_after": cert.not_valid_after.isoformat(),
        }
        moment = min(claimed, now) if claimed else now
        status, context = _validate(embedded, settings, moment)
        stamp = status.timestamp_validity
        stamped = stamp is not None and stamp.intact and stamp.valid and stamp.trusted
        if stamped and abs(stamp.timestamp - moment) > SKEW:
            # The timestamp, not the signer, says when: the certificates are judged then
            # (what was signed is judged once, by the first pass's difference analysis).
            trust, context = _validate(embedded, settings, min(stamp.timestamp, now), True)
            status = replace(
                status,
                trust_problem_indic=trust.trust_problem_indic,
                validation_path=trust.validation_path,
                revocation_details=trust.revocation_details,
            )
        revoked_since = False
        if not stamped and status.trusted and settings.revocation == "soft" and moment < now:
            # Only the signer's own word dates the signature: a revocation since then counts
            # (a stolen key can sign "earlier"), so revocation is asked again as of now.
            revoked_since = _validate(embedded, settings, now, skip_diff=True)[0].revoked
    except Exception as exc:  # a signature pyHanko cannot read is no valid signature
        log.info("signature %s unreadable: %s", embedded.field_name, exc)
        entry.update(verdict=SignatureVerdict.INVALID.value, problem=_describe(exc))
        return entry
    signed_at = stamp.timestamp if stamped else claimed
    changed = status.modification_level not in _HARMLESS or status.docmdp_ok is False
    entry.update(
        intact=bool(status.intact and status.valid),
        coverage=status.coverage.name.lower() if status.coverage else None,
        modification=status.modification_level.name.lower() if status.modification_level else None,
        changed_after=changed,
        signed_at=signed_at.isoformat() if signed_at else None,
        time_source="timestamp" if stamped else ("signer" if claimed else None),
        timestamp_at=stamp.timestamp.isoformat() if stamp is not None else None,
        trusted=status.trusted,
        problem=status.trust_problem_indic.name if status.trust_problem_indic else None,
        revocation="revoked" if revoked_since else _revocation(status, context, settings),
    )
    revoked = status.revoked or revoked_since
    entry["verdict"] = _verdict(status, changed, stamp, cert, signed_at or now, revoked).value
    return entry


def _validate(embedded, settings: Settings, moment: datetime, skip_diff=False):
    """pyHanko's status of one signature, its signer's certificates judged at ``moment`` (a
    timestamp token's now), and the signer's validation context. Revocation lists fetched now
    speak for ``moment`` too (retroactive): revoked after it, a certificate was good then."""
    context, stamps = _context(settings, moment), _context(settings, None)
    check = partial(validate_pdf_signature, embedded, context, stamps, skip_diff=skip_diff)
    try:  # pyHanko's synchronous API runs an event loop: elsewhere when one runs here
        asyncio.get_running_loop()
    except RuntimeError:
        return check(), context
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(check).result(), context


def _context(settings: Settings, moment: datetime | None) -> ValidationContext:
    fetching = settings.revocation == "soft"
    backend = RequestsFetcherBackend(per_request_timeout=settings.timeout) if fetching else None
    return ValidationContext(
        trust_roots=list(settings.roots),
        moment=moment,
        allow_fetching=fetching,
        revocation_mode="soft-fail",
        retroactive_revinfo=True,
        fetcher_backend=backend,
    )


def _verdict(status, changed: bool, stamp, cert, signed_at, revoked: bool) -> SignatureVerdict:
    stamp_broken = stamp is not None and not (stamp.intact and stamp.valid)
    if not (status.intact and status.valid) or changed or stamp_broken:
        return SignatureVerdict.INVALID
    if revoked:
        return SignatureVerdict.REVOKED
    if not cert.not_valid_before <= signed_at <= cert.not_valid_after:
        return SignatureVerdict.EXPIRED
    if not status.bottom_line:
        return SignatureVerdict.UNTRUSTED
    return SignatureVerdict.VALID


def _revocation(status, context, settings: Settings) -> str:
    """ "revoked", "good" (asked and answered), "unknown" (nothing to ask, or no answer),
    "off" (not asked, by the setting)."""
    if status.revoked:
        return "revoked"
    if settings.revocation == "off":
        return "off"
    cert = status.signing_cert
    unasked = not (cert.ocsp_urls or cert.crl_distribution_points)
    if unasked or context.soft_fail_exceptions or not status.trusted:
        return "unknown"
    return "good"


_SUBJECT = {"common_name": "common_name", "organisation": "organization_name", "title": "title"}


def _subject(cert) -> dict:
    name = cert.subject.native
    return {ours: name.get(theirs) for ours, theirs in _SUBJECT.items()}


def _signer_line(signer: dict | None) -> str | None:
    if not signer:
        return None
    parts = [signer.get("common_name"), signer.get("title"), signer.get("organisation")]
    return ", ".join(p for p in parts if p)[:255] or None


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


# -- the worker's steps ------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A claimed file, copied out of the session so that checking it needs no database."""

    verdict_id: int
    storage_key: str
    attempts: int


def claim(now: datetime, lease: timedelta, dossier_id: int | None = None) -> list[Claim]:
    """Take up to BATCH PDFs to check, oldest first, for one lease: those without a verdict
    (a pending row is written for each) and those whose worker's lease passed. On PostgreSQL
    ``FOR UPDATE SKIP LOCKED`` keeps two workers off the same file; the unique attachment id
    is the last guard (the worker rolls back on a clash). A file claimed MAX_ATTEMPTS times
    is given the ERROR verdict instead. Does not commit."""
    scope = [Attachment.dossier_id == dossier_id] if dossier_id is not None else []
    fresh = db.session.scalars(
        select(Attachment)
        .where(
            or_(Attachment.media_type == PDF, func.lower(Attachment.file_name).like("%.pdf")),
            ~exists().where(AttachmentSignature.attachment_id == Attachment.id),
            *scope,
        )
        .order_by(Attachment.uploaded_at, Attachment.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True, of=Attachment)
    ).all()
    claimed = []
    for attachment in fresh:
        row = AttachmentSignature(attachment=attachment, attempts=1, claimed_until=now + lease)
        db.session.add(row)
        db.session.flush()
        claimed.append(Claim(row.id, attachment.storage_key, 1))
    stale = db.session.scalars(
        select(AttachmentSignature)
        .join(Attachment)
        .where(
            AttachmentSignature.verdict == SignatureVerdict.PENDING,
            AttachmentSignature.claimed_until < now,
            *scope,
        )
        .order_by(AttachmentSignature.claimed_until, AttachmentSignature.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True, of=AttachmentSignature)
    ).all()
    for row in stale:
        if row.attempts >= MAX_ATTEMPTS:
            log.error("attachment %d: its check stopped %d times", row.attachment_id, row.attempts)
            row.verdict, row.checked_at, row.claimed_until = SignatureVerdict.ERROR, now, None
            row.details = {"error": f"the check did not finish in {row.attempts} attempts"}
            continue
        row.attempts += 1
        row.claimed_until = now + lease
        claimed.append(Claim(row.id, row.attachment.storage_key, row.attempts))
    return claimed


def check_stored(storage_dir: str, claimed: Claim, settings: Settings, now=None) -> Checked:
    """Check a claim's stored file (missing: ERROR). Raises StorageUnavailable."""
    try:
        with storage.open_file(storage_dir, claimed.storage_key) as stream:
            data = stream.read()
    except FileNotFoundError as exc:
        return Checked(SignatureVerdict.ERROR, details={"error": _describe(exc)})
    return check_pdf(data, settings, now)


def record(claimed: Claim, checked: Checked, now: datetime) -> bool:
    """Keep a verdict, if the claim is still this worker's; does not commit."""
    return bool(
        db.session.execute(
            update(AttachmentSignature)
            .where(
                AttachmentSignature.id == claimed.verdict_id,
                AttachmentSignature.verdict == SignatureVerdict.PENDING,
                AttachmentSignature.attempts == claimed.attempts,
            )
            .values(
                verdict=checked.verdict,
                signer=checked.signer,
                signed_at=checked.signed_at,
                details=checked.details,
                checked_at=now,
                claimed_until=None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def dossier_to_check(code: str, again: bool = False) -> int:
    """The id of the dossier with this code (or provisional code), for the command that checks
    one; ``again``: its files' verdicts forgotten, so that they are checked again (after the
    trusted roots changed, say). Raises NotFound. Does not commit."""
    found = db.session.scalar(
        select(Dossier.id).where(or_(Dossier.code == code, Dossier.provisional_code == code))
    )
    if found is None:
        raise NotFound(_l("Không có hồ sơ %(code)s.", code=code), code="dossier_not_found")
    if again:
        files = select(Attachment.id).where(Attachment.dossier_id == found)
        db.session.execute(
            delete(AttachmentSignature).where(AttachmentSignature.attachment_id.in_(files))
        )
    return found


# -- what the pages and the API show ------------------------------------------------------------


def shown(attachment: Attachment) -> Checked | None:
    """The signature block of an attachment's JSON and of its page: None for a file that is
    not a PDF; a PDF not checked yet reads "pending"; ``each``: several signatures' own."""
    if not is_pdf(attachment):
        return None
    row = attachment.signature
    if row is None or row.verdict == SignatureVerdict.PENDING:
        return Checked(SignatureVerdict.PENDING, details=None)
    each = (row.details or {}).get("signatures", [])
    return Checked(
        row.verdict,
        row.signer,
        row.signed_at,
        row.details,
        [_one(entry) for entry in each] if len(each) > 1 else [],
    )


def _one(entry: dict) -> Checked:
    at = entry.get("signed_at")
    signer = _signer_line(entry.get("signer"))
    return Checked(
        SignatureVerdict(entry["verdict"]), signer, datetime.fromisoformat(at) if at else None
    )
