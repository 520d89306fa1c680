"""Signing what the platform issues, with pyHanko: an embedded PAdES signature (baseline B-B, B-T
with an RFC 3161 timestamp when ``SIGNING_TSA_URL`` is set) and its visible image where Decree
30/2020/NĐ-CP (art. 13.7, Appendix I [V]) places it: the body's signature shows the seal's image
over the left third of the signature (art. 33: the seal covers about a third of it, on its
left), with the body and the time; a signer's own shows who, their title, the body and the time.
Seed 002 and Decree 45/2020/NĐ-CP as amended [S] ask that results be issued electronically and
signed.

Who signs what (the keys: motcua.services.signing_keys):
- the papers (forms 01–07, motcua.services.slips and register) with the seal certificate of the
  unit that issues them: the receiving desk's unit for 01, 02, 03 and 06, the competent unit for
  04 and 05, the register's unit for 07. The stored slip is the signed one (signed before it is
  stored). Papers with a signature block (02–05, the receiver's column of 01) carry the image
  there; 06 and 07, which have none, carry the signature without an image;
- the result PDFs at a step marked ``signsResult`` (the leader's "ký duyệt"): the leader's own
  certificate where they have one, then the competent unit's seal, two signatures, the seal's
  image over the left third of the leader's, at the lower right of the last page (a result file
  is the unit's own document: where its signature block is cannot be read from it). Each signed
  result is a new result file; the unsigned one stays, filed again as a working file, so that
  the return hands over the signed one; event ``result_signed``.
Not done: files sent to another unit on an interconnected step are not signed.

A unit (or leader) with no key, or whose certificate is expired or not yet valid, signs nothing:
the paper is issued unsigned, as without keys at all, and the event says why (``unsigned``).
"""

import asyncio
import io
import uuid
from base64 import b64encode
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import weasyprint
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.content import ImportedPdfPage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.stamp import StaticStampStyle

from motcua import engine
from motcua.errors import Invalid
from motcua.models import Attachment, AttachmentKind, Dossier, Task, Unit, User, utcnow
from motcua.services import dossiers, papers, storage
from motcua.services.signing_keys import Key, Unreadable, configured
from motcua.vocabulary import EventKind

PT_PER_PX = 0.75  # WeasyPrint lays out in CSS pixels, PDF speaks points
MM = 72 / 25.4
# The box of a result's signature: lower right of its last page, inside the margins of Decree
# 30/2020 (20 mm bottom, 15 mm right).
RESULT_BOX_MM = (75, 28)
# The element of a paper's template whose box is the signature's (slips/_sign.html).
SIGNATURE_SPACE = "chu-ky"


@dataclass(frozen=True)
class Box:
    """Where a signature shows: a page (0 first) and its rectangle in PDF points."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    def left_third(self) -> "Box":
        return Box(self.page, self.x1, self.y1, self.x1 + self.width / 3, self.y2)


@dataclass(frozen=True)
class PaperSigner:
    """How a unit signs its papers now: with its usable seal key, or not (``why``)."""

    unit: Unit
    key: Key | None
    why: str | None

    def sign(self, document: weasyprint.Document) -> bytes:
        """The PDF of a laid-out paper, signed where its signature block is (without an image
        when it has none); unsigned without a usable key."""
        pdf = document.write_pdf()
        if self.key is None:
            return pdf
        box = signature_box(document)
        lines = _lines(self.key, self.unit)
        return _sign(pdf, self.key, box, lines, seal_width=box.width / 3 if box else 0)

    def event_data(self) -> dict:
        """What the paper's event records: which certificate signed, or why a key there could
        not (not the absence of keys, which is the case of every paper before)."""
        if self.key is not None:
            return {"signatures": [_entry("seal", self.key)]}
        if self.why == "no_key":
            return {}
        return {"unsigned": [{"role": "seal", "owner": self.unit.code, "reason": self.why}]}


def usable_key(owner: str) -> tuple[Key | None, str | None]:
    """The key of a unit's code or a username if it may sign now, else None and why not
    ("no_key", "expired", "unreadable")."""
    try:
        key = configured().find(owner) if owner else None
    except Unreadable:
        return None, "unreadable"
    if key is None:
        return None, "no_key"
    if not key.certificate.usable(utcnow()):
        return None, "expired"
    return key, None


# --- papers -----------------------------------------------------------------------------------


def paper_signer(unit: Unit) -> PaperSigner:
    """How the unit signs the papers it issues now (its seal certificate)."""
    key, why = usable_key(unit.code)
    return PaperSigner(unit, key, why)


def signature_box(document: weasyprint.Document) -> Box | None:
    """The box of the paper's signature space (``SIGNATURE_SPACE``), or None if it has none."""
    for number, page in enumerate(document.pages):
        # WeasyPrint's box tree is where the layout is (its anchors give a point, not a box).
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is not None and element.get("id") == SIGNATURE_SPACE:
                height = page.height * PT_PER_PX
                x, y = box.position_x * PT_PER_PX, box.position_y * PT_PER_PX
                w, h = box.border_width() * PT_PER_PX, box.border_height() * PT_PER_PX
                return Box(number, x, height - y - h, x + w, height - y)
    return None


# --- results ----------------------------------------------------------------------------------


def signs_results(run: engine.WorkflowRun, task: Task) -> bool:
    """Whether the task's step, ready in ``run``, is marked ``signsResult`` in its diagram (read
    from the running workflow: no query)."""
    return any(
        r.step.signs_result for r in run.ready_steps() if r.engine_task_id == task.engine_task_id
    )


def sign_results(actor: User, dossier: Dossier, task: Task) -> list[Attachment]:
    """At a ``signsResult`` step completed by ``actor``: each result PDF of the dossier signed
    by the actor's own certificate (if they have a usable one) and then the competent unit's
    seal, stored as a new result file; the unsigned one becomes a working file. Nothing is
    signed (and nothing changes) if neither key can sign. Records ``result_signed`` per file.
    In the caller's transaction. Raises Invalid (``result_not_signable``) for a result PDF that
    cannot be read (then the step is not completed)."""
    leader, leader_why = usable_key(actor.username)
    seal, seal_why = usable_key(dossier.unit.code)
    unsigned = [
        {"role": role, "owner": owner, "reason": why}
        for role, owner, why in (
            ("leader", actor.username, leader_why),
            ("seal", dossier.unit.code, seal_why),
        )
        if why
    ]
    if leader is None and seal is None:
        return []
    signed = []
    for original in dossiers.attachments_of(dossier):
        if original.kind != AttachmentKind.RESULT or original.media_type != "application/pdf":
            continue
        with storage.open_file(current_app.config["STORAGE_DIR"], original.storage_key) as f:
            pdf = f.read()
        try:
            pdf, entries = _sign_result(pdf, leader, seal, dossier.unit)
        except (PdfError, ValueError, KeyError) as exc:  # what pyHanko raises on a bad PDF
            message = _l(
                "Không ký số được tệp kết quả «%(name)s»: tệp không phải PDF đọc được (hỏng "
                "hoặc có mật khẩu). Hãy đính kèm lại bản PDF của kết quả rồi ký duyệt.",
                name=original.file_name,
            )
            raise Invalid(message, code="result_not_signable") from exc
        original.kind = AttachmentKind.WORKING
        copy = dossiers.attach_file(
            actor,
            dossier,
            task,
            file_name=original.file_name,
            stream=io.BytesIO(pdf),
            kind=AttachmentKind.RESULT,
            event_data={
                "signed_from": original.id,
                "signatures": entries,
                **({"unsigned": unsigned} if unsigned else {}),
            },
            event=EventKind.RESULT_SIGNED,
        )
        signed.append(copy)
    return signed


def _sign_result(pdf: bytes, leader: Key | None, seal: Key | None, unit: Unit):
    box, entries = _result_box(pdf), []
    if leader is not None:
        pdf = _sign(pdf, leader, box, _lines(leader, unit), seal_width=box.width / 3)
        entries.append(_entry("leader", leader))
    if seal is not None:
        lines = [] if _seal_image(seal) else [unit.name, _time_line()]
        pdf = _sign(pdf, seal, box.left_third(), lines, seal_width=box.width / 3)
        entries.append(_entry("seal", seal))
    return pdf, entries


def _result_box(pdf: bytes) -> Box:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    last = int(reader.root["/Pages"]["/Count"]) - 1
    page = reader.find_page_for_modification(last)[0].get_object()
    # A page may inherit its size from the page tree: then A4, the size of official papers.
    x1, _y1, x2, _y2 = (float(v) for v in page.get("/MediaBox", (0, 0, 595, 842)))
    width, height = RESULT_BOX_MM[0] * MM, RESULT_BOX_MM[1] * MM
    right, bottom = x2 - 15 * MM, 20 * MM
    return Box(last, max(x1, right - width), bottom, right, bottom + height)


# --- the signature itself ---------------------------------------------------------------------


def _sign(pdf: bytes, key: Key, box: Box | None, lines: list[str], *, seal_width: float) -> bytes:
    """``pdf`` with one more signature by ``key``: incremental, so earlier ones stay intact."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    name = f"ChuKy{key.source.upper()}{uuid.uuid4().hex[:8]}"
    meta = signers.PdfSignatureMetadata(
        field_name=name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        name=key.certificate.common_name or None,
    )
    spec = fields.SigFieldSpec(name, on_page=box.page, box=_rect(box)) if box else None
    style = _appearance(box, key, lines, seal_width) if box else None
    timestamper = _timestamper()
    with key.open() as signer:
        pdf_signer = signers.PdfSigner(
            meta, signer, timestamper=timestamper, stamp_style=style, new_field_spec=spec
        )
        out = _run(lambda: pdf_signer.async_sign_pdf(writer))
    return out.getvalue()


def _run(coroutine):
    """Run pyHanko's asynchronous signing to its end. Its synchronous calls start an event loop
    of their own (asyncio.run), which fails where one runs already in this thread (an ASGI
    server; Playwright's in the browser tests): then on a thread of our own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine())).result()


def _rect(box: Box) -> tuple[int, int, int, int]:
    return (round(box.x1), round(box.y1), round(box.x2), round(box.y2))


def _timestamper():
    url = current_app.config["SIGNING_TSA_URL"]
    if not url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=20)


class _PdfPage(ImportedPdfPage):
    """The first page of a PDF held in memory, as a signature's appearance (pyHanko's own
    reads a file)."""

    def __init__(self, data: bytes):
        super().__init__("", 0)
        self.data = data

    def render(self) -> bytes:
        xobject = self._ensure_writer.import_page_as_xobject(
            PdfFileReader(io.BytesIO(self.data), strict=False), page_ix=0
        )
        name = "/Import" + uuid.uuid4().hex
        self.resources.xobject[name] = xobject
        x1, y1, x2, y2 = xobject.get_object()["/BBox"]
        self.box = layout.BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name.encode() + b" Do"


def _appearance(box: Box, key: Key, lines: list[str], seal_width: float) -> StaticStampStyle:
    rect = _rect(box)
    width, height = rect[2] - rect[0], rect[3] - rect[1]
    image = _seal_image(key) if seal_width else None
    with force_locale("vi"):
        page = papers.render_pdf(
            "slips/_signature.html",
            width=width,
            height=height,
            seal=image,
            seal_width=min(seal_width, width),
            # Beside the seal; over it when the seal fills the box (the seal's own signature).
            text_left=seal_width if seal_width < width - 1 else 0,
            lines=lines,
        )
    return StaticStampStyle(
        background=_PdfPage(page),
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins.uniform(0),
        ),
    )


def _seal_image(key: Key) -> str | None:
    path = key.seal_image
    if path is None:
        return None
    return "data:image/png;base64," + b64encode(path.read_bytes()).decode()


def _lines(key: Key, unit: Unit) -> list[str]:
    cert = key.certificate
    lines = [f"Ký bởi: {cert.common_name}"]
    if cert.title:
        lines.append(f"Chức vụ: {cert.title}")
    lines += [f"Cơ quan: {cert.organisation or unit.name}", _time_line()]
    return lines


def _time_line() -> str:
    # Appendix I: the time of signing, as ISO 8601 with Vietnam's offset.
    local = utcnow().astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return "Thời gian ký: " + local.isoformat(timespec="seconds")


def _entry(role: str, key: Key) -> dict:
    return {"role": role, "owner": key.owner, "source": key.source, **key.certificate.as_event()}
