"""Units and officers' accounts, through the admin pages: the unit tree, creating and editing
officers, roles, locking accounts, resetting passwords and importing officers from CSV."""

import io
import os
import re
import time
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from motcua.extensions import db
from motcua.models import AuditEntry, Role, Task, TaskStatus, Unit, User
from motcua.services import org, user_import
from tests.conftest import csrf_token

# ---- helpers --------------------------------------------------------------------------------


def in_db(app, fn):
    with app.app_context():
        return fn()


def user_id(app, username):
    return in_db(app, lambda: db.session.scalar(select(User.id).where(User.username == username)))


def account(app, username):
    """(display name, email, unit code, active, {role@unit}) or None."""

    def read():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            return None
        roles = {f"{r.role.value}@{r.unit.code}" for r in user.roles}
        return user.display_name, user.email, user.unit.code, user.active, roles

    return in_db(app, read)


def count(app, model):
    return in_db(app, lambda: db.session.scalar(select(func.count()).select_from(model)))


def audit(app, action, target_key=None):
    def read():
        query = select(AuditEntry).where(AuditEntry.action == action)
        if target_key is not None:
            query = query.where(AuditEntry.target_key == target_key)
        return [(e.actor.username, e.summary, e.data) for e in db.session.scalars(query)]

    return in_db(app, read)


def sign_in(app, username, password):
    """Sign in through the login page; returns the response."""
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def text(response):
    return unescape(response.get_data(as_text=True))


def temporary_password(html):
    return re.search(r'<code id="temporary-password">([^<]+)</code>', html).group(1)


NEW_USER = {
    "username": "Nguyen.VanA",
    "display_name": "Nguyễn Văn A",
    "email": "vana@example.vn",
    "unit": "CLO.KT",
    "password": "mat-khau-01",
    "roles": ["specialist"],
}


# ---- the unit tree --------------------------------------------------------------------------


def tree_rows(html):
    """[(code, depth, active users)] as the tree page shows them."""
    rows = re.findall(
        r'data-unit="([^"]+)" data-depth="(\d+)">.*?class="count">(\d+)</a>', html, re.S
    )
    return [(code, int(depth), int(n)) for code, depth, n in rows]


def test_the_system_admin_sees_the_whole_tree_with_levels_and_active_officers(app, officer):
    html = officer("admin").page("/admin/units")
    rows = tree_rows(html)
    codes = [code for code, _, _ in rows]
    assert codes[0] == "HTI"
    assert set(codes) == set(in_db(app, lambda: db.session.scalars(select(Unit.code)).all()))
    depth = {code: d for code, d, _ in rows}
    assert depth["HTI"] == 0 and depth["VPDKDD"] == depth["TTHCC"] == depth["CLO"] == 1
    assert depth["CLO.KT"] == depth["TTHCC.CN1"] == depth["HCLO.TCKH"] == 2
    # Children come right after their parent: departments, then the centre, then communes.
    assert (
        codes.index("SXD")
        < codes.index("TTHCC")
        < codes.index("TTHCC.CN1")
        < codes.index("CLO")
        < codes.index("CLO.KT")
        < codes.index("HKH")
    )
    active = {code: n for code, _, n in rows}
    # The officers of the former district offices TCKH, KTHT and TNMT, who kept their names.
    assert active["CLO.KT"] == 9
    assert active["CLO.VHXH"] == 0
    assert active["HTI"] == 3  # admin, hti.giamsat, hti.phantich
    assert active["HCLO"] == active["HCLO.TCKH"] == 0  # nobody works in a retired unit
    assert "Phòng chuyên môn" in html and "Xã, phường, đặc khu" in html
    assert "Chi nhánh, điểm tiếp nhận" in html and "Huyện (trước 01/7/2025)" in html
    # Each row shows the unit's official identifier (mã định danh) when it has one.
    row = re.search(r'data-unit="CLO" data-depth="1">(.*?)</tr>', html, re.S).group(1)
    assert "<code>000.20.50.H30</code>" in row and "Xã, phường, đặc khu" in row
    retired = re.search(r'data-unit="HCLO" data-depth="1">(.*?)</tr>', html, re.S).group(1)
    assert "Đã giải thể" in retired and "kế thừa: Xã Can Lộc" in retired
    assert "Thêm đơn vị" in html


def test_a_unit_admin_sees_only_their_subtree(officer):
    html = officer("clo.qt").page("/admin/units")
    codes = [code for code, _, _ in tree_rows(html)]
    assert codes[0] == "CLO" and "CLO.KT" in codes and "CLO.VP" in codes
    # The commune, its offices and, as history, the retired district whose work it carries on
    # (org.subtree_ids); no other commune, nor the other retired district.
    own = [code for code in codes if code == "CLO" or code.startswith("CLO.")]
    assert codes[: len(own)] == own and set(own) == {"CLO", "CLO.KT", "CLO.VP", "CLO.VHXH"}
    assert set(codes[len(own) :]) == {
        "HCLO",
        "HCLO.TCKH",
        "HCLO.KTHT",
        "HCLO.TNMT",
        "HCLO.TP",
        "HCLO.VP",
    }
    assert "Thêm đơn vị" not in html and "Đổi tên" not in html


@pytest.mark.parametrize("username", ["clo.ld1", "clo.cv.tckh1", "hti.phantich", "hti.giamsat"])
def test_officers_who_are_not_admins_get_403_and_no_menu(officer, username):
    pages = officer(username)
    for path in ("/admin/units", "/admin/users", "/admin/users/new", "/admin/users/import"):
        assert pages.get(path).status_code == 403, path
    assert pages.post("/admin/units", data={"parent": "CLO", "code": "CLO.X"}).status_code == 403
    menu = pages.page("/inbox")
    assert 'href="/admin/users"' not in menu and 'href="/admin/units"' not in menu


def test_admins_have_the_menu_entries(officer):
    for username in ("admin", "clo.qt"):
        menu = officer(username).page("/admin/units")
        assert '<a href="/admin/units" aria-current="page">Đơn vị</a>' in menu
        assert re.search(r'<a href="/admin/users"\s*>Cán bộ</a>', menu)


def test_the_system_admin_creates_a_unit_under_a_parent(app, officer):
    admin = officer("admin")
    response = admin.post(
        "/admin/units",
        data={"parent": "CLO", "level": "office", "code": "CLO.NV", "name": "Phòng Nội vụ"},
    )
    assert response.status_code == 302
    rows = tree_rows(admin.page("/admin/units"))
    assert ("CLO.NV", 2, 0) in rows
    assert [code for code, _, _ in rows].index("CLO.NV") > [c for c, _, _ in rows].index("CLO")
    (entry,) = audit(app, "unit.create", "CLO.NV")
    assert entry[0] == "admin" and entry[2]["parent"] == "CLO"


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"code": "clo.nv"}, "code", "Mã đơn vị chỉ gồm chữ in hoa không dấu và chữ số"),
        ({"code": "NV"}, "code", "Mã đơn vị trực thuộc CLO phải bắt đầu bằng «CLO.»."),
        ({"code": "CLO.KT"}, "code", "Mã đơn vị CLO.KT đã có."),
        ({"code": "CLO.NV.", "name": "X"}, "code", "Mã đơn vị chỉ gồm"),
        ({"name": "  "}, "name", "Hãy nhập tên đơn vị."),
        (
            {"level": "branch"},
            "level",
            "Đơn vị Xã Can Lộc không có đơn vị trực thuộc cấp này.",
        ),
        ({"parent": "CLO.KT", "code": "CLO.KT.A"}, "level", "không có đơn vị trực thuộc."),
        (
            {"parent": "HCLO", "code": "HCLO.NV"},
            "parent",
            "Đơn vị Huyện Can Lộc đã giải thể.",
        ),
        ({"parent": "NOPE"}, "parent", "Hãy chọn đơn vị cấp trên."),
    ],
)
def test_a_bad_unit_is_refused_next_to_its_field(app, officer, data, field, message):
    before = count(app, Unit)
    form = {"parent": "CLO", "level": "office", "code": "CLO.NV", "name": "Phòng Nội vụ"} | data
    response = officer("admin").post("/admin/units", data=form)
    assert response.status_code == 422
    error = re.search(rf'<p class="field-error" id="err-{field}">([^<]+)</p>', text(response))
    assert error and message in error.group(1)
    assert count(app, Unit) == before
    assert audit(app, "unit.create") == []


def test_creating_a_district_is_refused_and_creates_nothing(app, officer):
    admin = officer("admin")
    before = count(app, Unit)
    form = {"parent": "HTI", "level": "district", "code": "HNL", "name": "Huyện Nghi Lộc"}
    response = admin.post("/admin/units", data=form)
    assert response.status_code == 422
    error = re.search(r'<p class="field-error" id="err-level">([^<]+)</p>', text(response))
    assert error and error.group(1) == (
        "Từ 01/7/2025 không còn cấp huyện (Nghị định 118/2025/NĐ-CP): không tạo đơn vị "
        "cấp huyện mới."
    )
    assert count(app, Unit) == before
    assert in_db(app, lambda: db.session.scalar(select(Unit).where(Unit.code == "HNL"))) is None
    assert audit(app, "unit.create") == []
    # Nor does the form offer the level.
    level_select = re.search(r'<select name="level".*?</select>', text(response), re.S).group(0)
    assert 'value="district"' not in level_select and 'value="commune"' in level_select


def test_the_system_admin_renames_a_unit_but_not_its_code(app, officer):
    admin = officer("admin")
    new_name = "Văn phòng HĐND và UBND xã Can Lộc"
    assert admin.post("/admin/units/CLO.VP", data={"name": ""}).status_code == 422
    response = admin.post("/admin/units/CLO.VP", data={"name": new_name})
    assert response.status_code == 302
    assert new_name in admin.page("/admin/units")
    assert in_db(app, lambda: org.unit_by_code("CLO.VP").name) == new_name
    (entry,) = audit(app, "unit.update", "CLO.VP")
    assert entry[2] == {"name": ["Văn phòng HĐND và UBND", new_name]}


def test_the_system_admin_publishes_the_unit_s_account_for_fees(app, officer):
    admin = officer("admin")
    account = "UBND xã Can Lộc — 1234 5678 9012 — Ngân hàng Nông nghiệp, chi nhánh Can Lộc"
    page = admin.page("/admin/units/CLO")
    name = re.search(r'name="name" value="([^"]*)"', page).group(1)
    too_long = admin.post("/admin/units/CLO", data={"name": name, "fee_account": "x" * 1001})
    assert too_long.status_code == 422 and 'id="err-fee_account"' in text(too_long)
    saved = admin.post("/admin/units/CLO", data={"name": name, "fee_account": f"  {account} "})
    assert saved.status_code == 302
    assert in_db(app, lambda: org.unit_by_code("CLO").fee_account) == account
    (entry,) = audit(app, "unit.update", "CLO")
    assert entry[2]["fee_account"][1] == account
    # The unit's admin sees it, and cannot change it.
    assert account in officer("clo.qt").page("/admin/units/CLO")
    assert officer("clo.qt").post("/admin/units/CLO", data={"name": name}).status_code == 403


def test_a_unit_admin_can_neither_create_nor_rename_units(app, officer):
    clo = officer("clo.qt")
    form = {"parent": "CLO", "level": "office", "code": "CLO.NV", "name": "Phòng Nội vụ"}
    assert clo.post("/admin/units", data=form).status_code == 403
    assert clo.post("/admin/units/CLO.VP", data={"name": "X"}).status_code == 403
    assert clo.get("/admin/units/HKH").status_code == 404
    assert in_db(app, lambda: org.unit_by_code("CLO.VP").name) == "Văn phòng HĐND và UBND"


# ---- creating officers ----------------------------------------------------------------------


def test_the_admin_creates_an_officer_who_can_then_sign_in(app, officer):
    response = officer("admin").post("/admin/users/new", data=NEW_USER)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Đã tạo tài khoản Nguyen.VanA" in text(response)
    assert account(app, "Nguyen.VanA") == (
        "Nguyễn Văn A",
        "vana@example.vn",
        "CLO.KT",
        True,
        {"specialist@CLO.KT"},
    )
    assert sign_in(app, "Nguyen.VanA", "mat-khau-01").status_code == 302
    (entry,) = audit(app, "user.create", "Nguyen.VanA")
    assert entry[0] == "admin" and "mat-khau-01" not in str(entry)


def test_usernames_are_kept_exactly_as_typed(app, officer):
    admin = officer("admin")
    assert admin.post("/admin/users/new", data=NEW_USER).status_code == 200
    # Another case is another officer, who does not share the first one's password.
    assert sign_in(app, "nguyen.vana", "mat-khau-01").status_code == 401
    other = NEW_USER | {"username": "nguyen.vana", "password": "mat-khau-02"}
    assert admin.post("/admin/users/new", data=other).status_code == 200
    assert user_id(app, "Nguyen.VanA") != user_id(app, "nguyen.vana")
    assert sign_in(app, "nguyen.vana", "mat-khau-02").status_code == 302
    assert sign_in(app, "Nguyen.VanA", "mat-khau-02").status_code == 401
    for name in ("cv_tckh01", "ho.ten@clo.gov.vn", "Trần.Văn-B"):
        assert admin.post("/admin/users/new", data=NEW_USER | {"username": name}).status_code == 200
        assert account(app, name) is not None, name
    listing = admin.page("/admin/users?q=vana")
    assert 'data-user="Nguyen.VanA"' in listing and 'data-user="nguyen.vana"' in listing


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"username": "Nguyen.VanA"}, "username", "Tên đăng nhập Nguyen.VanA đã có."),
        ({"username": ""}, "username", "Hãy nhập tên đăng nhập."),
        ({"username": "   "}, "username", "Hãy nhập tên đăng nhập."),
        ({"username": " Nguyen.VanB"}, "username", "không được chứa khoảng trắng"),
        ({"username": "Nguyen VanB"}, "username", "không được chứa khoảng trắng"),
        ({"username": "nguyen\x07b"}, "username", "ký tự điều khiển"),
        ({"display_name": " "}, "display_name", "Hãy nhập họ và tên."),
        ({"email": "vana@"}, "email", "Địa chỉ email không hợp lệ."),
        ({"unit": "HTI.NOPE"}, "unit", "Không có đơn vị mã HTI.NOPE."),
        ({"unit": ""}, "unit", "Hãy chọn đơn vị."),
        ({"password": "ngan-qua"}, "password", "Mật khẩu phải có ít nhất 10 ký tự."),
        ({"roles": ["boss"]}, "roles", "Không có vai trò boss."),
    ],
)
def test_a_bad_new_officer_is_refused_next_to_the_field(app, officer, data, field, message):
    admin = officer("admin")
    assert admin.post("/admin/users/new", data=NEW_USER).status_code == 200
    before = count(app, User), count(app, AuditEntry)
    response = admin.post("/admin/users/new", data=NEW_USER | {"username": "Nguyen.VanB"} | data)
    assert response.status_code == 422
    error = re.search(rf'<p class="field-error" id="err-{field}">([^<]+)</p>', text(response))
    assert error and message in error.group(1)
    assert (count(app, User), count(app, AuditEntry)) == before
    assert account(app, "Nguyen.VanB") is None
    # The form comes back with what was typed.
    assert 'value="Nguyễn Văn A"' in text(response) or field == "display_name"


def test_without_a_password_a_temporary_one_is_shown_once_and_works(app, officer):
    response = officer("admin").post("/admin/users/new", data=NEW_USER | {"password": ""})
    assert response.status_code == 200
    password = temporary_password(response.get_data(as_text=True))
    assert len(password) >= 10
    assert sign_in(app, "Nguyen.VanA", password).status_code == 302
    (entry,) = audit(app, "user.create", "Nguyen.VanA")
    assert password not in str(entry) and entry[2]["temporary_password"] is True


# ---- editing, roles, locking ----------------------------------------------------------------


def test_the_admin_edits_an_officer_and_the_change_is_logged(app, officer):
    admin = officer("admin")
    uid = user_id(app, "clo.cv.tckh1")
    page = admin.page(f"/admin/users/{uid}")
    assert 'data-role="specialist@CLO.KT"' in page
    form = {"display_name": "Đặng Thị Lan", "email": "lan@clo.gov.vn", "unit": "CLO.VHXH"}
    bad = admin.post(f"/admin/users/{uid}", data=form | {"email": "lan at clo"})
    assert bad.status_code == 422 and "Địa chỉ email không hợp lệ." in text(bad)
    assert account(app, "clo.cv.tckh1")[1:3] == (None, "CLO.KT")
    assert admin.post(f"/admin/users/{uid}", data=form).status_code == 302
    display_name, email, unit, active, roles = account(app, "clo.cv.tckh1")
    assert (email, unit, active) == ("lan@clo.gov.vn", "CLO.VHXH", True)
    assert roles == {"specialist@CLO.KT"}  # roles are granted separately
    (entry,) = audit(app, "user.update", "clo.cv.tckh1")
    assert entry[2]["unit"] == ["CLO.KT", "CLO.VHXH"]
    assert entry[2]["email"] == [None, "lan@clo.gov.vn"]


def test_roles_are_granted_and_taken_back_per_unit(app, officer):
    admin = officer("admin")
    uid = user_id(app, "clo.cv.tckh1")
    grant = {"grant_role": "leader", "grant_unit": "CLO.VHXH"}
    assert admin.post(f"/admin/users/{uid}/roles", data=grant).status_code == 302
    twice = admin.post(f"/admin/users/{uid}/roles", data=grant)
    assert (
        twice.status_code == 422
        and "Cán bộ đã có vai trò này tại Phòng Văn hóa - Xã hội." in text(twice)
    )
    assert account(app, "clo.cv.tckh1")[4] == {"specialist@CLO.KT", "leader@CLO.VHXH"}
    page = admin.page(f"/admin/users/{uid}")
    revoke = re.search(r'data-role="specialist@CLO.KT">.*?/roles/(\d+)/revoke', page, re.S)
    role_id = revoke.group(1)
    assert admin.post(f"/admin/users/{uid}/roles/{role_id}/revoke").status_code == 302
    assert account(app, "clo.cv.tckh1")[4] == {"leader@CLO.VHXH"}
    assert len(audit(app, "user.role_grant", "clo.cv.tckh1")) == 1
    (revoked,) = audit(app, "user.role_revoke", "clo.cv.tckh1")
    assert revoked[2] == {"role": "specialist", "unit": "CLO.KT"}


def test_a_locked_officer_cannot_sign_in_until_unlocked(app, officer):
    signed_in = officer("clo.cv.tckh2")
    admin = officer("admin")
    uid = user_id(app, "clo.cv.tckh2")
    assert admin.post(f"/admin/users/{uid}/deactivate").status_code == 302
    assert account(app, "clo.cv.tckh2")[3] is False
    # Their open session ends, and the login page refuses them.
    assert signed_in.get("/inbox").status_code == 302
    refused = sign_in(app, "clo.cv.tckh2", "demo")
    assert refused.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in text(refused)
    assert "Đã khóa" in admin.page("/admin/users?active=0")
    assert admin.post(f"/admin/users/{uid}/reactivate").status_code == 302
    assert sign_in(app, "clo.cv.tckh2", "demo").status_code == 302
    assert len(audit(app, "user.deactivate", "clo.cv.tckh2")) == 1
    assert len(audit(app, "user.reactivate", "clo.cv.tckh2")) == 1


def test_locking_an_officer_leaves_their_steps_and_warns_with_the_count(
    app, officer, login_as, make_dossier
):
    code = make_dossier("CLO", "1.001612")["code"]
    admin_api = login_as("admin")
    task = next(
        t
        for t in admin_api.get(f"/dossiers/{code}").get_json()["tasks"]
        if t["status"] in ("open", "claimed")
    )
    worker = task["assignee"]
    if worker is None:
        worker = admin_api.get(f"/tasks/{task['id']}").get_json()["candidates"][0]["username"]
        assert login_as(worker).post(f"/tasks/{task['id']}/claim").status_code == 200
    admin = officer("admin")
    uid = user_id(app, worker)
    page = admin.page(f"/admin/users/{uid}")
    assert "Cán bộ này đang nhận xử lý 1 công việc chưa xong." in page
    response = admin.post(f"/admin/users/{uid}/deactivate", follow_redirects=True)
    assert "Cán bộ này còn 1 công việc đang nhận xử lý" in text(response)
    status, assignee = in_db(
        app,
        lambda: db.session.execute(
            select(Task.status, Task.assignee_id).where(Task.id == task["id"])
        ).one(),
    )
    assert (status, assignee) == (TaskStatus.CLAIMED, uid)
    (entry,) = audit(app, "user.deactivate", worker)
    assert entry[2] == {"claimed_open_tasks": 1}


def test_a_password_reset_shows_a_new_password_once_and_logs_no_password(app, officer):
    admin = officer("admin")
    uid = user_id(app, "clo.mc2")
    response = admin.post(f"/admin/users/{uid}/password")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = temporary_password(response.get_data(as_text=True))
    assert sign_in(app, "clo.mc2", "demo").status_code == 401
    assert sign_in(app, "clo.mc2", password).status_code == 302
    (entry,) = audit(app, "user.password_reset", "clo.mc2")
    assert password not in str(entry)
    assert password not in admin.page(f"/admin/users/{uid}")


def test_nobody_locks_their_own_account_or_drops_their_own_admin_role(app, officer):
    for username in ("admin", "clo.qt"):
        pages = officer(username)
        uid = user_id(app, username)
        assert pages.post(f"/admin/users/{uid}/deactivate").status_code == 403
        page = pages.page(f"/admin/users/{uid}")
        assert "Khóa tài khoản" not in page and "/revoke" not in page
        role_id = in_db(app, lambda uid=uid: db.session.get(User, uid).roles[0].id)
        assert pages.post(f"/admin/users/{uid}/roles/{role_id}/revoke").status_code == 403
        assert account(app, username)[3] is True


# ---- a unit administrator's reach ----------------------------------------------------------


def test_a_unit_admin_lists_only_the_officers_of_their_subtree(app, officer, make_user):
    # Five more officers in an office of the commune: more than one page of 25.
    office = in_db(app, lambda: org.unit_by_code("CLO.VHXH"))
    for n in range(1, 6):
        make_user(f"clo.cv.vhxh{n}", office, [Role.SPECIALIST])
    clo = officer("clo.qt")
    expected = in_db(
        app,
        lambda: db.session.scalar(
            select(func.count(User.id)).where(
                User.unit_id.in_(org.subtree_ids({org.unit_by_code("CLO").id}))
            )
        ),
    )
    first = clo.page("/admin/users")
    assert f"{expected} cán bộ" in first and "trang 1/2" in first
    second = clo.page("/admin/users?page=2")
    names = re.findall(r'data-user="([^"]+)"', first + second)
    assert len(names) == expected == len(set(names))
    assert all(name.startswith("clo.") for name in names)
    assert clo.get("/admin/users?unit=HKH").status_code == 404
    filtered = clo.page("/admin/users?unit=CLO.KT&role=leader")
    assert re.findall(r'data-user="([^"]+)"', filtered) == [
        "clo.ld.ktht",
        "clo.ld.tckh",
        "clo.ld.tnmt",
    ]


def test_a_unit_admin_gets_nothing_of_another_communes_officer(app, officer):
    clo = officer("clo.qt")
    uid = user_id(app, "hkh.cv1")
    assert clo.get(f"/admin/users/{uid}").status_code == 404
    for path, data in (
        (f"/admin/users/{uid}", {"display_name": "X", "unit": "CLO"}),
        (f"/admin/users/{uid}/deactivate", {}),
        (f"/admin/users/{uid}/reactivate", {}),
        (f"/admin/users/{uid}/password", {}),
        (f"/admin/users/{uid}/roles", {"grant_role": "specialist", "grant_unit": "CLO"}),
    ):
        assert clo.post(path, data=data).status_code == 404, path
    assert account(app, "hkh.cv1")[2:] == ("HKH", True, {"specialist@HKH"})
    assert audit(app, "user.update") == [] and audit(app, "user.role_grant") == []


def test_a_unit_admin_grants_only_field_roles_in_their_own_subtree(app, officer):
    clo = officer("clo.qt")
    uid = user_id(app, "clo.cv.tckh1")
    for grant, message in (
        (
            {"grant_role": "system_admin", "grant_unit": "CLO"},
            "Bạn không được cấp vai trò quản trị hệ thống (system_admin).",
        ),
        (
            {"grant_role": "supervisor", "grant_unit": "CLO"},
            "Bạn không được cấp vai trò giám sát (supervisor).",
        ),
        (
            {"grant_role": "analyst", "grant_unit": "CLO"},
            "Bạn không được cấp vai trò phân tích nghiệp vụ (analyst).",
        ),
        (
            {"grant_role": "specialist", "grant_unit": "HKH.KT"},
            "Đơn vị HKH.KT ngoài phạm vi bạn quản trị.",
        ),
    ):
        response = clo.post(f"/admin/users/{uid}/roles", data=grant)
        assert response.status_code == 422, grant
        assert message in text(response)
    assert account(app, "clo.cv.tckh1")[4] == {"specialist@CLO.KT"}
    page = clo.page(f"/admin/users/{uid}")
    assert 'value="system_admin"' not in page and 'value="HKH.KT"' not in page
    ok = {"grant_role": "leader", "grant_unit": "CLO.VHXH"}
    assert clo.post(f"/admin/users/{uid}/roles", data=ok).status_code == 302
    assert account(app, "clo.cv.tckh1")[4] == {"specialist@CLO.KT", "leader@CLO.VHXH"}


def test_a_unit_admin_creates_officers_only_in_their_subtree(app, officer):
    clo = officer("clo.qt")
    outside = clo.post("/admin/users/new", data=NEW_USER | {"unit": "HKH.KT"})
    assert outside.status_code == 422
    assert "Đơn vị HKH.KT ngoài phạm vi bạn quản trị." in text(outside)
    high = clo.post("/admin/users/new", data=NEW_USER | {"roles": ["system_admin"]})
    assert high.status_code == 422
    assert "Bạn không được cấp vai trò quản trị hệ thống (system_admin)." in text(high)
    assert account(app, "Nguyen.VanA") is None
    assert clo.post("/admin/users/new", data=NEW_USER).status_code == 200
    assert account(app, "Nguyen.VanA")[2:] == ("CLO.KT", True, {"specialist@CLO.KT"})


def test_a_unit_admin_cannot_take_over_an_officer_with_a_higher_role(app, officer):
    admin, clo = officer("admin"), officer("clo.qt")
    uid = user_id(app, "clo.cv.tckh2")
    grant = {"grant_role": "supervisor", "grant_unit": "HTI"}
    assert admin.post(f"/admin/users/{uid}/roles", data=grant).status_code == 302
    page = clo.page(f"/admin/users/{uid}")
    assert "chỉ quản trị hệ thống sửa thông tin" in page and "Đặt lại mật khẩu" not in page
    for action in ("password", "deactivate"):
        assert clo.post(f"/admin/users/{uid}/{action}").status_code == 403, action
    form = {"display_name": "X", "email": "", "unit": "CLO"}
    assert clo.post(f"/admin/users/{uid}", data=form).status_code == 403
    assert sign_in(app, "clo.cv.tckh2", "demo").status_code == 302
    assert account(app, "clo.cv.tckh2")[2:4] == ("CLO.KT", True)


# ---- importing from CSV ---------------------------------------------------------------------

IMPORT = """username,display_name,email,unit_code,roles,password
Nguyen.VanA,Nguyễn Văn A,vana@example.vn,CLO.KT,specialist@CLO.KT; leader@CLO.KT,
cv_tckh01,Trần Thị B,,CLO.KT,specialist,
ho.ten@clo.gov.vn,Lê Văn C,c@clo.gov.vn,CLO.VHXH,specialist,mat-khau-trong-tep
clo.cv.tckh1,Đặng Thị Lan Mới,,,leader,
bad user,Ai Đó,,CLO.KT,specialist,
cv_tckh01,Trùng,,CLO.KT,specialist,
x1,X Một,,CLO.XYZ,specialist,
x2,X Hai,,CLO.KT,boss,
x3,X Ba,,CLO.KT,system_admin@CLO.KT,
x4,X Bốn,,CLO.KT,specialist@HKH.KT,
x5,X Năm,not-an-email,CLO.KT,specialist,
hkh.cv1,Hương Khê,,CLO.KT,specialist,
x6,X Sáu,,HKH.KT,specialist,
x7,X Bảy,,CLO.KT,specialist,ngan
clo.cv.tckh2,,,,specialist,
,Không Tên,,CLO.KT,specialist,
x8,,,CLO.KT,specialist,
"""

EXPECTED = {
    2: ("Nguyen.VanA", "Thêm mới"),
    3: ("cv_tckh01", "Thêm mới"),
    4: ("ho.ten@clo.gov.vn", "Thêm mới"),
    5: ("clo.cv.tckh1", "Cập nhật"),
    6: ("bad user", "Bỏ qua: tên đăng nhập không được chứa khoảng trắng hay ký tự điều khiển"),
    7: ("cv_tckh01", "Bỏ qua: tên đăng nhập trùng với dòng 3"),
    8: ("x1", "Bỏ qua: không có đơn vị mã CLO.XYZ"),
    9: ("x2", "Bỏ qua: không có vai trò «boss»"),
    10: ("x3", "Bỏ qua: bạn không được cấp vai trò quản trị hệ thống (system_admin)"),
    11: ("x4", "Bỏ qua: đơn vị HKH.KT ngoài phạm vi bạn quản trị"),
    12: ("x5", "Bỏ qua: email «not-an-email» không hợp lệ"),
    13: ("hkh.cv1", "Bỏ qua: cán bộ hkh.cv1 thuộc đơn vị ngoài phạm vi bạn quản trị"),
    14: ("x6", "Bỏ qua: đơn vị HKH.KT ngoài phạm vi bạn quản trị"),
    15: ("x7", "Bỏ qua: mật khẩu phải có ít nhất 10 ký tự"),
    16: ("clo.cv.tckh2", "Bỏ qua: không có thay đổi"),
    17: ("", "Bỏ qua: thiếu tên đăng nhập"),
    18: ("x8", "Bỏ qua: thiếu họ và tên"),
}
NEW_IN_FILE = ("Nguyen.VanA", "cv_tckh01", "ho.ten@clo.gov.vn")


def report(html):
    """{row number: (username, outcome)} as the import pages show them."""
    rows = re.findall(
        r'data-line="(\d+)">\s*<td>\d+</td>\s*<td><code>([^<]*)</code></td>\s*'
        r'<td class="outcome">([^<]*)</td>',
        unescape(html),
    )
    return {int(line): (username, outcome) for line, username, outcome in rows}


def upload(pages, content: bytes, name="can-bo.csv"):
    return pages.post(
        "/admin/users/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def staged(html):
    return re.search(r'<input type="hidden" name="file" value="([0-9a-f]{64})">', html).group(1)


def test_an_import_preview_reports_each_row_and_changes_nothing(app, officer):
    before = count(app, User), count(app, AuditEntry)
    response = upload(officer("clo.qt"), IMPORT.encode())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert report(html) == EXPECTED
    assert "Chưa thay đổi gì. 3 thêm mới, 1 cập nhật, 13 bỏ qua." in html
    assert "Xác nhận nhập 4 dòng" in html
    assert (count(app, User), count(app, AuditEntry)) == before
    assert all(account(app, name) is None for name in NEW_IN_FILE)
    assert account(app, "clo.cv.tckh1")[0] != "Đặng Thị Lan Mới"


def test_a_confirmed_import_applies_exactly_the_accepted_rows(app, officer):
    clo = officer("clo.qt")
    users_before = count(app, User)
    html = upload(clo, IMPORT.encode()).get_data(as_text=True)
    response = clo.post("/admin/users/import/confirm", data={"file": staged(html)})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    result = response.get_data(as_text=True)
    assert report(result) == EXPECTED
    assert "Đã nhập: 3 thêm mới, 1 cập nhật, 13 bỏ qua." in result
    assert count(app, User) == users_before + 3
    assert account(app, "Nguyen.VanA") == (
        "Nguyễn Văn A",
        "vana@example.vn",
        "CLO.KT",
        True,
        {"specialist@CLO.KT", "leader@CLO.KT"},
    )
    assert account(app, "ho.ten@clo.gov.vn")[2:] == ("CLO.VHXH", True, {"specialist@CLO.VHXH"})
    # Roles are added, none taken away; the unit stays when the file leaves it empty.
    assert account(app, "clo.cv.tckh1") == (
        "Đặng Thị Lan Mới",
        None,
        "CLO.KT",
        True,
        {"specialist@CLO.KT", "leader@CLO.KT"},
    )
    for name in ("x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "bad user"):
        assert account(app, name) is None, name
    assert account(app, "hkh.cv1")[2] == "HKH"
    # New officers without a password in the file get a temporary one, shown here only.
    passwords = dict(
        re.findall(r'<code>([^<]+)</code></td>.*?<code class="secret">([^<]+)</code>', result, re.S)
    )
    assert set(passwords) == {"Nguyen.VanA", "cv_tckh01"}
    assert sign_in(app, "cv_tckh01", passwords["cv_tckh01"]).status_code == 302
    assert sign_in(app, "ho.ten@clo.gov.vn", "mat-khau-trong-tep").status_code == 302
    (entry,) = audit(app, "user.import")
    assert entry[0] == "clo.qt"
    assert entry[2]["created"] == list(NEW_IN_FILE) and entry[2]["updated"] == ["clo.cv.tckh1"]
    assert len(entry[2]["skipped"]) == 13
    assert all(len(audit(app, "user.create", name)) == 1 for name in NEW_IN_FILE)
    (update,) = audit(app, "user.update", "clo.cv.tckh1")
    assert update[2]["roles_added"] == ["leader@CLO.KT"]
    assert all(p not in str(audit(app, "user.create")) for p in passwords.values())
    # The staged file, which may hold passwords, is used once and removed.
    assert not list(Path(app.config["STORAGE_DIR"]).rglob(staged(html)))
    again = clo.post("/admin/users/import/confirm", data={"file": staged(html)})
    assert again.status_code == 422 and count(app, User) == users_before + 3


def test_the_import_is_checked_again_on_confirm(app, officer):
    clo, admin = officer("clo.qt"), officer("admin")
    html = upload(clo, IMPORT.encode()).get_data(as_text=True)
    # Meanwhile the system admin gives the name cv_tckh01 to an officer of Hương Khê.
    taken = NEW_USER | {"username": "cv_tckh01", "unit": "HKH.KT"}
    assert admin.post("/admin/users/new", data=taken).status_code == 200
    result = clo.post("/admin/users/import/confirm", data={"file": staged(html)})
    rows = report(result.get_data(as_text=True))
    assert rows[3] == (
        "cv_tckh01",
        "Bỏ qua: cán bộ cv_tckh01 thuộc đơn vị ngoài phạm vi bạn quản trị",
    )
    assert account(app, "cv_tckh01")[2] == "HKH.KT"
    assert account(app, "Nguyen.VanA") is not None


def test_a_confirm_without_this_sessions_preview_is_refused(app, officer):
    html = upload(officer("clo.qt"), IMPORT.encode()).get_data(as_text=True)
    assert list(Path(app.config["STORAGE_DIR"]).rglob(staged(html)))
    before = count(app, User), count(app, AuditEntry)
    # Another administrator, or a hash typed by hand: nothing is applied.
    for pages, sha in ((officer("admin"), staged(html)), (officer("clo.qt"), "0" * 64)):
        response = pages.post("/admin/users/import/confirm", data={"file": sha})
        assert response.status_code == 422
        assert "hãy tải tệp lên và xem trước lại" in text(response)
    assert (count(app, User), count(app, AuditEntry)) == before


def test_an_import_reads_semicolons_a_bom_and_windows_line_ends(app, officer):
    content = (
        "\ufeffUsername;Display_Name;Email;Unit_Code;Roles\r\n"
        'Nguyen.VanA;Nguyễn Văn A;;CLO.KT;"specialist, leader@CLO.KT"\r\n'
        "cv_tckh01;Trần Thị B;b@clo.gov.vn;CLO.KT;\r\n"
    ).encode()
    html = upload(officer("admin"), content).get_data(as_text=True)
    assert report(html) == {
        2: ("Nguyen.VanA", "Thêm mới"),
        3: ("cv_tckh01", "Thêm mới"),
    }
    assert "specialist@CLO.KT; leader@CLO.KT" in html


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "Hãy chọn tệp CSV."),
        (b"username,display_name\nabc,Ai\n", "Tệp thiếu cột: email, unit_code, roles."),
        ("username;Tên\n".encode("utf-16"), "Tệp không phải văn bản UTF-8"),
        (b"username,display_name,email,unit_code,roles\n", "Tệp chỉ có dòng tiêu đề"),
    ],
)
def test_a_file_that_is_not_an_import_is_refused(app, officer, content, message):
    before = count(app, AuditEntry)
    response = upload(officer("admin"), content)
    assert response.status_code == 422
    assert message in text(response)
    assert count(app, AuditEntry) == before


def test_import_files_left_unconfirmed_are_removed_after_a_day(app):
    with app.app_context():
        old = user_import.stage(io.BytesIO(b"username,display_name\nold.one,A\n"))
        path = next(Path(app.config["STORAGE_DIR"]).rglob(old))
        past = time.time() - 2 * 24 * 3600
        os.utime(path, (past, past))
        new = user_import.stage(io.BytesIO(b"username,display_name\nnew.one,B\n"))
        assert not path.exists()
        assert user_import.load(new).startswith(b"username")


def test_no_one_grants_a_role_to_themselves(app, officer):
    """A unit admin (or the system admin) cannot make themselves the leader who signs: on the
    page, or through the CSV import (separation of duties)."""
    for username, grant in (
        ("clo.qt", {"grant_role": "leader", "grant_unit": "CLO"}),
        ("admin", {"grant_role": "receptionist", "grant_unit": "CLO"}),
    ):
        pages, before = officer(username), account(app, username)[4]
        response = pages.post(f"/admin/users/{user_id(app, username)}/roles", data=grant)
        assert response.status_code == 403
        assert "Không ai tự cấp vai trò cho mình" in text(response)
        assert account(app, username)[4] == before
    assert audit(app, "user.role_grant") == []

    clo = officer("clo.qt")
    html = upload(clo, b"username,display_name,email,unit_code,roles,password\nclo.qt,,,,leader,\n")
    assert report(html.get_data(as_text=True))[2] == (
        "clo.qt",
        "Bỏ qua: không ai tự cấp vai trò cho mình: nhờ một quản trị khác cấp",
    )
    # Another admin may: and the grant is on record.
    other = {"grant_role": "leader", "grant_unit": "CLO"}
    assert (
        officer("admin")
        .post(f"/admin/users/{user_id(app, 'clo.qt')}/roles", data=other)
        .status_code
        == 302
    )
    assert [e[0] for e in audit(app, "user.role_grant", "clo.qt")] == ["admin"]
