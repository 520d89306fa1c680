"""`motcua bpmn run` and `bpmn check` on hostile diagrams (issue 14): every problem is a line
naming the file and the element, the exit code is 1, and there is never a Python traceback,
whatever the diagram or the --data; the output stays short whatever the file quotes."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from motcua.cli import main
from tests.engine.conftest import Bpmn
from tests.engine.test_hostile_diagrams import HOSTILE, TIMERS, chain
from tests.test_cli import REPO

B = Bpmn()
TIMER = Bpmn.process(
    B.start()
    + B.user_task("a", "A")
    + f'<bpmn:intermediateCatchEvent id="t">{TIMERS["not_an_expression"]}'
    "</bpmn:intermediateCatchEvent>" + B.end() + B.chain("start", "a", "t", "end")
)


def run(*args):
    result = CliRunner().invoke(main, list(args))
    # Anything but the exit itself escaping the command is the traceback a shell would show.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def test_the_dry_run_of_a_timer_is_a_problem_line_in_a_real_shell(tmp_path):
    path = tmp_path / "timer.bpmn"
    path.write_text(TIMER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "motcua.cli", "bpmn", "run", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert f"{path} [t]: Sự kiện hẹn giờ t" in done.stderr


@pytest.mark.parametrize("name", HOSTILE)
def test_run_and_check_of_a_hostile_diagram_exit_1_naming_the_element(tmp_path, name):
    body, element = HOSTILE[name]
    path = tmp_path / f"{name}.bpmn"
    path.write_text(Bpmn.process(body), encoding="utf-8")
    for command in ("run", "check"):
        result = run("bpmn", command, str(path))
        assert result.exit_code == 1, result.output
        assert f"{path} [{element}]: " in result.stderr
        assert "Traceback" not in result.output


@pytest.mark.parametrize("count", [500, 2000])
def test_a_long_chain_is_refused_with_the_limit(tmp_path, count):
    path = tmp_path / "long.bpmn"
    path.write_text(chain(count), encoding="utf-8")
    for command in ("run", "check"):
        result = run("bpmn", command, str(path))
        assert result.exit_code == 1
        assert "tối đa 300 phần tử" in result.stderr and "Recursion" not in result.stderr


@pytest.mark.parametrize(
    "data, phrase",
    [("[1]", "đối tượng JSON"), ("{", "không phải JSON"), ("[" * 100_000, "không phải JSON")],
)
def test_data_that_is_not_an_object_is_refused(tmp_path, data, phrase):
    path = tmp_path / "ok.bpmn"
    path.write_text(
        Bpmn.process(B.start() + B.user_task("a") + B.end() + B.chain("start", "a", "end")),
        encoding="utf-8",
    )
    result = run("bpmn", "run", str(path), "--data", data)
    assert result.exit_code == 1 and phrase in result.stderr


def test_the_output_for_a_megabyte_name_and_many_properties_is_short(tmp_path):
    many = {f"p{i}": "x" for i in range(200)}
    path = tmp_path / "big.bpmn"
    path.write_text(
        Bpmn.process(
            B.start()
            + B.user_task("a", "B" * 1_000_000, **many)
            + B.end()
            + B.chain("start", "a", "end")
        ),
        encoding="utf-8",
    )
    result = run("bpmn", "check", str(path))
    assert result.exit_code == 1
    assert len(result.stderr) < 40_000 and "150 lỗi khác" in result.stderr
    ran = run("bpmn", "run", str(path))
    assert ran.exit_code == 0 and len(ran.stdout) < 1000


def test_a_utf16_file_checks_and_runs(tmp_path):
    path = tmp_path / "utf16.bpmn"
    text = Bpmn.process(
        B.start() + B.user_task("a", "Tiếp nhận hồ sơ") + B.end() + B.chain("start", "a", "end")
    )
    path.write_bytes(text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))
    assert run("bpmn", "check", str(path)).exit_code == 0
    ran = run("bpmn", "run", str(path))
    assert ran.exit_code == 0 and "userTask a — Tiếp nhận hồ sơ" in ran.stdout
