"""The two facts the public catalogue gained (issue 15): the papers' templates to download,
attached by the catalogue's admin, and the published reason a service is only partly online
(Decree 224/2026/NĐ-CP), required by the admin's form and the catalogue's import file."""

import io
import re
import zipfile
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from motcua.extensions import db
from motcua.models import AuditEntry, PaperTemplate, Procedure

PROCEDURE = "1.001612"  # full online, offered at CLO; four papers
PARTIAL = "1.009994"  # partly online


def pdf(label: str = "mau") -> bytes:
    return f"%PDF-1.4 {label}".encode()


def zipped(first: str, content: bytes = b"<x/>") -> bytes:
    """An office file as filetype tells it: the zip's first entry names the kind."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr(first, content)
        z.writestr("[Content_Types].xml", "<Types/>")
    return out.getvalue()


def ole(marker: bytes) -> bytes:
    """A Word 97 or Excel 97 file as filetype tells it: the OLE header, then the marker."""
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".ljust(512, b"\0")
    return head + marker + b"\0" * 2048


DOCX = zipped("word/document.xml")
XLSX = zipped("xl/workbook.xml")
ODT = zipped("mimetype", b"application/vnd.oasis.opendocument.text")
DOC = ole(b"\xec\xa5\xc1\x00")
XLS = ole(b"\x09\x08\x10\x00\x00\x06\x05\x00")


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def attach(pages, content: bytes, name: str, paper: int = 0, code: str = PROCEDURE):
    return pages.post(
        f"/admin/catalogue/{code}/papers/{paper}/template",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def template_rows(app, code: str = PROCEDURE) -> list[PaperTemplate]:
    with app.app_context():
        rows = db.session.scalars(
            select(PaperTemplate)
            .join(Procedure, Procedure.id == PaperTemplate.procedure_id)
            .where(Procedure.code == code)
            .order_by(PaperTemplate.id)
        ).all()
        db.session.expunge_all()
        return rows


def stored_files(app) -> int:
    return sum(1 for f in Path(app.config["STORAGE_DIR"]).rglob("*") if f.is_file())


def download_link(client, paper: int = 0) -> str | None:
    page = text_of(client.get(f"/online/{PROCEDURE}"))
    found = re.search(rf'href="(/online/{PROCEDURE}/papers/{paper}/template)"', page)
    return found.group(1) if found else None


# -- templates ----------------------------------------------------------------------------------


def test_the_admin_attaches_a_template_and_anyone_downloads_it_from_the_page(app, client, officer):
    admin = officer("admin")
    assert 'id="paper-templates"' in admin.page(f"/admin/catalogue/{PROCEDURE}/edit")
    assert download_link(client) is None
    done = attach(admin, pdf("giay-de-nghi"), "Giấy đề nghị đăng ký hộ kinh doanh.pdf")
    assert done.status_code == 302
    assert "Đã đính kèm mẫu" in text_of(admin.get(done.headers["Location"]))

    link = download_link(client)
    page = text_of(client.get(f"/online/{PROCEDURE}"))
    assert link and "Tải mẫu: Giấy đề nghị đăng ký hộ kinh doanh.pdf" in page
    got = client.get(link)  # no sign-in
    assert got.status_code == 200 and got.data == pdf("giay-de-nghi")
    assert got.mimetype == "application/pdf"
    disposition = got.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Gi%E1%BA%A5y%20%C4%91%E1%BB%81%20ngh%E1%BB%8B" in disposition
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    [row] = template_rows(app)
    assert (row.paper_index, row.size, row.media_type) == (
        0,
        len(pdf("giay-de-nghi")),
        got.mimetype,
    )
    assert row.uploaded_by_id is not None and len(row.sha256) == 64
    with app.app_context():
        audited = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_key == PROCEDURE)
        ).all()
    assert "procedure.template" in audited


@pytest.mark.parametrize(
    "content, name, media_type",
    [
        (
            DOCX,
            "to-khai.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (DOC, "to-khai.doc", "application/msword"),
        (XLSX, "bang-ke.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (XLS, "bang-ke.xls", "application/vnd.ms-excel"),
        (ODT, "to-khai.odt", "application/vnd.oasis.opendocument.text"),
    ],
)
def test_office_documents_are_templates_told_by_their_bytes(
    app, client, officer, content, name, media_type
):
    assert attach(officer("admin"), content, name, paper=1).status_code == 302
    got = client.get(f"/online/{PROCEDURE}/papers/1/template")
    assert got.status_code == 200 and got.mimetype == media_type and got.data == content


def test_a_new_upload_replaces_the_offered_one_and_the_old_one_stays(app, client, officer):
    admin = officer("admin")
    assert attach(admin, pdf("cu"), "mau-cu.pdf").status_code == 302
    assert attach(admin, DOCX, "mau-moi.docx").status_code == 302
    got = client.get(download_link(client))
    assert got.data == DOCX and "mau-moi.docx" in got.headers["Content-Disposition"]
    old, new = template_rows(app)
    assert (old.file_name, new.file_name) == ("mau-cu.pdf", "mau-moi.docx")
    # Nothing is overwritten: the old row's bytes are still in storage.
    assert (Path(app.config["STORAGE_DIR"]) / old.storage_key).read_bytes() == pdf("cu")


@pytest.mark.parametrize(
    "content, name, words",
    [
        (
            b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
            "anh.png",
            "chỉ nhận tệp PDF, DOC",
        ),  # a scan, not a form
        (b"MZ\x90\x00 a program", "mau.pdf", "chỉ nhận tệp PDF, DOC"),  # the name lies
        (b"", "rong.pdf", "Tệp rỗng"),
    ],
)
def test_a_file_that_is_not_a_document_is_refused_and_nothing_is_kept(
    app, officer, content, name, words
):
    before = stored_files(app)
    refused = attach(officer("admin"), content, name)
    assert refused.status_code == 422
    assert words in text_of(refused) and 'id="err-template-0"' in text_of(refused)
    assert template_rows(app) == [] and stored_files(app) == before


def test_a_template_too_big_or_flagged_by_the_scan_is_refused(app, officer, tmp_path, monkeypatch):
    admin = officer("admin")
    monkeypatch.setitem(app.config, "ONLINE_MAX_FILE_BYTES", 50)
    assert "lớn quá" in text_of(attach(admin, pdf("x" * 100), "lon.pdf"))
    monkeypatch.setitem(app.config, "ONLINE_MAX_FILE_BYTES", 10 * 1024 * 1024)
    scanner = tmp_path / "scan.sh"
    scanner.write_text('#!/bin/sh\ngrep -q EICAR "$1" && exit 1\nexit 0\n')
    scanner.chmod(0o755)
    monkeypatch.setitem(app.config, "VIRUS_SCAN_COMMAND", str(scanner))
    flagged = attach(admin, pdf("EICAR"), "mau.pdf")
    assert flagged.status_code == 422 and "mã độc" in text_of(flagged)
    assert template_rows(app) == []


def test_only_a_system_admin_attaches_templates(app, officer):
    for username in ("clo.mc1", "hti.phantich"):
        refused = attach(officer(username), pdf(), "mau.pdf")
        assert refused.status_code == 403, username
    assert template_rows(app) == []


def test_no_paper_there_or_no_template_is_not_found(app, client, officer):
    assert attach(officer("admin"), pdf(), "mau.pdf", paper=9).status_code == 404
    assert client.get(f"/online/{PROCEDURE}/papers/0/template").status_code == 404
    assert client.get("/online/9.999999/papers/0/template").status_code == 404


def test_a_renamed_paper_offers_no_template_of_the_old_one(app, client, officer):
    admin = officer("admin")
    assert attach(admin, pdf(), "mau.pdf", paper=0).status_code == 302
    edit = admin.page(f"/admin/catalogue/{PROCEDURE}/edit")
    papers = unescape(re.search(r'name="required_documents"[^>]*>([^<]*)<', edit).group(1))
    renamed = "Giấy đề nghị (mẫu mới)\n" + papers.split("\n", 1)[1]
    values = {
        name: unescape(re.search(rf'name="{name}" value="([^"]*)"', edit).group(1))
        for name in ("code", "field", "legal_limit_days")
    }
    form = {
        **values,
        "name": unescape(re.search(r'name="name"[^>]*>([^<]*)<', edit).group(1)),
        "level": "commune",
        "fees": unescape(re.search(r'name="fees"[^>]*>([^<]*)<', edit).group(1)),
        "required_documents": renamed,
        "online_level": "full",
    }
    assert admin.post(f"/admin/catalogue/{PROCEDURE}/edit", data=form).status_code == 302
    assert download_link(client) is None
    assert client.get(f"/online/{PROCEDURE}/papers/0/template").status_code == 404


# -- the reason a service is only partly online -------------------------------------------------


def test_the_published_reason_of_a_partly_online_service_is_on_the_catalogue(app, client, officer):
    # The demo publishes each partly online service's reason.
    catalogue = text_of(client.get("/online"))
    assert "Người yêu cầu chứng thực phải xuất trình bản chính" in catalogue
    assert "chưa được công bố" not in catalogue
    admin = officer("admin")
    edit = admin.page(f"/admin/catalogue/{PARTIAL}/edit")
    form = {
        name: unescape(re.search(rf'name="{name}" value="([^"]*)"', edit).group(1))
        for name in ("code", "field", "legal_limit_days")
    }
    form.update(
        name=unescape(re.search(r'name="name"[^>]*>([^<]*)<', edit).group(1)),
        level=re.search(r'<option value="(\w+)" selected', edit).group(1),
        fees=unescape(re.search(r'name="fees"[^>]*>([^<]*)<', edit).group(1)),
        required_documents=unescape(
            re.search(r'name="required_documents"[^>]*>([^<]*)<', edit).group(1)
        ),
        online_level="partial",
    )
    refused = admin.post(f"/admin/catalogue/{PARTIAL}/edit", data=form)
    assert refused.status_code == 422
    assert 'id="err-partial_online_reason"' in text_of(refused)
    reason = "Bản vẽ thiết kế phải được thẩm định trực tiếp tại Sở Xây dựng"
    saved = admin.post(
        f"/admin/catalogue/{PARTIAL}/edit", data={**form, "partial_online_reason": reason}
    )
    assert saved.status_code == 302
    row = re.search(
        rf'<tr data-procedure="{PARTIAL}">.*?</tr>', text_of(client.get("/online")), re.S
    )
    assert f"Lý do chỉ cung cấp một phần trực tuyến: {reason}" in row.group(0)
    page = client.get(f"/online/{PARTIAL}")
    if page.status_code == 200:  # a page of its own where a unit offers it
        assert reason in text_of(page)
    # Full online again: the reason is no longer kept.
    assert (
        admin.post(
            f"/admin/catalogue/{PARTIAL}/edit",
            data={**form, "online_level": "full", "partial_online_reason": reason},
        ).status_code
        == 302
    )
    with app.app_context():
        kept = db.session.scalar(
            select(Procedure.partial_online_reason).where(Procedure.code == PARTIAL)
        )
    assert kept == ""


def csv_file(rows) -> bytes:
    lines = [";".join(row) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


HEADER = [
    "Mã TTHC",
    "Tên thủ tục",
    "Cấp thực hiện",
    "Lĩnh vực",
    "Thời hạn giải quyết",
    "Mức độ DVC",
    "Lý do chỉ cung cấp một phần trực tuyến",
]


def test_the_import_file_gives_the_reason_and_a_new_partial_row_needs_one(app, officer):
    admin = officer("admin")
    data = csv_file(
        [
            HEADER,
            [
                "1.000201",
                "Thủ tục có lý do",
                "Cấp Xã",
                "Hộ tịch",
                "5 ngày",
                "Một phần",
                "Cần ký trực tiếp",
            ],
            ["1.000202", "Thủ tục thiếu lý do", "Cấp Xã", "Hộ tịch", "5 ngày", "Mức độ 3", ""],
            ["1.000203", "Thủ tục toàn trình", "Cấp Xã", "Hộ tịch", "5 ngày", "Toàn trình", "x"],
        ]
    )
    preview = admin.post(
        "/admin/catalogue/import",
        data={"file": (io.BytesIO(data), "lydo.csv")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200
    html = text_of(preview)
    assert "thiếu lý do chỉ cung cấp một phần trực tuyến (Nghị định 224/2026/NĐ-CP)" in html
    fields = {
        name: re.search(rf'name="{name}" value="([^"]+)"', html).group(1)
        for name in ("sha256", "fingerprint")
    }
    assert admin.post("/admin/catalogue/import/confirm", data=fields).status_code == 200
    with app.app_context():
        found = dict(
            db.session.execute(
                select(Procedure.code, Procedure.partial_online_reason).where(
                    Procedure.code.in_(["1.000201", "1.000202", "1.000203"])
                )
            ).all()
        )
        assert (
            db.session.scalar(select(func.count(Procedure.id)).where(Procedure.code == "1.000202"))
            == 0
        )
    assert found == {"1.000201": "Cần ký trực tiếp", "1.000203": ""}
