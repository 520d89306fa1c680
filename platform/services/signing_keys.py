"""Where the signing keys live: never in the database. A key belongs to an owner, a unit's code
for the unit's seal certificate (the body's signature, Decree 30/2020/NĐ-CP art. 13.7 [V]) or a
username for a leader's own certificate.

Two stores answer "the key of this owner", behind one interface (``KeyStore``: ``find`` and
``keys``; a ``Key`` gives its certificate and, opened, a pyHanko ``Signer``):

- PKCS#12 files, for a small deployment: ``<SIGNING_KEYS_DIR>/<UNIT CODE>.p12`` (a unit's seal)
  and ``<username>.p12`` (a leader's own). The passphrase is read from the sibling
  ``<name>.pass`` file (its first line) when there is one, else from the setting
  ``SIGNING_P12_PASSPHRASE``; it is never logged nor shown. The seal's image for the visible
  signature is the sibling ``<UNIT CODE>.seal.png``.
- PKCS#11 tokens and HSMs (``SIGNING_PKCS11_MODULE``, ``SIGNING_PKCS11_PIN``, and
  ``SIGNING_PKCS11_KEYS``: ``owner=token label/key label`` pairs separated by commas; the
  certificate is the token's object of the key's label, the chain the token's other
  certificates). A token's owner is found there before a file of the same name.

A third store, a remote-signing provider (a CA's cloud signing service, "ký số từ xa"), is not
built: it would be a ``KeyStore`` whose ``Key.certificate`` is fetched from the provider and
whose ``Key.open`` yields a pyHanko ``Signer`` subclass with ``async_sign_raw`` sending the
digest to the provider (and waiting for the holder's approval) — nothing else changes.
"""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from asn1crypto import x509
from flask import current_app
from flask_babel import lazy_gettext as _l
from pyhanko.sign import signers
from sqlalchemy import select

from motcua.errors import Forbidden
from motcua.extensions import db
from motcua.models import Role, Unit, User, UserRole, utcnow
from motcua.services import org

SEAL_IMAGE = ".seal.png"


@dataclass(frozen=True)
class Certificate:
    """What the certificates page and a signature's event show of a certificate."""

    subject: str
    issuer: str
    serial: str  # hexadecimal
    valid_from: datetime
    valid_to: datetime
    common_name: str
    title: str
    organisation: str

    @classmethod
    def of(cls, cert: x509.Certificate) -> "Certificate":
        subject = cert.subject.native
        return cls(
            subject=cert.subject.human_friendly,
            issuer=cert.issuer.human_friendly,
            serial=format(cert.serial_number, "X"),
            valid_from=cert.not_valid_before,
            valid_to=cert.not_valid_after,
            common_name=subject.get("common_name", ""),
            title=subject.get("title", ""),
            organisation=subject.get("organization_name", ""),
        )

    def usable(self, now: datetime | None = None) -> bool:
        """Whether it may sign now: within its validity (an expired one signs nothing)."""
        now = now or utcnow()
        return self.valid_from <= now < self.valid_to

    def as_event(self) -> dict:
        return {
            "serial": self.serial,
            "subject": self.subject,
            "issuer": self.issuer,
            "not_after": self.valid_to.isoformat(),
        }


class Key(Protocol):
    owner: str  # a unit's code or a username
    source: str  # "pkcs12", "pkcs11" (a remote provider would add its own)
    certificate: Certificate
    seal_image: Path | None

    def open(self) -> contextlib.AbstractContextManager[signers.Signer]: ...


class KeyStore(Protocol):
    def find(self, owner: str) -> Key | None: ...

    def keys(self) -> list[Key]: ...


# --- PKCS#12 files ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FileKey:
    owner: str
    path: Path
    passphrase: bytes
    certificate: Certificate
    source: str = "pkcs12"

    @property
    def seal_image(self) -> Path | None:
        image = self.path.with_name(self.owner + SEAL_IMAGE)
        return image if image.is_file() else None

    @contextlib.contextmanager
    def open(self) -> Iterator[signers.Signer]:
        yield _load_p12(self.path, self.passphrase)


class Unreadable(Exception):
    """A key that is there but cannot be opened (a wrong passphrase or PIN, a damaged file, a
    token that does not answer): its owner signs nothing until it is fixed."""


def _load_p12(path: Path, passphrase: bytes) -> signers.SimpleSigner:
    try:
        signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase)
    except Exception as exc:  # a damaged file: whatever the parser raises
        raise Unreadable(path.name) from exc
    if signer is None:  # pyHanko logs the cause (a wrong passphrase) and returns None
        raise Unreadable(path.name)
    return signer


class FileStore:
    def __init__(self, folder: str, passphrase: str):
        self.folder = Path(folder) if folder else None
        self.passphrase = passphrase

    def find(self, owner: str) -> FileKey | None:
        if self.folder is None or not owner or "/" in owner or owner.startswith("."):
            return None
        path = self.folder / f"{owner}.p12"
        if not path.is_file():
            return None
        passphrase = self._passphrase(path)
        signer = _load_p12(path, passphrase)
        return FileKey(owner, path, passphrase, Certificate.of(signer.signing_cert))

    def keys(self) -> list[FileKey]:
        if self.folder is None or not self.folder.is_dir():
            return []
        return [k for p in sorted(self.folder.glob("*.p12")) if (k := _found(self, p.stem))]

    def _passphrase(self, path: Path) -> bytes:
        sibling = path.with_suffix(".pass")
        if sibling.is_file():
            lines = sibling.read_text(encoding="utf-8").splitlines()
            return (lines[0] if lines else "").encode()
        return self.passphrase.encode()


# --- PKCS#11 tokens ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenKey:
    owner: str
    module: str
    pin: str
    token_label: str
    key_label: str
    certificate: Certificate
    seal_image: Path | None = None
    source: str = "pkcs11"

    @contextlib.contextmanager
    def open(self) -> Iterator[signers.Signer]:
        with _session(self.module, self.token_label, self.pin) as session:
            yield _token_signer(session, self.key_label)


@contextlib.contextmanager
def _session(module: str, token_label: str, pin: str):
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11

    session = pkcs11.open_pkcs11_session(
        module, token_criteria=TokenCriteria(label=token_label), user_pin=pin
    )
    try:
        yield session
    finally:
        session.close()


def _token_signer(session, key_label: str) -> signers.Signer:
    from pyhanko.sign import pkcs11

    # Every certificate on the token: the licensed CA's joins the chain in the signature.
    return pkcs11.PKCS11Signer(session, key_label=key_label, other_certs_to_pull=None)


class TokenStore:
    def __init__(self, module: str, pin: str, keys: str, seal_folder: str = ""):
        self.module, self.pin = module, pin
        self.seal_folder = Path(seal_folder) if seal_folder else None
        self.labels = parse_token_keys(keys) if module else {}

    def find(self, owner: str) -> TokenKey | None:
        if owner not in self.labels:
            return None
        token_label, key_label = self.labels[owner]
        try:
            with _session(self.module, token_label, self.pin) as session:
                cert = _token_signer(session, key_label).signing_cert
        except Exception as exc:  # python-pkcs11 and pyHanko raise their own kinds
            raise Unreadable(f"{token_label}/{key_label}") from exc
        image = self.seal_folder / (owner + SEAL_IMAGE) if self.seal_folder else None
        return TokenKey(
            owner,
            self.module,
            self.pin,
            token_label,
            key_label,
            Certificate.of(cert),
            image if image is not None and image.is_file() else None,
        )

    def keys(self) -> list[TokenKey]:
        return [k for owner in sorted(self.labels) if (k := _found(self, owner))]


def parse_token_keys(text: str) -> dict[str, tuple[str, str]]:
    """``SIGNING_PKCS11_KEYS``: "CLO=token/seal-key,nguyenvana=token2/key" → owner → (token
    label, key label). Raises ValueError for a pair not written so."""
    labels = {}
    for pair in filter(None, (p.strip() for p in (text or "").split(","))):
        owner, _, where = pair.partition("=")
        token_label, _, key_label = where.partition("/")
        if not (owner.strip() and token_label.strip() and key_label.strip()):
            raise ValueError(f"MOTCUA_SIGNING_PKCS11_KEYS: «{pair}» is not owner=token/key")
        labels[owner.strip()] = (token_label.strip(), key_label.strip())
    return labels


# --- both -------------------------------------------------------------------------------------


def _found(store, owner: str):
    """A store's key for a listing: one that cannot be opened is left out (``find`` says so)."""
    try:
        return store.find(owner)
    except Unreadable:
        return None


class Stores:
    """The configured stores, a token's owner first."""

    def __init__(self, stores: list[KeyStore]):
        self.stores = stores

    def find(self, owner: str) -> Key | None:
        for store in self.stores:
            if (key := store.find(owner)) is not None:
                return key
        return None

    def keys(self) -> list[Key]:
        found: dict[str, Key] = {}
        for store in self.stores:
            for key in store.keys():
                found.setdefault(key.owner, key)
        return [found[owner] for owner in sorted(found)]


def configured() -> Stores:
    """The stores the settings name (none: nothing is signed, papers are issued as before)."""
    config = current_app.config
    return Stores(
        [
            TokenStore(
                config["SIGNING_PKCS11_MODULE"],
                config["SIGNING_PKCS11_PIN"],
                config["SIGNING_PKCS11_KEYS"],
                config["SIGNING_KEYS_DIR"],
            ),
            FileStore(config["SIGNING_KEYS_DIR"], config["SIGNING_P12_PASSPHRASE"]),
        ]
    )


# --- what the unit admin sees ----------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """A certificate a unit signs with, or the lack of one: the unit's seal (``user`` None) or
    a leader's own; ``state`` "valid", "expiring" (within SIGNING_EXPIRY_WARNING_DAYS),
    "expired" (or not yet valid: it signs nothing), "unreadable" (``Unreadable``) or "missing"
    (papers go unsigned)."""

    unit: Unit
    user: User | None
    key: Key | None
    state: str


def state_of(key: Key | None, now: datetime | None = None) -> str:
    now = now or utcnow()
    if key is None:
        return "missing"
    if not key.certificate.usable(now):
        return "expired"
    warning = timedelta(days=current_app.config["SIGNING_EXPIRY_WARNING_DAYS"])
    return "expiring" if key.certificate.valid_to - now <= warning else "valid"


def certificates(actor: User) -> list[Held]:
    """The seal certificate of each unit the actor administers and the own certificates of its
    leaders (a system admin: every unit's). Raises Forbidden for anyone else."""
    managed = org.administered_unit_ids(actor)
    if managed is not None and not managed:
        raise Forbidden(
            _l("Chỉ quản trị đơn vị xem được chứng thư số của đơn vị."), code="forbidden"
        )
    units = select(Unit).order_by(Unit.code)
    if managed is not None:
        units = units.where(Unit.id.in_(managed))
    stores, now, held = configured(), utcnow(), []
    for unit in db.session.scalars(units):
        held.append(_held(stores, unit, None, now))
        leaders = db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.unit_id == unit.id, UserRole.role == Role.LEADER, User.active)
            .order_by(User.username)
        )
        held += [_held(stores, unit, leader, now) for leader in leaders]
    return held


def _held(stores: Stores, unit: Unit, user: User | None, now: datetime) -> Held:
    try:
        key = stores.find(user.username if user else unit.code)
    except Unreadable:
        return Held(unit, user, None, "unreadable")
    return Held(unit, user, key, state_of(key, now))
