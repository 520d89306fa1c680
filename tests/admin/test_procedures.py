"""The step configurator, publishing, versions, rebase and the audit log, through the pages."""

import re

import pytest
from sqlalchemy import select

from motcua import engine
from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import AuditEntry, Dossier, ProcessDraft, ProcessVersion, User
from motcua.services import diagrams, org, processes
from motcua.services.processes import newest_version
from motcua.unit_of_work import unit_of_work

CONFIGURE = "/admin/procedures/1.001612/units/CLO"


def table(page: str) -> dict:
    """The configurator form as the page renders it: every field's current value."""
    values = {}
    for name, value in re.findall(r'<input name="([^"]+)" value="([^"]*)"', page):
        values[name] = value
    for select_name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.findall(r'<option value="([^"]*)" selected', body)
        if chosen:
            values[select_name] = chosen if select_name.endswith("-users") else chosen[0]
    return values


def variant_steps(version: ProcessVersion) -> dict[str, engine.Step]:
    return {s.id: s for s in engine.load_diagram(version.bpmn_xml).steps}


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def clo_version(ctx_app):
    with ctx_app.app_context():
        procedure = processes.procedure_by_code("1.001612")
        return newest_version(procedure, org.unit_by_code("CLO"))


def test_the_table_shows_each_step_in_order_with_its_handler_and_limit(officer):
    page = officer("clo.qt").page(CONFIGURE)
    steps = re.findall(r'<tr data-step="([^"]+)"', page)
    assert steps[:5] == [
        "tiep_nhan",
        "cho_bo_sung_tiep_nhan",
        "tham_dinh",
        "cho_bo_sung",
        "xem_xet",
    ]
    assert set(steps[5:]) == {"vao_so", "tra_ket_qua", "tra_tu_choi"}
    values = table(page)
    # Can Lộc names the officers who appraised before the reform (user:…); the desk is a role.
    assert values["h-tham_dinh-mode"] == "users"
    assert values["h-tham_dinh-users"] == ["clo.cv.tckh1", "clo.cv.tckh2"]
    assert values["t-tham_dinh-amount"] == "0.5" and values["t-tham_dinh-unit"] == "d"
    assert values["h-tiep_nhan-mode"] == "role"
    assert values["h-tiep_nhan-role"] == "receptionist"
    assert values["h-tiep_nhan-where"] == ""
    assert values["t-tiep_nhan-amount"] == "1" and values["t-tiep_nhan-unit"] == "h"
    # The commune's offices to choose from, and none of the retired district's.
    where = re.search(r'<select name="h-tham_dinh-where".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', where) == ["", ".KT", ".VHXH", ".VP"]
    assert "Phòng Kinh tế" in where and "Phòng Tài chính - Kế hoạch" not in where
    assert 'id="total-days"' in page


def submit(client, values: dict, **changes):
    data = {**values, **changes}
    return client.post(CONFIGURE, data=data)


def test_two_steps_changed_and_published_reach_new_dossiers_only(app, officer, make_dossier):
    admin = officer("clo.qt")
    before = make_dossier("CLO", "1.001612")
    old_version = clo_version(app)
    values = table(admin.page(CONFIGURE))
    response = submit(
        admin,
        values,
        **{
            "h-tham_dinh-mode": "users",
            "h-tham_dinh-users": "clo.cv.tckh2",
            "t-xem_xet-amount": "2",
            "t-xem_xet-unit": "h",
            "action": "publish",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    new_version = clo_version(app)
    assert new_version.version == old_version.version + 1
    with app.app_context():
        old_steps, new_steps = variant_steps(old_version), variant_steps(new_version)
        template = newest_version(processes.procedure_by_code("1.001612"), None)
        assert db.session.get(ProcessVersion, new_version.id).template_version_id == template.id
    assert new_steps["tham_dinh"].handler == "user:clo.cv.tckh2"
    assert new_steps["xem_xet"].time_limit == "2h"
    for step_id, step in old_steps.items():
        if step_id not in ("tham_dinh", "xem_xet"):
            assert new_steps[step_id] == step
    # Only the two properties changed in the file: the rest is the old text.
    old_lines = old_version.bpmn_xml.splitlines()
    new_lines = new_version.bpmn_xml.splitlines()
    changed = [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]
    assert len(changed) == 2
    assert 'value="user:clo.cv.tckh2"' in changed[0][1] and 'value="2h"' in changed[1][1]

    after = make_dossier("CLO", "1.001612")
    with app.app_context():
        old_dossier = db.session.scalar(select(Dossier).where(Dossier.code == before["code"]))
        new_dossier = db.session.scalar(select(Dossier).where(Dossier.code == after["code"]))
        assert old_dossier.process_version_id == old_version.id
        assert new_dossier.process_version_id == new_version.id
        entries = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.target_key == "1.001612")
            .order_by(AuditEntry.id.desc())
        ).all()
        actions = [e.action for e in entries]
        assert "process.configure" in actions and "process.publish" in actions
        publish = next(e for e in entries if e.action == "process.publish")
        assert publish.actor.username == "clo.qt"
        assert {c["step"] for c in publish.data["changes"]} == {"tham_dinh", "xem_xet"}


def test_over_the_legal_limit_is_kept_as_a_draft_and_cannot_be_published(app, officer):
    admin = officer("clo.qt")
    values = table(admin.page(CONFIGURE))
    check = admin.post(f"{CONFIGURE}/check", data={**values, "t-tham_dinh-amount": "5"})
    assert check.status_code == 200
    assert check.get_json()["fits"] is False and check.get_json()["total_days"] > 3
    response = submit(admin, values, **{"t-tham_dinh-amount": "5", "action": "publish"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "vượt thời hạn giải quyết theo quy định 3 ngày" in page
    old = clo_version(app)
    with app.app_context():
        draft = diagrams.draft_of(processes.procedure_by_code("1.001612"), org.unit_by_code("CLO"))
        assert draft is not None and draft.problems
    assert clo_version(app).id == old.id


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {
                "h-tham_dinh-mode": "role",
                "h-tham_dinh-role": "specialist",
                "h-tham_dinh-where": "HKH",
            },
            "thuộc đơn vị khác",
        ),
        ({"h-tham_dinh-mode": "users", "h-tham_dinh-users": "hkh.cv1"}, "Không phải cán bộ"),
        ({"h-tham_dinh-mode": "users", "h-tham_dinh-users": ""}, "user:"),
        ({"t-tham_dinh-amount": "-1"}, "Thời hạn"),
        ({"t-tham_dinh-amount": "abc"}, "Thời hạn"),
        ({"h-tham_dinh-mode": "role", "h-tham_dinh-role": "system_admin"}, "không xử lý hồ sơ"),
    ],
)
def test_bad_values_are_refused_next_to_the_step_and_change_nothing(app, officer, changes, message):
    admin = officer("clo.qt")
    values = table(admin.page(CONFIGURE))
    response = submit(admin, values, **changes, action="save")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        procedure = processes.procedure_by_code("1.001612")
        assert diagrams.draft_of(procedure, org.unit_by_code("CLO")) is None


@pytest.mark.parametrize("username", ["hkh.qt", "clo.cv.tckh1", "hti.phantich", "clo.mc1"])
def test_only_the_units_admins_reach_its_configurator(officer, username):
    client = officer(username)
    assert client.get(CONFIGURE).status_code == 403
    assert client.post(CONFIGURE, data={"action": "save"}).status_code == 403


def test_the_system_admin_reaches_every_units_configurator(officer):
    assert officer("admin").get("/admin/procedures/1.001612/units/HKH").status_code == 200


def test_rebase_keeps_the_units_handlers_and_flags_new_steps(app, officer):
    admin = officer("clo.qt")
    with app.app_context():
        template_xml = newest_version(processes.procedure_by_code("1.001612"), None).bpmn_xml
    new_task = (
        '<bpmn:userTask id="kiem_tra_lai" name="Kiểm tra lại">'
        "<bpmn:extensionElements><spiffworkflow:properties>"
        '<spiffworkflow:property name="handler" value="specialist@.KT"/>'
        '<spiffworkflow:property name="timeLimit" value="1h"/>'
        "</spiffworkflow:properties></bpmn:extensionElements>"
        "<bpmn:incoming>moi_1</bpmn:incoming><bpmn:outgoing>moi_2</bpmn:outgoing>"
        "</bpmn:userTask>"
    )
    first_flow = re.search(
        r'<bpmn:sequenceFlow id="([^"]+)" sourceRef="tham_dinh" targetRef="([^"]+)"',
        template_xml,
    )
    flow_id, target = first_flow.groups()
    xml = template_xml.replace(
        first_flow.group(0),
        f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="kiem_tra_lai" targetRef="{target}"',
    )
    xml = xml.replace(
        "</bpmn:laneSet>",
        "</bpmn:laneSet>"
        + new_task
        + '<bpmn:sequenceFlow id="moi_1" sourceRef="tham_dinh" targetRef="kiem_tra_lai"/>',
    )
    xml = xml.replace(
        f"<bpmn:outgoing>{flow_id}</bpmn:outgoing>", "<bpmn:outgoing>moi_1</bpmn:outgoing>", 1
    )
    xml = xml.replace(
        f"<bpmn:incoming>{flow_id}</bpmn:incoming>", "<bpmn:incoming>moi_2</bpmn:incoming>", 1
    )
    xml = xml.replace(
        f'id="{flow_id}" sourceRef="kiem_tra_lai"', 'id="moi_2" sourceRef="kiem_tra_lai"'
    )
    with app.app_context(), unit_of_work():
        procedure, analyst = processes.procedure_by_code("1.001612"), user("hti.phantich")
        draft = diagrams.save_draft(procedure, None, xml, analyst)
        assert draft.problems == [], draft.problems
        diagrams.publish(procedure, None, analyst)

    page = admin.page(CONFIGURE)
    assert "Cập nhật theo mẫu mới" in page
    response = admin.post(f"{CONFIGURE}/rebase")
    assert response.status_code == 302
    page = admin.page(CONFIGURE)
    assert 'data-step="kiem_tra_lai" class="new-step"' in page
    values = table(page)
    assert values["t-tham_dinh-amount"] == "0.5"  # CLO's own limit kept
    # Publishing before the new step is configured is refused.
    with app.app_context():
        clo = org.unit_by_code("CLO")
        with pytest.raises(Exception, match="chưa được cấu hình"):
            diagrams.publish(
                procedure, clo, next(u for u in org.users_for(None, None) if u.username == "clo.qt")
            )
    response = submit(admin, values, action="publish")
    assert response.status_code == 302, response.get_data(as_text=True)
    version = clo_version(app)
    steps = variant_steps(version)
    assert "kiem_tra_lai" in steps
    with app.app_context():
        assert db.session.get(ProcessVersion, version.id).template_version.version == 2


def test_versions_and_their_differences(app, officer):
    admin = officer("clo.qt")
    values = table(admin.page(CONFIGURE))
    submit(admin, values, **{"t-xem_xet-amount": "3", "t-xem_xet-unit": "h", "action": "publish"})
    page = admin.page("/admin/procedures/1.001612/versions?unit=CLO")
    ids = re.findall(r'name="a" value="(\d+)"', page)
    assert len(ids) == 2
    diff = admin.page(f"/admin/procedures/1.001612/diff?a={ids[1]}&b={ids[0]}")
    assert 'data-step="xem_xet" data-field="timeLimit"' in diff
    assert "4h" in diff and "3h" in diff
    assert diff.count('class="diagram"') == 2
    xml = admin.get(f"/admin/procedures/1.001612/versions/{ids[0]}.bpmn")
    assert xml.status_code == 200 and b'value="3h"' in xml.data
    # Another commune's admin reads neither the list nor the files.
    other = officer("hkh.qt")
    assert other.get("/admin/procedures/1.001612/versions?unit=CLO").status_code == 403
    assert other.get(f"/admin/procedures/1.001612/versions/{ids[0]}.bpmn").status_code == 403


def test_the_audit_log_shows_a_units_changes_to_its_admins_only(officer):
    clo = officer("clo.qt")
    values = table(clo.page(CONFIGURE))
    submit(clo, values, **{"t-xem_xet-amount": "3", "t-xem_xet-unit": "h", "action": "save"})
    assert "process.configure" in clo.page("/admin/audit")
    assert "process.configure" not in officer("hkh.qt").page("/admin/audit")
    assert officer("clo.cv.tckh1").get("/admin/audit").status_code == 403


def test_a_template_draft_with_a_dtd_is_refused_and_nothing_is_stored(app):
    with app.app_context():
        procedure = processes.procedure_by_code("2.000815")
        analyst = user("hti.phantich")
        evil = (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&e;'
            "</bpmn:definitions>"
        )
        with pytest.raises(Invalid, match="DTD") as info:
            diagrams.save_draft(procedure, None, evil, analyst)
        assert info.value.code == "unsafe_diagram"
        assert db.session.scalar(select(ProcessDraft)) is None


def test_a_published_version_cannot_be_rewritten(app):
    with app.app_context():
        version = newest_version(processes.procedure_by_code("1.001612"), org.unit_by_code("CLO"))
        version.bpmn_xml = version.bpmn_xml.replace("4h", "8h")
        with pytest.raises(RuntimeError, match="immutable"):
            db.session.flush()
        db.session.rollback()
