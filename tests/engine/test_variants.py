import pytest

from motcua import engine


def test_a_variant_changes_only_the_step_properties(linear_xml):
    commented = linear_xml.replace("<bpmn:process", "<!-- giữ nguyên -->\n<bpmn:process")
    xml = engine.set_step_properties(
        commented,
        {
            "tham_dinh": {"handler": "specialist@STNMT", "timeLimit": "3d"},
            "tiep_nhan": {"form": None},
            "tra_ket_qua": {"form": "tra-ket-qua"},
        },
    )
    assert b"<!-- gi" in xml
    steps = {s.id: s for s in engine.check_diagram(xml).steps}
    assert (steps["tham_dinh"].handler, steps["tham_dinh"].time_limit) == ("specialist@STNMT", "3d")
    assert steps["tiep_nhan"].form is None and steps["tiep_nhan"].handler == "receptionist"
    assert steps["tra_ket_qua"].form == "tra-ket-qua" and steps["tra_ket_qua"].returns_result


def test_a_variant_can_add_properties_to_a_bare_task(bpmn):
    xml = bpmn.process(
        bpmn.start()
        + '<bpmn:userTask id="a"><bpmn:documentation>Ghi chú</bpmn:documentation></bpmn:userTask>'
        + bpmn.end()
        + bpmn.chain("start", "a", "end")
    )
    changed = engine.set_step_properties(xml, {"a": {"handler": "leader", "timeLimit": "1d"}})
    [step] = engine.check_diagram(changed).steps
    assert (step.handler, step.time_limit) == ("leader", "1d")


def test_a_variant_names_unknown_steps_and_properties(linear_xml):
    with pytest.raises(engine.DiagramError) as info:
        engine.set_step_properties(linear_xml, {"nope": {}, "tiep_nhan": {"colour": "red"}})
    assert [p.element_id for p in info.value.problems] == ["nope", "tiep_nhan"]
