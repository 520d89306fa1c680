"""The `motcua` command, run as an analyst or an operator would.

Each command that needs its own process (a fresh interpreter, a database of its own, a server)
runs as a real subprocess, and so does one `bpmn check` of every shipped diagram; the other
`bpmn` calls and a second `load-demo` go through click's test runner in this process, the same
command without the interpreter's two seconds of start-up each.
"""

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from motcua.bpmn import BPMN_DIR
from motcua.cli import main

REPO = Path(__file__).resolve().parents[1]
DIAGRAMS = sorted(BPMN_DIR.rglob("*.bpmn"))


def motcua(*args, env=None, cwd=None):
    """The command in a process of its own, as typed in a shell."""
    import os

    return subprocess.run(
        [sys.executable, "-m", "motcua.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def motcua_here(app):
    """The command run in this process by click's test runner (exit code, stdout, stderr)."""
    runner = app.test_cli_runner()

    def run(*args) -> Ran:
        result = runner.invoke(main, list(args))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Ran(result.exit_code, result.stdout, result.stderr)

    return run


def test_bpmn_check_passes_every_shipped_diagram():
    result = motcua("bpmn", "check", *map(str, DIAGRAMS))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": OK") == len(DIAGRAMS)


def test_bpmn_check_names_the_element_and_exits_non_zero(tmp_path, motcua_here):
    text = (BPMN_DIR / "templates" / "1.001612.bpmn").read_text(encoding="utf-8")
    broken = tmp_path / "broken.bpmn"
    broken.write_text(text.replace('name="timeLimit"', 'name="timeLimitX"', 1), encoding="utf-8")
    result = motcua_here("bpmn", "check", str(broken))
    assert result.returncode == 1
    assert "broken.bpmn [" in result.stderr
    assert "timeLimit" in result.stderr


def test_bpmn_check_refuses_a_file_with_a_dtd(tmp_path, motcua_here):
    evil = tmp_path / "evil.bpmn"
    evil.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&e;</definitions>'
    )
    result = motcua_here("bpmn", "check", str(evil))
    assert result.returncode == 1
    assert "root:" not in result.stderr + result.stdout


def test_bpmn_run_prints_the_path_taken(motcua_here):
    result = motcua_here("bpmn", "run", str(BPMN_DIR / "templates" / "1.001612.bpmn"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) >= 3
    assert "Tiếp nhận" in result.stdout


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: str(p.relative_to(BPMN_DIR)))
def test_bpmn_run_reaches_an_end_for_every_shipped_diagram(path, motcua_here):
    result = motcua_here("bpmn", "run", str(path), "--data", '{"decision": "approve"}')
    assert result.returncode == 0, result.stderr


def test_db_upgrade_and_load_demo_on_a_fresh_sqlite_file(tmp_path):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite'}",
        "MOTCUA_STORAGE_DIR": str(tmp_path / "files"),
    }
    upgrade = motcua("db", "upgrade", env=env, cwd=tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr
    first = motcua("load-demo", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Đã nạp" in first.stdout
    # Loading again (in this process, on the same file) changes nothing and says so.
    again = CliRunner().invoke(main, ["load-demo"], env=env)
    assert again.exit_code == 0 and "đã có sẵn" in again.stdout, again.output


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_creates_its_database_and_serves_the_api(tmp_path):
    """The README's first command, as a newcomer runs it (in an empty folder)."""
    import json
    import os
    import time
    import urllib.request

    port = free_port()
    unset = ("DATABASE_URL", "MOTCUA_STORAGE_DIR", "SECRET_KEY")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    server = subprocess.Popen(
        [sys.executable, "-m", "motcua.cli", "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(240):
            try:
                with urllib.request.urlopen(base + "/", timeout=2) as page:
                    assert "một cửa" in page.read().decode().lower()
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("the demo did not start serving")
        request = urllib.request.Request(
            base + "/api/v1/auth/token",
            data=json.dumps({"username": "clo.mc1", "password": "demo"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.load(response)["token"]
        assert (tmp_path / "instance" / "motcua.sqlite").exists()
        key = tmp_path / "instance" / "secret_key"  # made for the demo, its owner's only
        assert len(key.read_text()) >= 32 and key.stat().st_mode & 0o077 == 0
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    # Codes begin with the receiving unit's identifier: Xã Can Lộc's and Xã Hương Khê's.
    assert "000.20.50.H30-" in output and "000.21.50.H30-" in output, output


@pytest.mark.parametrize("command", ["demo", "serve"])
def test_a_port_already_taken_is_said_plainly_with_exit_code_2(tmp_path, command):
    import socket

    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'busy.sqlite'}", "SECRET_KEY": "k" * 40}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, [command, "--port", str(port)], env=env)
    assert result.exit_code == 2, result.output
    assert f"Cổng {port} trên 127.0.0.1 đang được một chương trình khác sử dụng." in result.output
    assert f"motcua {command} --port {port + 1}" in result.output
    assert "Traceback" not in result.output and "đang chạy tại" not in result.output
    assert not (tmp_path / "busy.sqlite").exists()  # the demo stopped before loading anything


@pytest.mark.parametrize("key", ["", "dev-not-secret", "short-but-not-empty"])
def test_serve_refuses_to_run_without_a_real_secret_key(tmp_path, key):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", "SECRET_KEY": key}
    result = CliRunner().invoke(main, ["serve", "--port", "0"], env=env)
    assert result.exit_code == 2, result.output
    assert "Chưa đặt SECRET_KEY hoặc khóa quá yếu" in result.output
    assert "đang chạy tại" not in result.output and "Traceback" not in result.output


def test_the_demo_keeps_its_own_key_and_a_set_one_wins(app, tmp_path):
    from motcua.cli import _demo_secret_key

    path = tmp_path / "instance" / "secret_key"
    with app.app_context():
        app.config["SECRET_KEY"] = ""
        _demo_secret_key(path)
        made = app.config["SECRET_KEY"]
        app.config["SECRET_KEY"] = ""
        _demo_secret_key(path)  # the demo started again: the same key, its sessions still good
        assert app.config["SECRET_KEY"] == made and len(made) >= 32
        app.config["SECRET_KEY"] = "set-by-the-operator-" * 2
        _demo_secret_key(path)
        assert app.config["SECRET_KEY"] == "set-by-the-operator-" * 2
        app.config["SECRET_KEY"] = "test"
