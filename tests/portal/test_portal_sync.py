"""The national portal's outbound sync against a real HTTP server (tests/portal_fake.py): a
dossier worked through the API from receipt to return reaches the portal as 2 → 4 → 9 → 10, in
order and once each; retries with backoff; a resend is the same message; a new session on an
expired one; nothing queued without settings; the admin's page and the re-sync command."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from motcua import worker
from motcua.cli import main
from motcua.extensions import db
from motcua.models import Dossier, PortalMessage, utcnow
from motcua.services import portal_wire
from motcua.services.formdata import example_data
from motcua.vocabulary import PortalMessageStatus
from tests.api.test_tasks import HOUSEHOLD, work, work_until
from tests.portal_fake import FakePortal


@pytest.fixture
def portal(app):
    fake = FakePortal().start()
    saved = {key: app.config.get(key) for key in (*fake.settings, "PORTAL_TIMEOUT")}
    app.config.update(fake.settings, PORTAL_TIMEOUT=1.0)
    portal_wire.forget_sessions()
    yield fake
    app.config.update(saved)
    portal_wire.forget_sessions()
    fake.stop()


def messages(app, code) -> list[PortalMessage]:
    with app.app_context():
        rows = db.session.scalars(
            select(PortalMessage)
            .join(Dossier)
            .where(Dossier.code == code)
            .order_by(PortalMessage.seq)
            .execution_options(populate_existing=True)
        ).all()
        db.session.expunge_all()
        return rows


def deliver(app, at=None):
    return worker.run_once(app, now=at)


def returned(login_as, code):
    """Work the dossier through the API until its result is returned."""
    task = work_until(login_as, code, lambda t: t["returns_result"])
    desk = login_as(task["assignee"] or "clo.mc1")
    assert desk.upload(code, "kq.pdf", b"%PDF-1.4 kq", kind="result").status_code == 201
    if not task["assignee"]:
        assert desk.post(f"/tasks/{task['id']}/claim").status_code == 200
    data = {"data": example_data(task["form"])}
    assert desk.post(f"/tasks/{task['id']}/complete", json=data).status_code == 200


def test_without_settings_nothing_is_queued(app, login_as, make_dossier):
    assert not app.config.get("PORTAL_URL")
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    returned(login_as, code)
    assert messages(app, code) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PortalMessage)) == 0


def test_a_dossier_from_receipt_to_return_reaches_the_portal_in_order_once(
    app, portal, login_as, make_dossier
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    returned(login_as, code)
    queued = messages(app, code)
    assert [m.seq for m in queued] == list(range(1, len(queued) + 1))
    assert all(m.status == PortalMessageStatus.PENDING for m in queued)
    assert deliver(app) is not None
    assert [m.status for m in messages(app, code)] == [PortalMessageStatus.SENT] * len(queued)

    first = portal.calls[0]
    assert (first.service, first.is_updating) == ("DongBoHoSoMC", False)
    assert first.record["MaHoSo"] == code and first.record["TrangThaiHoSo"] == 2
    assert first.record["MaTTHC"] == HOUSEHOLD and len(first.record["NgayTiepNhan"]) == 14
    assert portal.statuses(code) == [2, 4, 9, 10]
    progress = [c for c in portal.calls if c.service == "CapNhatTienDoHoSoMC"]
    assert progress and all(c.record["NguoiXuLy"] for c in progress)
    assert [c.record["PhienBan"] for c in portal.calls] == [m.seq for m in queued]
    assert len(portal.calls) == len(portal.applied) and not portal.conflicts
    assert portal.sign_ins == 1  # the session is kept between calls
    with app.app_context():
        unit_code = portal_wire.unit_code(
            db.session.scalar(select(Dossier).filter_by(code=code)).unit
        )
    assert {c.unit for c in portal.calls} == {unit_code}


def test_a_failing_message_is_retried_with_backoff_and_holds_the_dossiers_next(
    app, portal, login_as, make_dossier
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    task = work_until(login_as, code, lambda t: True)
    assert work(login_as, task)[1].status_code == 200
    queued = messages(app, code)
    assert len(queued) >= 3
    portal.faults = ["500"]
    now = utcnow()
    deliver(app, now)
    after = messages(app, code)
    assert after[0].status == PortalMessageStatus.PENDING and after[0].attempts == 1
    assert "HTTP 500" in after[0].last_error
    assert after[0].next_attempt_at == now + worker.backoff(1)
    assert all(m.attempts == 0 for m in after[1:])  # the later ones waited
    assert portal.calls == []

    deliver(app, now + timedelta(seconds=30))  # not due yet
    assert portal.calls == []
    portal.faults = ["error"]
    deliver(app, now + timedelta(minutes=1))
    again = messages(app, code)
    assert again[0].attempts == 2 and "error_code 99" in again[0].last_error
    assert again[0].next_attempt_at == now + timedelta(minutes=1) + worker.backoff(2)

    deliver(app, now + timedelta(minutes=3))
    assert [c.record["PhienBan"] for c in portal.calls] == [m.seq for m in queued]
    assert all(m.status == PortalMessageStatus.SENT for m in messages(app, code))


def test_a_message_the_caller_gave_up_on_is_resent_the_same(app, portal, login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    portal.faults = ["stall"]  # the portal takes the first message but answers too late
    now = utcnow()
    deliver(app, now)
    assert len(portal.calls) == 1
    left = messages(app, code)
    assert left[0].status == PortalMessageStatus.PENDING and left[0].attempts == 1
    deliver(app, now + timedelta(minutes=1))
    assert portal.calls[0].key == portal.calls[1].key
    assert portal.calls[0].raw == portal.calls[1].raw  # the very same message
    assert not portal.conflicts
    assert len(portal.applied) == len(left)
    assert all(m.status == PortalMessageStatus.SENT for m in messages(app, code))


def test_an_expired_session_is_renewed_once(app, portal, login_as, make_dossier):
    first = make_dossier("CLO", HOUSEHOLD)["code"]
    deliver(app)
    assert portal.sign_ins == 1
    second = make_dossier("CLO", HOUSEHOLD)["code"]
    portal.expire_sessions()
    deliver(app)
    assert portal.sign_ins == 2
    assert all(
        m.status == PortalMessageStatus.SENT
        for m in messages(app, first + "") + messages(app, second)
    )


def test_given_up_messages_are_listed_and_sent_again_from_the_admins_page(
    app, portal, officer, make_dossier
):
    app.config["PORTAL_MAX_ATTEMPTS"] = 1
    try:
        code = make_dossier("CLO", HOUSEHOLD)["code"]
        portal.faults = ["error"]
        deliver(app)
    finally:
        app.config["PORTAL_MAX_ATTEMPTS"] = 10
    failed = messages(app, code)[0]
    assert failed.status == PortalMessageStatus.FAILED
    deliver(app, utcnow() + timedelta(days=2))
    assert portal.calls == []  # the dossier's next messages wait behind it

    admin = officer("admin")
    page = admin.page("/admin/portal")
    assert f'data-message="{failed.id}"' in page and "error_code 99" in page
    assert officer("clo.mc1").get("/admin/portal").status_code == 403
    response = admin.post(f"/admin/portal/{failed.id}/retry")
    assert response.status_code == 302
    deliver(app)
    assert [c.record["PhienBan"] for c in portal.calls] == [m.seq for m in messages(app, code)]
    assert all(m.status == PortalMessageStatus.SENT for m in messages(app, code))
    assert admin.post(f"/admin/portal/{failed.id}/retry").status_code == 409


def test_resync_queues_the_dossiers_state_again(app, portal, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    deliver(app)
    before = len(portal.calls)
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["portal", "resync", "--dossier", code])
    assert result.exit_code == 0, result.output
    deliver(app)
    again = portal.calls[before:]
    assert [c.service for c in again] == ["DongBoHoSoMC", "DongBoTrangThaiHoSo"]
    assert [c.record["PhienBan"] for c in again] == [before + 1, before + 2]
    assert again[0].is_updating and again[1].record["TrangThaiHoSo"] == 2

    today = utcnow().date().isoformat()
    result = runner.invoke(main, ["portal", "resync", "--from", today, "--to", today])
    assert result.exit_code == 0 and "hồ sơ" in result.output
    wrong = runner.invoke(main, ["portal", "resync", "--dossier", code, "--from", today])
    assert wrong.exit_code != 0
    missing = runner.invoke(main, ["portal", "resync", "--dossier", "KHONG-CO"])
    assert missing.exit_code != 0 and "Không có hồ sơ" in missing.output
