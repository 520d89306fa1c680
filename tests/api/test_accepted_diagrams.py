"""Any diagram the lint accepts can be worked through the API to its end: no step's completion
answers 500, whatever the diagram's shape (parallel and inclusive branches, a subprocess, a
script that fails on the dossier's data, a chain as long as the engine's limit). The diagrams
that used to pass the check and then fail (a multi-instance step) are refused when stored."""

import pytest

from motcua import engine
from motcua.errors import Invalid
from motcua.models import Role
from tests.conftest import APPLICANT
from tests.engine.conftest import Bpmn

B = Bpmn()
DESK = B.user_task("tiep_nhan", "Tiếp nhận hồ sơ", handler="receptionist", timeLimit="1h")


def _specialist(id, name=None):
    return B.user_task(id, name or f"Bước {id}", handler="specialist", timeLimit="1h")


def _fork(kind, id):
    return f'<bpmn:{kind} id="{id}"/>\n'


def _subprocess(id, body):
    return f'<bpmn:subProcess id="{id}" name="Tiến trình con">{body}</bpmn:subProcess>\n'


DIAGRAMS = {
    "parallel": (
        B.start()
        + DESK
        + _fork("parallelGateway", "tach")
        + _specialist("a")
        + _specialist("b")
        + _fork("parallelGateway", "gop")
        + B.end()
        + B.chain("start", "tiep_nhan", "tach", "a", "gop", "end")
        + B.chain("tach", "b", "gop")
    ),
    "inclusive": (
        B.start()
        + DESK
        + '<bpmn:inclusiveGateway id="tach" default="f_c"/>'
        + _specialist("a")
        + _specialist("b")
        + _fork("inclusiveGateway", "gop")
        + B.end()
        + B.chain("start", "tiep_nhan", "tach")
        + B.flow("f_a", "tach", "a", "1 == 1")
        + B.flow("f_b", "tach", "b", "2 > 1")
        + B.flow("f_c", "tach", "gop")
        + B.chain("a", "gop", "end")
        + B.chain("b", "gop")
    ),
    "subprocess": (
        B.start()
        + DESK
        + _subprocess(
            "con",
            B.start("s1") + _specialist("trong") + B.end("e1") + B.chain("s1", "trong", "e1"),
        )
        + B.end()
        + B.chain("start", "tiep_nhan", "con", "end")
    ),
    "loop_back": (
        B.start()
        + DESK
        + _specialist("tham_dinh")
        + B.gateway("gw", default="f_ok")
        + B.end()
        + B.chain("start", "tiep_nhan", "tham_dinh", "gw")
        + B.flow("f_ok", "gw", "end")
        + B.flow("f_lai", "gw", "tiep_nhan", 'decision == "lai"')
    ),
    "throw_event_and_terminate": (
        B.start()
        + DESK
        + '<bpmn:intermediateThrowEvent id="moc" name="Mốc"/>'
        + _specialist("a")
        + '<bpmn:endEvent id="end"><bpmn:terminateEventDefinition/></bpmn:endEvent>'
        + B.chain("start", "tiep_nhan", "moc", "a", "end")
    ),
}


@pytest.fixture
def scene(app, make_unit, make_user):
    with app.app_context():
        unit = make_unit()
        desk = make_user(unit=unit, roles=[Role.RECEPTIONIST])
        specialist = make_user(unit=unit, roles=[Role.SPECIALIST])
        return unit.code, desk.username, specialist.username


def receive(login_as, desk, unit_code, procedure_code) -> str:
    response = login_as(desk).post(
        "/dossiers",
        json={
            "procedure_code": procedure_code,
            "unit_code": unit_code,
            "applicant": APPLICANT,
            "channel": "direct",
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def open_tasks(login_as, desk, code) -> list[dict]:
    detail = login_as(desk).get(f"/dossiers/{code}")
    assert detail.status_code == 200, detail.get_json()
    return [t for t in detail.get_json()["tasks"] if t["status"] in ("open", "claimed")]


def work(login_as, officers, task, data):
    """Claim (when nobody has) and complete one task as whichever officer may: the answer."""
    for username in officers:
        officer = login_as(username)
        if task["assignee"] is None:
            claimed = officer.post(f"/tasks/{task['id']}/claim")
            assert claimed.status_code < 500, claimed.get_json()
            if claimed.status_code != 200:
                continue
        done = officer.post(f"/tasks/{task['id']}/complete", json={"data": data})
        assert done.status_code < 500, done.get_json()
        if done.status_code != 403:
            return done
    raise AssertionError(f"nobody could work {task}")


@pytest.mark.parametrize("name", DIAGRAMS)
def test_a_dossier_on_an_accepted_diagram_is_worked_to_its_end(
    app, scene, login_as, make_procedure, name
):
    unit_code, desk, specialist = scene
    xml = Bpmn.process(DIAGRAMS[name])
    engine.check_diagram(xml)  # the lint accepts it
    with app.app_context():
        procedure = make_procedure(bpmn=xml, unit=_unit(unit_code), legal_limit_days=30)
        procedure_code = procedure.code
    code = receive(login_as, desk, unit_code, procedure_code)
    rounds = 0
    while tasks := open_tasks(login_as, desk, code):
        rounds += 1
        assert rounds < 20, tasks
        # The loop goes back once (the data stays with the dossier: later steps say "ok").
        data = {"decision": "lai" if rounds == 2 else "ok"} if name == "loop_back" else {}
        done = work(login_as, [desk, specialist], tasks[0], data)
        assert done.status_code == 200, done.get_json()
    assert rounds == {"parallel": 3, "inclusive": 3, "loop_back": 4}.get(name, 2)
    status = login_as(desk).get(f"/dossiers/{code}").get_json()["status"]
    assert status not in ("received", "processing"), status


def test_a_script_failing_on_the_dossier_s_data_is_a_refusal_not_a_500(
    app, scene, login_as, make_procedure
):
    unit_code, desk, specialist = scene
    xml = Bpmn.process(
        B.start()
        + DESK
        + B.script("tinh_phi", "fee = area * 2")
        + _specialist("a")
        + B.end()
        + B.chain("start", "tiep_nhan", "tinh_phi", "a", "end")
    )
    with app.app_context():
        procedure = make_procedure(bpmn=xml, unit=_unit(unit_code), legal_limit_days=30)
        procedure_code = procedure.code
    code = receive(login_as, desk, unit_code, procedure_code)
    [task] = open_tasks(login_as, desk, code)
    refused = work(login_as, [desk], task, {})
    assert refused.status_code == 422, refused.get_json()
    assert "tinh_phi" in refused.get_json()["error"]["message"]
    # Nothing changed: the step still waits, and completes once the data is there.
    [still] = open_tasks(login_as, desk, code)
    assert still["id"] == task["id"]
    assert work(login_as, [desk], still, {"area": 10}).status_code == 200


def test_a_chain_as_long_as_the_limit_is_received_and_worked(app, scene, login_as, make_procedure):
    unit_code, desk, specialist = scene
    ids = [f"b{i}" for i in range(engine.parse.MAX_FLOW_NODES - 3)]
    xml = Bpmn.process(
        B.start()
        + DESK
        + "".join(_specialist(i) for i in ids)
        + B.end()
        + B.chain("start", "tiep_nhan", *ids, "end")
    )
    with app.app_context():
        procedure = make_procedure(bpmn=xml, unit=_unit(unit_code), legal_limit_days=1000)
        procedure_code = procedure.code
    code = receive(login_as, desk, unit_code, procedure_code)
    for _ in range(3):
        [task] = open_tasks(login_as, desk, code)
        assert work(login_as, [desk, specialist], task, {}).status_code == 200


@pytest.mark.parametrize(
    "loop",
    [
        '<bpmn:multiInstanceLoopCharacteristics isSequential="true">'
        "<bpmn:loopCardinality>3</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>",
        '<bpmn:standardLoopCharacteristics loopMaximum="3"/>',
    ],
)
def test_a_multi_instance_step_is_refused_when_stored(app, scene, make_procedure, loop):
    unit_code, desk, specialist = scene
    step = _specialist("a").replace("</bpmn:userTask>", f"{loop}</bpmn:userTask>")
    xml = Bpmn.process(
        B.start() + DESK + step + B.end() + B.chain("start", "tiep_nhan", "a", "end")
    )
    with app.app_context(), pytest.raises(Invalid) as refused:
        make_procedure(bpmn=xml, unit=_unit(unit_code), legal_limit_days=30)
    [problem] = refused.value.details
    assert problem["element"] == "a" and "multi-instance" in problem["message"]


def _unit(code):
    from sqlalchemy import select

    from motcua.extensions import db
    from motcua.models import Unit

    return db.session.scalar(select(Unit).where(Unit.code == code))
