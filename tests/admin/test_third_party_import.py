"""Diagrams made by other modelers (the BPMN MIWG reference models and bpmn.io exports in
../shared/third-party-bpmn/, CC BY 3.0, read from there and never copied in) imported as a
template draft: each is stored with the precise reasons it cannot run here, never published,
never a crash."""

from pathlib import Path

import pytest
from sqlalchemy import select

from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import AuditEntry, User
from motcua.services import diagrams, processes

THIRD_PARTY = Path(__file__).resolve().parents[2].parent / "shared" / "third-party-bpmn"
FILES = sorted(THIRD_PARTY.rglob("*.bpmn")) if THIRD_PARTY.is_dir() else []


@pytest.fixture
def analyst(ctx):
    return db.session.scalar(select(User).where(User.username == "hti.phantich"))


@pytest.mark.skipif(not FILES, reason=f"third-party diagrams not found at {THIRD_PARTY}")
@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(THIRD_PARTY)) for p in FILES])
def test_an_imported_diagram_is_kept_as_a_draft_with_its_reasons(analyst, path):
    procedure = processes.procedure_by_code("2.000815")
    raw = path.read_bytes()
    draft = diagrams.save_draft(procedure, None, raw, analyst)
    assert draft.bpmn_xml.encode("utf-8") == raw  # stored exactly as made
    # None of these follows our conventions (handlers, time limits, an executable process).
    assert draft.problems
    for problem in draft.problems:
        assert problem["message"].strip()
        if problem["element"]:
            assert f'id="{problem["element"]}"' in draft.bpmn_xml
    with pytest.raises(Invalid) as refused:
        diagrams.publish(procedure, None, analyst)
    assert refused.value.code == "bad_diagram"
    logged = (
        select(AuditEntry)
        .where(AuditEntry.action == "process.save_draft")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    assert db.session.scalar(logged).data["sha256"] == draft.sha256
