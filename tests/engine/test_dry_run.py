import pytest

from motcua import engine


def test_dry_run_lists_the_path_to_the_end_event(gateway_xml):
    lines = engine.dry_run(gateway_xml, {"decision": "approve", "area": 10})
    assert lines == [
        "startEvent start",
        "userTask tiep_nhan — Tiếp nhận hồ sơ",
        "userTask tham_dinh — Thẩm định",
        "exclusiveGateway gw — Kết quả thẩm định?",
        "userTask phe_duyet — Phê duyệt",
        "scriptTask tinh_phi",
        "endEvent end_ok — Đã trả kết quả [returned]",
    ]


def test_dry_run_follows_the_data(gateway_xml):
    lines = engine.dry_run(gateway_xml, {"decision": "refuse"})
    assert lines[-1] == "endEvent end_refused — Từ chối [refused]"


def test_dry_run_stops_an_endless_loop(gateway_xml):
    with pytest.raises(engine.DiagramError) as info:
        engine.dry_run(gateway_xml, {"decision": "send_back"}, max_steps=30)
    assert "30 bước" in str(info.value)


def test_dry_run_with_no_data_takes_the_default_flows(gateway_xml):
    lines = engine.dry_run(gateway_xml.replace("area &gt; 100", "(area or 0) &gt; 100"))
    assert lines[-1] == "endEvent end_ok — Đã trả kết quả [returned]"


def test_dry_run_reports_a_failing_script_at_its_element(gateway_xml):
    with pytest.raises(engine.DiagramError) as info:
        engine.dry_run(gateway_xml, {"decision": "approve"})  # no "area"
    [problem] = info.value.problems
    assert problem.element_id == "tinh_phi" and "area" in problem.message


def test_dry_run_refuses_a_bad_diagram():
    with pytest.raises(engine.DiagramError):
        engine.dry_run(b"<not-bpmn/>")
