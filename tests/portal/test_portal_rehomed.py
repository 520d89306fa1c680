"""A reorganisation that moves a dossier's open steps to the successor unit tells the portal,
once per dossier, in the dossier's own sequence (the rehomed events are added in bulk)."""

import sqlalchemy as sa

from motcua.extensions import db
from motcua.models import Dossier, PortalMessage, User
from motcua.services import reorganisation
from motcua.unit_of_work import unit_of_work
from motcua.vocabulary import PortalMessageKind
from tests.api.test_tasks import HOUSEHOLD
from tests.api.test_two_level import APPLICANT
from tests.portal.test_portal_sync import deliver, messages, portal  # noqa: F401 (fixture)


def test_a_merge_pushes_each_moved_dossier_once(app, portal, login_as):  # noqa: F811
    body = {
        "procedure_code": HOUSEHOLD,
        "unit_code": "TLOC",
        "competent_unit_code": "HKH",
        "applicant": APPLICANT,
    }
    codes = []
    for _ in range(2):
        response = login_as("tloc.mc1").post("/dossiers", json=body)
        assert response.status_code == 201, response.get_json()
        codes.append(response.get_json()["code"])
    before = {code: len(messages(app, code)) for code in codes}
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        with unit_of_work():
            reorganisation.apply(admin, ["TLOC"], ["CLO"])
    for code in codes:
        queued = messages(app, code)
        new = queued[before[code] :]
        # One dossier update (the status did not change): in sequence after what it had.
        assert [(m.kind, m.is_updating) for m in new] == [(PortalMessageKind.DOSSIER, True)]
        assert [m.seq for m in queued] == list(range(1, len(queued) + 1))
        assert new[0].body["MaHoSo"] == code
    deliver(app)
    assert {c.record["MaHoSo"] for c in portal.calls} == set(codes)
    assert not portal.conflicts
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(PortalMessage)
                .join(Dossier)
                .where(Dossier.code.in_(codes), PortalMessage.sent_at.is_(None))
            )
            == 0
        )
