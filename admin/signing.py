"""The certificates a unit signs with (motcua.services.signing_keys): the unit admin sees its
units' seal certificates and its leaders' own, with their validity, a warning a month before
expiry and an error once expired (then nothing is signed with it)."""

from flask import g, render_template

from motcua.admin import bp
from motcua.services import signing_keys
from motcua.web.auth import login_required


@bp.get("/signing")
@login_required
def signing_certificates():
    return render_template(
        "admin/signing/certificates.html", held=signing_keys.certificates(g.user)
    )
