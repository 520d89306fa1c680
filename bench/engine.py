"""Step completions a second through the engine service, against bare SpiffWorkflow.

Receives dossiers of the household business procedure at xã Can Lộc, then completes every step of
every dossier through ``processing.complete`` — lock, restore, run, save state, task rows,
events, commit — and walks as many workflows of the same diagram on bare SpiffWorkflow, in
memory and with its state in the database a step (bench/baseline.py): the ceilings.
"""

import io
import time

import sqlalchemy as sa
from sqlalchemy import select

from motcua.extensions import db
from motcua.models import ACTIVE_TASK_STATUSES, Dossier, ProcessVersion, Task, Unit, User
from motcua.services import dossiers, formdata, intake, processing
from motcua.unit_of_work import unit_of_work

from bench import baseline, common
from bench.common import PROCEDURE, DatabaseClock, demo_app, user

DOSSIERS, SMOKE_DOSSIERS = 200, 5
DATABASE_URL = common.DATABASE_URL


def receive_dossiers(count: int) -> list[str]:
    """Receive ``count`` dossiers at xã Can Lộc's desk. Returns their codes."""
    desk = user("clo.mc1")
    applicant = intake.Applicant(name="Nguyễn Văn Bench", id_number="042190009999")
    codes = []
    for _ in range(count):
        with unit_of_work():
            codes.append(intake.receive(desk, PROCEDURE, "CLO", applicant, "direct").code)
    return codes


def file_result(actor: User, task: Task, code: str, filed: set[str]) -> None:
    """The result file, attached by the officer of the step that issues it, as they do before
    completing it (untimed: the benchmark times completions)."""
    if code in filed or not dossiers.files_results(task):
        return
    with unit_of_work():
        dossiers.add_attachment(
            actor,
            code,
            file_name="ket-qua.pdf",
            stream=io.BytesIO(b"%PDF-1.4 result"),
            kind="result",
        )
    filed.add(code)


def complete_all(codes: list[str], clock: DatabaseClock) -> tuple[int, float]:
    """Complete every step of every dossier, one step of each dossier a round, each step one
    unit of work. Returns (completions, seconds spent completing)."""
    users: dict[int, User] = {}
    filed: set[str] = set()
    completions, elapsed = 0, 0.0
    pending = list(codes)
    while pending:
        still = []
        for code in pending:
            task = db.session.scalar(
                select(Task)
                .join(Dossier)
                .where(Dossier.code == code, Task.status.in_(ACTIVE_TASK_STATUSES))
                .limit(1)
            )
            if task is None:
                continue
            actor_id = task.assignee_id or task.candidates[0].user_id
            actor = users.setdefault(actor_id, db.session.get(User, actor_id))
            file_result(actor, task, code, filed)
            data = formdata.example_data(task.form, decision="approve")
            task_id = task.id
            started = time.perf_counter()
            clock.counting = True
            with unit_of_work():
                processing.complete(actor, task_id, data)
            clock.counting = False
            elapsed += time.perf_counter() - started
            completions += 1
            still.append(code)
        pending = still
    return completions, elapsed


def _line(label: str, completions: int, seconds: float, clock: DatabaseClock | None) -> str:
    line = (
        f"  {label:<32} {completions:>6} in {seconds:7.2f} s = {completions / seconds:7.1f}/s"
        f"   {1000 * seconds / completions:6.2f} ms each"
    )
    if clock is not None:
        line += (
            f", {1000 * clock.seconds / completions:5.2f} ms on the database"
            f" ({clock.round_trips / completions:.1f} round trips incl. commit)"
        )
    return line


def run(args) -> None:
    """Raises SystemExit if the loops did not complete the same number of steps."""
    backend = sa.engine.make_url(args.database_url).get_backend_name()
    with demo_app(args.database_url):
        codes = receive_dossiers(args.dossiers)
        version = db.session.scalar(
            select(ProcessVersion)
            .join(Unit)
            .where(Unit.code == "CLO")
            .where(ProcessVersion.procedure.has(code=PROCEDURE))
        )
        xml = version.bpmn_xml
        clock = DatabaseClock(db.engine)
        ours, our_seconds = complete_all(codes, clock)

    diagram = baseline.Diagram(xml)
    bare, bare_seconds = baseline.in_memory(diagram, len(codes))
    stored, stored_seconds, stored_clock = baseline.in_database(
        diagram, len(codes), args.database_url
    )
    if not ours == bare == stored:
        raise SystemExit(
            f"the loops walked different paths: {ours} completions through the service, "
            f"{bare} on bare SpiffWorkflow, {stored} on bare SpiffWorkflow + {backend}"
        )
    our_rate = ours / our_seconds
    print(
        f"database: {backend}; {len(codes)} dossiers, {ours / len(codes):.0f} steps each"
        f"; bare + {backend}: one transaction a step"
    )
    print(_line("engine service", ours, our_seconds, clock))
    print(_line("bare SpiffWorkflow, in memory", bare, bare_seconds, None))
    print(_line(f"bare SpiffWorkflow + {backend}", stored, stored_seconds, stored_clock))
    print(f"ratio service / bare: {our_rate / (bare / bare_seconds):.2f}  (target ≥ 0.50)")
    print(f"ratio service / bare + {backend}: {our_rate / (stored / stored_seconds):.2f}")
