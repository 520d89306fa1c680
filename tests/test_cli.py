"""The `motcua` command, run as an analyst or an operator would."""

import subprocess
import sys
from pathlib import Path

import pytest

from motcua.bpmn import BPMN_DIR

REPO = Path(__file__).resolve().parents[1]
DIAGRAMS = sorted(BPMN_DIR.rglob("*.bpmn"))


def motcua(*args, env=None, cwd=None):
    import os

    return subprocess.run(
        [sys.executable, "-m", "motcua.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_bpmn_check_passes_every_shipped_diagram():
    result = motcua("bpmn", "check", *map(str, DIAGRAMS))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": OK") == len(DIAGRAMS)


def test_bpmn_check_names_the_element_and_exits_non_zero(tmp_path):
    text = (BPMN_DIR / "templates" / "1.001612.bpmn").read_text(encoding="utf-8")
    broken = tmp_path / "broken.bpmn"
    broken.write_text(text.replace('name="timeLimit"', 'name="timeLimitX"', 1), encoding="utf-8")
    result = motcua("bpmn", "check", str(broken))
    assert result.returncode == 1
    assert "broken.bpmn [" in result.stderr
    assert "timeLimit" in result.stderr


def test_bpmn_check_refuses_a_file_with_a_dtd(tmp_path):
    evil = tmp_path / "evil.bpmn"
    evil.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&e;</definitions>'
    )
    result = motcua("bpmn", "check", str(evil))
    assert result.returncode == 1
    assert "root:" not in result.stderr + result.stdout


def test_bpmn_run_prints_the_path_taken():
    result = motcua("bpmn", "run", str(BPMN_DIR / "templates" / "1.001612.bpmn"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) >= 3
    assert "Tiếp nhận" in result.stdout


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: str(p.relative_to(BPMN_DIR)))
def test_bpmn_run_reaches_an_end_for_every_shipped_diagram(path):
    result = motcua("bpmn", "run", str(path), "--data", '{"decision": "approve"}')
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
    again = motcua("load-demo", env=env, cwd=tmp_path)
    assert again.returncode == 0 and "đã có sẵn" in again.stdout
