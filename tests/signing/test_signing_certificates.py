"""The unit admin's page of the certificates the unit signs with (valid, expiring within
SIGNING_EXPIRY_WARNING_DAYS, expired, missing), and `motcua signing keys`."""

import re

from motcua.cli import main
from motcua.models import Role
from tests.signing import test_signing
from tests.signing.test_signing import give_key

# The fixtures of the signing tests: a test CA, and the keys folder the app signs from.
ca, keys_dir = test_signing.ca, test_signing.keys_dir


def row(page: str, owner: str) -> str:
    match = re.search(rf'<tr data-owner="{re.escape(owner)}".*?</tr>', page, re.S)
    assert match, owner
    return match.group(0)


def test_the_unit_admin_sees_the_units_and_its_leaders_certificates(
    app,
    ca,
    keys_dir,
    officer,
    make_unit,
    make_user,
    monkeypatch,
):
    unit = make_unit(name="UBND xã Chứng Thư")
    admin = make_user(unit=unit, roles=[Role.UNIT_ADMIN])
    soon = make_user(unit=unit, roles=[Role.LEADER])
    gone = make_user(unit=unit, roles=[Role.LEADER])
    bare = make_user(unit=unit, roles=[Role.LEADER])
    broken = make_user(unit=unit, roles=[Role.LEADER])
    seal = give_key(ca, keys_dir, unit.code, organisation=unit.name)
    give_key(ca, keys_dir, soon.username, days=20)
    give_key(ca, keys_dir, gone.username, days=30, start_days_ago=60)
    give_key(ca, keys_dir, broken.username, passfile=False)  # no passphrase anywhere
    monkeypatch.setitem(app.config, "TWO_FACTOR_FOR_ADMINS", False)
    page = officer(admin.username).page("/admin/signing")

    mine = row(page, unit.code)
    assert 'data-state="valid"' in mine and format(seal.cert.serial_number, "X") in mine
    assert "Root CA test" not in mine and "CA cấp dưới (thử)" in mine  # issuer
    assert "Sắp hết hạn" in row(page, soon.username)
    assert "Đã hết hạn" in row(page, gone.username)
    assert "Chưa có chứng thư số." in row(page, bare.username)
    assert "Không mở được khóa" in row(page, broken.username)
    assert 'data-owner="CLO"' not in page  # another unit's


def test_an_officer_who_administers_nothing_is_refused(officer):
    response = officer("clo.mc1").get("/admin/signing")
    assert response.status_code == 403


def test_the_command_lists_the_keys_and_never_a_passphrase(
    app,
    ca,
    keys_dir,
):
    seal = give_key(ca, keys_dir, "CLO")
    give_key(ca, keys_dir, "clo.ld1", days=30, start_days_ago=60)
    result = app.test_cli_runner().invoke(main, ["signing", "keys"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"CLO\tpkcs12\tvalid\t{format(seal.cert.serial_number, 'X')}\t")
    assert lines[1].startswith("clo.ld1\tpkcs12\texpired\t")
    assert "mat-khau" not in result.output
