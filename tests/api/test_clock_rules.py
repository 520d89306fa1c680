"""The clock rules of Decree 118/2025/NĐ-CP as amended by 309/2026/NĐ-CP, with exact dates: the
dossier code from the receiving unit's identifier and the day it is received complete, the
hand-over after 15:00, the one complete supplement request, the waiting subtracted, the apology
before the appointment, the end of processing apart from the return, and the stop.

Each act runs at a chosen moment (``replaying``, the clock every service stamps with). Around
30 April and 1 May 2027: Friday 30/4 and Saturday 1/5 are holidays, Monday 3/5 is the day off
given for 1/5 falling on a Saturday; Tuesday 4/5 is the next working day after Thursday 29/4.
"""

import io
from datetime import datetime

import pypdf
import pytest
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Attachment, AttachmentKind, Dossier, replaying
from motcua.services import dossier_codes
from motcua.services.formdata import example_data
from motcua.services.workflow import task_due_at
from motcua.workcalendar import WorkCalendar
from tests.conftest import APPLICANT, NONE_NEEDED
from tests.factories import unique

CALENDAR = WorkCalendar()
CLO = "000.20.50.H30"  # Xã Can Lộc's identifier in the demo
HOUSEHOLD = "1.001612"  # 3 working days


def vn(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+07:00")


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def receive(login_as, moment: str, **body) -> dict:
    with replaying(vn(moment)):
        response = login_as("clo.mc1").post(
            "/dossiers",
            json={
                "procedure_code": HOUSEHOLD,
                "unit_code": "CLO",
                "applicant": APPLICANT,
                "channel": "direct",
                "not_needed": NONE_NEEDED,
                **body,
            },
        )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def detail(login_as, code: str) -> dict:
    return login_as("admin").get(f"/dossiers/{code}").get_json()


def active(login_as, code: str) -> list[dict]:
    return [t for t in detail(login_as, code)["tasks"] if t["status"] in ("open", "claimed")]


def complete(login_as, code: str, moment: str, username: str, data=None, expect=200):
    """The active step completed by ``username`` at ``moment`` (its form's example data)."""
    [task] = active(login_as, code)
    officer = login_as(username)
    with replaying(vn(moment)):
        if task["assignee"] is None:
            assert officer.post(f"/tasks/{task['id']}/claim").status_code == 200
        done = officer.post(
            f"/tasks/{task['id']}/complete",
            json={"data": data if data is not None else example_data(task["form"])},
        )
    assert done.status_code == expect, done.get_json()
    return done.get_json()


def ask_for_papers(login_as, code: str, moment: str, expect=200, **extra) -> dict:
    data = {
        "opinion": "Chưa đủ để thẩm định",
        "proposal": "supplement",
        "reason": "Thiếu giấy tờ",
        "items": "Bản sao CCCD của chủ hộ",
        **extra,
    }
    return complete(login_as, code, moment, "clo.cv.tckh1", data, expect)


# -- the dossier code -----------------------------------------------------------------------


def test_the_code_is_the_receiving_unit_s_identifier_the_day_and_its_number(login_as):
    first = receive(login_as, "2027-04-29T10:00", complete=True)["code"]
    second = receive(login_as, "2027-04-29T16:59", complete=True)["code"]
    assert first == f"{CLO}-270429-0001" and second == f"{CLO}-270429-0002"
    # A new local day counts from one again (23:30 on 29/4 in Hà Nội is still 29/4).
    assert receive(login_as, "2027-04-29T23:30")["code"] == f"{CLO}-270429-0003"
    assert receive(login_as, "2027-05-04T00:10")["code"] == f"{CLO}-270504-0001"


def test_a_unit_without_an_identifier_keeps_its_own_code(app, make_unit):
    unit = make_unit(unique("U"))
    assert unit.identifier is None
    with app.app_context():
        code = dossier_codes.next_code(db.session.merge(unit), vn("2027-04-29T10:00"))
    assert code == f"{unit.code}-270429-0001"


SUPPLEMENT = {"supplement": {"reason": "Thiếu giấy tờ", "items": "Bản sao hợp đồng thuê nhà"}}


def test_a_dossier_completed_on_a_later_day_gets_that_day_s_code_and_keeps_the_first(
    client, login_as, officer
):
    first = receive(login_as, "2027-04-29T10:00", **SUPPLEMENT)["code"]
    assert first == f"{CLO}-270429-0001"
    assert detail(login_as, first)["status"] == "waiting_applicant"
    receive(login_as, "2027-05-04T08:00", complete=True)  # another dossier of 4/5 first
    complete(login_as, first, "2027-05-04T09:00", "clo.mc1", {"received": True})

    code = f"{CLO}-270504-0002"
    dossier = detail(login_as, code)
    assert dossier["provisional_code"] == first
    assert at(dossier["received_at"]) == vn("2027-05-04T09:00")
    # The time limit runs from the complete dossier: 3 working days from Tuesday 9:00.
    assert at(dossier["appointment_at"]) == vn("2027-05-07T09:00")
    # An officer's link with the first code (a bookmark, form 02's number) still opens it.
    assert login_as("admin").get(f"/dossiers/{first}").get_json()["code"] == code
    # The applicant, holding form 02, still finds it by the first code; the desk too.
    found = client.get(
        "/api/v1/lookup", query_string={"code": first, "secret": APPLICANT["id_number"]}
    )
    assert found.status_code == 200, found.get_json()
    assert found.get_json()["code"] == code
    assert code in officer("clo.mc1").page(f"/inbox?tab=unit&q={first}")
    assert code not in officer("clo.mc1").page(f"/inbox?tab=unit&q={first}9")


def test_a_dossier_completed_the_same_day_keeps_its_code(login_as):
    code = receive(login_as, "2027-04-29T10:00", **SUPPLEMENT)["code"]
    complete(login_as, code, "2027-04-29T14:00", "clo.mc1", {"received": True})
    dossier = detail(login_as, code)
    assert dossier["provisional_code"] is None
    assert at(dossier["received_at"]) == vn("2027-04-29T14:00")


# -- the hand-over after 15:00 ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "handed"),
    [
        ("2027-04-29T14:59", "2027-04-29T14:59"),
        ("2027-04-29T15:00", "2027-04-29T15:00"),
        # After 15:00 on the Thursday before the holidays: the next working day is Tuesday.
        ("2027-04-29T15:01", "2027-05-04T07:30"),
        # After 15:00 on a Friday: Monday morning.
        ("2027-04-23T16:10", "2027-04-26T07:30"),
    ],
)
def test_a_dossier_received_after_the_cut_off_is_handed_over_the_next_working_morning(
    login_as, received, handed
):
    code = receive(login_as, received, complete=True)["code"]
    dossier = detail(login_as, code)
    # The law's time limit and the receipt's appointment run from the receipt (art. 17.3).
    assert at(dossier["received_at"]) == vn(received)
    assert at(dossier["appointment_at"]) == CALENDAR.add(vn(received), days=3)
    [step] = active(login_as, code)
    assert step["step_id"] == "tham_dinh"
    assert at(step["created_at"]) == vn(handed)
    assert at(step["due_at"]) == task_due_at(CALENDAR, vn(handed), step["time_limit"])


def test_the_cut_off_hour_is_a_setting(app, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "HANDOVER_CUTOFF", "16:30")
    code = receive(login_as, "2027-04-29T16:00", complete=True)["code"]
    [step] = active(login_as, code)
    assert at(step["created_at"]) == vn("2027-04-29T16:00")


# -- supplement requests --------------------------------------------------------------------


def test_a_second_supplement_request_needs_its_reason_and_is_marked(app, login_as, officer):
    code = receive(login_as, "2027-04-19T08:00", complete=True)["code"]
    ask_for_papers(login_as, code, "2027-04-19T09:00")
    complete(login_as, code, "2027-04-20T09:00", "clo.mc1", {"received": True})
    refused = ask_for_papers(login_as, code, "2027-04-20T10:00", expect=422)
    assert refused["error"]["code"] == "repeat_reason_required"
    assert "repeat_reason" in refused["error"]["details"]
    assert detail(login_as, code)["supplement_requests"] == 1
    ask_for_papers(
        login_as, code, "2027-04-20T10:00", repeat_reason="Bản sao CCCD nộp bổ sung đã hết hạn"
    )
    dossier = detail(login_as, code)
    assert dossier["supplement_requests"] == 2 and dossier["repeated_supplement"] is True
    second = [e for e in dossier["events"] if e["kind"] == "supplement_requested"][-1]
    assert second["data"]["number"] == 2
    assert second["data"]["repeat_reason"] == "Bản sao CCCD nộp bổ sung đã hết hạn"
    page = officer("clo.ld1").page(f"/dossiers/{code}")
    assert "Yêu cầu bổ sung lần 2" in page and "data-repeated-supplement" in page


def test_the_wait_for_papers_is_subtracted_by_default(login_as):
    code = receive(login_as, "2027-04-19T08:00", complete=True)["code"]
    assert at(detail(login_as, code)["appointment_at"]) == vn("2027-04-22T08:00")
    ask_for_papers(login_as, code, "2027-04-19T10:00")
    # Waited from Monday 10:00 to Wednesday 10:00: 15 working hours, two working days.
    complete(login_as, code, "2027-04-21T10:00", "clo.mc1", {"received": True})
    assert at(detail(login_as, code)["appointment_at"]) == vn("2027-04-26T08:00")


def test_the_restart_rule_counts_the_whole_limit_again(app, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "SUPPLEMENT_RULE", "restart")
    code = receive(login_as, "2027-04-19T08:00", complete=True)["code"]
    ask_for_papers(login_as, code, "2027-04-19T10:00")
    complete(login_as, code, "2027-04-21T10:00", "clo.mc1", {"received": True})
    assert at(detail(login_as, code)["appointment_at"]) == vn("2027-04-26T10:00")


# -- the apology ----------------------------------------------------------------------------


def apologize(login_as, code: str, moment: str, new: str, username="clo.ld1"):
    with replaying(vn(moment)):
        return login_as(username).post(
            f"/dossiers/{code}/apology",
            json={"reason": "Phải xác minh thực địa", "new_appointment": f"{new}+07:00"},
        )


def test_the_apology_comes_a_working_day_before_the_appointment_and_only_once(login_as):
    # Received Thursday 29/4 at 10:00: due Thursday 6/5 at 10:00 (the holidays between).
    code = receive(login_as, "2027-04-29T10:00", complete=True)["code"]
    assert at(detail(login_as, code)["appointment_at"]) == vn("2027-05-06T10:00")
    late = apologize(login_as, code, "2027-05-06T08:00", "2027-05-10T16:30")
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "apology_too_late"
    assert "05/05/2027" in late.get_json()["error"]["message"]
    saturday = apologize(login_as, code, "2027-05-05T16:00", "2027-05-08T16:30")
    assert saturday.get_json()["error"]["code"] == "invalid_appointment"
    same_day = apologize(login_as, code, "2027-05-05T16:00", "2027-05-06T16:30")
    assert same_day.get_json()["error"]["code"] == "invalid_appointment"
    done = apologize(login_as, code, "2027-05-05T16:00", "2027-05-10T16:30")
    assert done.status_code == 201, done.get_json()
    again = apologize(login_as, code, "2027-05-05T16:30", "2027-05-11T16:30")
    assert again.get_json()["error"]["code"] == "already_rescheduled"


def test_a_receipt_printed_before_the_apology_is_not_handed_over_after_it(app, login_as, officer):
    code = receive(login_as, "2027-04-29T10:00", complete=True)["code"]
    desk = officer("clo.mc1")
    assert desk.post(f"/desk/receipts/{code}").status_code == 303
    assert apologize(login_as, code, "2027-05-05T16:00", "2027-05-10T16:30").status_code == 201

    # The stored receipt promises 6/5: the desk is not offered it, and printing issues one
    # that bears the new appointment, kept and printed again as it is.
    assert "In đúng bản đã lưu trong hồ sơ" not in desk.page(f"/desk/receipts/{code}")
    printed = desk.post(f"/desk/receipts/{code}")
    pdf = pypdf.PdfReader(io.BytesIO(desk.get(printed.headers["Location"]).data))
    assert "10/05/2027" in " ".join(page.extract_text() for page in pdf.pages)
    assert "In đúng bản đã lưu trong hồ sơ" in desk.page(f"/desk/receipts/{code}")
    assert desk.post(f"/desk/receipts/{code}").status_code == 303
    with app.app_context():
        receipts = db.session.scalars(
            select(Attachment)
            .join(Dossier, Dossier.id == Attachment.dossier_id)
            .where(Dossier.code == code, Attachment.file_name.startswith("01-"))
            .order_by(Attachment.id)
        ).all()
        assert len(receipts) == 2


def test_with_no_margin_the_apology_may_come_until_the_appointment(app, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "APOLOGY_MIN_WORKING_DAYS_BEFORE", 0)
    code = receive(login_as, "2027-04-29T10:00", complete=True)["code"]
    assert apologize(login_as, code, "2027-05-06T10:00", "2027-05-10T16:30").status_code == 409
    assert apologize(login_as, code, "2027-05-06T09:59", "2027-05-10T16:30").status_code == 201


# -- end of processing, return, stop --------------------------------------------------------


def slips_of(app, code: str) -> list[str]:
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        return [
            a.file_name[:2]
            for a in db.session.scalars(
                select(Attachment).where(
                    Attachment.dossier_id == dossier.id, Attachment.kind == AttachmentKind.SLIP
                )
            )
        ]


def test_processing_finishes_when_the_result_is_ready_not_when_it_is_returned(login_as, officer):
    code = receive(login_as, "2027-04-19T08:00", complete=True)["code"]
    moments = iter(f"2027-04-19T{h:02d}:00" for h in range(9, 17))
    for _ in range(10):
        tasks = active(login_as, code)
        if not tasks:
            break
        [task] = tasks
        moment = next(moments)
        if task["returns_result"]:
            ready = detail(login_as, code)
            assert ready["status"] == "result_ready" and ready["returned_at"] is None
            finished = ready["finished_at"]
            assert finished is not None
            with replaying(vn(moment)):
                upload = login_as("clo.mc1").upload(code, "kq.pdf", b"%PDF kq", kind="result")
            assert upload.status_code == 201
        detail_task = login_as("admin").get(f"/tasks/{task['id']}").get_json()
        username = task["assignee"] or sorted(c["username"] for c in detail_task["candidates"])[0]
        complete(login_as, code, moment, username)
        returned_moment = moment
    dossier = detail(login_as, code)
    assert dossier["status"] == "returned"
    assert at(dossier["returned_at"]) == vn(returned_moment)
    assert dossier["finished_at"] == finished and at(finished) < vn(returned_moment)
    page = officer("clo.ld1").page(f"/dossiers/{code}")
    assert "Xử lý xong" in page and "Đã trả kết quả" in page


def test_a_leader_stops_a_dossier_with_a_reason_and_form_05(app, login_as):
    code = receive(login_as, "2027-04-19T08:00", complete=True)["code"]
    desk = login_as("clo.mc1")
    assert desk.post(f"/dossiers/{code}/stop", json={"reason": "x"}).status_code == 403
    leader = login_as("clo.ld1")
    assert leader.post(f"/dossiers/{code}/stop", json={"reason": " "}).status_code == 422
    with replaying(vn("2027-04-19T10:00")):
        stopped = leader.post(
            f"/dossiers/{code}/stop", json={"reason": "Cơ quan điều tra đề nghị dừng"}
        )
    assert stopped.status_code == 200 and stopped.get_json()["status"] == "stopped"
    dossier = detail(login_as, code)
    assert at(dossier["finished_at"]) == vn("2027-04-19T10:00")
    assert all(t["status"] in ("done", "cancelled") for t in dossier["tasks"])
    assert [e["note"] for e in dossier["events"] if e["kind"] == "stopped"] == [
        "Cơ quan điều tra đề nghị dừng"
    ]
    assert "05" in slips_of(app, code)
    assert leader.post(f"/dossiers/{code}/stop", json={"reason": "x"}).status_code == 409


def test_a_withdrawal_gives_form_05_too(app, login_as):
    code = receive(login_as, "2027-04-19T08:00", complete=True)["code"]
    response = login_as("clo.mc1").post(
        f"/dossiers/{code}/withdraw", json={"reason": "Công dân xin rút"}
    )
    assert response.status_code == 200
    assert "05" in slips_of(app, code)


def test_the_dossier_page_offers_the_stop_to_a_leader_and_takes_it(login_as, officer):
    code = receive(login_as, "2027-04-19T08:00", complete=True)["code"]
    assert f"/dossiers/{code}/stop" not in officer("clo.mc1").page(f"/dossiers/{code}")
    leader = officer("clo.ld1")
    assert f"/dossiers/{code}/stop" in leader.page(f"/dossiers/{code}")
    response = leader.post(f"/dossiers/{code}/stop", {"reason": "Có văn bản đề nghị dừng"})
    assert response.status_code == 302
    page = leader.page(f"/dossiers/{code}")
    assert "Dừng giải quyết hồ sơ. Lý do: Có văn bản đề nghị dừng" in page
    assert detail(login_as, code)["status"] == "stopped"
