"""Revocation and time in the check of received PDFs: a revocation list served by a real HTTP
server (the licensed CA's), a timestamp from a real (fake) RFC 3161 authority, and a signer's
own stated time. Revoked before signing, or since a time only the signer states: revoked; a
list that cannot be reached: unknown, not a failure; a certificate expired when the timestamp
proves it signed: expired, whatever time the signer states."""

import io
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import weasyprint
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers, timestamps

from tests.signing.test_verify import attach, off_the_loop, run_worker, signature_of
from tests.signing.tsa_fake import FakeTSA
from tests.signing_ca import PASSPHRASE, TestCA


class CrlServer:
    """The licensed CA's revocation list at ``url`` (``body``: its DER bytes)."""

    def __init__(self):
        self.body = b""
        self.requests = 0
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                served.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/pkix-crl")
                self.send_header("Content-Length", str(len(served.body)))
                self.end_headers()
                self.wfile.write(served.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/ca.crl"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Backdated(signers.PdfSigner):
    """A signer stating its own signing time (``at``), as any signing tool may."""

    at: datetime | None = None

    def init_signing_session(self, *args, **kwargs):
        session = super().init_signing_session(*args, **kwargs)
        if self.at is not None:
            session.system_time = self.at
        return session


def sign(data, issued, at=None, tsa_url=None) -> bytes:
    key = signers.SimpleSigner.load_pkcs12(str(issued.p12), passphrase=PASSPHRASE)
    stamper = timestamps.HTTPTimeStamper(tsa_url) if tsa_url else None
    signer = Backdated(signers.PdfSignatureMetadata(field_name="Chu_ky"), key, timestamper=stamper)
    signer.at = at
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    return off_the_loop(lambda: signer.sign_pdf(writer).getvalue())


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    ca = TestCA(tmp_path_factory.mktemp("pki-times"))
    crl = CrlServer()
    paper = weasyprint.HTML(string="<p>Giấy phép</p>").write_pdf()
    yield ca, crl, paper
    crl.close()


@pytest.fixture
def settings(app, world, monkeypatch):
    ca, _, _ = world
    monkeypatch.setitem(app.config, "SIGNATURE_TRUST_ROOTS", str(ca.roots_pem))
    monkeypatch.setitem(app.config, "SIGNATURE_REVOCATION", "soft")
    monkeypatch.setitem(app.config, "SIGNATURE_REVOCATION_TIMEOUT", 2)


def verdict_of(app, login_as, make_dossier, data):
    desk, code, sent = attach(login_as, make_dossier, data)
    run_worker(app)
    signature = signature_of(desk, code, sent["id"])
    return signature["verdict"], signature["details"]["signatures"][0]


def test_revoked_before_signing_reads_revoked(app, world, settings, login_as, make_dossier):
    ca, crl, paper = world
    revoked = ca.issue("Chứng thư bị thu hồi", crl_url=crl.url)
    good = ca.issue("Chứng thư còn hiệu lực", crl_url=crl.url)
    crl.body = ca.crl([revoked])
    verdict, one = verdict_of(app, login_as, make_dossier, sign(paper, revoked))
    assert verdict == "revoked" and one["revocation"] == "revoked"
    verdict, one = verdict_of(app, login_as, make_dossier, sign(paper, good))
    assert verdict == "valid" and one["revocation"] == "good"
    assert crl.requests >= 2


def test_a_revocation_after_a_time_only_the_signer_states_counts(
    app, world, settings, login_as, make_dossier
):
    ca, crl, paper = world
    cert = ca.issue("Khóa bị lộ", crl_url=crl.url, start_days_ago=90)
    crl.body = ca.crl([cert], revoked_days_ago=1)
    month_ago = datetime.now(UTC) - timedelta(days=30)
    verdict, one = verdict_of(app, login_as, make_dossier, sign(paper, cert, at=month_ago))
    assert verdict == "revoked" and one["time_source"] == "signer"


def test_an_unreachable_list_leaves_revocation_unknown(
    app, world, settings, login_as, make_dossier, monkeypatch
):
    ca, _, paper = world
    cert = ca.issue("Máy chủ CRL không tới được", crl_url="http://127.0.0.1:9/ca.crl")
    verdict, one = verdict_of(app, login_as, make_dossier, sign(paper, cert))
    assert verdict == "valid" and one["revocation"] == "unknown"
    monkeypatch.setitem(app.config, "SIGNATURE_REVOCATION", "off")
    verdict, one = verdict_of(app, login_as, make_dossier, sign(paper, cert))
    assert verdict == "valid" and one["revocation"] == "off"


def test_the_timestamp_proves_when_it_was_signed(app, world, settings, login_as, make_dossier):
    ca, _, paper = world
    # Valid from 30 days ago for 10 days: expired 20 days ago.
    old = ca.issue("Chứng thư đã hết hạn", days=10, start_days_ago=30)
    while_valid = datetime.now(UTC) - timedelta(days=25)
    # The signer states a time when the certificate was valid: validity at signing time.
    verdict, one = verdict_of(app, login_as, make_dossier, sign(paper, old, at=while_valid))
    assert verdict == "valid" and one["time_source"] == "signer"
    with FakeTSA(ca) as tsa:
        stamped = sign(paper, old, at=while_valid, tsa_url=tsa.url)
        fresh = sign(paper, ca.issue("Chứng thư mới"), tsa_url=tsa.url)
    # A timestamp token says it was signed today: the stated time does not count.
    verdict, one = verdict_of(app, login_as, make_dossier, stamped)
    assert verdict == "expired" and one["time_source"] == "timestamp"
    assert one["signed_at"] == one["timestamp_at"]
    verdict, one = verdict_of(app, login_as, make_dossier, fresh)
    assert verdict == "valid" and one["time_source"] == "timestamp"
