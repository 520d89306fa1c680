"""Two officers complete the same step at the same moment: one wins, the other gets 409.

This needs real commits on separate connections, so it runs on a database of its own.
"""

import threading

import pytest
from sqlalchemy import func, select

from motcua.extensions import db
from motcua.models import Event, Task
from motcua.services import auth
from motcua.services.formdata import example_data
from tests.conftest import active_officer

APPLICANT = {"name": "Lê Văn Cường", "id_number": "042190001111"}


@pytest.fixture(scope="module")
def race_app(separate_app):
    app = separate_app("_race")
    yield app
    with app.app_context():
        db.engine.dispose()


def token(client, username):
    """A token minted directly, without a password round trip."""
    with client.application.app_context():
        return {"Authorization": f"Bearer {auth.issue_token(active_officer(username))}"}


def test_two_simultaneous_completions_one_wins_one_gets_409(race_app):
    client = race_app.test_client()
    desk = token(client, "clo.mc1")
    created = client.post(
        "/api/v1/dossiers",
        json={"procedure_code": "1.001612", "unit_code": "CLO", "applicant": APPLICANT},
        headers=desk,
    ).get_json()
    tasks = client.get(f"/api/v1/dossiers/{created['code']}", headers=desk).get_json()["tasks"]
    first = tasks[0]
    client.post(
        f"/api/v1/tasks/{first['id']}/complete",
        json={"data": example_data(first["form"])},
        headers=desk,
    )
    step = next(
        t
        for t in client.get(f"/api/v1/dossiers/{created['code']}", headers=desk).get_json()["tasks"]
        if t["status"] == "open"
    )

    officers = [token(client, "clo.cv.tckh1"), token(client, "clo.cv.tckh2")]
    barrier = threading.Barrier(len(officers))
    results = []

    def complete(headers):
        own_client = race_app.test_client()
        barrier.wait()
        response = own_client.post(
            f"/api/v1/tasks/{step['id']}/complete",
            json={"data": example_data(step["form"])},
            headers=headers,
        )
        results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=complete, args=(h,)) for h in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    loser = next(body for status, body in results if status == 409)
    assert loser["error"]["code"] in ("task_not_active", "claimed_by_other", "conflict")
    with race_app.app_context():
        completed = db.session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.task_id == step["id"], Event.kind == "step_completed")
        )
        next_steps = db.session.scalar(
            select(func.count())
            .select_from(Task)
            .where(Task.dossier_id == db.session.get(Task, step["id"]).dossier_id)
        )
    assert completed == 1
    assert next_steps == 3  # receive, this step, and exactly one next step


def test_parallel_wrong_passwords_are_counted_one_by_one_and_the_lock_holds_at_five(race_app):
    tries = 12
    barrier = threading.Barrier(tries)
    results = []

    def sign_in(password):
        own_client = race_app.test_client()
        barrier.wait()
        response = own_client.post(
            "/api/v1/auth/token", json={"username": "clo.ld2", "password": password}
        )
        results.append(response.get_json()["error"]["code"])

    threads = [threading.Thread(target=sign_in, args=(f"sai-{n}",)) for n in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == ["bad_credentials"] * auth.MAX_FAILED_LOGINS + ["locked"] * (
        tries - auth.MAX_FAILED_LOGINS
    )
    right = race_app.test_client().post(
        "/api/v1/auth/token", json={"username": "clo.ld2", "password": "demo"}
    )
    assert right.status_code == 401 and right.get_json()["error"]["code"] == "locked"


def test_parallel_guesses_at_the_lookup_are_held_at_the_limit_in_every_process(race_app):
    from motcua.app import create_app

    client = race_app.test_client()
    created = client.post(
        "/api/v1/dossiers",
        json={"procedure_code": "1.001612", "unit_code": "CLO", "applicant": APPLICANT},
        headers=token(client, "clo.mc1"),
    ).get_json()
    guesses = 40
    barrier = threading.Barrier(guesses)
    results = []

    def guess(n):
        own_client = race_app.test_client()
        barrier.wait()
        response = own_client.get(
            "/api/v1/lookup",
            query_string={"code": created["code"], "secret": f"0421900{n:05d}"},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n}"},
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    limit = race_app.config["LOOKUP_MAX_FAILURES_PER_CODE"]
    assert sorted(results) == [404] * limit + [429] * (guesses - limit)

    # Another process (an app of its own on the same database) holds the code back too.
    other = create_app({**race_app.config, "TESTING": True})
    refused = other.test_client().get(
        "/api/v1/lookup",
        query_string={"code": created["code"], "secret": APPLICANT["id_number"]},
    )
    assert refused.status_code == 429
    with other.app_context():
        db.engine.dispose()
