"""Several workers checking signatures at once, on a database of the module's own with real
commits: every PDF is checked exactly once (one claim each: ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, the unique attachment id as the last guard on both databases)."""

import threading

import pytest
import weasyprint
from sqlalchemy import func, select

from motcua import signature_checking
from motcua.extensions import db
from motcua.models import Attachment, AttachmentSignature, Dossier, utcnow
from motcua.services import auth, signature_check
from tests.conftest import APPLICANT, Api, active_officer
from tests.signing.test_verify import sign
from tests.signing_ca import TestCA


@pytest.fixture(scope="module")
def own_app(separate_app):
    return separate_app("_verify")


def test_several_workers_check_each_file_once(own_app, tmp_path, monkeypatch):
    monkeypatch.setattr(signature_check, "BATCH", 2)  # many claims, so that workers interleave
    ca = TestCA(tmp_path / "ca")
    monkeypatch.setitem(own_app.config, "SIGNATURE_TRUST_ROOTS", str(ca.roots_pem))
    monkeypatch.setitem(own_app.config, "SIGNATURE_REVOCATION", "off")
    signer = ca.issue("Phạm Thị Dung", title="Phó Chủ tịch")
    with own_app.app_context():
        desk = Api(own_app.test_client(), auth.issue_token(active_officer("clo.mc1")), "clo.mc1")
    body = {"procedure_code": "1.001612", "unit_code": "CLO", "applicant": APPLICANT}
    code = desk.post("/dossiers", json=body).get_json()["code"]
    for n in range(12):
        paper = weasyprint.HTML(string=f"<p>Giấy số {n}</p>").write_pdf()
        content = sign(paper, signer) if n % 2 else paper
        assert desk.upload(code, name=f"giay-{n}.pdf", content=content).status_code == 201
    errors, counts = [], []

    def run():
        try:
            with own_app.app_context():
                counts.append(signature_checking.check_due(own_app.config, utcnow))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with own_app.app_context():
        rows = db.session.scalars(
            select(AttachmentSignature).join(Attachment).join(Dossier).where(Dossier.code == code)
        ).all()
        # Every file checked once, by one of the workers (the demo's own files with them).
        assert sum(counts) == db.session.scalar(select(func.count(AttachmentSignature.id)))
        assert len(rows) == 12
        assert {row.attempts for row in rows} == {1}
        assert sorted(row.verdict.value for row in rows) == ["unsigned"] * 6 + ["valid"] * 6
