"""Signing what the platform issues: every paper (forms 01–07) of a worked dossier carries the
issuing unit's PAdES signature, which pyHanko validates against the test root (intact, valid,
trusted, by the unit's certificate); an RFC 3161 timestamp from a real (fake) TSA when one is
set; an expired certificate signs nothing; no key leaves the papers as they were."""

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Attachment, AttachmentKind, Dossier, Event
from motcua.services import storage
from tests.api.test_exceptional_paths import active, ask_for_papers, work
from tests.signing.tsa_fake import FakeTSA
from tests.signing_ca import PASSPHRASE, TestCA

HOUSEHOLD = "1.001612"
PERMIT = "1.009994"


def seal_png(path) -> None:
    """A red round seal, as the unit's scanned seal would be."""
    image = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((10, 10, 190, 190), outline=(200, 0, 0, 255), width=12)
    image.save(path)


@pytest.fixture
def ca(tmp_path):
    return TestCA(tmp_path / "ca")


@pytest.fixture
def keys_dir(app, tmp_path, monkeypatch):
    """An empty keys folder the app signs from (set for this test only)."""
    folder = tmp_path / "keys"
    folder.mkdir()
    monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", str(folder))
    monkeypatch.setitem(app.config, "SIGNING_TSA_URL", "")
    return folder


def give_key(ca, folder, owner, *, passfile=True, **issue):
    """``owner``'s PKCS#12 file in the keys folder, with its passphrase beside it."""
    issued = ca.issue(owner, file_name=f"../keys/{owner}.p12", **issue)
    assert (
        issued.p12 == folder / f"{owner}.p12"
        or issued.p12.resolve() == (folder / f"{owner}.p12").resolve()
    )
    if passfile:
        (folder / f"{owner}.pass").write_text(PASSPHRASE.decode() + "\n", encoding="utf-8")
    return issued


def validated(pdf: bytes, ca: TestCA) -> list:
    """pyHanko's verdict on each embedded signature, against the test root alone."""
    root = load_cert_from_pemder(str(ca.roots_pem))
    reader = PdfFileReader(io.BytesIO(pdf))

    async def check():
        return [
            await async_validate_pdf_signature(
                sig, ValidationContext(trust_roots=[root], allow_fetching=False)
            )
            for sig in reader.embedded_signatures
        ]

    # On a thread of its own: the browser tests leave Playwright's event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(check())).result()


def shows_an_image(field) -> bool:
    """Whether a signature field's appearance draws an image (the seal's), at any depth."""
    if "/AP" not in field:  # an invisible signature
        return False
    seen, todo = set(), [field["/AP"].raw_get("/N")]
    while todo:
        xobject = todo.pop().get_object()
        if xobject.get("/Subtype") == "/Image":
            return True
        resources = xobject.get("/Resources")
        inner = resources.get_object().get("/XObject") if resources is not None else None
        for name in inner.get_object() if inner is not None else ():
            ref = inner.get_object().raw_get(name)
            if repr(ref) not in seen:
                seen.add(repr(ref))
                todo.append(ref)
    return False


def good(status, issued) -> bool:
    return (
        status.intact
        and status.valid
        and status.trusted
        and status.signing_cert.serial_number == issued.cert.serial_number
    )


def stored(app, code: str, kind=AttachmentKind.SLIP) -> list[tuple[Attachment, bytes]]:
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        rows = db.session.scalars(
            select(Attachment)
            .where(Attachment.dossier_id == dossier.id, Attachment.kind == kind)
            .order_by(Attachment.id)
        )
        out = []
        for a in rows:
            with storage.open_file(app.config["STORAGE_DIR"], a.storage_key) as f:
                out.append((a, f.read()))
        return out


def slip_events(app, code: str) -> list[dict]:
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        return [
            e.data
            for e in db.session.scalars(
                select(Event)
                .where(Event.dossier_id == dossier.id, Event.kind == "slip_issued")
                .order_by(Event.id)
            )
        ]


def test_every_paper_of_a_worked_dossier_validates_against_the_units_certificate(
    app, ca, keys_dir, login_as, make_dossier, officer
):
    seal = give_key(ca, keys_dir, "CLO", organisation="UBND xã Can Lộc")
    seal_png(keys_dir / "CLO.seal.png")
    desk, leader = login_as("clo.mc1"), login_as("clo.ld1")

    # 01 and 06 on demand, 02 asked by the appraisal, 04 the leader's apology.
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    assert desk.post(f"/dossiers/{code}/slips", json={"form": "01"}).status_code == 201
    work(login_as, code, "tiep_nhan")
    assert desk.post(f"/dossiers/{code}/slips", json={"form": "06"}).status_code == 201
    appointment = leader.get(f"/dossiers/{code}").get_json()["appointment_at"]
    new = datetime.fromisoformat(appointment).replace(year=2099).isoformat()
    apology = {"reason": "Phải xác minh thực địa", "new_appointment": new}
    assert leader.post(f"/dossiers/{code}/apology", json=apology).status_code == 201
    assert ask_for_papers(login_as, code).status_code == 200
    # 05: a stop; 03: a refusal at the end of a permit's processing.
    stopped = make_dossier("CLO", HOUSEHOLD)["code"]
    work(login_as, stopped, "tiep_nhan")
    response = leader.post(f"/dossiers/{stopped}/stop", json={"reason": "Có văn bản đề nghị"})
    assert response.status_code == 200, response.get_json()
    refused = make_dossier("CLO", PERMIT)["code"]
    for _ in range(10):
        tasks = active(login_as("admin"), refused)
        if not tasks:
            break
        decision = {"decision": "refuse", "reason": "Không đủ điều kiện"}
        work(login_as, refused, **(decision if tasks[0]["step_id"] == "xem_xet" else {}))

    papers = {}
    for each in (code, stopped, refused):
        for attachment, pdf in stored(app, each):
            papers[attachment.file_name[:2]] = pdf
    assert sorted(papers) == ["01", "02", "03", "04", "05", "06"]
    for form, pdf in papers.items():
        [status] = validated(pdf, ca)
        assert good(status, seal), (form, status.pretty_print_details())
        assert status.coverage.name == "ENTIRE_FILE", form
    # The papers with a signature block show it there, the control slip (no block) does not.
    for form, pdf in papers.items():
        [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
        rect = [float(v) for v in signature.sig_field["/Rect"]]
        assert (rect[2] - rect[0] > 100) == (form != "06"), (form, rect)
        assert shows_an_image(signature.sig_field) == (form != "06"), form
    # Each event says which certificate signed.
    signed = [s for data in slip_events(app, code) for s in data["signatures"]]
    assert {s["serial"] for s in signed} == {format(seal.cert.serial_number, "X")}
    assert signed[0]["role"] == "seal" and "Can Lộc" in signed[0]["subject"]
    assert signed[0]["not_after"].startswith(str(seal.cert.not_valid_after_utc.date()))

    # 07, the register, is signed too (without an image: it has no signature block).
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    response = officer("clo.mc1").get(f"/registers/CLO.pdf?from={today}&to={today}")
    assert response.status_code == 200
    [status] = validated(response.data, ca)
    assert good(status, seal)


def test_the_timestamp_authority_stamps_each_signature(
    app, ca, keys_dir, login_as, make_dossier, monkeypatch
):
    seal = give_key(ca, keys_dir, "CLO")
    with FakeTSA(ca) as tsa:
        monkeypatch.setitem(app.config, "SIGNING_TSA_URL", tsa.url)
        code = make_dossier("CLO", HOUSEHOLD)["code"]
        desk = login_as("clo.mc1")
        assert desk.post(f"/dossiers/{code}/slips", json={"form": "01"}).status_code == 201
        assert tsa.requests >= 1  # pyHanko asks once more to size the token
    [(_, pdf)] = stored(app, code)
    [status] = validated(pdf, ca)
    assert good(status, seal)
    # The token is embedded and validates: by the test TSA, over this signature.
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact and status.timestamp_validity.valid
    assert status.timestamp_validity.trusted
    assert status.timestamp_validity.signing_cert.subject.native["common_name"] == "TSA thử"


def test_an_expired_certificate_signs_nothing_and_the_event_says_why(
    app, ca, keys_dir, login_as, make_dossier
):
    give_key(ca, keys_dir, "CLO", days=30, start_days_ago=60)
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    assert login_as("clo.mc1").post(f"/dossiers/{code}/slips", json={"form": "01"}).status_code
    [(_, pdf)] = stored(app, code)
    assert PdfFileReader(io.BytesIO(pdf)).embedded_signatures == []
    [data] = slip_events(app, code)
    assert "signatures" not in data
    assert data["unsigned"] == [{"role": "seal", "owner": "CLO", "reason": "expired"}]


def test_without_a_key_the_paper_is_issued_as_before(
    app, ca, keys_dir, login_as, make_dossier, monkeypatch
):
    give_key(ca, keys_dir, "HKH")  # another unit's key: not CLO's
    for folder in (str(keys_dir), ""):
        monkeypatch.setitem(app.config, "SIGNING_KEYS_DIR", folder)
        code = make_dossier("CLO", HOUSEHOLD)["code"]
        desk = login_as("clo.mc1")
        assert desk.post(f"/dossiers/{code}/slips", json={"form": "01"}).status_code == 201
        [(_, pdf)] = stored(app, code)
        assert PdfFileReader(io.BytesIO(pdf)).embedded_signatures == []
        [data] = slip_events(app, code)
        assert "signatures" not in data and "unsigned" not in data


def test_the_passphrase_may_be_a_setting_and_a_wrong_one_signs_nothing(
    app, ca, keys_dir, login_as, make_dossier, monkeypatch
):
    seal = give_key(ca, keys_dir, "CLO", passfile=False)
    monkeypatch.setitem(app.config, "SIGNING_P12_PASSPHRASE", PASSPHRASE.decode())
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    assert desk.post(f"/dossiers/{code}/slips", json={"form": "01"}).status_code == 201
    [(_, pdf)] = stored(app, code)
    [status] = validated(pdf, ca)
    assert good(status, seal)

    # A wrong passphrase: the key cannot be opened, the paper goes unsigned and says why.
    monkeypatch.setitem(app.config, "SIGNING_P12_PASSPHRASE", "sai")
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    assert desk.post(f"/dossiers/{code}/slips", json={"form": "01"}).status_code == 201
    [(_, pdf)] = stored(app, code)
    assert PdfFileReader(io.BytesIO(pdf)).embedded_signatures == []
    [data] = slip_events(app, code)
    assert data["unsigned"] == [{"role": "seal", "owner": "CLO", "reason": "unreadable"}]
