"""A unit's seal key on a PKCS#11 token (SoftHSM2 from Debian, a real PKCS#11 module): the
paper is signed on the token, and validates against the test root."""

import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from tests.signing import test_signing
from tests.signing.test_signing import HOUSEHOLD, good, stored, validated

ca = test_signing.ca  # the fixture of a test CA

# Debian's softhsm2 package (.ci/run installs it; elsewhere skipped, as the browser tests are
# without chromium).
MODULE = "/usr/lib/softhsm/libsofthsm2.so"
pytestmark = pytest.mark.skipif(
    not Path(MODULE).exists(),
    reason="Debian's softhsm2 is not installed (apt-get install softhsm2)",
)
PIN = "5678"


@pytest.fixture
def token(tmp_path, monkeypatch):
    """A fresh SoftHSM2 token "motcua" in a temporary folder."""
    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\n"
    )
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", "motcua"]
        + ["--so-pin", "1234", "--pin", PIN],
        check=True,
        capture_output=True,
    )
    return tmp_path


def put_on_token(folder: Path, issued, chain) -> None:
    """The key through softhsm2-util (PKCS#8 PEM), its certificate and the CA's as objects."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    pem = folder / "seal.pem"
    pem.write_bytes(
        issued.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    subprocess.run(
        ["softhsm2-util", "--import", str(pem), "--token", "motcua", "--label", "seal"]
        + ["--id", "01", "--pin", PIN],
        check=True,
        capture_output=True,
    )
    pem.unlink()
    token = pkcs11.lib(MODULE).get_token(token_label="motcua")
    with token.open(rw=True, user_pin=PIN) as session:
        for label, cert, key_id in (("seal", issued.cert, b"\x01"), ("ca", chain, b"\x02")):
            session.create_object(
                {
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True,
                    Attribute.LABEL: label,
                    Attribute.ID: key_id,
                    Attribute.SUBJECT: cert.subject.public_bytes(),
                    Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
                }
            )


def test_a_seal_key_on_a_pkcs11_token_signs_the_paper(
    app,
    ca,
    token,
    login_as,
    make_dossier,
    monkeypatch,
):
    seal = ca.issue("CLO", organisation="UBND xã Can Lộc")
    put_on_token(token, seal, ca.ca.cert)
    for name, value in (
        ("SIGNING_PKCS11_MODULE", MODULE),
        ("SIGNING_PKCS11_PIN", PIN),
        ("SIGNING_PKCS11_KEYS", "CLO=motcua/seal"),
        ("SIGNING_KEYS_DIR", ""),
        ("SIGNING_TSA_URL", ""),
    ):
        monkeypatch.setitem(app.config, name, value)

    code = make_dossier("CLO", HOUSEHOLD)["code"]
    response = login_as("clo.mc1").post(f"/dossiers/{code}/slips", json={"form": "01"})
    assert response.status_code == 201, response.get_json()

    [(_, pdf)] = stored(app, code)
    [status] = validated(pdf, ca)
    assert good(status, seal), status.pretty_print_details()
    events = login_as("clo.mc1").get(f"/dossiers/{code}").get_json()["events"]
    [issued] = [e for e in events if e["kind"] == "slip_issued"]
    [signature] = issued["data"]["signatures"]
    assert signature["source"] == "pkcs11" and signature["owner"] == "CLO"
