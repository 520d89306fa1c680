"""Verifying every PDF received (issue 16): the test CA signs papers made by WeasyPrint with
pyHanko, the desk attaches them through the API, `motcua worker` checks them, and the API and
the pages tell each verdict: unsigned, valid, tampered in the signed bytes, changed by an update
after signing, an expired signer, an untrusted root, two signatures of which one is tampered,
not a PDF and a broken one. Tampered, expired and untrusted never read valid."""

import io
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import weasyprint
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from motcua import signature_checking, worker
from motcua.models import utcnow
from tests.signing_ca import PASSPHRASE, TestCA

VALID_LABEL = "Chữ ký số hợp lệ"
NO_PAPER = "Bản điện tử có chữ ký số hợp lệ: không cần nộp bản giấy"


def off_the_loop(call):
    """pyHanko's synchronous API runs an event loop of its own: in a thread of its own when
    one already runs in this one (the browser tests' driver leaves one running)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def sign(data: bytes, issued, field="Chu_ky_1", reason=None) -> bytes:
    signer = signers.SimpleSigner.load_pkcs12(str(issued.p12), passphrase=PASSPHRASE)
    meta = signers.PdfSignatureMetadata(field_name=field, reason=reason)
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    return off_the_loop(lambda: signers.sign_pdf(writer, meta, signer=signer).getvalue())


def changed_after(signed: bytes) -> bytes:
    """An incremental update after the signature that writes new text on the page."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    text = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 72 Td (Da sua) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(text))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def replace_once(data: bytes, old: bytes, new: bytes, last=False) -> bytes:
    at = data.rindex(old) if last else data.index(old)
    return data[:at] + new + data[at + len(old) :]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    ca = TestCA(folder / "ca")
    stranger = TestCA(folder / "stranger", name="Untrusted root")
    chairman = ca.issue("Nguyễn Văn An", title="Chủ tịch", organisation="UBND xã Can Lộc")
    clerk = ca.issue("Trần Thị Bình", title="Công chức", organisation="UBND xã Can Lộc")
    expired = ca.issue("Lê Văn Cũ", days=10, start_days_ago=30)
    foreign = stranger.issue("Người lạ")
    paper = weasyprint.HTML(string="<h1>Giấy xác nhận</h1><p>Nội dung giấy tờ.</p>").write_pdf()
    valid = sign(paper, chairman)
    two = sign(valid, clerk, field="Chu_ky_2", reason="Xac nhan ban sao")
    files = {
        "unsigned": paper,
        "valid": valid,
        # One byte of the signed range changed (the producer's name in the document's info).
        "tampered": replace_once(valid, b"WeasyPrint", b"WeasyPrinT"),
        "changed_after": changed_after(valid),
        "expired": sign(paper, expired),
        "untrusted": sign(paper, foreign),
        "two_valid": two,
        # The second signature's reason altered: the first still holds, the second does not.
        "two_one_tampered": replace_once(two, b"Xac nhan", b"Xac nhaN", last=True),
        "not_pdf": b"Day khong phai tep PDF",
        "broken": paper[: len(paper) // 3],
    }
    return ca, files


@pytest.fixture
def trusted(app, pki, monkeypatch):
    ca, _ = pki
    monkeypatch.setitem(app.config, "SIGNATURE_TRUST_ROOTS", str(ca.roots_pem))
    monkeypatch.setitem(app.config, "SIGNATURE_REVOCATION", "soft")


def attach(login_as, make_dossier, content: bytes, name="giay-to.pdf"):
    desk = login_as("clo.mc1")
    code = make_dossier()["code"]
    response = desk.upload(code, name=name, content=content)
    assert response.status_code == 201, response.get_json()
    return desk, code, response.get_json()


def run_worker(app) -> None:
    worker.run_once(app)


def signature_of(desk, code, attachment_id):
    [found] = [
        a
        for a in desk.get(f"/dossiers/{code}").get_json()["attachments"]
        if a["id"] == attachment_id
    ]
    return found["signature"]


CASES = [
    ("unsigned", "unsigned"),
    ("valid", "valid"),
    ("tampered", "invalid"),
    ("changed_after", "invalid"),
    ("expired", "expired"),
    ("untrusted", "untrusted"),
    ("two_valid", "valid"),
    ("two_one_tampered", "invalid"),
    ("not_pdf", "error"),
    ("broken", "error"),
]


@pytest.mark.parametrize(("case", "verdict"), CASES)
def test_each_received_pdf_gets_its_verdict_from_the_worker(
    app, pki, trusted, login_as, make_dossier, officer, case, verdict
):
    _, files = pki
    desk, code, sent = attach(login_as, make_dossier, files[case], name=f"{case}.pdf")
    assert sent["signature"]["verdict"] == "pending"  # the request did not wait for it
    page = officer("clo.mc1").page(f"/dossiers/{code}")
    assert "Đang kiểm tra chữ ký" in page

    run_worker(app)

    signature = signature_of(desk, code, sent["id"])
    assert signature["verdict"] == verdict
    css, label = shown_verdict(officer("clo.mc1").page(f"/dossiers/{code}"), verdict)
    assert (label == VALID_LABEL) == (verdict == "valid")
    if verdict in ("invalid", "expired", "untrusted"):
        assert css == "overdue"  # red


def shown_verdict(page: str, verdict: str) -> tuple[str, str]:
    """The css class and the label of the file's verdict on a page."""
    found = re.search(rf'data-verdict="{verdict}">\s*<span class="([^"]*)">([^<]*)</span>', page)
    assert found, f"no {verdict} verdict on the page"
    return found.group(1), found.group(2)


def test_a_valid_signature_tells_who_signed_and_when(
    app, pki, trusted, login_as, make_dossier, officer
):
    _, files = pki
    desk, code, sent = attach(login_as, make_dossier, files["valid"])
    run_worker(app)
    signature = signature_of(desk, code, sent["id"])
    assert signature["verdict"] == "valid"
    assert signature["signer"] == "Nguyễn Văn An, Chủ tịch, UBND xã Can Lộc"
    assert signature["signed_at"] is not None
    [one] = signature["details"]["signatures"]
    assert one["signer"] == {
        "common_name": "Nguyễn Văn An",
        "organisation": "UBND xã Can Lộc",
        "title": "Chủ tịch",
    }
    assert one["intact"] is True and one["trusted"] is True and one["changed_after"] is False
    assert one["time_source"] == "signer"
    # The test certificate names no OCSP or CRL server: revocation is not known, not "good".
    assert one["revocation"] == "unknown"
    page = officer("clo.mc1").page(f"/dossiers/{code}")
    assert "Người ký: Nguyễn Văn An, Chủ tịch, UBND xã Can Lộc" in page


def test_two_signatures_are_each_told(app, pki, trusted, login_as, make_dossier, officer):
    _, files = pki
    desk, code, sent = attach(login_as, make_dossier, files["two_one_tampered"])
    run_worker(app)
    signature = signature_of(desk, code, sent["id"])
    assert [s["verdict"] for s in signature["details"]["signatures"]] == ["valid", "invalid"]
    assert signature["verdict"] == "invalid"
    page = officer("clo.mc1").page(f"/dossiers/{code}")
    assert "1. Nguyễn Văn An" in page and "2. Trần Thị Bình" in page


def test_without_trusted_roots_nothing_reads_valid(app, pki, login_as, make_dossier, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNATURE_TRUST_ROOTS", "")
    _, files = pki
    desk, code, sent = attach(login_as, make_dossier, files["valid"])
    run_worker(app)
    assert signature_of(desk, code, sent["id"])["verdict"] == "untrusted"


def test_a_file_that_is_not_a_pdf_has_no_signature_block(app, login_as, make_dossier):
    desk, code, sent = attach(login_as, make_dossier, b"plain text", name="ghi-chu.txt")
    assert sent["signature"] is None
    run_worker(app)
    assert signature_of(desk, code, sent["id"]) is None


def test_the_task_page_shows_the_verdict(app, pki, trusted, login_as, make_dossier, officer):
    _, files = pki
    desk, code, sent = attach(login_as, make_dossier, files["expired"])
    run_worker(app)
    tasks = desk.get(f"/dossiers/{code}").get_json()["tasks"]
    open_task = next(t for t in tasks if t["status"] in ("open", "claimed"))
    page = officer(open_task_officer(desk, open_task)).page(f"/tasks/{open_task['id']}")
    assert 'data-verdict="expired"' in page
    assert "chứng thư số hết hiệu lực khi ký" in page


def open_task_officer(desk, task) -> str:
    candidates = desk.get(f"/tasks/{task['id']}").get_json().get("candidates") or []
    return candidates[0]["username"] if candidates else desk.username


def test_the_command_checks_one_dossier_and_again(app, pki, trusted, login_as, make_dossier):
    from motcua.cli import main

    _, files = pki
    desk, code, sent = attach(login_as, make_dossier, files["valid"])
    other_desk, other_code, other = attach(login_as, make_dossier, files["valid"])
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["signatures", "check", "--dossier", code])
    assert result.exit_code == 0, result.output
    assert "1 tệp PDF" in result.output
    assert signature_of(desk, code, sent["id"])["verdict"] == "valid"
    assert signature_of(desk, other_code, other["id"])["verdict"] == "pending"
    # The roots changed: checked again, the same file is no longer trusted.
    app.config["SIGNATURE_TRUST_ROOTS"] = ""
    result = runner.invoke(main, ["signatures", "check", "--dossier", code, "--again"])
    assert result.exit_code == 0, result.output
    assert signature_of(desk, code, sent["id"])["verdict"] == "untrusted"
    result = runner.invoke(main, ["signatures", "check", "--dossier", "KHONG-CO"])
    assert result.exit_code != 0 and "Không có hồ sơ KHONG-CO" in result.output
    app.config["SIGNATURE_TRUST_ROOTS"] = "/khong/co/tep.pem"
    result = runner.invoke(main, ["signatures", "check"])
    assert result.exit_code != 0 and "MOTCUA_SIGNATURE_" in result.output


def test_a_claim_whose_worker_died_is_taken_again_after_its_lease(
    app, pki, trusted, login_as, make_dossier
):
    from datetime import timedelta

    from motcua.extensions import db
    from motcua.services import signature_check

    _, files = pki
    desk, code, sent = attach(login_as, make_dossier, files["valid"])
    with app.app_context():
        now = utcnow()
        [claimed] = [
            c
            for c in signature_check.claim(now, timedelta(minutes=2))
            if c.storage_key.endswith(sent["sha256"])
        ]
        db.session.commit()  # and the worker dies here, before checking it
        # Within the lease nobody takes it again; after it, the next worker does.
        assert signature_checking.check_due(app.config, lambda: now + timedelta(minutes=1)) == 0
        assert signature_of(desk, code, sent["id"])["verdict"] == "pending"
        later = now + timedelta(minutes=3)
        assert signature_checking.check_due(app.config, lambda: later) >= 1
    assert signature_of(desk, code, sent["id"])["verdict"] == "valid"


def test_a_wrong_roots_setting_stops_no_worker_round(app, pki, login_as, make_dossier, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNATURE_TRUST_ROOTS", "/khong/co/tep.pem")
    _, files = pki
    desk, code, sent = attach(login_as, make_dossier, files["valid"])
    run_worker(app)  # the round goes on (the mail is sent), the file waits for a fixed setting
    assert signature_of(desk, code, sent["id"])["verdict"] == "pending"
