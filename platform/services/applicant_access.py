"""The applicant's own link to their dossier: what lets a citizen act on it without an account
(answer a request for papers, pay or notify a fee, download the result).

The lookup proves who asks (the code and the applicant's id number or phone, counted against
guessing: motcua.services.lookup); on success it hands out a signed token naming the dossier,
good for APPLICANT_LOOKUP_SECONDS. A mail to the applicant's address carries one good for
APPLICANT_MAIL_LINK_DAYS (the address is the applicant's own, given at receipt). The token is
signed with the secret key and bound to the dossier's code and the applicant's id number, so
that it dies if either changes; it holds no personal data in clear (only the dossier's id).
"""

import hashlib
import hmac

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import Dossier

LOOKUP = "lookup"
MAIL = "mail"


def token_for(dossier: Dossier, purpose: str = LOOKUP) -> str:
    """A token for ``dossier``; ``purpose`` LOOKUP (short-lived) or MAIL (long-lived)."""
    return _serializer(purpose).dumps({"d": dossier.id, "b": _binding(dossier)})


def dossier_for(token: str) -> Dossier:
    """The dossier a token names. Raises Invalid ``link_expired`` when it is too old, forged or
    its dossier changed hands: the page then asks for a new lookup."""
    for purpose, seconds in (
        (LOOKUP, current_app.config["APPLICANT_LOOKUP_SECONDS"]),
        (MAIL, current_app.config["APPLICANT_MAIL_LINK_DAYS"] * 86400),
    ):
        try:
            payload = _serializer(purpose).loads(token or "", max_age=seconds)
        except SignatureExpired:
            raise _expired() from None
        except (BadData, TypeError, ValueError):
            continue
        dossier = db.session.get(Dossier, payload.get("d")) if isinstance(payload, dict) else None
        if dossier is not None and hmac.compare_digest(_binding(dossier), payload.get("b", "")):
            return dossier
        break
    raise _expired()


def _binding(dossier: Dossier) -> str:
    text = f"{dossier.code}\x00{dossier.applicant_id_number}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _expired() -> Invalid:
    return Invalid(
        _l("Đường dẫn đã hết hạn hoặc không hợp lệ; vui lòng tra cứu lại hồ sơ."),
        code="link_expired",
    )


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"motcua.applicant.{purpose}.v1")
