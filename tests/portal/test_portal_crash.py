"""A worker killed mid-delivery (kill -9 of a real `motcua worker` process while the fake portal
takes a message, before it answers): once the lease has passed another worker delivers the rest;
the portal got every message, in order per dossier, applied once each; only the message in
flight came twice, as the very same bytes."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict

import pytest
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import PortalMessage, User
from motcua.services import auth
from motcua.vocabulary import PortalMessageStatus
from tests.conftest import APPLICANT
from tests.portal_fake import FakePortal
from tests.test_worker import REPO

DOSSIERS = 4
KILL_AT = 3  # the worker is killed while the portal takes this message
TIMEOUT = 1.0  # the workers' portal timeout: their lease is three of them


@pytest.fixture(scope="module")
def own_app(separate_app):
    return separate_app("_portal_crash")


def start_worker(own_app, portal: FakePortal, log_path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": own_app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "portal-crash-test",
        "MOTCUA_STORAGE_DIR": own_app.config["STORAGE_DIR"],
        "MOTCUA_PORTAL_AUTH_URL": portal.settings["PORTAL_AUTH_URL"],
        "MOTCUA_PORTAL_URL": portal.settings["PORTAL_URL"],
        "MOTCUA_PORTAL_USERNAME": portal.username,
        "MOTCUA_PORTAL_PASSWORD": portal.password,
        "MOTCUA_PORTAL_TIMEOUT": str(TIMEOUT),
        "MOTCUA_SMTP_HOST": "",
        "MOTCUA_WORKER_INTERVAL": "0.2",
    }
    with open(log_path, "w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "motcua.cli", "worker"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def rows(own_app) -> list[PortalMessage]:
    with own_app.app_context():
        found = db.session.scalars(
            select(PortalMessage)
            .order_by(PortalMessage.dossier_id, PortalMessage.seq)
            .execution_options(populate_existing=True)
        ).all()
        db.session.expunge_all()
        return found


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_worker_killed_mid_delivery_leaves_no_duplicate_or_lost_message(own_app, tmp_path):
    portal = FakePortal().start()
    own_app.config.update(portal.settings)
    client = own_app.test_client()
    with own_app.app_context():
        token = auth.issue_token(db.session.scalar(select(User).filter_by(username="clo.mc1")))
    for _ in range(DOSSIERS):
        body = {"procedure_code": "1.001612", "unit_code": "CLO", "applicant": APPLICANT}
        response = client.post(
            "/api/v1/dossiers",
            json=body | {"channel": "direct"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.get_json()
    queued = rows(own_app)
    assert len(queued) >= 2 * DOSSIERS

    victim = None

    def kill(call):
        if len(portal.calls) == KILL_AT and victim is not None:
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait(timeout=30)

    portal.on_call = kill
    workers = []
    try:
        victim = start_worker(own_app, portal, tmp_path / "killed.log")
        workers.append(victim)
        assert victim.wait(timeout=60) == -signal.SIGKILL
        in_flight = portal.calls[-1].key
        left = rows(own_app)
        assert sum(m.status == PortalMessageStatus.SENT for m in left) == KILL_AT - 1
        workers.append(start_worker(own_app, portal, tmp_path / "after.log"))
        assert wait_for(
            lambda: all(m.status == PortalMessageStatus.SENT for m in rows(own_app)), 60
        ), (tmp_path / "after.log").read_text()
        time.sleep(0.5)  # a copy sent by mistake would arrive now
    finally:
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in workers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        portal.stop()
        own_app.config.update(PORTAL_URL="", PORTAL_AUTH_URL="")

    done = rows(own_app)
    codes = {m.dossier_id: m.body["MaHoSo"] for m in done}
    assert set(portal.applied) == {(codes[m.dossier_id], m.seq) for m in done}  # none lost
    assert not portal.conflicts
    copies = Counter(c.key for c in portal.calls)
    assert [k for k, n in copies.items() if n > 1] == [in_flight]  # only the one in flight
    # The same message; only the session differs (the new worker signed in again).
    twice = [c.raw.replace(c.session.encode(), b"") for c in portal.calls if c.key == in_flight]
    assert twice[0] == twice[1]
    order = defaultdict(list)
    for code, version in portal.applied:
        order[code].append(version)
    assert all(versions == sorted(versions) for versions in order.values())
    assert all(versions == list(range(1, len(versions) + 1)) for versions in order.values())
