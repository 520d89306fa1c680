"""A file's name keeps every character but the hidden ones, and its type is read from its
bytes, never taken from the uploading browser (issue 14)."""

import io

import pytest
from werkzeug.datastructures import FileStorage

from tests.conftest import APPLICANT, NONE_NEEDED

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(api, code, name, content, stated):
    part = FileStorage(io.BytesIO(content), filename=name, content_type=stated)
    return api.client.post(
        f"/api/v1/dossiers/{code}/attachments",
        data={"file": part, "kind": "component"},
        headers=api._headers(),
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("name", "content", "stated", "kept_name", "media_type"),
    [
        # A right-to-left override would show "hoa-donexe.pdf" for an executable.
        ("hoa-don\u202efdp.exe", PDF, "application/pdf", "hoa-donfdp.exe", "application/pdf"),
        (
            "Đơn đề nghị (bản ký).pdf",
            PDF,
            "text/html",
            "Đơn đề nghị (bản ký).pdf",
            "application/pdf",
        ),
        ("anh-the.pdf", PNG, "application/pdf", "anh-the.pdf", "image/png"),
        (
            "trang.html",
            b"<script>alert(1)</script>",
            "text/html",
            "trang.html",
            "application/octet-stream",
        ),
        (
            "bao-cao.pdf",
            b"<svg onload=alert(1)>",
            "application/pdf",
            "bao-cao.pdf",
            "application/octet-stream",
        ),
        (
            "danh-sach.csv",
            b"stt,ten\n1,Hoa\n",
            "application/x-msdownload",
            "danh-sach.csv",
            "text/csv",
        ),
        ("ghi\u2067chu\u2069.txt", b"ghi chu", "text/plain", "ghichu.txt", "text/plain"),
    ],
)
def test_names_keep_all_but_hidden_characters_and_types_come_from_the_bytes(
    login_as, name, content, stated, kept_name, media_type
):
    api = login_as("clo.mc1")
    code = api.post(
        "/dossiers",
        json={
            "procedure_code": "1.001612",
            "unit_code": "CLO",
            "applicant": APPLICANT,
            "complete": True,
            "not_needed": NONE_NEEDED,
        },
    ).get_json()["code"]
    response = upload(api, code, name, content, stated)
    assert response.status_code == 201, response.get_json()
    [attachment] = api.get(f"/dossiers/{code}").get_json()["attachments"]
    assert (attachment["file_name"], attachment["media_type"]) == (kept_name, media_type)
