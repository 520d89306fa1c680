"""The commands of what lies around the dossiers: the national portal (re-sync, its
catalogue), the signatures (checking what was received, the keys the platform signs with) and
the stored files (the sweep). Added to ``motcua`` by motcua.cli."""

import click
from flask import current_app
from flask.cli import with_appcontext

from motcua.errors import MotcuaError
from motcua.unit_of_work import unit_of_work


@click.group("portal")
def portal_group():
    """The national public-service portal (MOTCUA_PORTAL_*)."""


@portal_group.command("resync")
@click.option("--dossier", "code", help="Mã hồ sơ gửi lại.")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="Từ ngày tiếp nhận.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Đến ngày tiếp nhận.")
@with_appcontext
def portal_resync(code, start, end):
    """Queue a dossier's current state for the portal again (or every dossier received from
    --from to --to, both days included, Vietnam time); the worker delivers it."""
    from datetime import timedelta

    from motcua.services import portal_outbox
    from motcua.services.portal_wire import VIETNAM

    if bool(code) == bool(start or end) or bool(start) != bool(end):
        raise click.UsageError("Dùng --dossier MÃ, hoặc --from NGÀY --to NGÀY.")
    try:
        with unit_of_work():
            if code:
                portal_outbox.resync_dossier(code)
                click.echo(f"Đã xếp hàng gửi lại hồ sơ {code} lên Cổng.")
                return
            since = start.replace(tzinfo=VIETNAM)
            until = end.replace(tzinfo=VIETNAM) + timedelta(days=1)
            count = portal_outbox.resync_period(since, until)
        click.echo(f"Đã xếp hàng gửi lại {count} hồ sơ lên Cổng.")
    except MotcuaError as exc:
        raise click.ClickException(exc.message) from None


@click.group("signatures")
def signatures_group():
    """The signatures of the PDFs received (MOTCUA_SIGNATURE_*)."""


@signatures_group.command("check")
@click.option("--dossier", "code", help="Chỉ các tệp của hồ sơ này.")
@click.option(
    "--again", is_flag=True, help="Kiểm tra lại cả các tệp đã có kết quả (cần --dossier)."
)
@with_appcontext
def signatures_check_command(code, again):
    """Check now the signatures of the PDFs without a verdict, as each round of the worker does
    (--again with --dossier: that dossier's files again, after the trusted roots changed)."""
    from motcua import signature_checking
    from motcua.models import utcnow
    from motcua.services import signature_check

    if again and not code:
        raise click.UsageError("--again cần --dossier MÃ.")
    try:
        signature_check.Settings.from_config(current_app.config)
    except (OSError, ValueError) as exc:  # the worker only logs it, to keep the mail going
        raise click.ClickException(f"Cấu hình MOTCUA_SIGNATURE_*: {exc}") from None
    dossier_id = None
    if code:
        try:
            with unit_of_work():
                dossier_id = signature_check.dossier_to_check(code, again)
        except MotcuaError as exc:
            raise click.ClickException(exc.message) from None
    config = current_app.config
    count = signature_checking.check_due(config, utcnow, dossier_id=dossier_id, limit=10**9)
    click.echo(f"Đã kiểm tra chữ ký số của {count} tệp PDF.")


@click.group("signing")
def signing_group():
    """The keys the platform signs with (MOTCUA_SIGNING_*)."""


@signing_group.command("keys")
@with_appcontext
def signing_keys_command():
    """List the signing keys of the configured stores: owner (a unit's code or a username),
    store, subject, serial, validity and state (valid, expiring, expired). Never a secret."""
    from motcua.services import signing_keys

    keys = signing_keys.configured().keys()
    if not keys:
        click.echo("Chưa có khóa ký số nào (MOTCUA_SIGNING_KEYS_DIR, MOTCUA_SIGNING_PKCS11_*).")
    for key in keys:
        cert = key.certificate
        click.echo(
            f"{key.owner}\t{key.source}\t{signing_keys.state_of(key)}\t{cert.serial}\t"
            f"{cert.valid_from.date()}..{cert.valid_to.date()}\t{cert.subject}"
        )


@click.group("storage")
def storage_group():
    """The file storage (MOTCUA_STORAGE_DIR)."""


@storage_group.command("sweep")
@click.option("--dry-run", is_flag=True, help="Chỉ đếm, không xóa.")
@with_appcontext
def storage_sweep_command(dry_run):
    """Delete the stored files no row refers to, older than MOTCUA_STORAGE_ORPHAN_HOURS."""
    from motcua.services import storage_sweep

    click.echo(storage_sweep.sweep(dry_run=dry_run).summary(dry_run))


@portal_group.command("catalogue")
@click.option("--as", "username", required=True, help="Tài khoản quản trị hệ thống.")
@click.option(
    "--preview/--apply",
    default=True,
    help="Chỉ xem trước những gì thay đổi (mặc định), hoặc nhập luôn.",
)
@with_appcontext
def portal_catalogue(username, preview):
    """Ask the portal for its catalogue and show what importing it would change, procedure by
    procedure and field by field, and which portal agencies are our units; --apply imports it."""
    from sqlalchemy import select

    from motcua.extensions import db
    from motcua.models import User
    from motcua.services import portal_catalogue as service

    try:
        with unit_of_work():
            actor = db.session.scalar(select(User).where(User.username == username))
            if actor is None:
                raise click.ClickException(f"Không có tài khoản {username}.")
            pulled = service.pull(actor)
            plan = None
            if not preview:
                plan = service.apply(actor, pulled.data, pulled.plan.fingerprint)
    except MotcuaError as exc:
        raise click.ClickException(exc.message) from None
    for row in pulled.plan.rows:
        click.echo(f"{row.code}\t{row.label}\t{row.name}")
        for name, change in row.changes.items():
            click.echo(f"\t{name}: {change['old']!s} → {change['new']!s}")
    agencies = pulled.agencies
    for code, name, unit in agencies.matched:
        click.echo(f"Cơ quan {code} {name}: đơn vị {unit.code}")
    for code, name in agencies.unknown:
        click.echo(f"Cơ quan {code} {name}: không khớp đơn vị nào")
    for unit in agencies.ours_unmatched:
        click.echo(f"Đơn vị {unit.code} ({unit.identifier}): không có trên Cổng")
    counts = pulled.plan.counts
    done = "Đã nhập" if plan is not None else "Nếu nhập"
    click.echo(
        f"{done}: {counts['create']} thêm mới, {counts['update']} cập nhật, "
        f"{counts['skip']} bỏ qua."
    )


GROUPS = (portal_group, signatures_group, signing_group, storage_group)
