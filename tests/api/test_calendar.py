def test_deadline_in_working_days_skips_the_weekend(client):
    # Friday 27/11/2026 10:00 + 2 working days → Tuesday 01/12/2026 10:00
    response = client.get(
        "/api/v1/calendar/deadline", query_string={"start": "2026-11-27T10:00:00+07:00", "days": 2}
    )
    assert response.status_code == 200
    assert response.get_json() == {"deadline": "2026-12-01T10:00:00+07:00"}


def test_deadline_in_working_hours_skips_lunch(client):
    response = client.get(
        "/api/v1/calendar/deadline",
        query_string={"start": "2026-11-23T10:30:00+07:00", "hours": 2},
    )
    assert response.get_json() == {"deadline": "2026-11-23T14:30:00+07:00"}


def test_deadline_skips_national_day_holidays(client):
    # Friday 28/8/2026 08:00: 7 working hours that day; 31/8 (substituted day off), 1/9 and 2/9
    # (National Day) are off, so the last half hour falls on Thursday 3/9.
    response = client.get(
        "/api/v1/calendar/deadline", query_string={"start": "2026-08-28T08:00:00+07:00", "days": 1}
    )
    assert response.get_json() == {"deadline": "2026-09-03T08:00:00+07:00"}


def test_deadline_needs_a_zone_and_exactly_one_amount(client):
    naive = client.get(
        "/api/v1/calendar/deadline", query_string={"start": "2026-11-23T10:00", "days": 1}
    )
    assert naive.status_code == 422
    both = client.get(
        "/api/v1/calendar/deadline",
        query_string={"start": "2026-11-23T10:00+07:00", "days": 1, "hours": 1},
    )
    assert both.status_code == 422
    bad = client.get("/api/v1/calendar/deadline", query_string={"start": "hôm nay", "days": 1})
    assert bad.get_json()["error"]["code"] == "invalid_start"
