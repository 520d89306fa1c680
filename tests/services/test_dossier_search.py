"""The officers' dossier search (motcua.services.dossier_search) and the folded words it reads
(motcua.folding, Dossier.search_text), on units and dossiers of the test's own."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from motcua.errors import Invalid
from motcua.extensions import db
from motcua.folding import fold
from motcua.models import Dossier, DossierStatus, Role, UnitLevel, User
from motcua.services import dossier_search, processes

DAY = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # 10:00 in Hà Tĩnh


def test_fold_drops_accents_case_and_extra_spaces():
    assert fold("  Trần   Văn BÌNH ") == "tran van binh"
    assert fold("Đặng Thị Ước") == "dang thi uoc"
    assert fold("Phường Đông Hà") == fold("phuong dong ha") == "phuong dong ha"
    # The same letters written decomposed (as some keyboards send them) fold the same.
    assert fold("Bi\u0300nh") == fold("Bình") == "binh"
    assert fold(None) == fold("") == ""


@pytest.fixture
def place(app, make_unit, make_user, make_procedure, insert_dossier, add_task):
    """Two communes under a province of the test's own; in commune A: Bình's dossier (code
    ending in 0003, a phone written with spaces), a finished one of another Bình, An's; in B:
    one of B alone, one handled by a step in A, one received by A's desk for B."""
    province = make_unit("SRCHP", "Tỉnh Tìm Kiếm", level=UnitLevel.PROVINCE)
    a = make_unit("SRCHA", "Xã Tìm Kiếm A", parent=province)
    b = make_unit("SRCHB", "Xã Tìm Kiếm B", parent=province)
    procedure = make_procedure("9.SRCH01", name="Thủ tục tìm kiếm thử")
    other = make_procedure("9.SRCH02", name="Thủ tục tìm kiếm khác")

    def dossier(unit, code, name, hours, **fields):
        return insert_dossier(
            fields.pop("procedure", procedure),
            unit,
            code=code,
            applicant_name=name,
            applicant_id_number=fields.pop("id_number", "042190009999"),
            received_at=DAY + timedelta(hours=hours),
            **fields,
        )

    binh = dossier(
        a,
        "SRCHA-261102-0003",
        "Trần Văn Bình",
        3,
        id_number="042190005678",
        applicant_phone="0912 345 678",
    )
    finished = dossier(
        a,
        "SRCHA-261102-0001",
        "Lê Thị Bình",
        1,
        status=DossierStatus.RETURNED,
        finished_at=DAY + timedelta(days=2),
        returned_at=DAY + timedelta(days=3),
        procedure=other,
    )
    an = dossier(a, "SRCHA-261102-0002", "Nguyễn Văn An", 2)
    only_b = dossier(b, "SRCHB-261102-0001", "Phạm Thị Bình", 4)
    handled = dossier(b, "SRCHB-261102-0002", "Hồ Văn Bình", 5)
    add_task(handled, unit=a)
    received_by_a = dossier(b, "SRCHB-261102-0004", "Vũ Văn Bình", 6, receiving_unit_id=a.id)
    return {
        "a": make_user("srch.a", a, [Role.SPECIALIST]),
        "b": make_user("srch.b", b, [Role.SPECIALIST]),
        "supervisor": make_user("srch.gs", province, [Role.SUPERVISOR]),
        "codes": {
            "binh": binh.code,
            "finished": finished.code,
            "an": an.code,
            "only_b": only_b.code,
            "handled": handled.code,
            "received_by_a": received_by_a.code,
        },
    }


def found(username: str, **filters) -> list[str]:
    actor = db.session.scalar(select(User).where(User.username == username))
    return [d.code for d in dossier_search.search(actor, **filters).rows]


def test_a_name_typed_without_accents_finds_it_with_them(ctx, place):
    codes = place["codes"]
    # Newest received first; the finished one too; the accents and the case aside.
    expected = [codes["received_by_a"], codes["handled"], codes["binh"], codes["finished"]]
    assert found("srch.a", q="Binh") == expected
    assert found("srch.a", q="bình") == found("srch.a", q="BÌNH") == expected
    assert found("srch.a", q="van binh") == expected[:3]
    # Each word a part, in any order: the middle name may be left out.
    assert found("srch.a", q="binh tran") == [codes["binh"]]
    assert found("srch.a", q="Nguyễn An") == [codes["an"]]


def test_a_part_of_the_code_the_id_number_or_the_phone_finds_it(ctx, place):
    binh = place["codes"]["binh"]
    assert found("srch.a", q="0003") == [binh]
    assert found("srch.a", q="srcha-261102-0003") == [binh]
    assert found("srch.a", q=binh) == [binh]
    assert found("srch.a", q="05678") == [binh]  # the ID number's end
    assert found("srch.a", q="0912345678") == [binh]  # the phone, written with spaces
    assert found("srch.a", q="0912 345") == [binh]
    assert found("srch.a", q="%") == []  # a wildcard is a plain character
    assert found("srch.a", q="_") == []


def test_an_officer_finds_only_the_dossiers_they_may_see(ctx, place):
    codes = place["codes"]
    # B's officer: B's own, the one B decides though A handles a step, and the one A received.
    assert found("srch.b", q="binh") == [codes["received_by_a"], codes["handled"], codes["only_b"]]
    assert codes["only_b"] not in found("srch.a", q="binh")
    assert found("srch.b", q="0003") == []  # A's own
    # The province's supervisor oversees both communes.
    assert set(found("srch.gs", q="binh")) == set(codes.values()) - {codes["an"]}


def test_the_filters_narrow_it(ctx, place):
    codes = place["codes"]
    assert found("srch.a", q="binh", status="returned") == [codes["finished"]]
    assert found("srch.a", procedure="9.SRCH02") == [codes["finished"]]
    assert found("srch.a", received_from="2026-11-02", received_to="2026-11-02") == [
        codes["received_by_a"],
        codes["handled"],
        codes["binh"],
        codes["an"],
        codes["finished"],
    ]
    assert found("srch.a", received_from="2026-11-03") == []
    assert found("srch.a", received_to="2026-11-01") == []


def test_results_come_a_page_at_a_time(ctx, place):
    actor = db.session.scalar(select(User).where(User.username == "srch.a"))
    first = dossier_search.search(actor, q="binh", per_page=3)
    assert (first.total, first.pages, first.page, len(first.rows)) == (4, 2, 1, 3)
    second = dossier_search.search(actor, q="binh", per_page=3, page=2)
    assert [d.code for d in second.rows] == [place["codes"]["finished"]]
    assert dossier_search.search(actor, q="binh", per_page=3, page=99).page == 2


@pytest.mark.parametrize(
    "filters, field",
    [
        ({"status": "lost"}, "status"),
        ({"procedure": "9.NONE"}, "procedure"),
        ({"received_from": "02/11/2026"}, "received_from"),
        ({"received_from": "2026-11-03", "received_to": "2026-11-02"}, "received_to"),
        ({"q": "x" * 256}, "q"),
    ],
)
def test_bad_filters_are_refused_by_field(ctx, place, filters, field):
    actor = db.session.scalar(select(User).where(User.username == "srch.a"))
    with pytest.raises(Invalid) as refused:
        dossier_search.search(actor, **filters)
    assert refused.value.code == "invalid_filter"
    assert list(refused.value.details) == [field]


def test_search_text_follows_the_searched_fields(ctx, place):
    dossier = db.session.scalar(select(Dossier).where(Dossier.code == place["codes"]["an"]))
    assert dossier.search_text == "srcha-261102-0002 nguyen van an 042190009999"
    # A dossier completed on a later day gets that day's code and keeps the first one
    # (motcua.services.dossier_codes); the applicant's details corrected.
    dossier.provisional_code, dossier.code = dossier.code, "SRCHA-261105-0001"
    dossier.applicant_name, dossier.applicant_phone = "Nguyễn Văn Ân", "0987.654.321"
    db.session.flush()
    assert dossier.search_text == (
        "srcha-261105-0001 srcha-261102-0002 nguyen van an 042190009999 0987654321"
    )
    assert found("srch.a", q="srcha-261102-0002") == found("srch.a", q="654321") == [dossier.code]


def test_rows_written_in_bulk_are_folded_too(ctx, place):
    template = db.session.scalar(select(Dossier).where(Dossier.code == place["codes"]["an"]))
    db.session.execute(
        insert(Dossier),
        [
            {
                "code": "SRCHA-BULK-1",
                "procedure_id": template.procedure_id,
                "unit_id": template.unit_id,
                "receiving_unit_id": template.unit_id,
                "process_version_id": template.process_version_id,
                "applicant_name": "Đỗ Thị Huệ",
                "applicant_id_number": "042190001111",
                "channel": "direct",
                "status": "processing",
                "received_at": DAY,
                "appointment_at": DAY + timedelta(days=5),
                "workflow_state": "",
            }
        ],
    )
    assert found("srch.a", q="do thi hue") == ["SRCHA-BULK-1"]


def test_past_the_count_limit_it_says_more(ctx, place):
    template = db.session.scalar(select(Dossier).where(Dossier.code == place["codes"]["an"]))
    version = processes.version_to_run(template.procedure, template.unit).id
    rows = [
        {
            "code": f"SRCHA-MANY-{n:05d}",
            "procedure_id": template.procedure_id,
            "unit_id": template.unit_id,
            "receiving_unit_id": template.unit_id,
            "process_version_id": version,
            "applicant_name": f"Kha Văn Nhiều {n}",
            "applicant_id_number": f"0421{n:08d}",
            "channel": "direct",
            "status": "returned",
            "received_at": DAY - timedelta(minutes=n),
            "appointment_at": DAY + timedelta(days=5),
            "workflow_state": "",
        }
        for n in range(dossier_search.COUNT_LIMIT + 5)
    ]
    db.session.execute(insert(Dossier), rows)
    actor = db.session.scalar(select(User).where(User.username == "srch.a"))
    results = dossier_search.search(actor, q="kha nhieu", page=1000)
    assert results.more and results.counted == dossier_search.COUNT_LIMIT
    assert results.pages == dossier_search.COUNT_LIMIT // dossier_search.PER_PAGE
    assert results.page == results.pages and len(results.rows) == dossier_search.PER_PAGE
    assert not dossier_search.search(actor, q="kha nhieu 00007").more


def test_the_migration_folds_the_dossiers_already_there(separate_app):
    from flask_migrate import downgrade, upgrade

    app = separate_app("_search_migration")
    directory = app.extensions["migrate"].directory
    with app.app_context():
        downgrade(directory=directory, revision="0010")
        upgrade(directory=directory)
        rows = db.session.execute(select(Dossier.code, Dossier.search_text)).all()
        db.engine.dispose()
    assert rows and all(text.startswith(fold(code) + " ") for code, text in rows)
