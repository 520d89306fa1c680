"""No orphan files: the sweep deletes the stored files no row refers to once they are older
than STORAGE_ORPHAN_HOURS — never a file a row refers to, never a young one (a request in
flight may have stored it a second ago), never one stored again meanwhile — run by
`motcua storage sweep [--dry-run]` and once a day by the worker."""

import hashlib
import io
import os
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from motcua import worker
from motcua.cli_integrations import storage_sweep_command
from motcua.extensions import db
from motcua.models import Attachment, Dossier
from motcua.services import storage, storage_sweep
from tests.web.test_online import code_mail, no_old_counts, pdf  # noqa: F401

DAY = 24 * 3600


def root(app) -> Path:
    return Path(app.config["STORAGE_DIR"])


def store(app, content: bytes | None = None, age: float = 0) -> Path:
    """A file in storage, no row referring to it, ``age`` seconds old."""
    content = content or f"%PDF-1.4 orphan {uuid.uuid4()}".encode()
    _sha, _size, key = storage.store(root(app), io.BytesIO(content))
    path = root(app) / key
    if age:
        aged(path, age)
    return path


def aged(path: Path, age: float) -> None:
    then = time.time() - age
    os.utime(path, (then, then))


def sweep(app, **kw) -> storage_sweep.Swept:
    with app.app_context():
        return storage_sweep.sweep(**kw)


def test_every_table_holding_storage_keys_is_looked_at(app):
    with app.app_context():
        columns = {f"{c.table.name}.{c.name}" for c in storage_sweep.key_columns()}
    assert {
        "attachments.storage_key",
        "paper_templates.storage_key",
        "report_snapshots.xlsx_storage_key",
        "report_snapshots.pdf_storage_key",
    } <= columns


def test_an_old_file_no_row_refers_to_is_deleted_and_an_old_attached_one_is_kept(
    app, login_as, make_dossier
):
    orphan = store(app, age=3 * DAY)
    code = make_dossier()["code"]
    content = f"%PDF-1.4 attached {uuid.uuid4()}".encode()
    assert login_as("clo.mc1").upload(code, content=content).status_code == 201
    with app.app_context():
        key = db.session.scalar(
            select(Attachment.storage_key).where(
                Attachment.sha256 == hashlib.sha256(content).hexdigest()
            )
        )
    attached = root(app) / key
    assert attached.read_bytes() == content
    aged(attached, 3 * DAY)

    swept = sweep(app)
    assert not orphan.exists() and attached.exists()
    assert swept.deleted >= 1 and swept.orphans == swept.deleted
    assert not list(orphan.parent.glob(".sweep-*"))  # nothing left aside


def test_a_template_file_is_kept(app, officer):
    content = f"%PDF-1.4 mau {uuid.uuid4()}".encode()
    attached = officer("admin").post(
        "/admin/catalogue/1.001612/papers/0/template",
        data={"file": (io.BytesIO(content), "mau.pdf")},
        content_type="multipart/form-data",
    )
    assert attached.status_code == 302
    [path] = [p for p in root(app).rglob("*") if p.is_file() and p.read_bytes() == content]
    aged(path, 30 * DAY)
    sweep(app)
    assert path.exists()


def test_a_young_file_is_kept_though_no_row_refers_to_it_yet(app, client):
    """The age rule: an online submission's files are stored before its code is confirmed,
    so no row refers to them while the applicant reads the mail."""
    sent = client.post(
        "/api/v1/online/procedures/1.001612/submissions",
        data={
            "unit": "CLO",
            "applicant.name": "Trần Thị Lan",
            "applicant.id_number": "042190005555",
            "applicant.email": "lan.online@example.vn",
            "doc-0": pdf("don"),
            "doc-1": pdf("cccd"),
            "doc-2": pdf("bien-ban"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 202
    young = store(app)  # a second ago, by another request in flight
    sweep(app)
    assert young.exists()
    done = client.post(
        "/api/v1/online/submissions/confirm",
        json={"token": sent.get_json()["token"], "code": code_mail(app)},
    )
    assert done.status_code == 201
    with app.app_context():
        keys = db.session.scalars(
            select(Attachment.storage_key)
            .join(Dossier, Dossier.id == Attachment.dossier_id)
            .where(Dossier.code == done.get_json()["code"])
        ).all()
    assert len(keys) == 3 and all((root(app) / k).exists() for k in keys)


def test_the_age_is_never_shorter_than_a_form_holds_its_files(app, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_ORPHAN_HOURS", 0)
    young = store(app, age=600)  # an online code lives 900 s; the desk holds files 12 h
    sweep(app)
    assert young.exists()
    monkeypatch.setitem(app.config, "STORAGE_ORPHAN_HOURS", 48)
    with app.app_context():
        assert storage_sweep.orphan_age() == 48 * 3600


def test_a_file_stored_again_is_young_again(app):
    content = f"%PDF-1.4 again {uuid.uuid4()}".encode()
    path = store(app, content, age=3 * DAY)
    store(app, content)  # the same bytes, by a request whose row is not written yet
    sweep(app)
    assert path.exists() and path.read_bytes() == content


def test_a_file_stored_while_the_sweep_had_set_it_aside_is_there(app):
    """A store between the sweep's rename and its check: the store links the bytes anew, and
    the sweep's copy is deleted (or put back) without harm; a sweep cut short there leaves a
    name the next one puts back and judges again."""
    content = f"%PDF-1.4 aside {uuid.uuid4()}".encode()
    path = store(app, content, age=3 * DAY)
    tomb = path.with_name(storage_sweep.TOMB + path.name)
    os.rename(path, tomb)  # what a sweep cut short leaves
    store(app, content)
    assert path.read_bytes() == content
    sweep(app)
    assert path.exists() and not tomb.exists()  # young: kept; the copy aside is gone

    left = store(app, age=3 * DAY)
    os.rename(left, left.with_name(storage_sweep.TOMB + left.name))
    sweep(app, dry_run=True)
    assert not left.exists()  # a dry run touches nothing
    sweep(app)
    assert not left.exists() and not left.with_name(storage_sweep.TOMB + left.name).exists()


def test_the_command_counts_in_a_dry_run_and_deletes_otherwise(app):
    orphan = store(app, age=3 * DAY)
    runner = app.test_cli_runner()
    dry = runner.invoke(storage_sweep_command, ["--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "sẽ xóa" in dry.output and orphan.exists()
    done = runner.invoke(storage_sweep_command, [])
    assert done.exit_code == 0, done.output
    assert "đã xóa" in done.output and not orphan.exists()


@pytest.fixture
def no_stamp(app):
    stamp = root(app) / storage_sweep.STAMP
    stamp.unlink(missing_ok=True)
    yield stamp
    stamp.unlink(missing_ok=True)


def test_the_worker_sweeps_once_a_day(app, no_stamp):
    first = store(app, age=3 * DAY)
    worker.run_once(app)
    assert not first.exists() and no_stamp.exists()
    second = store(app, age=3 * DAY)
    worker.run_once(app)
    assert second.exists()  # swept less than a day ago
    aged(no_stamp, DAY + 60)
    worker.run_once(app)
    assert not second.exists()
