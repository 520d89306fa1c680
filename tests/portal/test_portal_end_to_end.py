"""The end-to-end proof of issue 15 (on a database of its own, real commits, our app served on
a real port): a citizen's dossier comes from the fake portal, pushed over HTTP to our endpoint,
with its papers' files at the portal's addresses; it waits in the desk's online queue; the desk
accepts it (form 01 mailed); every step is worked through the HTTP API; the result is
returned; a real `motcua worker` is killed while the portal takes a message, another finishes;
the portal has received every status in order — 1, 2, 4 … 9, 10 — each applied once, under
its own code. The same for a dossier of the province's own online form.

The portal hears 1 from us too for a dossier it sent: our first message is the whole dossier
as an update of the portal's record (our receipt number, the receiving unit), then the status
as for every online dossier; one path for both sources, and a 1 the portal had changes nothing
there (it applies a version once)."""

import os
import re
import signal
import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from motcua.extensions import db
from motcua.models import Dossier, DossierStatus, Notification, PortalMessage, User
from motcua.services import auth, portal_wire
from motcua.vocabulary import MailKind, PortalMessageStatus
from tests.conftest import Api, Officer
from tests.portal.test_portal_crash import rows, start_worker, wait_for
from tests.portal.test_portal_sync import returned
from tests.portal_fake import FakePortal
from tests.web import test_online

TOKEN = "bi-mat-e2e"
CLO = "000.20.50.H30"
KILL_AT = 4  # the first worker is killed while the portal takes this message


@pytest.fixture(scope="module")
def own_app(separate_app):
    return separate_app("_portal_e2e")


@pytest.fixture
def portal(own_app):
    fake = FakePortal().start()
    own_app.config.update(
        fake.settings,
        PORTAL_TIMEOUT=1.0,
        PORTAL_INBOUND="push",
        PORTAL_INBOUND_TOKEN=TOKEN,
    )
    portal_wire.forget_sessions()
    yield fake
    own_app.config.update(PORTAL_URL="", PORTAL_AUTH_URL="", PORTAL_INBOUND="")
    portal_wire.forget_sessions()
    fake.stop()


@pytest.fixture
def served(own_app):
    """Our app on a real port, as the portal reaches it."""
    server = make_server("127.0.0.1", 0, own_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def login(own_app):
    client = own_app.test_client()

    def as_officer(username):
        with own_app.app_context():
            user = db.session.scalar(select(User).where(User.username == username))
            return Api(client, auth.issue_token(user), username)

    return as_officer


def deliver_with_a_kill(own_app, portal, tmp_path):
    """A worker killed mid-delivery, then another one until every message is sent."""
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
        portal.on_call = None
        workers.append(start_worker(own_app, portal, tmp_path / "after.log"))
        assert wait_for(
            lambda: all(m.status == PortalMessageStatus.SENT for m in rows(own_app)), 60
        ), (tmp_path / "after.log").read_text()
    finally:
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in workers:
            process.wait(timeout=30)


def accept_and_work(own_app, code):
    desk = Officer(own_app, "clo.mc1")
    assert code in desk.page("/desk/online")
    accepted = test_online.check(
        desk, code, action="accept", complete="1", **{"why-3": "Không ủy quyền"}
    )
    assert accepted.status_code == 303, accepted.get_data(as_text=True)
    with own_app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier.status in (DossierStatus.RECEIVED, DossierStatus.PROCESSING)
        mails = db.session.scalars(
            select(Notification.kind).where(Notification.dossier_id == dossier.id)
        ).all()
        assert MailKind.RECEIPT in mails  # form 01, mailed
    returned(login(own_app), code)
    with own_app.app_context():
        status = db.session.scalar(select(Dossier.status).where(Dossier.code == code))
        assert status == DossierStatus.RETURNED


def assert_every_status_once_in_order(portal, code):
    statuses = portal.statuses(code)
    assert statuses[:3] == [1, 2, 4] and statuses[-2:] == [9, 10], statuses
    assert len(statuses) == len(set(statuses))  # each status once
    assert statuses == sorted(statuses)
    assert not portal.conflicts
    copies = Counter(c.key for c in portal.calls)
    assert sum(n > 1 for n in copies.values()) <= 1  # only a message in flight came twice
    versions = [v for ma, v in portal.applied if ma == code]
    assert versions == list(range(1, len(versions) + 1))
    # The last whole dossier the portal got names the result papers, each with its link.
    pushes = [
        c.record for c in portal.calls if c.record["MaHoSo"] == code and c.service == "DongBoHoSoMC"
    ]
    [paper] = pushes[-1]["DanhSachGiayToKetQua"]
    assert paper["DuongDanTepTinKetQua"].startswith("http")


def test_a_dossier_from_the_portal_is_worked_to_its_return_and_the_portal_hears_it_all(
    own_app, portal, served, tmp_path
):
    portal_code = f"G22.99-E2E-{uuid.uuid4().hex[:8]}"
    files = [(1, "don.pdf"), (2, "cccd.pdf"), (3, "bien-ban.pdf")]
    record = {
        "MaHoSo": portal_code,
        "MaTTHC": "1.001612",
        "ChuHoSo": "Phan Thị Cổng",
        "MaDoiTuong": "042190008888",
        "Email": "phan.cong@example.vn",
        "SoDienThoai": "0912000333",
        "TaiLieuNop": [
            {
                "TenTepDinhKem": name,
                "MaThanhPhanHoSo": str(paper),
                "DuongDanTaiTepTin": portal.serve_file(
                    f"{portal_code}-{name}", f"%PDF-1.4 {name} {portal_code}".encode()
                ),
            }
            for paper, name in files
        ],
    }
    status, answer = portal.push(f"{served}/api/v1/portal/dossiers", TOKEN, [record], CLO)
    assert status == 200 and answer["error_code"] == "0", answer
    (result,) = answer["data"]
    assert result["TrangThai"] == "imported"
    code = result["SoBienNhan"]
    # A resend of the push changes nothing.
    assert portal.push(f"{served}/api/v1/portal/dossiers", TOKEN, [record], CLO)[1] == answer

    accept_and_work(own_app, code)
    deliver_with_a_kill(own_app, portal, tmp_path)
    assert_every_status_once_in_order(portal, portal_code)
    assert not [c for c in portal.calls if c.record["MaHoSo"] == code]  # never under ours
    with own_app.app_context():
        assert all(
            m.body["MaHoSo"] == portal_code
            for m in db.session.scalars(
                select(PortalMessage).join(Dossier).where(Dossier.code == code)
            )
        )


def test_a_dossier_of_the_provinces_own_form_goes_the_same_way(own_app, portal, tmp_path):
    client = own_app.test_client()
    sent = test_online.send(client)
    assert sent.status_code == 200, test_online.text_of(sent)
    done = test_online.confirm(client, sent, test_online.code_mail(own_app))
    assert done.status_code == 200, test_online.text_of(done)
    code = re.search(r'id="dossier-code">([^<]+)<', test_online.text_of(done)).group(1)

    accept_and_work(own_app, code)
    deliver_with_a_kill(own_app, portal, tmp_path)
    assert_every_status_once_in_order(portal, code)
