"""The `motcua` command."""

import errno
import getpass
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from motcua import cli_integrations
from motcua.app import create_app
from motcua.errors import MotcuaError
from motcua.unit_of_work import unit_of_work


@click.group(
    cls=FlaskGroup, create_app=create_app, add_version_option=False, add_default_commands=False
)
def main():
    """motcua — hệ thống một cửa điện tử (the database comes from DATABASE_URL)."""


@main.command("load-demo")
@with_appcontext
def load_demo_command():
    """Load the demo province, officers, procedures and diagrams (once)."""
    _load_demo()


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host, port):
    """Serve the platform with a production WSGI server (waitress)."""
    _require_secret_key()
    _serve(_listen(host, port, "serve"), host, port)


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def demo_command(host, port):
    """Create the database, load the demo province and serve it."""
    # The port is taken before the demo loads, so that a busy one is said at once.
    server = _listen(host, port, "demo")
    _demo_secret_key(Path.cwd() / "instance" / "secret_key")
    current_app.config["TWO_FACTOR_FOR_ADMINS"] = False  # the demo's admin signs in with "demo"
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    upgrade(directory=current_app.extensions["migrate"].directory)
    _load_demo()
    click.echo(
        "Tài khoản demo: admin, clo.mc1 (một cửa xã Can Lộc), clo.cv.ktht1 (chuyên viên), "
        "clo.ld.ktht (lãnh đạo phòng), clo.ld1 (lãnh đạo xã), tthcc.mc1 (một cửa tỉnh) "
        "— mật khẩu: demo"
    )
    _serve(server, host, port)


@main.command("create-admin")
@click.argument("username")
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị của tài khoản.")
@click.option("--province-name", help="Tên tỉnh: tạo đơn vị gốc khi cơ sở dữ liệu còn trống.")
@with_appcontext
def create_admin_command(username, unit_code, province_name):
    """Create a system administrator, asking for the password."""
    from motcua.services import accounts

    password = getpass.getpass("Mật khẩu: ")
    if password != getpass.getpass("Nhập lại mật khẩu: "):
        raise click.ClickException("Hai lần nhập mật khẩu không khớp.")
    try:
        with unit_of_work():
            accounts.create_system_admin(username, unit_code, password, province_name)
    except MotcuaError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Đã tạo quản trị hệ thống {username}.")


@main.command("reset-two-factor")
@click.argument("username")
@with_appcontext
def reset_two_factor_command(username):
    """Turn off an officer's second factor (a lost phone): they set it up again at sign-in."""
    from sqlalchemy import select

    from motcua.extensions import db
    from motcua.models import User
    from motcua.services import two_factor

    with unit_of_work():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"Không có tài khoản {username}.")
        two_factor.reset(user)
    click.echo(f"Đã đặt lại xác thực hai lớp của {username}.")


@main.command("worker")
@click.option("--once", is_flag=True, help="Chạy một vòng rồi thoát (cho cron và kiểm thử).")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    help="Số giây giữa hai vòng (mặc định MOTCUA_WORKER_INTERVAL, 30).",
)
@with_appcontext
def worker_command(once, interval):
    """Send the queued emails and queue due-soon reminders, until SIGTERM or Ctrl-C."""
    import logging

    from motcua import worker

    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    app = current_app._get_current_object()
    if once:
        click.echo(worker.run_once(app).summary())
    else:
        worker.serve(app, interval=interval)


for group in cli_integrations.GROUPS:
    main.add_command(group)


@main.group("bpmn")
def bpmn_group():
    """Check and dry-run BPMN diagrams."""


# The analysts' commands read files only: no app, no database (each call starts quicker).
@bpmn_group.command("check", with_appcontext=False)
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def bpmn_check(files):
    """Validate and lint diagrams; exit 1 listing the problems."""
    from motcua import engine

    failed = False
    for name in files:
        try:
            engine.check_diagram(Path(name).read_bytes())
        except engine.DiagramError as exc:
            failed = True
            _echo_problems(name, exc.problems)
        except Exception as exc:  # never a traceback: a problem line, and exit 1
            failed = True
            _echo_problems(name, [engine.Problem(None, _unexpected(exc))])
        else:
            click.echo(f"{name}: OK")
    sys.exit(1 if failed else 0)


@bpmn_group.command("run", with_appcontext=False)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--data",
    "data_json",
    default="{}",
    help='Dữ liệu cho các bước, JSON ({"decision": "approve"}).',
)
def bpmn_run(file, data_json):
    """Dry-run a diagram in a throwaway engine and print the path taken; exit 1 listing the
    problems (never a traceback)."""
    import json

    from motcua import engine

    try:
        data = json.loads(data_json)
    except (ValueError, RecursionError) as exc:
        raise click.ClickException(f"--data không phải JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise click.ClickException(
            '--data phải là một đối tượng JSON, ví dụ {"decision": "approve"}.'
        )
    try:
        lines = engine.dry_run(Path(file).read_bytes(), data)
    except engine.DiagramError as exc:
        _echo_problems(file, exc.problems)
        sys.exit(1)
    except Exception as exc:  # never a traceback: a problem line, and exit 1
        _echo_problems(file, [engine.Problem(None, _unexpected(exc))])
        sys.exit(1)
    for line in lines:
        click.echo(line)


def _echo_problems(name, problems) -> None:
    for problem in problems:
        where = f" [{problem.element_id}]" if problem.element_id else ""
        click.echo(f"{name}{where}: {problem.message}", err=True)


def _unexpected(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return f"Không đọc được tệp: {exc.strerror or exc}."
    return f"Không kiểm tra được sơ đồ ({type(exc).__name__}: {str(exc)[:300]})."


# The sample dossiers the demo walks: (competent unit, procedure, receiving desk or None).
DEMO_WALKS = [
    ("CLO", "1.009994", None),
    ("HKH", "1.009994", None),
    ("CLO", "1.009994", "TTHCC"),
    ("SXD", "1.009974", "CLO"),
]


def _load_demo() -> None:
    from motcua.services import demo, demo_history

    if demo.is_loaded():
        click.echo("Dữ liệu demo đã có sẵn.")
        return
    with unit_of_work():
        demo.load()
    click.echo(
        "Đã nạp dữ liệu demo: tỉnh Hà Tĩnh (chính quyền hai cấp), Trung tâm Phục vụ hành chính "
        "công tỉnh, Sở Xây dựng, Văn phòng Đăng ký đất đai, xã Can Lộc, Hương Khê và Tùng Lộc; "
        "huyện Can Lộc, Hương Khê cũ đã sắp xếp vào hai xã cùng tên từ 01/7/2025."
    )
    with unit_of_work():
        for line in demo_history.still_open():
            click.echo(line)
    click.echo(
        "Hồ sơ mẫu đi qua quy trình của từng xã, một hồ sơ của xã nhận tại Trung tâm tỉnh và "
        "một hồ sơ của Sở Xây dựng nhận tại xã:"
    )
    for unit_code, procedure_code, desk_code in DEMO_WALKS:
        walk = demo.walk_through(unit_code, procedure_code, desk_code=desk_code)
        while True:
            with unit_of_work():  # each line follows one act: received, or a step done
                line = next(walk, None)
            if line is None:
                break
            click.echo(line)


def _listen(host: str, port: int, command: str):
    """A waitress server bound to ``host:port``; exit code 2 with a plain message when the
    address is taken or cannot be used, instead of the socket's traceback."""
    from waitress import create_server

    try:
        return create_server(current_app._get_current_object(), host=host, port=port, threads=8)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            problem = f"Cổng {port} trên {host} đang được một chương trình khác sử dụng."
        else:
            problem = f"Không mở được cổng {port} trên {host} ({exc.strerror or exc})."
        click.echo(
            f"{problem} Hãy dừng chương trình đó hoặc chọn cổng khác, ví dụ: "
            f"motcua {command} --port {port + 1 if port < 65535 else 8080}",
            err=True,
        )
        raise click.exceptions.Exit(2) from None


MIN_KEY_LENGTH = 32  # as secrets.token_urlsafe(24) gives: no word, no old default passes


def _require_secret_key() -> None:
    """Exit 2 unless SECRET_KEY is a real key: anyone who knows the key forges an
    administrator's session or an API token."""
    key = current_app.config.get("SECRET_KEY") or ""
    if len(key) < MIN_KEY_LENGTH:
        click.echo(
            f"Chưa đặt SECRET_KEY hoặc khóa quá yếu (cần ít nhất {MIN_KEY_LENGTH} ký tự ngẫu "
            "nhiên). Hãy đặt biến môi trường SECRET_KEY, ví dụ: "
            "export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')",
            err=True,
        )
        raise click.exceptions.Exit(2)


def _demo_secret_key(path: Path) -> None:
    """The demo's key when SECRET_KEY is not set: made once, kept in ``instance/`` (readable by
    its owner only) so that sessions outlive a restart of the demo."""
    if current_app.config.get("SECRET_KEY"):
        return
    import secrets

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    current_app.config["SECRET_KEY"] = path.read_text().strip()


def _serve(server, host: str, port: int) -> None:
    click.echo(f"motcua đang chạy tại http://{host}:{port}")
    server.run()


if __name__ == "__main__":
    main()
