"""The applicant answers a request for papers online: from the lookup to a page of the items
asked for, files checked as the online form checks them and added as papers (nothing
overwritten, an answer replaceable until the desk receives it), the desk's officers mailed and
shown the answer on the dossier's page; the clock runs again only when the desk records the
receipt (Decree 118/2025/NĐ-CP art. 17.2.a)."""

import io
import re

import pytest
from sqlalchemy import delete, func, select

from motcua.extensions import db
from motcua.models import (
    Attachment,
    AttachmentKind,
    Event,
    LookupFailure,
    Notification,
    SupplementRequest,
    User,
)
from motcua.vocabulary import DossierStatus, EventKind, MailKind
from tests.conftest import csrf_token
from tests.web.test_online import check, dossier, pdf, submit, text_of

ID_NUMBER = "042190005555"  # the online form's applicant (tests/web/test_online.py)
ITEMS = "Bản sao CCCD rõ nét\nGiấy xác nhận nơi cư trú"


@pytest.fixture(autouse=True)
def no_old_counts(app):
    with app.app_context():
        db.session.execute(delete(LookupFailure))
        db.session.commit()


@pytest.fixture
def desk_with_mail(app):
    """The desk officers of Can Lộc with an address, to be told of an answer."""
    with app.app_context():
        for user in db.session.scalars(select(User).where(User.username.like("clo.mc%"))):
            user.email = f"{user.username}@canloc.example.vn"
        db.session.commit()


def asked_for_papers(app, client, officer) -> str:
    """An online dossier the desk asked papers of at its check (form 02): its code."""
    code = submit(app, client)
    asked = check(officer("clo.mc1"), code, action="supplement", reason="Bản chụp mờ", items=ITEMS)
    assert asked.status_code == 303
    assert dossier(app, code).status == DossierStatus.WAITING_APPLICANT
    return code


def papers_link(client, code) -> str:
    """The lookup's link to answer the request online."""
    page = client.get("/lookup")
    found = client.post(
        "/lookup",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "code": code,
            "secret": ID_NUMBER,
        },
    )
    assert found.status_code == 200
    return re.search(r'href="(/applicant/[^"/]+/papers)"', found.get_data(as_text=True)).group(1)


def send(client, link, **fields):
    page = client.get(link)
    assert page.status_code == 200, text_of(page)
    return client.post(
        link,
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), **fields},
        content_type="multipart/form-data",
    )


def counts(app, code):
    """The dossier's papers (COMPONENT files) and the request's answer time."""
    found = dossier(app, code)
    with app.app_context():
        papers = db.session.scalar(
            select(func.count(Attachment.id)).where(
                Attachment.dossier_id == found.id, Attachment.kind == AttachmentKind.COMPONENT
            )
        )
        answered = db.session.scalar(
            select(SupplementRequest.answered_at).where(SupplementRequest.dossier_id == found.id)
        )
    return papers, answered


def test_the_page_lists_the_items_asked_for(app, client, officer):
    code = asked_for_papers(app, client, officer)
    html = text_of(client.get(papers_link(client, code)))
    assert "Bản sao CCCD rõ nét" in html and "Giấy xác nhận nơi cư trú" in html
    assert 'name="doc-0"' in html and 'name="doc-1"' in html
    assert "Lý do: Bản chụp mờ" in html


@pytest.mark.parametrize(
    "fields, field",
    [
        ({}, "file"),
        ({"doc-0": (io.BytesIO(b"MZ\x90\x00 not a paper"), "cccd.pdf")}, "doc-0"),
        ({"doc-1": (io.BytesIO(b""), "empty.pdf")}, "doc-1"),
        ({"doc-0": pdf("cccd"), "doc-7": pdf("other")}, "file"),
        ({"doc-0": pdf("cccd"), "note": "x" * 2001}, "note"),
    ],
)
def test_bad_answers_are_refused_in_vietnamese_and_change_nothing(
    app, client, officer, fields, field
):
    code = asked_for_papers(app, client, officer)
    link = papers_link(client, code)
    before = counts(app, code)
    refused = send(client, link, **fields)
    assert refused.status_code == 422
    assert f'id="err-{field}"' in text_of(refused) and "Chưa gửi được giấy tờ bổ sung." in text_of(
        refused
    )
    assert counts(app, code) == before and before[1] is None


def test_the_virus_scan_hook_refuses_what_it_flags(app, client, officer, tmp_path, monkeypatch):
    code = asked_for_papers(app, client, officer)
    link = papers_link(client, code)
    scanner = tmp_path / "scan.sh"
    scanner.write_text("#!/bin/sh\nexit 1\n")
    scanner.chmod(0o755)
    monkeypatch.setitem(app.config, "VIRUS_SCAN_COMMAND", str(scanner))
    before = counts(app, code)
    refused = send(client, link, **{"doc-0": pdf("cccd")})
    assert refused.status_code == 422 and "mã độc" in text_of(refused)
    assert counts(app, code) == before


def test_an_answer_adds_papers_tells_the_desk_and_the_desk_receives_them(
    app, client, officer, login_as, desk_with_mail
):
    code = asked_for_papers(app, client, officer)
    link = papers_link(client, code)
    papers, _ = counts(app, code)
    sent = send(
        client, link, note="Gửi bản rõ nét", **{"doc-0": pdf("cccd-ro"), "doc-1": pdf("cu-tru")}
    )
    assert sent.status_code == 303
    assert "Bạn đã gửi bổ sung trực tuyến" in text_of(client.get(sent.headers["Location"]))

    found = dossier(app, code)
    assert found.status == DossierStatus.WAITING_APPLICANT and found.clock_stopped_at is not None
    assert counts(app, code)[0] == papers + 2 and counts(app, code)[1] is not None
    with app.app_context():
        added = db.session.scalars(
            select(Event)
            .where(Event.dossier_id == found.id, Event.kind == EventKind.ATTACHMENT_ADDED)
            .order_by(Event.id)
        ).all()[-2:]
        assert [e.actor_id for e in added] == [None, None]
        assert [e.data["document"] for e in added] == ITEMS.splitlines()
        mails = db.session.scalars(
            select(Notification).where(
                Notification.dossier_id == found.id, Notification.kind == MailKind.PAPERS_ANSWERED
            )
        ).all()
        assert mails and all(m.to_address.endswith("@canloc.example.vn") for m in mails)
        assert "cccd-ro.pdf" in mails[0].body

    desk = officer("clo.mc1")
    page = text_of(desk.get(f"/dossiers/{code}"))
    assert "Người nộp đã bổ sung trực tuyến" in page
    assert "cccd-ro.pdf" in page and "Ghi chú của người nộp: Gửi bản rõ nét" in page

    # Replaced before the desk receives it: new files, the old ones kept.
    again = send(client, link, **{"doc-0": pdf("cccd-moi")})
    assert again.status_code == 303
    assert counts(app, code)[0] == papers + 3
    page = text_of(desk.get(f"/dossiers/{code}"))
    assert "cccd-moi.pdf" in page and "lần gửi thứ 2" in page

    # The clock runs again only when the desk records the receipt, with the existing action.
    clerk = login_as("clo.mc1")
    tasks = clerk.get(f"/dossiers/{code}").get_json()["tasks"]
    waiting = next(t for t in tasks if t["status"] in ("open", "claimed"))
    # The waiting step's page shows the answer too.
    step_page = text_of(desk.get(f"/tasks/{waiting['id']}"))
    assert "Người nộp đã bổ sung trực tuyến" in step_page and "cccd-moi.pdf" in step_page
    if not waiting["assignee"]:
        assert clerk.post(f"/tasks/{waiting['id']}/claim").status_code == 200
    done = clerk.post(f"/tasks/{waiting['id']}/complete", json={"data": {"received": True}})
    assert done.status_code == 200, done.get_json()
    found = dossier(app, code)
    assert found.status in (DossierStatus.RECEIVED, DossierStatus.PROCESSING)
    assert found.clock_stopped_at is None
    assert "Người nộp đã bổ sung trực tuyến</h2>" not in desk.page(f"/dossiers/{code}")
    late = client.get(link)
    assert late.status_code == 409 and "không chờ bổ sung giấy tờ" in text_of(late)


def test_a_forged_link_opens_nothing(app, client, officer):
    code = asked_for_papers(app, client, officer)
    link = papers_link(client, code)
    forged = client.get(link.replace("/papers", "x/papers"))
    assert forged.status_code == 422
    assert "Đường dẫn đã hết hạn hoặc không hợp lệ" in text_of(forged)


def test_the_request_s_mail_links_to_the_page_that_takes_the_papers(app, client, officer):
    code = asked_for_papers(app, client, officer)
    with app.app_context():
        body = db.session.scalar(
            select(Notification.body).where(
                Notification.dossier_id == dossier(app, code).id,
                Notification.kind == MailKind.SUPPLEMENT,
            )
        )
    link = re.search(r"https?://[^/\s]+(/applicant/[^/\s]+/papers)", body).group(1)
    page = client.get(link)
    assert page.status_code == 200
    assert "Giấy xác nhận nơi cư trú" in text_of(page)
