"""Small BPMN diagrams written inline, and a helper that runs a workflow with a save and
restore after every step. Pure: no app, no database."""

import pytest

from motcua import engine

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'id="defs" targetNamespace="http://bpmn.io/schema/bpmn">\n'
)


class Bpmn:
    """Builders for diagram fragments; `process(...)` wraps them into a whole file."""

    @staticmethod
    def props(**values) -> str:
        if not values:
            return ""
        inner = "".join(
            f'<spiffworkflow:property name="{name}" value="{value}"/>'
            for name, value in values.items()
        )
        return (
            "<bpmn:extensionElements><spiffworkflow:properties>"
            f"{inner}</spiffworkflow:properties></bpmn:extensionElements>"
        )

    def user_task(self, id, name=None, handler="receptionist", timeLimit="4h", **more) -> str:
        values = {"handler": handler, "timeLimit": timeLimit, **more}
        values = {k: v for k, v in values.items() if v is not None}
        name_attr = f' name="{name}"' if name else ""
        return f'<bpmn:userTask id="{id}"{name_attr}>{self.props(**values)}</bpmn:userTask>\n'

    @staticmethod
    def start(id="start") -> str:
        return f'<bpmn:startEvent id="{id}"/>\n'

    def end(self, id="end", name=None, **values) -> str:
        name_attr = f' name="{name}"' if name else ""
        return f'<bpmn:endEvent id="{id}"{name_attr}>{self.props(**values)}</bpmn:endEvent>\n'

    @staticmethod
    def script(id, text, name=None) -> str:
        name_attr = f' name="{name}"' if name else ""
        return (
            f'<bpmn:scriptTask id="{id}"{name_attr}><bpmn:script>{escape(text)}'
            "</bpmn:script></bpmn:scriptTask>\n"
        )

    @staticmethod
    def gateway(id, default=None, name=None) -> str:
        default_attr = f' default="{default}"' if default else ""
        name_attr = f' name="{name}"' if name else ""
        return f'<bpmn:exclusiveGateway id="{id}"{name_attr}{default_attr}/>\n'

    @staticmethod
    def flow(id, source, target, condition=None) -> str:
        if condition is None:
            return f'<bpmn:sequenceFlow id="{id}" sourceRef="{source}" targetRef="{target}"/>\n'
        return (
            f'<bpmn:sequenceFlow id="{id}" sourceRef="{source}" targetRef="{target}">'
            f"<bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression>"
            "</bpmn:sequenceFlow>\n"
        )

    def chain(self, *ids) -> str:
        """Unconditional flows a → b → c …"""
        return "".join(self.flow(f"f_{a}_{b}", a, b) for a, b in zip(ids, ids[1:], strict=False))

    @staticmethod
    def process(body: str, id="proc", name="Thủ tục thử") -> str:
        return (
            f'{HEADER}<bpmn:process id="{id}" name="{name}" isExecutable="true">\n'
            f"{body}</bpmn:process>\n</bpmn:definitions>\n"
        )


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.fixture
def bpmn() -> Bpmn:
    return Bpmn()


@pytest.fixture
def linear_xml(bpmn) -> str:
    """start → tiep_nhan → tham_dinh → tra_ket_qua → end."""
    return bpmn.process(
        bpmn.start()
        + bpmn.user_task("tiep_nhan", "Tiếp nhận hồ sơ", timeLimit="4h", form="tiep-nhan")
        + bpmn.user_task("tham_dinh", "Thẩm định", handler="specialist@.TNMT", timeLimit="2d")
        + bpmn.user_task("tra_ket_qua", "Trả kết quả", timeLimit="1h", returnsResult="true")
        + bpmn.end("end", "Đã trả kết quả")
        + bpmn.chain("start", "tiep_nhan", "tham_dinh", "tra_ket_qua", "end")
    )


@pytest.fixture
def gateway_xml(bpmn) -> str:
    """tiep_nhan → tham_dinh → gateway: approve (default) → phe_duyet → end_ok;
    send_back → back to tham_dinh's predecessor tiep_nhan; refuse → end_refused."""
    return bpmn.process(
        bpmn.start()
        + bpmn.user_task("tiep_nhan", "Tiếp nhận hồ sơ", timeLimit="4h")
        + bpmn.user_task("tham_dinh", "Thẩm định", handler="specialist@.TNMT", timeLimit="2d")
        + bpmn.gateway("gw", default="f_approve", name="Kết quả thẩm định?")
        + bpmn.user_task("phe_duyet", "Phê duyệt", handler="leader", timeLimit="1d")
        + bpmn.script("tinh_phi", 'fee = 50000 if area > 100 else 20000\nnote = "đã tính"')
        + bpmn.end("end_ok", "Đã trả kết quả")
        + bpmn.end("end_refused", "Từ chối", dossierStatus="refused")
        + bpmn.chain("start", "tiep_nhan", "tham_dinh", "gw")
        + bpmn.flow("f_approve", "gw", "phe_duyet")
        + bpmn.flow("f_back", "gw", "tiep_nhan", 'decision == "send_back"')
        + bpmn.flow("f_refuse", "gw", "end_refused", 'decision == "refuse"')
        + bpmn.chain("phe_duyet", "tinh_phi", "end_ok")
    )


def run_to_end(spec: str, answers, max_steps: int = 50):
    """Run a workflow, saving and restoring it after every step.

    `answers(step_id, visit)` gives the data completing each step (visit counts from 0).
    Returns (the run, the step ids in the order they were worked).
    """
    run = engine.WorkflowRun.restore(spec, engine.WorkflowRun.start(spec).dump())
    worked, visits = [], {}
    while not run.is_completed:
        assert len(worked) < max_steps, f"no end after {worked}"
        ready = run.ready_steps()
        assert ready, "the workflow waits for nothing a person can do"
        step = ready[0].step
        run.complete(ready[0].engine_task_id, answers(step.id, visits.get(step.id, 0)))
        visits[step.id] = visits.get(step.id, 0) + 1
        worked.append(step.id)
        run = engine.WorkflowRun.restore(spec, run.dump())
    return run, worked


@pytest.fixture
def run_steps():
    """run_to_end, for tests (conftest helpers are reached through fixtures)."""
    return run_to_end
