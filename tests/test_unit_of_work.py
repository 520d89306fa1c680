"""One unit of work per action: the boundary commits once after the act, services never commit,
a refused act keeps nothing, and pages that only read commit nothing."""

import ast
import copy
import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from motcua.extensions import db
from motcua.unit_of_work import unit_of_work
from tests.conftest import desk_intake

REPO = Path(__file__).resolve().parents[1]
ERRORS = {"MotcuaError", "Invalid", "Conflict", "NotFound", "Forbidden", "Unauthorized"}


@pytest.fixture(scope="module")
def real_app(separate_app):
    """An app on a database of its own: its commits are real, and counted."""
    return separate_app("_uow")


class Commits:
    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.count = 0

    def _one(self, conn):
        self.count += 1

    def __enter__(self):
        sa.event.listen(self.engine, "commit", self._one)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "commit", self._one)


def sign_in(app, username):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"username": username, "password": "demo", "csrf_token": token}
    )
    assert response.status_code == 302
    page = client.get("/inbox").get_data(as_text=True)
    return client, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def bearer(app, username):
    client = app.test_client()
    response = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    return client, {"Authorization": f"Bearer {response.get_json()['token']}"}


def with_a_file_field(monkeypatch, app, task_id: int) -> None:
    """The appraisal's form with a file field (no shipped form has one yet), on this task."""
    from motcua.forms import load_form
    from motcua.models import Task
    from motcua.services import formdata, taskpage

    form = copy.deepcopy(load_form("tham-dinh"))
    form["schema"]["properties"]["attachment"] = {"type": "integer"}
    form["ui"]["attachment"] = {"widget": "file", "label": "Dự thảo"}
    forms = {"tham-dinh-tep": form}
    monkeypatch.setattr(taskpage, "load_form", lambda n: forms.get(n) or load_form(n))
    monkeypatch.setattr(formdata, "load_form", lambda n: forms.get(n) or load_form(n))
    formdata._validator.cache_clear()
    with app.app_context(), unit_of_work():
        db.session.get(Task, task_id).form = "tham-dinh-tep"


def test_the_main_acts_are_one_commit_each(real_app, monkeypatch):
    desk, token = sign_in(real_app, "clo.mc1")
    form = desk_intake(csrf_token=token)
    with Commits(real_app) as receiving:
        response = desk.post("/desk/receive/1.001612", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert receiving.count == 1
    code = response.headers["Location"].rsplit("/", 1)[-1]

    api, headers = bearer(real_app, "clo.cv.tckh1")
    [task] = [
        t
        for t in api.get(f"/api/v1/dossiers/{code}", headers=headers).get_json()["tasks"]
        if t["status"] == "open"
    ]
    with Commits(real_app) as claiming:
        assert api.post(f"/api/v1/tasks/{task['id']}/claim", headers=headers).status_code == 200
    assert claiming.count == 1

    with_a_file_field(monkeypatch, real_app, task["id"])
    specialist, token = sign_in(real_app, "clo.cv.tckh1")
    fields = {
        "csrf_token": token,
        "opinion": "Đủ điều kiện",
        "proposal": "approve",
        "attachment": (io.BytesIO(b"%PDF-1.4 du thao"), "du-thao.pdf"),
    }
    with Commits(real_app) as completing:
        response = specialist.post(f"/tasks/{task['id']}/complete", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert completing.count == 1  # the working file and the step, one transaction

    with real_app.app_context():
        from motcua.models import Attachment, Task

        done = db.session.get(Task, task["id"])
        assert done.status.value == "done"
        attached = db.session.scalar(sa.select(Attachment).where(Attachment.task_id == done.id))
        assert done.data["attachment"] == attached.id

    leader, headers = bearer(real_app, "clo.ld.tckh")
    [next_step] = [
        t
        for t in leader.get(f"/api/v1/dossiers/{code}", headers=headers).get_json()["tasks"]
        if t["status"] == "open"
    ]
    with Commits(real_app) as sending_back:
        response = leader.post(
            f"/api/v1/tasks/{next_step['id']}/send-back",
            json={"reason": "Bổ sung ý kiến"},
            headers=headers,
        )
    assert response.status_code == 200, response.get_json()
    assert sending_back.count == 1


def test_a_refused_act_commits_nothing(real_app):
    desk, token = sign_in(real_app, "clo.mc1")
    # An empty file: refused after the dossier and its first step were written.
    form = desk_intake(csrf_token=token, **{"doc-0": [(io.BytesIO(b""), "rong.pdf")]})
    with Commits(real_app) as refused:
        response = desk.post("/desk/receive/1.001612", data=form)
    assert response.status_code == 422
    assert refused.count == 0


def test_pages_that_only_read_commit_nothing(real_app):
    desk, _ = sign_in(real_app, "clo.mc1")
    with Commits(real_app) as reading:
        for path in ("/inbox", "/desk/receive", "/desk/results", "/lookup"):
            assert desk.get(path).status_code == 200
    assert reading.count == 0


def _functions(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_no_service_commits_or_rolls_back():
    found = []
    for path in sorted((REPO / "platform" / "services").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("commit", "rollback")
            ):
                found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert found == []


def test_views_answer_a_refusal_only_through_the_boundary():
    """A view that catches one of our errors with a bare ``except`` would let the boundary
    commit what the refused act had flushed: it must use ``unit_of_work.refusal``."""
    found = []
    folders = [REPO / "platform" / "web", REPO / "api", REPO / "admin"]
    for path in sorted(p for folder in folders for p in folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ExceptHandler) or node.type is None:
                continue
            caught = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            names = {getattr(c, "id", getattr(c, "attr", None)) for c in caught}
            if names & ERRORS:
                found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert found == []
