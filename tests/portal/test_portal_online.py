"""An online dossier reaches the portal from its first minute: 1 when the citizen submits it,
then 2 and 4 when the desk accepts it, or 3 when the desk's check refuses it (issue 15); and
until the desk has received it, it is in no register or report."""

from datetime import timedelta

from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Dossier, User, utcnow
from motcua.services import register, report_counts
from motcua.services import report_periods as periods
from tests.portal.test_portal_sync import deliver, portal  # noqa: F401 (a fixture)
from tests.web.test_online import check, no_old_counts, submit  # noqa: F401 (a fixture)


def test_a_submitted_dossier_is_1_then_2_and_4_once_the_desk_accepts_it(
    app,
    client,
    officer,
    portal,  # noqa: F811
):
    code = submit(app, client)
    deliver(app)
    assert portal.statuses(code) == [1]
    accepted = check(officer("clo.mc1"), code, action="accept", complete="1", **{"why-3": "Không"})
    assert accepted.status_code == 303
    deliver(app)
    assert portal.statuses(code)[:3] == [1, 2, 4]
    assert len(portal.calls) == len(portal.applied) and not portal.conflicts


def test_a_dossier_the_desk_refuses_at_receipt_is_3(app, client, officer, portal):  # noqa: F811
    code = submit(app, client)
    refused = check(officer("clo.mc1"), code, action="refuse", refusal="Không thuộc thẩm quyền")
    assert refused.status_code == 303
    deliver(app)
    assert portal.statuses(code) == [1, 3]


def figures(app):
    with app.app_context():
        leader = db.session.scalar(select(User).where(User.username == "clo.ld1"))
        today = periods.today_local()
        period = periods.custom(today - timedelta(days=1), today + timedelta(days=1))
        return report_counts.statistics(leader, "CLO", period, "unit", now=utcnow()).total


def test_dossiers_not_received_are_in_no_register_or_report(app, client, officer):
    before = figures(app)
    waiting, turned_down = submit(app, client), submit(app, client)
    refused = check(officer("clo.mc1"), turned_down, action="refuse", refusal="Sai thủ tục")
    assert refused.status_code == 303
    assert figures(app) == before
    with app.app_context():
        unit = db.session.scalar(select(Dossier).where(Dossier.code == waiting)).receiving_unit
        today = periods.today_local()
        rows = register.register_rows(unit, today - timedelta(days=1), today + timedelta(days=1))
        assert not {waiting, turned_down} & {d.code for d in rows}
