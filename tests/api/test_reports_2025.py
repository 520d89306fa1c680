"""The reports of 2025 through the API: "resolved" counted from the end of processing (the result
ready, a refusal, a stop or a withdrawal; not the return), late whenever a dossier was asked
for papers more than once, and the quarter, 6-month and 9-month periods.

Quarter IV of 2025 with calendar months (REPORT_MONTH_START_DAY = 1): 01/10/2025 00:00 to
01/01/2026 00:00 local time (UTC+7), over dossiers written with exact dates at a commune of
their own; each one's hand count is written beside it. The last test works a dossier through
the real flow instead.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Procedure, SupplementRequest, Unit
from motcua.services import report_counts
from motcua.services import report_periods as periods
from motcua.services.formdata import example_data
from tests.conftest import APPLICANT, NONE_NEEDED
from tests.factories import insert_dossier, make_unit
from tests.services.test_reports import HOUSEHOLD, user

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
COMMUNE = "Q4X"  # a commune of its own, so that the demo's dossiers stay out
QUARTER = f"/reports/statistics?unit={COMMUNE}&kind=quarter&period=2025-Q4"


def local(day: str, clock: str = "09:00") -> datetime:
    """ "dd/mm/yyyy" local (09:00 unless said) as a UTC instant."""
    d, m, y = (int(x) for x in day.split("/"))
    hour, minute = (int(x) for x in clock.split(":"))
    return datetime(y, m, d, hour, minute, tzinfo=TZ).astimezone(UTC)


# name, status, received, appointment, end of processing, returned, supplement requests
# fmt: off
DOSSIERS = [
    ("ready-then-returned", "returned", "01/12/2025", "20/12/2025", "15/12/2025",
     "05/01/2026", 0),
    #   result ready on 15/12, in the quarter, handed over after it: resolved early in Q4
    ("ready-not-returned", "result_ready", "02/12/2025", "10/12/2025 16:00",
     "10/12/2025 14:00", None, 0),
    #   result ready on its appointment's day, not yet handed over: resolved on time
    ("withdrawn", "withdrawn", "03/12/2025", "30/12/2025", "05/12/2025", None, 0),
    #   withdrawn: processing ended, resolved early; counted as withdrawn too
    ("stopped", "stopped", "04/12/2025", "08/12/2025", "09/12/2025", None, 0),
    #   stopped the day after its appointment: resolved late; counted as stopped too
    ("two-requests", "returned", "01/11/2025", "30/11/2025", "20/11/2025", "21/11/2025", 2),
    #   finished ten days before its appointment, but asked for papers twice: late
    ("one-request", "returned", "02/11/2025", "30/11/2025", "20/11/2025", "21/11/2025", 1),
    #   the same with one request: early
    ("two-requests-open", "processing", "01/12/2025", "31/01/2026", None, None, 2),
    #   still in progress, its appointment far ahead, asked twice: in progress overdue
    ("ready-after-the-quarter", "result_ready", "15/12/2025", "10/01/2026", "05/01/2026",
     None, 0),
    #   its result ready after the quarter: in progress within time at its end
]
# fmt: on
EXPECTED = {
    "received": 8,
    "received_direct": 8,
    "resolved": 6,
    "resolved_early": 3,  # ready-then-returned, withdrawn, one-request
    "resolved_on_time": 1,  # ready-not-returned
    "resolved_late": 2,  # stopped, two-requests
    "refused": 0,
    "stopped": 1,
    "withdrawn": 1,
    "in_progress": 2,
    "in_progress_on_time": 1,  # ready-after-the-quarter
    "in_progress_overdue": 1,  # two-requests-open
    "supplement_requests": 5,
}


@pytest.fixture
def quarter_iv(app, monkeypatch):
    """The dossiers above at a new commune of the province, with calendar months."""
    monkeypatch.setitem(app.config, "REPORT_MONTH_START_DAY", 1)
    with app.app_context():
        province = db.session.scalar(select(Unit).where(Unit.code == "HTI"))
        commune = make_unit(COMMUNE, "Xã Quý Tư", parent=province)
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == HOUSEHOLD))
        for name, status, received, due, ended, returned, requests in DOSSIERS:
            dossier = insert_dossier(
                procedure,
                commune,
                code=f"Q4-{name}",
                status=status,
                received_at=local(*received.split()),
                appointment_at=local(*due.split()),
                finished_at=local(*ended.split()) if ended else None,
                returned_at=local(returned) if returned else None,
            )
            for n in range(requests):
                db.session.add(
                    SupplementRequest(
                        dossier_id=dossier.id,
                        requested_at=local(f"{5 + 5 * n:02d}/{received[3:]}"),
                        reason="Thiếu giấy tờ",
                        items=["Bản sao CCCD"],
                    )
                )
        db.session.commit()


def test_resolved_counts_from_the_end_of_processing_and_two_requests_are_late(login_as, quarter_iv):
    response = login_as("hti.giamsat").get(QUARTER)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["period"]["kind"] == "quarter" and body["period"]["key"] == "2025-Q4"
    assert (body["period"]["from"], body["period"]["to"]) == ("2025-10-01", "2025-12-31")
    assert {key: body["total"][key] for key in EXPECTED} == EXPECTED
    total = body["total"]
    assert total["received"] == total["resolved"] + total["in_progress"]
    assert "stopped" in body["columns"]


def test_a_result_ready_in_a_month_counts_in_that_month_not_in_the_month_of_its_return(
    login_as, quarter_iv
):
    api = login_as("hti.giamsat")
    january = api.get(f"/reports/statistics?unit={COMMUNE}&kind=month&period=2026-01").get_json()
    # Only ready-after-the-quarter ends in January; ready-then-returned, handed over on 05/01,
    # was resolved in December.
    assert january["total"]["resolved"] == 1
    assert january["total"]["carried_over"] == 2  # two-requests-open, ready-after-the-quarter
    december = api.get(f"/reports/statistics?unit={COMMUNE}&kind=month&period=2025-12").get_json()
    assert december["total"]["resolved"] == 4  # ready-then-returned, ready-not-returned,
    # withdrawn, stopped


def test_the_chart_of_a_quarter_has_its_three_months(app, quarter_iv):
    with app.app_context():
        report = report_counts.statistics(
            user("admin"),
            COMMUNE,
            periods.quarter(2025, 4),
            trend=True,
            now=local("10/01/2026"),
        )
    points = [(p.period.key, p.received, p.resolved, p.late) for p in report.trend]
    assert points == [
        ("2025-10", 0, 0, 0),
        ("2025-11", 2, 2, 1),  # two-requests late, one-request early
        ("2025-12", 6, 4, 1),  # stopped late
    ]


def test_six_and_nine_months_run_from_the_start_of_the_year(login_as, quarter_iv):
    api = login_as("hti.giamsat")
    nine = api.get(f"/reports/statistics?unit={COMMUNE}&kind=nine_months&period=2025-9M").get_json()
    assert (nine["period"]["from"], nine["period"]["to"]) == ("2025-01-01", "2025-09-30")
    assert nine["total"]["received"] == 0
    six = api.get(f"/reports/statistics?unit={COMMUNE}&kind=six_months&period=2026-6M").get_json()
    assert (six["period"]["from"], six["period"]["to"]) == ("2026-01-01", "2026-06-30")
    # Carried over from 2025: two-requests-open and ready-after-the-quarter; the latter ends.
    assert (six["total"]["carried_over"], six["total"]["resolved"]) == (2, 1)


@pytest.mark.parametrize(
    "query",
    [
        "kind=quarter&period=2025-Q5",
        "kind=quarter&period=2025-4",
        "kind=six_months&period=2025-9M",
        "kind=nine_months&period=2025-H1",
    ],
)
def test_a_bad_quarter_or_cumulative_key_is_a_structured_422(login_as, query):
    response = login_as("hti.giamsat").get(f"/reports/statistics?unit={COMMUNE}&{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_period" and "period" in error["details"]


def test_a_quarter_is_frozen_with_its_kind(login_as, quarter_iv):
    api = login_as("hti.giamsat")
    response = api.post(
        "/reports/snapshots", json={"unit": COMMUNE, "kind": "quarter", "period": "2025-Q4"}
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["period"] == {
        "kind": "quarter",
        "key": "2025-Q4",
        "from": "2025-10-01",
        "to": "2025-12-31",
    }
    assert body["figures"]["total"]["stopped"] == 1
    listed = api.get(f"/reports/snapshots?unit={COMMUNE}").get_json()["snapshots"]
    assert [(s["period"]["kind"], s["period"]["key"]) for s in listed] == [("quarter", "2025-Q4")]


def test_a_dossier_worked_through_the_api_is_resolved_when_its_result_is_ready(login_as):
    """The real flow: the dossier counts as resolved once its result is ready, and its return
    at the desk changes nothing in the report."""
    today = datetime.now(UTC).astimezone(TZ).date().isoformat()
    path = f"/reports/statistics?unit=CLO&from={today}&to={today}"
    supervisor, admin = login_as("hti.giamsat"), login_as("admin")

    def figures():
        total = supervisor.get(path).get_json()["total"]
        return total["received"], total["resolved"], total["in_progress"]

    received, resolved, in_progress = figures()
    body = {"procedure_code": HOUSEHOLD, "unit_code": "CLO", "applicant": APPLICANT}
    created = login_as("clo.mc1").post(
        "/dossiers", json={**body, "complete": True, "not_needed": NONE_NEEDED}
    )
    assert created.status_code == 201, created.get_json()
    code = created.get_json()["code"]
    assert figures() == (received + 1, resolved, in_progress + 1)
    assert _work(login_as, code, until="result_ready") == "result_ready"
    assert admin.get(f"/dossiers/{code}").get_json()["finished_at"]
    assert figures() == (received + 1, resolved + 1, in_progress)
    assert _work(login_as, code, until="returned") == "returned"
    assert figures() == (received + 1, resolved + 1, in_progress)


def _work(login_as, code: str, until: str) -> str:
    """Complete the dossier's steps as the officers given them would, until its status is
    ``until`` or no step is left; its status then."""
    admin = login_as("admin")
    for _ in range(40):
        dossier = admin.get(f"/dossiers/{code}").get_json()
        active = [t for t in dossier["tasks"] if t["status"] in ("open", "claimed")]
        if dossier["status"] == until or not active:
            return dossier["status"]
        task = admin.get(f"/tasks/{active[0]['id']}").get_json()
        officer = login_as(task["assignee"] or task["candidates"][0]["username"])
        if task["assignee"] is None:
            assert officer.post(f"/tasks/{task['id']}/claim").status_code == 200
        if task["returns_result"]:
            assert officer.upload(code, "kq.pdf", b"%PDF kq", kind="result").status_code == 201
        data = example_data(task["form"], decision="approve")
        done = officer.post(f"/tasks/{task['id']}/complete", json={"data": data})
        assert done.status_code == 200, done.get_json()
    raise AssertionError("the dossier did not end within 40 steps")
