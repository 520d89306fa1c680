"""A storage that cannot take files — its folder under a plain file (ENOTDIR), a read-only or a
full file system (a tmpfs in a mount namespace of the server's own), a file-size limit (EFBIG) —
is answered with a clear 503 in Vietnamese, JSON for the API and a page for the desk, and
changes nothing; a store killed half-way leaves a temporary file that the worker's round removes
once it is old, and no stored file is touched (issue 14, "Faults")."""

import hashlib
import io
import os
import re
import resource
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from motcua import worker
from motcua.extensions import db
from motcua.models import Attachment, Dossier, Event
from motcua.services import auth, storage
from motcua.worker import SmtpSettings
from tests.conftest import APPLICANT, active_officer, csrf_token, desk_intake

REPO = Path(__file__).resolve().parents[1]
HOUSEHOLD = "1.001612"
KEY = "storage-faults-test-key-" + "k" * 40  # `motcua serve` wants a real key
CANNOT_WRITE = "Kho lưu tệp đang không ghi được"
FILER_ID = "042190007777"  # the applicant of desk_intake()


def unwritable(tmp_path: Path) -> str:
    """A storage folder that cannot be made, whoever runs the test (root too): its parent is a
    plain file."""
    blocker = tmp_path / "a-plain-file"
    blocker.write_text("not a folder")
    return str(blocker / "files")


def state(app, code: str | None = None):
    """What an upload would change: the dossiers, attachments and events (of one dossier)."""
    with app.app_context():
        count = lambda model, *where: db.session.scalar(  # noqa: E731
            select(func.count()).select_from(model).where(*where)
        )
        filed = count(Dossier, Dossier.applicant_id_number == FILER_ID)
        if code is None:
            return count(Dossier), count(Attachment), count(Event), filed
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        return (
            count(Attachment, Attachment.dossier_id == dossier.id),
            count(Event, Event.dossier_id == dossier.id),
            filed,
        )


def assert_refused_in_json(response):
    assert response.status_code == 503, response.text if hasattr(response, "text") else response
    body = response.json() if callable(getattr(response, "json", None)) else response.get_json()
    assert body["error"]["code"] == "storage_unavailable"
    assert body["error"]["message"].startswith(CANNOT_WRITE)


# -- in this process: the storage's folder cannot be made -----------------------------------


def test_an_api_upload_into_a_storage_that_cannot_be_written_changes_nothing(
    app, login_as, make_dossier, monkeypatch, tmp_path
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    before = state(app, code)
    monkeypatch.setitem(app.config, "STORAGE_DIR", unwritable(tmp_path))
    response = login_as("clo.mc1").upload(code)
    assert_refused_in_json(response)
    assert state(app, code) == before


def test_the_desk_page_says_so_and_receives_nothing(app, officer, monkeypatch, tmp_path):
    desk = officer("clo.mc1")
    before = state(app)
    monkeypatch.setitem(app.config, "STORAGE_DIR", unwritable(tmp_path))
    response = desk.post(
        f"/desk/receive/{HOUSEHOLD}", data=desk_intake(), content_type="multipart/form-data"
    )
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert CANNOT_WRITE in page and "<html" in page.lower()
    # The form again, with what was typed: only the files are to be chosen again.
    assert 'action="/desk/receive/' in page or "desk-intake" in page
    assert desk_intake()["applicant.name"] in page
    assert state(app) == before


# -- a store killed half-way; the worker's round ----------------------------------------------

STORE_FROM_STDIN = (
    "import sys; from motcua.services import storage; storage.store(sys.argv[1], sys.stdin.buffer)"
)


def test_a_store_killed_half_way_leaves_a_temporary_file_the_worker_removes(
    app, monkeypatch, tmp_path
):
    root = tmp_path / "files"
    (root / "imports").mkdir(parents=True)
    sha, _, key = storage.store(root, io.BytesIO(b"%PDF-1.4 stored for good"))
    killed = subprocess.Popen(
        [sys.executable, "-c", STORE_FROM_STDIN, str(root)], cwd=REPO, stdin=subprocess.PIPE
    )
    try:
        killed.stdin.write(os.urandom(storage.CHUNK + 1000))  # one chunk written, more to come
        killed.stdin.flush()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
            p.stat().st_size >= storage.CHUNK for p in root.glob(".upload-*")
        ):
            time.sleep(0.05)
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
    finally:
        if killed.poll() is None:
            killed.kill()
    [orphan] = root.glob(".upload-*")
    assert re.fullmatch(r"\.upload-[a-z0-9_]+\.part", orphan.name)
    staged = root / "imports" / ".upload-abcd1234.part"  # an import's store cut short
    staged.write_bytes(b"x")
    fresh = root / ".upload-efgh5678.part"  # a store under way
    fresh.write_bytes(b"y")
    notes = root / ".upload-notes.txt"  # not a name a store gives: not ours to remove
    notes.write_text("z")
    hour_and_more = time.time() - storage.ORPHAN_AGE - 60
    for path in (orphan, staged, notes, root / key):
        os.utime(path, (hour_and_more, hour_and_more))

    monkeypatch.setitem(app.config, "STORAGE_DIR", str(root))
    worker.run_once(app, smtp=SmtpSettings(host=""))
    assert not orphan.exists() and not staged.exists()
    assert fresh.exists() and notes.exists()
    assert hashlib.sha256((root / key).read_bytes()).hexdigest() == sha  # stored: untouched

    monkeypatch.setitem(app.config, "STORAGE_DIR", unwritable(tmp_path))
    worker.run_once(app, smtp=SmtpSettings(host=""))  # no storage: the round goes on


# -- a real server: a file-size limit, a read-only and a full file system ---------------------


@pytest.fixture(scope="module")
def own_app(separate_app):
    app = separate_app("_storage")
    app.config["SECRET_KEY"] = KEY  # shared with the servers below: tokens minted here work
    return app


@pytest.fixture(scope="module")
def dossier_code(own_app):
    with own_app.app_context():
        token = auth.issue_token(active_officer("clo.mc1"))
    response = own_app.test_client().post(
        "/api/v1/dossiers",
        json={
            "procedure_code": HOUSEHOLD,
            "unit_code": "CLO",
            "applicant": APPLICANT,
            "channel": "direct",
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(own_app, storage_dir: Path, tmp_path: Path, wrap=(), preexec_fn=None):
    """`motcua serve` on the app's database with this storage; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": own_app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": KEY,
        "MOTCUA_STORAGE_DIR": str(storage_dir),
    }
    command = [sys.executable, "-m", "motcua.cli", "serve", "--port", str(port)]
    log = tmp_path / f"server-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*wrap, *command],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=preexec_fn,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(base + "/login", timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    assert "Traceback" not in log.read_text(), log.read_text()


def api_upload(own_app, base: str, code: str, content: bytes):
    with own_app.app_context():
        token = auth.issue_token(active_officer("clo.mc1"))
    return requests.post(
        f"{base}/api/v1/dossiers/{code}/attachments",
        files={"file": ("giay-to.pdf", content, "application/pdf")},
        data={"kind": "component"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def desk_upload(base: str):
    """Sign in as the desk officer for real and send the intake form with its papers."""
    browser = requests.Session()
    page = browser.get(f"{base}/login", timeout=10).text
    signed_in = browser.post(
        f"{base}/login",
        data={"username": "clo.mc1", "password": "demo", "csrf_token": csrf_token(page)},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code in (302, 303), signed_in.text
    form = desk_intake()
    form["csrf_token"] = csrf_token(browser.get(f"{base}/desk/receive/{HOUSEHOLD}").text)
    files = [
        (name, (file_name, stream.read()))
        for name, value in form.items()
        if isinstance(value, list)
        for stream, file_name in value
    ]
    data = {name: value for name, value in form.items() if not isinstance(value, list)}
    return browser.post(f"{base}/desk/receive/{HOUSEHOLD}", data=data, files=files, timeout=30)


def test_a_file_size_limit_on_the_server_is_a_clear_503(own_app, dossier_code, tmp_path):
    root = tmp_path / "files"
    root.mkdir()
    limit = 256 * 1024

    def limited():  # in the server's process only: its files stop at 256 KiB (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    # (An SQLite database file is past the limit too: this server must not commit anything,
    # and the refused upload does not.)
    before = state(own_app, dossier_code)
    with server(own_app, root, tmp_path, preexec_fn=limited) as base:
        assert_refused_in_json(api_upload(own_app, base, dossier_code, os.urandom(limit + 1)))
    assert list(root.glob(".upload-*")) == []  # the cut-short temporary file was removed
    assert list(root.iterdir()) == []
    assert state(own_app, dossier_code) == before


def _mount_namespaces() -> bool:
    try:
        probe = subprocess.run(
            ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"],
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@pytest.mark.parametrize(
    "mount",
    [
        pytest.param('mount -t tmpfs -o ro,size=64k tmpfs "$0"', id="read-only"),
        pytest.param('mount -t tmpfs -o size=64k tmpfs "$0" && ! head -c 1M /dev/zero >"$0/fill"',
                     id="full"),
    ],
)  # fmt: skip
def test_a_read_only_or_full_storage_is_a_clear_503_to_the_api_and_the_desk(
    own_app, dossier_code, tmp_path, mount
):
    if not _mount_namespaces():
        pytest.skip("no mount namespace here (unshare -m needs root)")
    root = tmp_path / "mounted"
    root.mkdir()
    # The server in a mount namespace of its own, its storage a tiny tmpfs seen by it alone.
    wrap = ["unshare", "-m", "sh", "-c", f'{mount} && exec "$@"', str(root)]
    before_api, before_all = state(own_app, dossier_code), state(own_app)
    with server(own_app, root, tmp_path, wrap=wrap) as base:
        assert_refused_in_json(api_upload(own_app, base, dossier_code, b"%PDF-1.4 giay to"))
        response = desk_upload(base)
        assert response.status_code == 503
        assert CANNOT_WRITE in response.text and "<html" in response.text.lower()
    assert state(own_app, dossier_code) == before_api
    assert state(own_app) == before_all
    assert list(root.iterdir()) == []  # the tmpfs was the server's alone
