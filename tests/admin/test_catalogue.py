"""The procedure catalogue admin: list and search, create and edit, import from CSV and Excel."""

import html
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from motcua.extensions import db
from motcua.models import AuditEntry, FeeLine, OnlineLevel, Procedure, ProcedureLevel
from motcua.vocabulary import FeeKind

VALID = {
    "code": "1.000105",
    "name": "Đăng ký kết hôn có yếu tố nước ngoài",
    "field": "Hộ tịch",
    "level": "commune",
    "legal_limit_days": "0,5",
    "fees": "1.500.000 đồng/trường hợp",
    "required_documents": "Tờ khai đăng ký kết hôn\n\n  Giấy xác nhận tình trạng hôn nhân  \n",
    "online_level": "partial",
    "partial_online_reason": "Cần đối chiếu bản chính giấy tờ của người nước ngoài",
}
REASON = "Bản chính phải được đối chiếu tại Bộ phận một cửa"


@pytest.fixture
def read(app):
    """read(code) → the stored entry as a dict (or None), read in a fresh session."""

    def get(code):
        with app.app_context():
            p = db.session.scalar(select(Procedure).where(Procedure.code == code))
            if p is None:
                return None
            return {
                "code": p.code,
                "name": p.name,
                "field": p.field,
                "level": p.level,
                "legal_limit_days": p.legal_limit_days,
                "fees": p.fees,
                "required_documents": p.required_documents,
                "online_level": p.online_level,
            }

    return get


@pytest.fixture
def audits(app):
    """audits(action) → [(target_key, summary, data)] of that action, oldest first."""

    def entries(action):
        with app.app_context():
            rows = db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
            return [(e.target_key, e.summary, e.data, e.actor.username) for e in rows]

    return entries


@pytest.fixture
def count(app):
    def procedures():
        with app.app_context():
            return db.session.scalar(select(func.count(Procedure.id)))

    return procedures


def codes_listed(page: str) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)">', page)


def field_error(page: str, name: str) -> str | None:
    found = re.search(rf'<p class="field-error" id="err-{name}">(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)) if found else None


# --- list, search, filters -------------------------------------------------------------------


def test_the_list_shows_every_entry_with_vietnamese_labels(officer):
    page = officer("admin").page("/admin/catalogue")
    assert codes_listed(page) == ["1.001612", "1.009974", "1.009994", "1.013978", "2.000815"]
    assert "Danh mục thủ tục" in page  # the menu entry
    assert "Cấp xã" in page and "Toàn trình" in page and "Một phần" in page
    assert "3 ngày làm việc" in page
    assert 'href="/admin/catalogue/1.001612/edit"' in page
    assert "Thêm thủ tục" in page and "Nhập từ tệp" in page


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("1.0016", ["1.001612"]),
        ("hộ kinh doanh", ["1.001612"]),
        ("HỘ KINH", ["1.001612"]),  # case ignored
        ("dang ky", ["1.001612", "1.013978"]),  # typed without diacritics: any diacritics
        ("đăng ký đất", ["1.013978"]),
        ("hồ kinh doanh", []),  # typed with diacritics: those diacritics
        ("chứng thực", ["2.000815"]),
        ("không có", []),
    ],
)
def test_search_by_code_or_name(officer, query, codes):
    page = officer("admin").page("/admin/catalogue", query_string={"q": query})
    assert codes_listed(page) == codes


def test_filters_by_field_and_level(officer, read):
    pages = officer("admin")
    page = pages.page("/admin/catalogue", query_string={"field": "Đất đai"})
    assert codes_listed(page) == ["1.013978"]
    province = pages.page("/admin/catalogue", query_string={"level": "province"})
    assert codes_listed(province) == ["1.009974"]  # the Department of Construction's permit
    pages.post("/admin/catalogue/new", data={**VALID, "level": "province"})
    page = pages.page("/admin/catalogue", query_string={"level": "province", "q": "kết hôn"})
    assert codes_listed(page) == ["1.000105"]
    assert "Bỏ lọc" in page


def test_the_list_is_paginated(officer):
    pages = officer("admin")
    for n in range(30):
        response = pages.post(
            "/admin/catalogue/new",
            data={**VALID, "code": f"3.{n:06d}", "name": f"Thủ tục thử {n}"},
        )
        assert response.status_code == 302
    first = pages.page("/admin/catalogue", query_string={"q": "thử"})
    assert "30 thủ tục" in first and "trang 1/2" in first
    assert len(codes_listed(first)) == 25
    assert 'rel="next"' in first and "page=2" in first
    second = pages.page("/admin/catalogue", query_string={"q": "thử", "page": 2})
    assert codes_listed(second) == [f"3.{n:06d}" for n in range(25, 30)]


# --- who may do what -------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["hti.phantich", "clo.qt"])
def test_analysts_and_unit_admins_read_but_cannot_change(officer, read, count, username):
    pages = officer(username)
    page = pages.page("/admin/catalogue")
    assert "Danh mục thủ tục" in page
    assert "Thêm thủ tục" not in page and "Nhập từ tệp" not in page
    assert 'href="/admin/catalogue/1.001612"' in page
    view = pages.page("/admin/catalogue/1.001612")
    assert "Đăng ký thành lập hộ kinh doanh" in view and "<form" not in view.split("<main>")[1]
    before = count()
    for path in ("/admin/catalogue/new", "/admin/catalogue/1.001612/edit"):
        assert pages.get(path).status_code == 403
        assert pages.post(path, data={**VALID, "code": "1.001612"}).status_code == 403
    csv_file = (io.BytesIO(b"Ma TTHC;Ten\n1.000001;X\n"), "a.csv")
    assert pages.post("/admin/catalogue/import", data={"file": csv_file}).status_code == 403
    assert pages.post("/admin/catalogue/import/confirm", data={}).status_code == 403
    assert count() == before
    assert read("1.001612")["name"] == "Đăng ký thành lập hộ kinh doanh"


def test_other_officers_do_not_see_the_catalogue(officer):
    pages = officer("clo.cv.tckh1")
    response = pages.get("/admin/catalogue")
    assert response.status_code == 403
    assert "Chỉ quản trị hệ thống" in response.get_data(as_text=True)
    assert "/admin/catalogue" not in pages.page("/inbox")  # no menu entry


# --- create and edit -------------------------------------------------------------------------


def test_creating_an_entry_stores_it_and_records_it(officer, read, audits):
    pages = officer("admin")
    assert "Thêm thủ tục" in pages.page("/admin/catalogue/new")
    response = pages.post("/admin/catalogue/new", data=VALID)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/catalogue/1.000105/edit")
    assert read("1.000105") == {
        "code": "1.000105",
        "name": "Đăng ký kết hôn có yếu tố nước ngoài",
        "field": "Hộ tịch",
        "level": ProcedureLevel.COMMUNE,
        "legal_limit_days": Decimal("0.5"),
        "fees": "1.500.000 đồng/trường hợp",
        "required_documents": ["Tờ khai đăng ký kết hôn", "Giấy xác nhận tình trạng hôn nhân"],
        "online_level": OnlineLevel.PARTIAL,
    }
    [(key, summary, data, actor)] = audits("procedure.create")
    assert (key, actor) == ("1.000105", "admin")
    assert "1.000105" in summary
    assert data["legal_limit_days"] == {"old": None, "new": "0.5"}
    page = pages.page("/admin/catalogue/1.000105/edit")
    assert "Đã thêm thủ tục 1.000105." in page
    assert 'value="0,5"' in page and "Lịch sử thay đổi" in page


def test_a_portal_code_is_stored_as_its_national_code(officer, read):
    response = officer("admin").post(
        "/admin/catalogue/new", data={**VALID, "code": " 1.000105.000.00.00.H42 "}
    )
    assert response.status_code == 302
    assert read("1.000105") is not None


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("code", "", "Nhập mã thủ tục."),
        ("code", "1001612", "dạng 1.001612"),
        ("code", "1.00161", "dạng 1.001612"),
        ("code", "A.001612", "dạng 1.001612"),
        ("name", "   ", "Nhập tên thủ tục."),
        ("field", "", "Nhập lĩnh vực."),
        ("level", "region", "Chọn cấp thực hiện"),
        ("legal_limit_days", "", "Nhập thời hạn giải quyết"),
        ("legal_limit_days", "mười", "Thời hạn là một số ngày làm việc"),
        ("legal_limit_days", "0", "Thời hạn phải lớn hơn 0 ngày."),
        ("legal_limit_days", "-3", "Thời hạn phải lớn hơn 0 ngày."),
        ("legal_limit_days", "1,255", "tối đa 2 chữ số thập phân"),
        ("legal_limit_days", "100000", "không được quá 9999 ngày"),
        ("online_level", "", "Chọn mức độ dịch vụ công trực tuyến."),
        ("name", "x" * 501, "dài quá 500 ký tự"),
    ],
)
def test_an_invalid_entry_shows_the_error_next_to_the_field_and_stores_nothing(
    officer, count, audits, name, value, message
):
    before = count()
    response = officer("admin").post("/admin/catalogue/new", data={**VALID, name: value})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in field_error(page, name)
    assert "Thông tin thủ tục chưa hợp lệ" in page
    assert count() == before
    assert audits("procedure.create") == []


def test_every_field_error_at_once(officer):
    response = officer("admin").post("/admin/catalogue/new", data={})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for name in ("code", "name", "field", "level", "legal_limit_days", "online_level"):
        assert field_error(page, name), name


def test_a_taken_code_is_a_conflict(officer, read, audits):
    response = officer("admin").post("/admin/catalogue/new", data={**VALID, "code": "1.001612"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Mã thủ tục 1.001612 đã có trong danh mục." in page
    assert "đã có trong danh mục" in field_error(page, "code")
    assert read("1.001612")["name"] == "Đăng ký thành lập hộ kinh doanh"
    assert audits("procedure.create") == []


def test_editing_records_each_changed_field(app, officer, read, audits):
    pages = officer("admin")
    page = pages.page("/admin/catalogue/2.000815/edit")
    assert 'value="2.000815"' in page and "readonly" in page
    with app.app_context():  # the demo's reason
        published = db.session.scalar(
            select(Procedure.partial_online_reason).where(Procedure.code == "2.000815")
        )
    values = {
        "code": "2.000815",
        "name": read("2.000815")["name"],
        "field": "Chứng thực",
        "level": "province",
        "legal_limit_days": "2",
        "fees": read("2.000815")["fees"],
        "required_documents": "\n".join(read("2.000815")["required_documents"]),
        "online_level": "partial",
    }
    # A partly online service publishes its reason (Decree 224/2026/NĐ-CP).
    refused = pages.post("/admin/catalogue/2.000815/edit", data=values)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Nghị định 224/2026" in field_error(page, "partial_online_reason")
    values["partial_online_reason"] = REASON
    response = pages.post("/admin/catalogue/2.000815/edit", data=values)
    assert response.status_code == 302
    stored = read("2.000815")
    assert stored["level"] == ProcedureLevel.PROVINCE
    assert stored["legal_limit_days"] == Decimal("2")
    [(key, summary, data, actor)] = audits("procedure.update")
    assert (key, actor) == ("2.000815", "admin")
    assert data == {
        "level": {"old": "commune", "new": "province"},
        "legal_limit_days": {"old": "1", "new": "2"},
        "partial_online_reason": {"old": published, "new": REASON},
    }
    assert "cấp thực hiện" in summary and "thời hạn giải quyết" in summary
    page = pages.page("/admin/catalogue/2.000815/edit")
    assert "Đã lưu thủ tục 2.000815." in page
    assert summary in page  # the history

    # Saving again without a change writes nothing.
    assert pages.post("/admin/catalogue/2.000815/edit", data=values).status_code == 302
    assert len(audits("procedure.update")) == 1
    assert "Không có thay đổi nào để lưu." in pages.page("/admin/catalogue/2.000815/edit")


def test_an_invalid_edit_changes_nothing(officer, read, audits):
    pages = officer("admin")
    before = read("1.009994")
    response = pages.post(
        "/admin/catalogue/1.009994/edit",
        data={
            **before,
            "level": "district",
            "online_level": "partial",
            "name": "Mới",
            "legal_limit_days": "abc",
            "required_documents": "",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Thời hạn là một số" in field_error(page, "legal_limit_days")
    assert "Từ 01/7/2025 không còn cấp huyện" in field_error(page, "level")
    assert 'value="district"' not in page  # not offered any more
    assert read("1.009994") == before
    assert audits("procedure.update") == []


def test_the_code_is_locked_once_the_procedure_has_diagram_versions(officer, read):
    pages = officer("admin")
    data = {**VALID}
    data.update(code="1.001613")
    current = read("1.001612")
    form = {
        **{k: str(v) for k, v in current.items()},
        "level": "commune",
        "online_level": "full",
        "required_documents": "\n".join(current["required_documents"]),
        "code": "1.001613",
    }
    response = pages.post("/admin/catalogue/1.001612/edit", data=form)
    assert response.status_code == 422
    error = field_error(response.get_data(as_text=True), "code")
    assert "Không đổi được mã" in error and "phiên bản quy trình" in error
    assert read("1.001612") is not None and read("1.001613") is None


def test_the_code_of_an_entry_without_versions_can_change_but_not_to_a_taken_one(
    officer, read, audits
):
    pages = officer("admin")
    pages.post("/admin/catalogue/new", data=VALID)
    response = pages.post("/admin/catalogue/1.000105/edit", data={**VALID, "code": "2.000815"})
    assert response.status_code == 409
    assert "đã có trong danh mục" in field_error(response.get_data(as_text=True), "code")
    response = pages.post("/admin/catalogue/1.000105/edit", data={**VALID, "code": "1.000106"})
    assert response.status_code == 302
    assert read("1.000105") is None and read("1.000106")["name"] == VALID["name"]
    [(key, _summary, data, _actor)] = audits("procedure.update")
    assert key == "1.000105" and data == {"code": {"old": "1.000105", "new": "1.000106"}}


def test_an_unknown_code_is_not_found(officer):
    assert officer("admin").get("/admin/catalogue/9.999999/edit").status_code == 404
    assert officer("hti.phantich").get("/admin/catalogue/9.999999").status_code == 404


# --- import ----------------------------------------------------------------------------------

HEADER = [
    "STT",
    "Mã TTHC",
    "Tên thủ tục",
    "Cấp thực hiện",
    "Lĩnh vực",
    "Thời hạn giải quyết",
    "Phí, lệ phí",
    "Thành phần hồ sơ",
    "Mức độ DVC",
    "Lý do chỉ cung cấp một phần trực tuyến",
]


def as_row(p: dict, **changes) -> list:
    """A file row with an entry's stored values, as the national database writes them."""
    p = {**p, **changes}
    level = {"province": "Cấp Tỉnh", "district": "Cấp Huyện", "commune": "Cấp Xã"}[p["level"]]
    online = {"full": "Toàn trình", "partial": "Một phần", "none": ""}[p["online_level"]]
    return [
        "",
        p["code"],
        p["name"],
        level,
        p["field"],
        f"{p['legal_limit_days']:g} ngày làm việc",
        p["fees"],
        "\n".join(p["required_documents"]),
        online,
    ]


def sample_rows(read) -> list[list]:
    """A title row, the header, then good and bad rows (spreadsheet rows 3 to 12)."""
    return [
        ["DANH SÁCH THỦ TỤC HÀNH CHÍNH"] + [""] * 8,
        HEADER,
        [
            "1",
            "1.000001",
            "Đăng ký khai sinh",
            "Cấp Xã",
            "Hộ tịch",
            "Trong ngày",
            "Miễn lệ phí",
            "Tờ khai đăng ký khai sinh\nGiấy chứng sinh",
            "DVC trực tuyến toàn trình",
        ],
        as_row(read("2.000815"), legal_limit_days=Decimal("2")),
        ["3", "", "Thủ tục không có mã", "Cấp Xã", "Hộ tịch", "5 ngày", "", "", ""],
        ["4", "ABC-123", "Sai mã", "Cấp Xã", "Đất đai", "5 ngày", "", "", ""],
        ["5", "1.000002", "Cấp lạ", "Cấp Bộ", "Khác", "5 ngày", "", "", ""],
        ["6", "1.000003", "Thời hạn lạ", "Tỉnh", "Khác", "theo quy định", "", "", ""],
        ["7", "1.000001", "Trùng mã", "Xã", "Hộ tịch", "3 ngày", "", "", ""],
        as_row(read("1.001612")),
        [""] * 9,
        [
            "9",
            "1.000004.000.00.00.H42",
            "Cấp giấy phép thử",
            "Cấp Tỉnh",
            "Xây dựng",
            "15 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ",
            "Phí: 100.000 đồng",
            "1. Đơn đề nghị; 2. Bản vẽ thiết kế",
            "Mức độ 3",
            REASON,
        ],
    ]


EXPECTED_REPORT = [
    (3, "1.000001", "Đăng ký khai sinh", "Thêm mới"),
    (4, "2.000815", None, "Cập nhật"),
    (5, "", "Thủ tục không có mã", "Bỏ qua: thiếu mã thủ tục"),
    (6, "ABC-123", "Sai mã", "Bỏ qua: mã thủ tục «ABC-123» không đúng dạng 1.001612"),
    (
        7,
        "1.000002",
        "Cấp lạ",
        "Bỏ qua: cấp thực hiện «Cấp Bộ» không rõ (cần Cấp tỉnh hoặc Cấp xã)",
    ),
    (8, "1.000003", "Thời hạn lạ", "Bỏ qua: không đọc được thời hạn giải quyết «theo quy định»"),
    (9, "1.000001", "Trùng mã", "Bỏ qua: trùng mã với dòng 3"),
    (10, "1.001612", "Đăng ký thành lập hộ kinh doanh", "Bỏ qua: không có thay đổi"),
    (12, "1.000004", "Cấp giấy phép thử", "Thêm mới"),
]


def csv_bytes(rows, delimiter=";", bom=True) -> bytes:
    import csv

    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def xlsx_bytes(rows, numeric_code=None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Danh sách TTHC"
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("A1:I1")
    if numeric_code is not None:
        sheet.append(["10", numeric_code, "Mã dạng số", "Cấp Xã", "Khác", 7, "", "", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report(page: str) -> list[tuple]:
    found = re.findall(
        r'<tr class="(\w+)" data-row="(\d+)">\s*<td>\d+</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>'
        r'\s*<td class="result">(.*?)</td>',
        page,
        re.S,
    )
    return [
        (int(row), html.unescape(code), html.unescape(name), html.unescape(label))
        for _action, row, code, name, label in found
    ]


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', page).group(1)


def upload(pages, data: bytes, filename: str):
    return pages.post(
        "/admin/catalogue/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def check_report(page: str):
    rows = report(page)
    expected = [
        (r, c, n if n is not None else rows[i][2], label)
        for i, (r, c, n, label) in enumerate(EXPECTED_REPORT)
    ]
    assert rows == expected


def test_import_csv_previews_then_applies_only_the_good_rows(officer, read, count, audits):
    pages = officer("admin")
    assert "Cấu trúc tệp" in pages.page("/admin/catalogue/import")
    before, old_2000815 = count(), read("2.000815")
    response = upload(pages, csv_bytes(sample_rows(read)), "danh-sach-tthc.csv")
    assert response.status_code == 200
    preview = response.get_data(as_text=True)
    check_report(preview)
    assert "Nếu nhập: 2 thêm mới, 1 cập nhật, 6 bỏ qua." in preview
    assert "Thời hạn giải quyết: 1 → 2" in preview  # which rows change, and how
    assert "Xác nhận nhập 3 dòng" in preview

    # The dry run changed nothing.
    assert count() == before
    assert read("1.000001") is None and read("2.000815") == old_2000815
    assert audits("procedure.import") == []

    response = pages.post(
        "/admin/catalogue/import/confirm",
        data={"sha256": hidden(preview, "sha256"), "fingerprint": hidden(preview, "fingerprint")},
    )
    assert response.status_code == 200
    result = response.get_data(as_text=True)
    check_report(result)
    assert "Đã nhập tệp danh-sach-tthc.csv: 2 thêm mới, 1 cập nhật, 6 bỏ qua." in result

    assert count() == before + 2
    assert read("1.000001") == {
        "code": "1.000001",
        "name": "Đăng ký khai sinh",
        "field": "Hộ tịch",
        "level": ProcedureLevel.COMMUNE,
        "legal_limit_days": Decimal("0.5"),
        "fees": "Miễn lệ phí",
        "required_documents": ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"],
        "online_level": OnlineLevel.FULL,
    }
    new = read("1.000004")
    assert new["level"] == ProcedureLevel.PROVINCE
    assert new["legal_limit_days"] == Decimal("15")
    assert new["required_documents"] == ["Đơn đề nghị", "Bản vẽ thiết kế"]
    assert new["online_level"] == OnlineLevel.PARTIAL
    assert read("2.000815") == {**old_2000815, "legal_limit_days": Decimal("2")}
    for skipped in ("1.000002", "1.000003", "ABC-123"):
        assert read(skipped) is None

    [(key, summary, data, actor)] = audits("procedure.import")
    assert actor == "admin" and len(key) == 64
    assert summary == "Nhập danh mục từ tệp danh-sach-tthc.csv: 2 thêm mới, 1 cập nhật, 6 bỏ qua"
    assert data["created"] == ["1.000001", "1.000004"]
    assert data["updated"] == {"2.000815": {"legal_limit_days": {"old": "1", "new": "2"}}}
    assert [row for row, _code, _reason in data["skipped"]] == [5, 6, 7, 8, 9, 10]

    # The confirmation is used up: posting it again applies nothing.
    again = pages.post(
        "/admin/catalogue/import/confirm",
        data={"sha256": hidden(preview, "sha256"), "fingerprint": hidden(preview, "fingerprint")},
    )
    assert again.status_code == 409
    assert len(audits("procedure.import")) == 1


def test_import_confirm_refuses_when_the_catalogue_changed_since_the_preview(officer, read, audits):
    pages = officer("admin")
    preview = upload(pages, csv_bytes(sample_rows(read)), "a.csv").get_data(as_text=True)
    pages.post("/admin/catalogue/new", data={**VALID, "code": "1.000001"})  # meanwhile
    response = pages.post(
        "/admin/catalogue/import/confirm",
        data={"sha256": hidden(preview, "sha256"), "fingerprint": hidden(preview, "fingerprint")},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Danh mục đã thay đổi" in page
    assert report(page)[0][3] == "Cập nhật"  # the new preview
    assert audits("procedure.import") == []
    assert read("1.000004") is None


def test_import_confirm_needs_the_file_of_this_session(officer, read, audits):
    pages = officer("admin")
    preview = upload(pages, csv_bytes(sample_rows(read)), "a.csv").get_data(as_text=True)
    other = officer("admin")  # another session cannot confirm it
    response = other.post(
        "/admin/catalogue/import/confirm",
        data={"sha256": hidden(preview, "sha256"), "fingerprint": hidden(preview, "fingerprint")},
    )
    assert response.status_code == 409
    assert (
        pages.post(
            "/admin/catalogue/import/confirm", data={"sha256": "0" * 64, "fingerprint": "x"}
        ).status_code
        == 409
    )
    assert audits("procedure.import") == []


def test_import_xlsx_built_like_an_export(officer, read, audits):
    pages = officer("admin")
    data = xlsx_bytes(sample_rows(read), numeric_code=2.00081)
    preview = upload(pages, data, "DanhSachTTHC.xlsx").get_data(as_text=True)
    rows = report(preview)
    assert rows[:-1] == [
        (r, c, n if n is not None else rows[i][2], label)
        for i, (r, c, n, label) in enumerate(EXPECTED_REPORT)
    ]
    assert rows[-1] == (13, "2.000810", "Mã dạng số", "Thêm mới")
    response = pages.post(
        "/admin/catalogue/import/confirm",
        data={"sha256": hidden(preview, "sha256"), "fingerprint": hidden(preview, "fingerprint")},
    )
    assert response.status_code == 200
    assert read("2.000810")["legal_limit_days"] == Decimal("7")
    assert read("1.000001")["legal_limit_days"] == Decimal("0.5")
    assert audits("procedure.import")[0][2]["created"] == ["1.000001", "1.000004", "2.000810"]


def test_import_reads_comma_separated_csv_without_bom(officer, read):
    rows = [
        ["Mã thủ tục", "Tên thủ tục", "Cấp thực hiện", "Lĩnh vực", "Thời gian giải quyết"],
        ["1.000005", "Thủ tục có dấu phẩy, trong tên", "xã", "Khác", "0,5 ngày"],
        ["1.000006", "Thủ tục 2", "Cấp Xã", "Khác", "04 giờ làm việc"],
    ]
    page = upload(officer("admin"), csv_bytes(rows, ",", bom=False), "x.csv").get_data(as_text=True)
    assert report(page) == [
        (2, "1.000005", "Thủ tục có dấu phẩy, trong tên", "Thêm mới"),
        (3, "1.000006", "Thủ tục 2", "Thêm mới"),
    ]


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("danh-muc.pdf", b"%PDF-1.4", "Chỉ nhập được tệp .csv hoặc .xlsx."),
        ("danh-muc.xls", b"\xd0\xcf\x11\xe0", "Tệp .xls (Excel 97–2003) chưa được hỗ trợ"),
        ("danh-muc.csv", b"", "Tệp rỗng."),
        ("danh-muc.csv", b"a" * (5 * 1024 * 1024 + 1), "Tệp lớn hơn 5 MB."),
        ("danh-muc.xlsx", b"not a zip", "Không đọc được tệp Excel"),
        (
            "danh-muc.csv",
            "Mã TTHC;Tên thủ tục;Cấp thực hiện;Lĩnh vực;Thời hạn giải quyết\n".encode()
            + b"1.000001;A;X;B;1\n" * 5001,
            "Tệp có hơn 5.000 dòng; hãy chia thành nhiều tệp.",
        ),
        ("danh-muc.csv", "Mã TTHC;Tên".encode("cp1252"), "không ở bảng mã UTF-8"),
        ("danh-muc.csv", b"a;b;c\n1;2;3\n", "Không tìm thấy dòng tiêu đề"),
        (
            "danh-muc.csv",
            "Mã TTHC;Tên thủ tục;Lĩnh vực\n1.000001;A;B\n".encode(),
            "Tệp thiếu cột bắt buộc: «Cấp thực hiện», «Thời hạn giải quyết».",
        ),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_with_a_reason(
    officer, count, filename, data, message
):
    before = count()
    response = upload(officer("admin"), data, filename)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in html.unescape(page)
    assert "Xác nhận nhập" not in page
    assert count() == before


def test_import_without_a_file_asks_for_one(officer):
    response = officer("admin").post("/admin/catalogue/import", data={})
    assert response.status_code == 422
    assert "Chọn tệp cần nhập." in response.get_data(as_text=True)


# --- reading values as the national database writes them --------------------------------------

SHORT_HEADER = ["Mã TTHC", "Tên TTHC", "Cấp thực hiện", "Lĩnh vực", "Thời hạn giải quyết"]


def parsed(rows, header=SHORT_HEADER):
    from motcua.services import catalogue_import_plan

    return catalogue_import_plan.parse_import(csv_bytes([header, *rows]), "a.csv").rows


@pytest.mark.parametrize(
    ("cell", "days"),
    [
        ("15 ngày làm việc", "15"),
        ("03 ngày", "3"),
        ("0,5 ngày", "0.5"),
        ("Trong ngày", "0.5"),
        ("Trong ngày làm việc; sau 15 giờ thì trả trong ngày làm việc tiếp theo", "0.5"),
        ("Không quá 10 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", "10"),
        ("Trực tiếp: 05 ngày làm việc; Trực tuyến: 03 ngày làm việc", "5"),
        ("04 giờ làm việc", "0.5"),
        ("20", "20"),
    ],
)
def test_limits_are_read_from_the_national_wording(ctx, cell, days):
    [row] = parsed([["1.000001", "A", "Cấp Xã", "Hộ tịch", cell]])
    assert (row.label, row.values["legal_limit_days"]) == ("Thêm mới", Decimal(days))


@pytest.mark.parametrize(
    ("cell", "level"),
    [
        ("Cấp Tỉnh", ProcedureLevel.PROVINCE),
        ("tỉnh", ProcedureLevel.PROVINCE),
        ("Cấp Huyện, Cấp Xã", ProcedureLevel.COMMUNE),  # the national database's wording
        ("Cấp Xã", ProcedureLevel.COMMUNE),
        ("Xã", ProcedureLevel.COMMUNE),
    ],
)
def test_levels_are_read_from_the_national_wording(ctx, cell, level):
    [row] = parsed([["1.000001", "A", cell, "Hộ tịch", "1 ngày"]])
    assert row.values["level"] == level


@pytest.mark.parametrize("cell", ["Cấp Huyện", "HUYỆN"])
def test_a_district_level_alone_is_refused(ctx, cell):
    [row] = parsed([["1.000001", "A", cell, "Hộ tịch", "1 ngày"]])
    assert row.label == (
        f"Bỏ qua: cấp thực hiện «{cell}»: từ 01/7/2025 không còn cấp huyện "
        "(Nghị định 118/2025/NĐ-CP), ghi Cấp tỉnh hoặc Cấp xã"
    )


def test_a_row_naming_several_levels_keeps_an_existing_level_or_is_skipped(ctx):
    existing, new = parsed(
        [
            ["2.000815", "Chứng thực bản sao", "Cấp Tỉnh, Cấp Xã", "Chứng thực", "1 ngày"],
            ["1.000001", "A", "Cấp Tỉnh, Cấp Huyện, Cấp Xã", "Hộ tịch", "1 ngày"],
        ]
    )
    assert existing.values["level"] == ProcedureLevel.COMMUNE
    assert existing.changes == {
        "name": {
            "old": existing.procedure.name,
            "new": "Chứng thực bản sao",
        }
    }
    assert new.label == (
        "Bỏ qua: cấp thực hiện «Cấp Tỉnh, Cấp Huyện, Cấp Xã» gồm nhiều cấp; mỗi thủ tục chỉ "
        "ghi một cấp"
    )


@pytest.mark.parametrize(
    ("cell", "online"),
    [
        ("Toàn trình", OnlineLevel.FULL),
        ("DVC trực tuyến toàn trình", OnlineLevel.FULL),
        ("Mức độ 4", OnlineLevel.FULL),
        ("Một phần", OnlineLevel.PARTIAL),
        ("Dịch vụ công trực tuyến một phần", OnlineLevel.PARTIAL),
        ("Mức độ 3", OnlineLevel.PARTIAL),
        ("Mức độ 2", OnlineLevel.NONE),
        ("", OnlineLevel.NONE),
    ],
)
def test_online_levels_are_read_from_the_national_wording(ctx, cell, online):
    [row] = parsed([["1.000001", "A", "Xã", "B", "1 ngày", cell]], [*SHORT_HEADER, "Mức độ"])
    assert row.values["online_level"] == online


def test_documents_split_by_lines_or_semicolons_and_fees_from_two_columns(ctx):
    header = [*SHORT_HEADER, "Thành phần hồ sơ", "Phí", "Lệ phí"]
    by_lines, by_semicolons = parsed(
        [
            [
                "1.000001",
                "A",
                "Xã",
                "B",
                "1 ngày",
                "- Tờ khai; theo mẫu\n+ Giấy tờ tùy thân",
                "",
                "8.000 đồng",
            ],
            ["1.000002", "A", "Xã", "B", "1 ngày", "1. Tờ khai; 2) Giấy tờ tùy thân;", "Không", ""],
        ],
        header,
    )
    assert by_lines.values["required_documents"] == ["Tờ khai; theo mẫu", "Giấy tờ tùy thân"]
    assert by_lines.values["fees"] == "Lệ phí: 8.000 đồng"
    assert by_semicolons.values["required_documents"] == ["Tờ khai", "Giấy tờ tùy thân"]
    assert by_semicolons.values["fees"] == "Phí: Không"


def test_headers_match_without_case_spacing_or_diacritics(ctx):
    header = ["  ma  tthc ", "TEN THU TUC", "Cap thuc hien", "LĨNH VỰC", "Thoi gian giai quyet"]
    [row] = parsed([["1.000001", "A", "Xã", "B", "2 ngày"]], header)
    assert row.label == "Thêm mới"


def test_import_reads_fee_lines_and_shows_what_changes(app, officer, audits):
    """A column of fee lines, one a line as the admin writes them: a new entry gets them, an
    entry whose lines differ is updated (the preview says so), a wrong line skips the row."""
    header = [
        "Mã thủ tục",
        "Tên thủ tục",
        "Cấp thực hiện",
        "Lĩnh vực",
        "Thời hạn giải quyết",
        "Các khoản phí, lệ phí",
    ]
    with app.app_context():
        household = db.session.scalar(select(Procedure).where(Procedure.code == "1.001612"))
        kept = [household.name, household.field]
    rows = [
        header,
        [
            "1.000777",
            "Cấp phép thử có phí",
            "Cấp Xã",
            "Khác",
            "5",
            "LP01 | Lệ phí cấp phép | lệ phí | 50.000\n"
            " | Phí thẩm định | phí | theo từng trường hợp",
        ],
        [
            "1.001612",
            kept[0],
            "Cấp Xã",
            kept[1],
            "3",
            "| Lệ phí đăng ký hộ kinh doanh | lệ phí | 100000",
        ],
        ["1.000778", "Phí sai", "Cấp Xã", "Khác", "5", "Lệ phí | năm mươi nghìn"],
    ]
    pages = officer("admin")
    preview = upload(pages, csv_bytes(rows), "phi.csv").get_data(as_text=True)
    assert [r[3] for r in report(preview)] == [
        "Thêm mới",
        "Cập nhật",
        "Bỏ qua: phí, lệ phí: dòng 1: cần đủ 4 phần cách nhau bởi «|»",
    ]
    assert "Các khoản phí, lệ phí" in preview
    with app.app_context():  # the preview changed nothing
        assert not db.session.scalar(select(FeeLine.id).where(FeeLine.procedure_id == household.id))
    done = pages.post(
        "/admin/catalogue/import/confirm",
        data={"sha256": hidden(preview, "sha256"), "fingerprint": hidden(preview, "fingerprint")},
    )
    assert done.status_code == 200
    with app.app_context():
        new = db.session.scalar(select(Procedure).where(Procedure.code == "1.000777"))
        lines = [
            (line.code, line.name, line.kind, line.amount)
            for line in db.session.scalars(
                select(FeeLine).where(FeeLine.procedure_id == new.id).order_by(FeeLine.position)
            )
        ]
        assert lines == [
            ("LP01", "Lệ phí cấp phép", FeeKind.CHARGE, Decimal(50000)),
            ("", "Phí thẩm định", FeeKind.FEE, None),
        ]
        [line] = db.session.scalars(select(FeeLine).where(FeeLine.procedure_id == household.id))
        assert (line.name, line.amount) == ("Lệ phí đăng ký hộ kinh doanh", Decimal(100000))
    [(_key, _summary, data, _actor)] = audits("procedure.import")
    assert data["updated"]["1.001612"]["fee_lines"]["new"] == (
        " | Lệ phí đăng ký hộ kinh doanh | lệ phí | 100000"
    )
