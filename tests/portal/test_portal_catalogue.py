"""The national portal's catalogue pulled on demand with a preview (issue 15, "Inbound"), against
the fake portal: what would change, procedure by procedure and field by field, before anything
does; applied by the catalogue import's own path; agencies compared with our units'
identifier codes, none created."""

from decimal import Decimal

from sqlalchemy import func, select

from motcua.cli import main
from motcua.extensions import db
from motcua.models import Procedure, Unit
from tests.portal.test_portal_sync import portal  # noqa: F401 (a fixture)

NEW = "1.004227"
KNOWN = "1.001612"  # the demo's: Đăng ký thành lập hộ kinh doanh, 3 days


def catalogue(portal):  # noqa: F811
    """The portal holds one procedure we do not have and one we have, with a longer limit."""
    portal.fields = [
        {"MaLinhVuc": "HT", "TenLinhVuc": "Hộ tịch"},
        {"MaLinhVuc": "HKD", "TenLinhVuc": "Thành lập và hoạt động của hộ kinh doanh"},
    ]
    portal.procedures = [
        {"MaTTHC": NEW, "TenTTHC": "Đăng ký khai sinh", "MaLinhVuc": "HT", "CapThucHien": "Cấp Xã"},
        {
            "MaTTHC": f"{KNOWN}.000.00.00.H30",
            "TenTTHC": "Đăng ký thành lập hộ kinh doanh",
            "MaLinhVuc": "HKD",
            "CapThucHien": "Cấp Xã",
        },
    ]
    portal.details = {
        NEW: {
            "ThoiHanGiaiQuyet": "Trong ngày",
            "ThanhPhanHoSo": [{"TenThanhPhanHoSo": "Tờ khai đăng ký khai sinh"}],
            "PhiLePhi": "Miễn lệ phí",
            "MucDo": "Toàn trình",
        },
        f"{KNOWN}.000.00.00.H30": {"ThoiHanGiaiQuyet": "05 ngày làm việc"},
    }
    portal.agencies = [
        {"MaCoQuan": "000.20.50.H30", "TenCoQuan": "UBND xã Can Lộc"},
        {"MaCoQuan": "000.99.99.H30", "TenCoQuan": "UBND xã Không Có"},
    ]


def posted(officer, path, **data) -> str:
    response = officer.post(path, data=data)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def known_limit(app) -> Decimal:
    with app.app_context():
        return db.session.scalar(select(Procedure.legal_limit_days).filter_by(code=KNOWN))


def test_the_preview_shows_what_would_change_and_changes_nothing(app, officer, portal):  # noqa: F811
    catalogue(portal)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Procedure))
        units = db.session.scalar(select(func.count()).select_from(Unit))
    admin = officer("admin")
    page = posted(admin, "/admin/portal/catalogue")
    assert 'class="create"' in page and NEW in page and "Đăng ký khai sinh" in page
    assert 'class="update"' in page and "Thời hạn" in page and "3 → 5" in page
    assert "000.99.99.H30" in page and "UBND xã Không Có" in page  # an agency not ours
    assert "Xã Can Lộc (CLO)" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Procedure)) == before
    assert known_limit(app) == Decimal(3)
    services = [a[0] for a in portal.asked]
    assert {"LayDanhSachTTHC", "LayThuTuc", "LayDanhMucCoQuan", "LayDanhMucLinhVuc"} <= set(
        services
    )

    fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
    done = posted(admin, "/admin/portal/catalogue/confirm", fingerprint=fingerprint)
    assert 'id="import-result"' in done
    assert known_limit(app) == Decimal(5)
    with app.app_context():
        added = db.session.scalar(select(Procedure).filter_by(code=NEW))
        assert added.field == "Hộ tịch" and added.legal_limit_days == Decimal("0.5")
        assert added.required_documents == ["Tờ khai đăng ký khai sinh"]
        # No unit is made of the portal's agency that is none of ours.
        assert db.session.scalar(select(func.count()).select_from(Unit)) == units
    # The same preview cannot be applied twice.
    again = admin.post("/admin/portal/catalogue/confirm", data={"fingerprint": fingerprint})
    assert again.status_code == 409


def test_only_a_system_admin_pulls_the_catalogue(app, officer, portal):  # noqa: F811
    catalogue(portal)
    assert officer("clo.mc1").post("/admin/portal/catalogue").status_code == 403
    assert portal.asked == []


def test_a_portal_that_fails_is_said_plainly(app, officer, portal):  # noqa: F811
    portal.faults = ["error"]
    response = officer("admin").post("/admin/portal/catalogue")
    assert response.status_code == 422
    assert "Không lấy được danh mục" in response.get_data(as_text=True)


def test_the_command_previews_then_applies(app, portal):  # noqa: F811
    catalogue(portal)
    runner = app.test_cli_runner()
    preview = runner.invoke(main, ["portal", "catalogue", "--as", "admin", "--preview"])
    assert preview.exit_code == 0, preview.output
    assert f"{NEW}\tThêm mới" in preview.output and "legal_limit_days: 3 → 5" in preview.output
    assert "000.99.99.H30 UBND xã Không Có: không khớp" in preview.output
    assert "Nếu nhập: 1 thêm mới, 1 cập nhật" in preview.output
    assert known_limit(app) == Decimal(3)
    applied = runner.invoke(main, ["portal", "catalogue", "--as", "admin", "--apply"])
    assert applied.exit_code == 0 and "Đã nhập: 1 thêm mới, 1 cập nhật" in applied.output
    assert known_limit(app) == Decimal(5)
    nobody = runner.invoke(main, ["portal", "catalogue", "--as", "khong-co"])
    assert nobody.exit_code != 0
