"""The one-stop desk pages: receiving a dossier with its papers, the receipt, returning results."""

import ast
import hashlib
import io
import re
import unicodedata
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdf
import pytest
from sqlalchemy import func, select

from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import Attachment, Dossier, Event, Task, User
from motcua.services import intake
from motcua.services.formdata import example_data
from motcua.unit_of_work import unit_of_work
from tests.conftest import sign_in_session

REPO = Path(__file__).resolve().parents[2]
HOUSEHOLD = "1.001612"
PAPER_A, PAPER_B = b"%PDF-1.4 giay de nghi", b"%PDF-1.4 ban sao can cuoc"


def csrf_token(client, path) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username):
    sign_in_session(client, username)  # no password round trip: test_auth_pages.py does that


def intake_form(client, **overrides):
    """A filled-in intake form: the first two papers ticked, each with its scan."""
    data = {
        "csrf_token": csrf_token(client, f"/desk/receive/{HOUSEHOLD}"),
        "unit": "CLO",
        "channel": "direct",
        "applicant.name": "Lê Thị Mai",
        "applicant.id_number": "042190007777",
        "applicant.phone": "0913 222 333",
        "applicant.email": "mai@example.vn",
        "applicant.address": "Thôn Phú Lộc, xã Can Lộc, tỉnh Hà Tĩnh",
        "complete-0": "1",
        "doc-0": [
            (io.BytesIO(PAPER_A), "de-nghi.pdf"),
            (io.BytesIO(PAPER_A + b"2"), "trang-2.pdf"),
        ],
        "complete-1": "1",
        "doc-1": [(io.BytesIO(PAPER_B), "can-cuoc.jpg")],
        "why-2": "Chủ hộ đăng ký một mình",
        "why-3": "Không ủy quyền",
        "complete": "1",
        "note": "Đã đối chiếu bản chính",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_intake(client, **overrides):
    return client.post(
        f"/desk/receive/{HOUSEHOLD}",
        data=intake_form(client, **overrides),
        content_type="multipart/form-data",
    )


def count(model, app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_the_desk_lists_procedures_by_code_or_name(client):
    sign_in(client, "clo.mc1")
    by_name = text_of(client.get("/desk/receive", query_string={"q": "ho kinh doanh"}))
    assert HOUSEHOLD in by_name and "1.009994" not in by_name
    by_code = text_of(client.get("/desk/receive", query_string={"q": "1.0099"}))
    assert "Cấp giấy phép xây dựng" in by_code and HOUSEHOLD not in by_code
    form = text_of(client.get(f"/desk/receive/{HOUSEHOLD}"))
    assert "Giấy đề nghị đăng ký hộ kinh doanh" in form
    assert "3 ngày làm việc" in form
    assert 'name="doc-3"' in form and 'name="complete-3"' in form
    assert '<option value="CLO" selected>' in form  # the officer's only desk


def test_receiving_stores_the_papers_completes_the_desk_step_and_prints_the_receipt(
    app, client, login_as
):
    sign_in(client, "clo.mc1")
    response = post_intake(client)
    assert response.status_code == 302, text_of(response)
    code = re.search(r"/desk/receipts/([\w.-]+)$", response.headers["Location"]).group(1)

    dossier = login_as("admin").get(f"/dossiers/{code}").get_json()
    assert dossier["status"] == "processing"
    assert dossier["channel"] == "direct"
    assert dossier["applicant"]["name"] == "Lê Thị Mai"
    components = [a for a in dossier["attachments"] if a["kind"] == "component"]
    assert sorted((a["file_name"], a["sha256"]) for a in components) == sorted(
        [
            ("de-nghi.pdf", hashlib.sha256(PAPER_A).hexdigest()),
            ("trang-2.pdf", hashlib.sha256(PAPER_A + b"2").hexdigest()),
            ("can-cuoc.jpg", hashlib.sha256(PAPER_B).hexdigest()),
        ]
    )
    with app.app_context():
        keys = db.session.scalars(
            select(Attachment.storage_key).join(Dossier).where(Dossier.code == code)
        )
        for key in keys:
            assert (Path(app.config["STORAGE_DIR"]) / key).is_file()
    receive_step = dossier["tasks"][0]
    assert receive_step["status"] == "done" and receive_step["completed_by"] == "clo.mc1"
    assert any(t["status"] == "open" and t["unit"] == "CLO.KT" for t in dossier["tasks"])
    kinds = [e["kind"] for e in dossier["events"]]
    assert kinds[0] == "received" and kinds.count("attachment_added") == 3
    assert "step_completed" in kinds
    checklist = dossier["events"][0]["data"]["documents"]
    assert [d["files"] for d in checklist] == [2, 1, 0, 0]
    added = [e for e in dossier["events"] if e["kind"] == "attachment_added"]
    assert {e["data"]["document"] for e in added} == {checklist[0]["name"], checklist[1]["name"]}

    # The receipt page's button prints the stored form 01 (services.receipts).
    token = csrf_token(client, f"/desk/receipts/{code}")
    printed = client.post(f"/desk/receipts/{code}", data={"csrf_token": token})
    assert printed.status_code == 303
    receipt = client.get(printed.headers["Location"])
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf"
    pages = pypdf.PdfReader(io.BytesIO(receipt.data)).pages
    html = unicodedata.normalize("NFC", " ".join(" ".join(p.extract_text() for p in pages).split()))
    tz = ZoneInfo(app.config["TIMEZONE"])
    with app.app_context():
        stored = db.session.scalar(select(Dossier).where(Dossier.code == code))
        appointment = stored.appointment_at.astimezone(tz).strftime("%d/%m/%Y")
        received = stored.received_at.astimezone(tz).strftime("%d/%m/%Y")
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in html
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "Độc lập - Tự do - Hạnh phúc" in html
    assert code in html and "xã Can Lộc" in html and "Lê Thị Mai" in html
    assert f"ngày {appointment}" in html and f"ngày {received}" in html
    assert "Đăng ký thành lập hộ kinh doanh" in html
    # The first paper, with its two files, then the second paper's row.
    assert "1 Giấy đề nghị đăng ký hộ kinh doanh (Phụ lục III-1" in html
    assert "Thông tư số 01/2021/TT-BKHĐT) 2 2 " in html
    officer = login_as("admin").get("/users", query_string={"unit": "CLO"}).get_json()
    name = next(u["display_name"] for u in officer["items"] if u["username"] == "clo.mc1")
    assert name in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"applicant.name": ""}, "applicant.name", "Trường này là bắt buộc."),
        ({"applicant.id_number": "12"}, "applicant.id_number", "Số giấy tờ tùy thân không hợp lệ."),
        ({"complete": None}, "complete", "Phải xác nhận hồ sơ đầy đủ theo quy định"),
        ({"doc-1": None}, "doc-1", "phải kèm ít nhất một tệp"),
        ({"channel": "pigeon"}, "channel", "Giá trị không hợp lệ."),
        # Caught by the desk step's own form, after the dossier and its files were written.
        ({"note": "x" * 2001}, "note", "Giá trị quá dài."),
    ],
)
def test_validation_errors_show_next_to_the_fields_and_store_nothing(
    app, client, overrides, field, message
):
    sign_in(client, "clo.mc1")
    before = (count(Dossier, app), count(Attachment, app), count(Event, app))
    response = post_intake(client, **overrides)
    assert response.status_code == 422
    html = text_of(response)
    error = re.search(
        rf'<p class="field-error" id="err-{field.replace(".", "-")}">([^<]*)</p>', html
    )
    assert error and message in error.group(1)
    assert 'value="Lê Thị Mai"' in html or field == "applicant.name"  # what was typed stays
    assert (count(Dossier, app), count(Attachment, app), count(Event, app)) == before


def test_a_failure_while_storing_the_papers_leaves_no_dossier_behind(app, client, login_as):
    sign_in(client, "clo.mc1")
    before = (count(Dossier, app), count(Attachment, app), count(Event, app))
    response = post_intake(client, **{"doc-1": [(io.BytesIO(b""), "rong.pdf")]})
    assert response.status_code == 422
    assert "Tệp rỗng." in text_of(response)
    assert (count(Dossier, app), count(Attachment, app), count(Event, app)) == before
    # Nothing half-done either: the day's numbering did not skip the dossier that never was.
    first = post_intake(client).headers["Location"].rsplit("/", 1)[-1]
    second = post_intake(client).headers["Location"].rsplit("/", 1)[-1]
    assert int(second[-4:]) == int(first[-4:]) + 1


def test_a_failed_reception_leaves_nothing_for_the_next_commit(ctx):
    # The service itself, in one long session (as a command would use it, each act its own
    # unit of work): what a failed reception had flushed must not ride along with the next
    # one's commit.
    desk_officer = db.session.scalar(select(User).where(User.username == "clo.mc1"))
    applicant = {"name": "Lê Thị Mai", "id_number": "042190007777"}

    def receive(paper: bytes):
        with unit_of_work():
            return intake.receive(
                desk_officer,
                HOUSEHOLD,
                "CLO",
                applicant,
                "direct",
                [(0, "de-nghi.pdf", io.BytesIO(paper))],
                intake.Check(
                    complete=True,
                    checked=frozenset({0}),
                    not_needed=dict.fromkeys(range(1, 20), "Trường hợp không phải nộp"),
                ),
            )

    before = db.session.scalar(select(func.count()).select_from(Dossier))
    with pytest.raises(Invalid) as failed:
        receive(b"")
    assert failed.value.details == {"doc-0": "Tệp rỗng."}
    dossier = receive(PAPER_A)
    assert db.session.scalar(select(func.count()).select_from(Dossier)) == before + 1
    assert dossier.status.value == "processing"


@pytest.mark.parametrize("username", ["clo.cv.tckh1", "clo.ld1", "clo.qt"])
@pytest.mark.parametrize("path", ["/desk/receive", f"/desk/receive/{HOUSEHOLD}", "/desk/results"])
def test_only_desk_officers_open_the_desk_pages(client, username, path):
    sign_in(client, username)
    assert client.get(path).status_code == 403


def test_another_units_desk_cannot_receive_for_this_unit(app, client):
    sign_in(client, "hkh.mc1")
    before = count(Dossier, app)
    assert post_intake(client, unit="CLO").status_code == 403
    assert count(Dossier, app) == before


def test_the_desk_needs_a_signed_in_officer(client):
    response = client.get("/desk/receive")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def advance_to_result(login_as, code) -> dict:
    """Work the dossier's steps (approving) until the step that returns the result."""
    admin = login_as("admin")
    for _ in range(20):
        tasks = admin.get(f"/dossiers/{code}").get_json()["tasks"]
        task = next(t for t in tasks if t["status"] in ("open", "claimed"))
        if task["returns_result"]:
            return task
        username = (
            task["assignee"]
            or (admin.get(f"/tasks/{task['id']}").get_json()["candidates"][0]["username"])
        )
        officer = login_as(username)
        if not task["assignee"]:
            assert officer.post(f"/tasks/{task['id']}/claim").status_code == 200
        done = officer.post(
            f"/tasks/{task['id']}/complete", json={"data": example_data(task["form"])}
        )
        assert done.status_code == 200, done.get_json()
    raise AssertionError("the dossier never reached the result")


def post_result(client, code, **fields):
    data = {
        "csrf_token": csrf_token(client, f"/desk/results/{code}"),
        "returned_to": "Nguyễn Thị Hoa",
        "method": "at_desk",
        "note": "Đã thu lệ phí",
        **fields,
    }
    return client.post(
        f"/desk/results/{code}",
        data={k: v for k, v in data.items() if v is not None},
        content_type="multipart/form-data",
    )


def test_returning_a_result_needs_a_result_file_then_closes_the_dossier(
    app, client, login_as, make_dossier
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    advance_to_result(login_as, code)
    sign_in(client, "clo.mc2")
    assert f"<td>{code}</td>" in text_of(client.get("/desk/results"))

    missing = post_result(client, code)
    assert missing.status_code == 422
    assert re.search(r'id="err-result">Phải đính kèm tệp kết quả', text_of(missing)), text_of(
        missing
    )
    admin = login_as("admin")
    assert admin.get(f"/dossiers/{code}").get_json()["status"] == "result_ready"

    # A bad field keeps the uploaded result out as well: one transaction.
    nobody = post_result(
        client, code, returned_to=" ", result=(io.BytesIO(b"%PDF giay CN"), "giay-cn.pdf")
    )
    assert nobody.status_code == 422
    assert 'id="err-returned_to"' in text_of(nobody)
    assert not [
        a for a in admin.get(f"/dossiers/{code}").get_json()["attachments"] if a["kind"] == "result"
    ]

    done = post_result(client, code, result=(io.BytesIO(b"%PDF giay CN"), "giay-cn.pdf"))
    assert done.status_code == 302 and done.headers["Location"].endswith("/desk/results")
    dossier = admin.get(f"/dossiers/{code}").get_json()
    assert dossier["status"] == "returned"
    results = [a for a in dossier["attachments"] if a["kind"] == "result"]
    assert [r["file_name"] for r in results] == ["giay-cn.pdf"]
    assert results[0]["sha256"] == hashlib.sha256(b"%PDF giay CN").hexdigest()
    returned = next(t for t in dossier["tasks"] if t["returns_result"])
    assert returned["status"] == "done" and returned["completed_by"] == "clo.mc2"
    step_done = [e for e in dossier["events"] if e["kind"] == "step_completed"][-1]
    assert step_done["actor"] == "clo.mc2" and step_done["from_step"] == returned["step_name"]
    assert dossier["events"][-1]["kind"] == "finished"
    listing = text_of(client.get("/desk/results"))
    assert f"Đã trả kết quả hồ sơ {code}." in listing  # the flash
    assert f"<td>{code}</td>" not in listing
    with app.app_context():
        data = db.session.get(Task, returned["id"]).data
    assert data == {"returned_to": "Nguyễn Thị Hoa", "method": "at_desk", "note": "Đã thu lệ phí"}


def test_an_existing_result_file_is_enough_to_return(client, login_as, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    advance_to_result(login_as, code)
    assert login_as("clo.mc1").upload(code, "kq.pdf", b"%PDF kq", kind="result").status_code == 201
    sign_in(client, "clo.mc1")
    page = text_of(client.get(f"/desk/results/{code}"))
    assert "kq.pdf" in page
    assert post_result(client, code, method="post").status_code == 302
    assert login_as("admin").get(f"/dossiers/{code}").get_json()["status"] == "returned"


def test_a_dossier_not_at_the_return_step_cannot_be_returned(client, make_dossier):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    sign_in(client, "clo.mc1")
    assert client.get(f"/desk/results/{code}").status_code == 409


# Who may bring a dossier into being: the desk (its pages, and the API for receptionists).
# An online-submission route, when it comes, joins this list.
CREATING_ENDPOINTS = {"api.receive_dossier", "web.desk_receive_procedure"}
CREATING_CALLS = {"receive"}


def _unwrapped(view):
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return view


def _names(code) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _names(const)
    return names


def test_no_route_but_the_desks_creates_a_dossier(app):
    creating = set()
    for rule in app.url_map.iter_rules():
        view = _unwrapped(app.view_functions[rule.endpoint])
        if CREATING_CALLS & _names(view.__code__):
            creating.add(rule.endpoint)
    assert creating == CREATING_ENDPOINTS

    # And no route reaches one through a helper: outside the intake service, only these
    # functions call it, and only intake constructs a Dossier.
    callers, constructors = set(), set()
    for path in [*REPO.glob("platform/**/*.py"), *REPO.glob("api/*.py"), *REPO.glob("admin/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                if not isinstance(node, ast.Call):
                    continue
                target = node.func
                where = f"{path.relative_to(REPO)}:{function.name}"
                if isinstance(target, ast.Name) and target.id == "Dossier":
                    constructors.add(where)
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr in CREATING_CALLS
                    and isinstance(target.value, ast.Name)
                    and target.value.id in {"intake", "desk"}
                ):
                    callers.add(where)
    assert constructors == {
        "platform/services/intake.py:receive",
        "platform/services/intake.py:submitted",  # online, not yet checked: no workflow yet
    }
    assert callers == {
        "api/dossiers.py:receive_dossier",
        "platform/web/desk.py:desk_receive_procedure",
        # Commands, not routes: the `motcua demo` walk-through and its replayed history.
        "platform/services/demo.py:walk_through",
        "platform/services/demo_history.py:receive_district_dossiers",
    }
