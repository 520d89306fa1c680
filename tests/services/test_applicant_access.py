"""The applicant's signed link: it names one dossier, expires, and dies with a changed code or
id number; a forged one names nothing."""

import pytest
from sqlalchemy import select

from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import Dossier
from motcua.services import applicant_access


@pytest.fixture
def dossier(ctx, make_dossier):
    code = make_dossier()["code"]
    return db.session.scalar(select(Dossier).where(Dossier.code == code))


def test_a_token_names_its_dossier_for_either_purpose(dossier):
    for purpose in (applicant_access.LOOKUP, applicant_access.MAIL):
        token = applicant_access.token_for(dossier, purpose)
        assert dossier.code not in token and dossier.applicant_id_number not in token
        assert applicant_access.dossier_for(token).id == dossier.id


def test_a_lookup_token_expires_before_a_mail_token(app, dossier):
    lookup = applicant_access.token_for(dossier)
    mail = applicant_access.token_for(dossier, applicant_access.MAIL)
    saved = app.config["APPLICANT_LOOKUP_SECONDS"]
    app.config["APPLICANT_LOOKUP_SECONDS"] = -1  # every lookup token is already too old
    try:
        with pytest.raises(Invalid) as expired:
            applicant_access.dossier_for(lookup)
        assert expired.value.code == "link_expired"
        assert applicant_access.dossier_for(mail).id == dossier.id
    finally:
        app.config["APPLICANT_LOOKUP_SECONDS"] = saved


@pytest.mark.parametrize("token", ["", "abc", "eyJkIjoxfQ.forged.sig", None])
def test_a_forged_token_names_nothing(dossier, token):
    with pytest.raises(Invalid) as refused:
        applicant_access.dossier_for(token)
    assert refused.value.code == "link_expired"


def test_a_token_dies_when_the_applicant_changes(dossier):
    token = applicant_access.token_for(dossier)
    dossier.applicant_id_number = "001099000001"
    db.session.flush()
    with pytest.raises(Invalid):
        applicant_access.dossier_for(token)
