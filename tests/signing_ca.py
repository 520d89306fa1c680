"""A test public-key infrastructure, as the national one is shaped (a root CA, a licensed CA
under it, certificates for a unit's seal and for a leader): built with `cryptography` in a
folder, so that the signing and verifying tests run against real certificates, keys and
PKCS#12 files. Also an untrusted root and an expired certificate, for the verdicts that must
never read "valid"."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSPHRASE = b"mat-khau-chung-thu"


@dataclass
class Issued:
    """A certificate with its key; ``p12`` the PKCS#12 file holding both and the chain."""

    name: str
    cert: x509.Certificate
    key: rsa.RSAPrivateKey
    chain: list[x509.Certificate] = field(default_factory=list)
    p12: Path | None = None

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _name(common: str, organisation: str = "Tỉnh Hà Tĩnh", title: str | None = None):
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common),
    ]
    if title:
        parts.append(x509.NameAttribute(NameOID.TITLE, title))
    return x509.Name(parts)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _build(
    subject, key, issuer_name, issuer_key, *, ca: bool, start, end, path_length=None, crl_url=None
):
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if crl_url:  # where the revocation list is fetched (RFC 5280 4.2.1.13)
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        ).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


class TestCA:
    """``TestCA(folder)``: a root ("Root CA test"), a licensed CA under it, and ``issue`` for
    end certificates. ``roots_pem`` is the trust setting's file (the root alone)."""

    __test__ = False  # not a test class for pytest

    def __init__(self, folder: Path, name: str = "Root CA test"):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        self.now = now
        root_key = _key()
        root_name = _name(name, "Bộ Thông tin và Truyền thông (thử)")
        root = _build(
            root_name,
            root_key,
            root_name,
            root_key,
            ca=True,
            start=now - timedelta(days=3650),
            end=now + timedelta(days=3650),
        )
        self.root = Issued(name, root, root_key)
        ca_key = _key()
        ca = _build(
            _name("CA cấp dưới (thử)", "Nhà cung cấp chứng thư (thử)"),
            ca_key,
            root_name,
            root_key,
            ca=True,
            start=now - timedelta(days=1000),
            end=now + timedelta(days=1000),
            path_length=0,
        )
        self.ca = Issued("CA cấp dưới (thử)", ca, ca_key, [root])
        self.roots_pem = self.folder / f"{name.replace(' ', '_')}.pem"
        self.roots_pem.write_bytes(self.root.pem)

    def issue(
        self,
        common: str,
        *,
        organisation: str = "UBND xã Can Lộc",
        title: str | None = None,
        days: int = 365,
        start_days_ago: int = 1,
        file_name: str | None = None,
        crl_url: str | None = None,
    ) -> Issued:
        """An end certificate issued by the licensed CA, valid from ``start_days_ago`` days
        ago for ``days`` days (a negative end: expired), written as a PKCS#12 file;
        ``crl_url``: the revocation list it names (``crl`` makes one)."""
        key = _key()
        start = self.now - timedelta(days=start_days_ago)
        cert = _build(
            _name(common, organisation, title),
            key,
            self.ca.cert.subject,
            self.ca.key,
            ca=False,
            start=start,
            end=start + timedelta(days=days),
            crl_url=crl_url,
        )
        issued = Issued(common, cert, key, [self.ca.cert, self.root.cert])
        path = self.folder / (file_name or f"{common.replace(' ', '_')}.p12")
        path.write_bytes(
            pkcs12.serialize_key_and_certificates(
                common.encode(),
                key,
                cert,
                [self.ca.cert, self.root.cert],
                serialization.BestAvailableEncryption(PASSPHRASE),
            )
        )
        issued.p12 = path
        return issued

    def crl(self, revoked: list[Issued], revoked_days_ago: int = 1) -> bytes:
        """The licensed CA's revocation list (DER), listing ``revoked`` as revoked
        ``revoked_days_ago`` days ago; current from now for a week."""
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.ca.cert.subject)
            .last_update(datetime.now(UTC) - timedelta(minutes=5))
            .next_update(datetime.now(UTC) + timedelta(days=7))
            .add_extension(x509.CRLNumber(1), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca.key.public_key()),
                critical=False,
            )
        )
        for issued in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(issued.cert.serial_number)
                .revocation_date(datetime.now(UTC) - timedelta(days=revoked_days_ago))
                .build()
            )
        return builder.sign(self.ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
