"""The leader's "ký duyệt" at a ``signsResult`` step signs the result files for real: the
leader's own certificate, then the unit's seal (two signatures, both valid and trusted); the
unsigned file stays, as a working file, and the return hands over the signed one."""

import io

import weasyprint
from pyhanko.pdf_utils.reader import PdfFileReader

from motcua.models import AttachmentKind, Role
from tests.conftest import APPLICANT
from tests.signing import test_signing
from tests.signing.test_signing import (
    give_key,
    good,
    seal_png,
    shows_an_image,
    stored,
    validated,
)

# The fixtures of the signing tests: a test CA, and the keys folder the app signs from.
ca, keys_dir = test_signing.ca, test_signing.keys_dir

SIGNING_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" \
targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:process id="ky_so" name="Thủ tục ký số" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:userTask id="tiep_nhan" name="Tiếp nhận hồ sơ"><bpmn:extensionElements>
    <spiffworkflow:properties><spiffworkflow:property name="handler" value="receptionist"/>
    <spiffworkflow:property name="timeLimit" value="4h"/></spiffworkflow:properties>
  </bpmn:extensionElements></bpmn:userTask>
  <bpmn:userTask id="ky_duyet" name="Lãnh đạo ký duyệt"><bpmn:extensionElements>
    <spiffworkflow:properties><spiffworkflow:property name="handler" value="leader"/>
    <spiffworkflow:property name="timeLimit" value="1d"/>
    <spiffworkflow:property name="producesResult" value="true"/>
    <spiffworkflow:property name="signsResult" value="true"/></spiffworkflow:properties>
  </bpmn:extensionElements></bpmn:userTask>
  <bpmn:userTask id="tra_ket_qua" name="Trả kết quả"><bpmn:extensionElements>
    <spiffworkflow:properties><spiffworkflow:property name="handler" value="receptionist"/>
    <spiffworkflow:property name="timeLimit" value="4h"/>
    <spiffworkflow:property name="returnsResult" value="true"/></spiffworkflow:properties>
  </bpmn:extensionElements></bpmn:userTask>
  <bpmn:endEvent id="end" name="Đã trả kết quả"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="tiep_nhan"/>
  <bpmn:sequenceFlow id="f2" sourceRef="tiep_nhan" targetRef="ky_duyet"/>
  <bpmn:sequenceFlow id="f3" sourceRef="ky_duyet" targetRef="tra_ket_qua"/>
  <bpmn:sequenceFlow id="f4" sourceRef="tra_ket_qua" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>
"""

RESULT_PDF = weasyprint.HTML(
    string="<p>GIẤY CHỨNG NHẬN</p><p>Ủy ban nhân dân chứng nhận …</p>"
).write_pdf()


def signing_unit(make_unit, make_user, make_procedure):
    unit = make_unit(name="UBND xã Ký Thử")
    desk = make_user(unit=unit, roles=[Role.RECEPTIONIST])
    leader = make_user(unit=unit, roles=[Role.LEADER], display_name="Trần Văn Lãnh")
    procedure = make_procedure(bpmn=SIGNING_BPMN, unit=unit)
    return unit, desk, leader, procedure


def step(api, code, step_id):
    tasks = api.get(f"/dossiers/{code}").get_json()["tasks"]
    found = [t for t in tasks if t["step_id"] == step_id and t["status"] in ("open", "claimed")]
    assert found, [(t["step_id"], t["status"]) for t in tasks]
    return found[0]


def approve(login_as, unit, desk, leader, procedure, result=RESULT_PDF):
    """Receive a dossier; the leader files the result and completes the "ký duyệt" step."""
    front = login_as(desk.username)
    body = {"procedure_code": procedure.code, "unit_code": unit.code, "applicant": APPLICANT}
    response = front.post("/dossiers", json=body)
    assert response.status_code == 201, response.get_json()
    code = response.get_json()["code"]
    task = step(front, code, "tiep_nhan")
    assert front.post(f"/tasks/{task['id']}/complete", json={"data": {}}).status_code == 200
    boss = login_as(leader.username)
    task = step(boss, code, "ky_duyet")
    assert boss.upload(code, "giay-chung-nhan.pdf", result, kind="result").status_code == 201
    done = boss.post(f"/tasks/{task['id']}/complete", json={"data": {}})
    assert done.status_code == 200, done.get_json()
    return code, front


def test_the_leaders_approval_signs_the_result_with_their_certificate_and_the_seal(
    app,
    ca,
    keys_dir,
    login_as,
    officer,
    make_unit,
    make_user,
    make_procedure,
):
    unit, desk, leader, procedure = signing_unit(make_unit, make_user, make_procedure)
    own = give_key(ca, keys_dir, leader.username, title="Chủ tịch", organisation=unit.name)
    seal = give_key(ca, keys_dir, unit.code, organisation=unit.name)
    seal_png(keys_dir / f"{unit.code}.seal.png")

    code, front = approve(login_as, unit, desk, leader, procedure)

    [(signed, pdf)] = stored(app, code, AttachmentKind.RESULT)
    first, second = validated(pdf, ca)
    assert good(first, own) and good(second, seal)  # the leader's first, the seal second
    assert second.coverage.name == "ENTIRE_FILE"
    # The seal's image sits on the left third of the leader's signature.
    one, two = (
        [float(v) for v in s.sig_field["/Rect"]]
        for s in PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    )
    assert two[0] == one[0] and abs((two[2] - two[0]) * 3 - (one[2] - one[0])) < 3
    leaders, seals = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert shows_an_image(seals.sig_field) and not shows_an_image(leaders.sig_field)
    # The unsigned original stays, as a working file; the event names both certificates.
    [(original, bytes_)] = stored(app, code, AttachmentKind.WORKING)
    assert bytes_ == RESULT_PDF and signed.file_name == original.file_name
    events = front.get(f"/dossiers/{code}").get_json()["events"]
    [event] = [e for e in events if e["kind"] == "result_signed"]
    assert event["data"]["signed_from"] == original.id
    assert [(s["role"], s["serial"]) for s in event["data"]["signatures"]] == [
        ("leader", format(own.cert.serial_number, "X")),
        ("seal", format(seal.cert.serial_number, "X")),
    ]
    # The return hands over the signed result.
    task = step(front, code, "tra_ket_qua")
    done = front.post(f"/tasks/{task['id']}/complete", json={"data": {}})
    assert done.status_code == 200, done.get_json()
    assert front.get(f"/dossiers/{code}").get_json()["status"] == "returned"


def test_a_leader_without_a_certificate_leaves_the_seal_alone_and_no_key_changes_nothing(
    app,
    ca,
    keys_dir,
    login_as,
    make_unit,
    make_user,
    make_procedure,
):
    unit, desk, leader, procedure = signing_unit(make_unit, make_user, make_procedure)
    code, _ = approve(login_as, unit, desk, leader, procedure)
    [(_, pdf)] = stored(app, code, AttachmentKind.RESULT)
    assert pdf == RESULT_PDF and stored(app, code, AttachmentKind.WORKING) == []

    seal = give_key(ca, keys_dir, unit.code)
    code, front = approve(login_as, unit, desk, leader, procedure)
    [(_, pdf)] = stored(app, code, AttachmentKind.RESULT)
    [status] = validated(pdf, ca)
    assert good(status, seal)
    [event] = [
        e
        for e in front.get(f"/dossiers/{code}").get_json()["events"]
        if e["kind"] == "result_signed"
    ]
    assert event["data"]["unsigned"] == [
        {"role": "leader", "owner": leader.username, "reason": "no_key"}
    ]


def test_a_result_that_is_no_readable_pdf_stops_the_approval_and_changes_nothing(
    app,
    ca,
    keys_dir,
    login_as,
    make_unit,
    make_user,
    make_procedure,
):
    unit, desk, leader, procedure = signing_unit(make_unit, make_user, make_procedure)
    give_key(ca, keys_dir, unit.code)
    front = login_as(desk.username)
    body = {"procedure_code": procedure.code, "unit_code": unit.code, "applicant": APPLICANT}
    code = front.post("/dossiers", json=body).get_json()["code"]
    task = step(front, code, "tiep_nhan")
    assert front.post(f"/tasks/{task['id']}/complete", json={"data": {}}).status_code == 200
    boss = login_as(leader.username)
    task = step(boss, code, "ky_duyet")
    assert boss.upload(code, "hong.pdf", b"%PDF-1.4 hong", kind="result").status_code == 201

    refused = boss.post(f"/tasks/{task['id']}/complete", json={"data": {}})

    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "result_not_signable"
    assert "hong.pdf" in refused.get_json()["error"]["message"]
    assert step(boss, code, "ky_duyet")["id"] == task["id"]
    [(_, pdf)] = stored(app, code, AttachmentKind.RESULT)
    assert pdf == b"%PDF-1.4 hong"
