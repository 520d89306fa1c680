from decimal import Decimal

import pytest

from motcua import engine


def lint_of(xml, **kwargs) -> list[engine.Problem]:
    return engine.lint(engine.load_diagram(xml), **kwargs)


def one_task(bpmn, task_xml: str) -> str:
    return bpmn.process(bpmn.start() + task_xml + bpmn.end() + bpmn.chain("start", "a", "end"))


def test_a_good_diagram_has_no_problems(linear_xml, gateway_xml):
    assert lint_of(linear_xml, legal_limit_days=5, resolve_handler=lambda h: None) == []
    assert lint_of(gateway_xml) == []
    assert engine.check_diagram(linear_xml).process_id == "proc"


def test_a_missing_handler_names_the_step(bpmn):
    [problem] = lint_of(one_task(bpmn, bpmn.user_task("a", "Bước A", handler=None)))
    assert problem.element_id == "a"
    assert "a «Bước A»" in problem.message and "handler" in problem.message


def test_a_missing_time_limit_names_the_step(bpmn):
    [problem] = lint_of(one_task(bpmn, bpmn.user_task("a", timeLimit=None)))
    assert problem.element_id == "a" and "timeLimit" in problem.message


@pytest.mark.parametrize(
    "props, words",
    [
        ({"handler": "boss"}, "vai trò «boss»"),
        ({"handler": "specialist@tnmt"}, "mã đơn vị"),
        ({"timeLimit": "3 ngày"}, "Thời hạn «3 ngày»"),
        ({"timeLimit": "0d"}, "Thời hạn «0d»"),
        ({"form": "../secret"}, "Tên biểu mẫu"),
        ({"returnsResult": "yes"}, "returnsResult"),
        ({"timelimit": "2d"}, "«timelimit» không được hỗ trợ"),
    ],
)
def test_bad_property_syntax_names_the_step(bpmn, props, words):
    problems = lint_of(one_task(bpmn, bpmn.user_task("a", "Bước A", **props)))
    assert [p.element_id for p in problems] == ["a"]
    assert words in problems[0].message and "Bước a «Bước A»" in problems[0].message


def test_a_handler_that_does_not_resolve_is_reported_with_the_reason(linear_xml):
    seen = []

    def resolve(handler):
        seen.append(handler)
        return "Không có đơn vị mã CLO.TNMT." if handler.relative else None

    [problem] = lint_of(linear_xml, resolve_handler=resolve)
    assert problem.element_id == "tham_dinh"
    assert "specialist@.TNMT" in problem.message and "CLO.TNMT" in problem.message
    assert engine.parse_handler("specialist@.TNMT") in seen


def test_check_diagram_raises_with_every_problem(bpmn):
    xml = bpmn.process(
        bpmn.start()
        + bpmn.user_task("a", handler=None)
        + bpmn.user_task("b", timeLimit="soon")
        + bpmn.end()
        + bpmn.chain("start", "a", "b", "end")
    )
    with pytest.raises(engine.DiagramError) as info:
        engine.check_diagram(xml)
    assert [p.element_id for p in info.value.problems] == ["a", "b"]
    assert "handler" in str(info.value) and "soon" in str(info.value)


def test_the_longest_path_over_the_legal_limit_is_reported_with_both_figures(linear_xml):
    # 4h + 2d + 1h = 2 + 5/7.5 days = 2,67 days
    assert lint_of(linear_xml, legal_limit_days=3) == []
    [problem] = lint_of(linear_xml, legal_limit_days=2.5)
    assert problem.element_id == "proc"
    assert "2,67 ngày" in problem.message and "2,5 ngày" in problem.message
    assert "tiep_nhan → tham_dinh → tra_ket_qua" in problem.message


def test_the_legal_limit_may_be_a_decimal(linear_xml):
    assert lint_of(linear_xml, legal_limit_days=Decimal("3"), hours_per_day=Decimal("7.5")) == []
    assert lint_of(linear_xml, legal_limit_days=Decimal("2.5"))


def test_hours_per_day_changes_the_sum(linear_xml):
    # 5h at 5 hours a day is one day: 3 days in all.
    assert lint_of(linear_xml, legal_limit_days=3, hours_per_day=5) == []
    assert lint_of(linear_xml, legal_limit_days=2.9, hours_per_day=5)


def test_the_longest_path_takes_the_longer_branch_and_ignores_loops_back(gateway_xml):
    # tiep_nhan 4h + tham_dinh 2d + phe_duyet 1d; the send-back loop is not counted twice.
    assert lint_of(gateway_xml, legal_limit_days=3.6) == []
    [problem] = lint_of(gateway_xml, legal_limit_days=3.5)
    assert "3,53 ngày" in problem.message and "phe_duyet" in problem.message


def test_a_gateway_looping_back_on_itself_through_a_step_is_fine(bpmn):
    xml = bpmn.process(
        bpmn.start()
        + bpmn.user_task("a", timeLimit="1d")
        + bpmn.gateway("gw", default="done")
        + bpmn.end()
        + bpmn.chain("start", "a", "gw")
        + bpmn.flow("again", "gw", "a", "again == True")
        + bpmn.flow("done", "gw", "end")
    )
    assert lint_of(xml, legal_limit_days=1) == []
    assert lint_of(xml, legal_limit_days=0.5)[0].element_id == "proc"


def test_a_loop_without_any_person_is_reported(bpmn):
    xml = bpmn.process(
        bpmn.start()
        + bpmn.user_task("a")
        + bpmn.gateway("gw", default="out")
        + bpmn.script("s", "n = n + 1")
        + bpmn.end()
        + bpmn.chain("start", "a", "gw")
        + bpmn.flow("more", "gw", "s", "n < 3")
        + bpmn.flow("spin", "s", "gw")
        + bpmn.flow("out", "gw", "end")
    )
    [problem] = lint_of(xml)
    assert "Vòng lặp" in problem.message and "gw" in problem.message and "s" in problem.message


def test_unsupported_elements_are_named(bpmn):
    xml = bpmn.process(
        bpmn.start()
        + '<bpmn:manualTask id="svc" name="Gọi điện"/>'
        + '<bpmn:task id="t"/>'
        + '<bpmn:intermediateThrowEvent id="milestone" name="Đã tiếp nhận"/>'
        + '<bpmn:intermediateThrowEvent id="msg"><bpmn:messageEventDefinition/>'
        + "</bpmn:intermediateThrowEvent>"
        + bpmn.end()
        + bpmn.chain("start", "svc", "t", "milestone", "msg", "end")
    )
    problems = lint_of(xml)
    assert [p.element_id for p in problems] == ["svc", "t", "msg"]
    assert "svc «Gọi điện» (manualTask) không được hỗ trợ" in problems[0].message


def test_an_element_nothing_leads_to_is_reported(bpmn):
    xml = bpmn.process(
        bpmn.start() + bpmn.user_task("a") + bpmn.user_task("orphan") + bpmn.end()
        + bpmn.chain("start", "a", "end") + bpmn.chain("orphan", "end")
    )  # fmt: skip
    [problem] = lint_of(xml)
    assert problem.element_id == "orphan" and "không nối được" in problem.message


def test_a_bad_end_status_is_reported(bpmn):
    xml = bpmn.process(
        bpmn.start() + bpmn.user_task("a") + bpmn.end("end", "Xong", dossierStatus="done")
        + bpmn.chain("start", "a", "end")
    )  # fmt: skip
    [problem] = lint_of(xml)
    assert problem.element_id == "end" and "dossierStatus" in problem.message


def test_a_script_outside_the_grammar_is_reported_at_save_time(bpmn):
    xml = bpmn.process(
        bpmn.start() + bpmn.user_task("a") + bpmn.script("s", "x = 1\nimport os", "Tính")
        + bpmn.end() + bpmn.chain("start", "a", "s", "end")
    )  # fmt: skip
    [problem] = lint_of(xml)
    assert problem.element_id == "s"
    assert "s «Tính»" in problem.message and "Dòng 2" in problem.message


def test_a_condition_outside_the_grammar_is_reported_at_save_time(bpmn):
    xml = bpmn.process(
        bpmn.start()
        + bpmn.user_task("a")
        + bpmn.gateway("gw", default="ok")
        + bpmn.end()
        + bpmn.end("end2")
        + bpmn.chain("start", "a", "gw")
        + bpmn.flow("ok", "gw", "end")
        + bpmn.flow("evil", "gw", "end2", '__import__("os").system("id")')
    )
    [problem] = lint_of(xml)
    assert problem.element_id == "evil" and "evil" in problem.message
