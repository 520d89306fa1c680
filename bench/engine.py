"""Step completions a second through the engine service, against bare SpiffWorkflow.

Receives dossiers of the household business procedure at Can Lộc, then completes every step of
every dossier through ``processing.complete`` — lock, restore, run, save state, task rows,
events, commit — and walks as many workflows of the same diagram on bare SpiffWorkflow
(deserialize → run → serialize, bench/baseline.py), the ceiling.
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

DOSSIERS = 200
DATABASE_URL = common.DATABASE_URL


def receive_dossiers(count: int) -> list[str]:
    """Receive ``count`` dossiers at Can Lộc's desk, each with its result file already
    attached (the last step cannot complete without one). Returns their codes."""
    desk = user("clo.mc1")
    applicant = intake.Applicant(name="Nguyễn Văn Bench", id_number="042190009999")
    codes = []
    for _ in range(count):
        with unit_of_work():
            code = intake.receive(desk, PROCEDURE, "CLO", applicant, "direct").code
            dossiers.add_attachment(
                desk,
                code,
                file_name="ket-qua.pdf",
                stream=io.BytesIO(b"%PDF-1.4 result"),
                kind="result",
            )
        codes.append(code)
    return codes


def complete_all(codes: list[str], clock: DatabaseClock) -> tuple[int, float]:
    """Complete every step of every dossier, one step of each dossier a round, each step one
    unit of work. Returns (completions, seconds spent completing)."""
    users: dict[int, User] = {}
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


def run(args) -> None:
    """Raises SystemExit if the loops did not complete the same number of steps."""
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

    bare, bare_seconds = baseline.in_memory(baseline.Diagram(xml), len(codes))
    if bare != ours:
        raise SystemExit(
            f"the loops walked different paths: {ours} completions through the service, "
            f"{bare} on bare SpiffWorkflow"
        )
    our_rate, bare_rate = ours / our_seconds, bare / bare_seconds
    print(
        f"database: {sa.engine.make_url(args.database_url).get_backend_name()}; "
        f"{len(codes)} dossiers, {ours / len(codes):.0f} steps each"
    )
    print(f"engine service: {ours} completions in {our_seconds:.2f} s = {our_rate:.1f}/s")
    print(f"bare SpiffWorkflow: {bare} completions in {bare_seconds:.2f} s = {bare_rate:.1f}/s")
    print(f"ratio (service / bare): {our_rate / bare_rate:.2f}  (target ≥ 0.50)")
    print(
        f"per service completion: {1000 * our_seconds / ours:.2f} ms, of which "
        f"{1000 * clock.seconds / ours:.2f} ms waiting on the database "
        f"({clock.round_trips / ours:.1f} round trips incl. commit)"
    )
