"""Storing diagrams as process versions: checked first, nothing stored when they are bad."""

import pytest
from sqlalchemy import func, select

from motcua.bpmn import BPMN_DIR
from motcua.errors import Invalid
from motcua.extensions import db
from motcua.models import Procedure, ProcessVersion, Unit
from motcua.services import processes

HOUSEHOLD = "1.001612"


def count_versions():
    return db.session.scalar(select(func.count()).select_from(ProcessVersion))


@pytest.fixture
def procedure(ctx):
    return db.session.scalar(select(Procedure).where(Procedure.code == HOUSEHOLD))


@pytest.fixture
def commune(ctx):
    return db.session.scalar(select(Unit).where(Unit.code == "CLO"))


def variant_text(unit_code="CLO"):
    return (BPMN_DIR / "variants" / unit_code / f"{HOUSEHOLD}.bpmn").read_text(encoding="utf-8")


def rejected(procedure, unit, xml):
    before = count_versions()
    with pytest.raises(Invalid) as caught:
        processes.store_version(procedure, unit, xml.encode(), author=None, publish=True)
    assert count_versions() == before
    assert caught.value.code == "bad_diagram"
    return caught.value.details


def test_a_new_variant_version_is_numbered_and_becomes_the_one_to_run(procedure, commune):
    version = processes.store_version(
        procedure, commune, variant_text().encode(), author=None, publish=True
    )
    assert version.version == 2
    assert processes.version_to_run(procedure, commune).id == version.id


def test_a_draft_is_never_run(procedure, commune):
    published = processes.version_to_run(procedure, commune)
    processes.store_version(procedure, commune, variant_text().encode(), author=None, publish=False)
    assert processes.version_to_run(procedure, commune).id == published.id


def test_a_handler_that_names_nobody_in_the_unit_is_refused(procedure, commune):
    text = variant_text().replace('value="receptionist"', 'value="user:khong.co.ai"', 1)
    details = rejected(procedure, commune, text)
    assert any("khong.co.ai" in d["message"] and d["element"] for d in details)


def test_an_office_the_commune_does_not_have_is_refused(procedure, commune):
    handler = 'value="user:clo.cv.tckh1,clo.cv.tckh2"'
    assert handler in variant_text()
    # The commune's own office is accepted …
    office = variant_text().replace(handler, 'value="specialist@.KT"', 1)
    version = processes.store_version(
        procedure, commune, office.encode(), author=None, publish=True
    )
    assert version.version == 2
    # … one it does not have is not, nor an office code from before the reform (no CLO.TCKH).
    for where, code in ((".KHONGCO", "CLO.KHONGCO"), (".TCKH", "CLO.TCKH")):
        text = variant_text().replace(handler, f'value="specialist@{where}"', 1)
        details = rejected(procedure, commune, text)
        assert any(code in d["message"] and d["element"] for d in details), where


def test_a_retired_unit_named_by_a_handler_is_refused_with_its_reason(procedure, commune):
    """The former district's office HCLO.TCKH retired into CLO.KT on 1 July 2025: a diagram
    naming it is told so, not merely that nobody there holds the role."""
    handler = 'value="user:clo.cv.tckh1,clo.cv.tckh2"'
    text = variant_text().replace(handler, 'value="specialist@HCLO.TCKH"', 1)
    [detail] = rejected(procedure, commune, text)
    assert detail["element"] == "tham_dinh"
    assert detail["message"].endswith(
        "Đơn vị Phòng Tài chính - Kế hoạch (HCLO.TCKH) đã giải thể: chọn đơn vị kế thừa."
    )


def test_time_limits_beyond_the_legal_limit_are_refused(procedure, commune):
    text = variant_text()
    start = text.index('name="timeLimit" value="') + len('name="timeLimit" value="')
    end = text.index('"', start)
    details = rejected(procedure, commune, text[:start] + "5d" + text[end:])
    assert any("vượt thời hạn" in d["message"] for d in details)


def test_a_dtd_is_refused_before_anything_is_parsed(procedure, commune):
    evil = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + (variant_text().split("?>", 1)[1])
    )
    rejected(procedure, commune, evil)
