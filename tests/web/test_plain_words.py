"""Plain words, not codes (issue 13, item 7): the pages name roles, units, officers, time limits
and audit actions in words; the diagrams, the modeler and the API keep the codes."""

import ast
import re
from contextlib import contextmanager
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.engine import Engine

from motcua.extensions import db
from motcua.models import AuditEntry, Dossier, Event, Role, Task, TaskStatus, utcnow
from motcua.services import processes, wording
from motcua.vocabulary import AuditAction, EventKind

REPO = Path(__file__).resolve().parents[2]
HOUSEHOLD = "1.001612"
CONFIGURE = f"/admin/procedures/{HOUSEHOLD}/units/CLO"


def visible(html: str) -> str:
    """The text a reader sees: no tags (so no attributes), no scripts, spaces folded."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def in_english(browser):
    response = browser.post("/language/en")
    assert response.status_code in (302, 303), response.status_code
    return browser


@contextmanager
def selects():
    """The SELECT statements sent in the block."""
    sent = []

    def statement(conn, cursor, text, *args):
        if text.lstrip().upper().startswith(("SELECT", "WITH")):
            sent.append(text)

    sa.event.listen(Engine, "before_cursor_execute", statement)
    try:
        yield sent
    finally:
        sa.event.remove(Engine, "before_cursor_execute", statement)


# -- the filters' rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "vi", "en"),
    [
        ("4h", "4 giờ làm việc", "4 working hours"),
        ("6d", "6 ngày làm việc", "6 working days"),
        ("1.5d", "1,5 ngày làm việc", "1.5 working days"),
        ("0.5d", "0,5 ngày làm việc", "0.5 working days"),
        ("1h", "1 giờ làm việc", "1 working hour"),
        ("1d", "1 ngày làm việc", "1 working day"),
        ("2.0d", "2 ngày làm việc", "2 working days"),
    ],
)
def test_a_time_limit_reads_in_working_hours_or_days(ctx, code, vi, en):
    assert wording.time_limit_words(code) == vi
    with force_locale("en"):
        words = wording.time_limit_words(code)
    # English words once the catalogue has them; the number is written the English way now.
    assert words in (en, vi.replace(",", "."))


@pytest.mark.parametrize("value", ["", "4 giờ", "-1d", "3w", "abc"])
def test_a_time_limit_that_cannot_be_read_is_shown_as_it_is(ctx, value):
    assert wording.time_limit_words(value) == value
    assert wording.time_limit_words(None) == ""


@pytest.fixture
def commune(make_unit, make_user):
    unit = make_unit(name="Xã Thử Nghiệm")
    office = make_unit(f"{unit.code}.KTHT", name="Phòng Kinh tế và Hạ tầng", parent=unit)
    a = make_user(unit=office, roles=[Role.SPECIALIST], display_name="Trần Văn An")
    b = make_user(unit=office, roles=[Role.SPECIALIST], display_name="Lê Thị Bình")
    return unit, office, a, b


def test_a_handler_reads_as_a_role_and_a_unit_or_as_people(ctx, commune):
    unit, office, a, b = commune
    words = wording.handler_words
    assert words("specialist@.KTHT", unit) == "Chuyên viên — Phòng Kinh tế và Hạ tầng"
    assert words("specialist@.KTHT", unit.code) == "Chuyên viên — Phòng Kinh tế và Hạ tầng"
    assert words(f"leader@{unit.code}") == "Lãnh đạo — Xã Thử Nghiệm"
    assert words("leader", unit) == "Lãnh đạo — Xã Thử Nghiệm"
    assert words("receptionist", unit) == "Cán bộ một cửa"  # the desk that received it
    assert words("specialist@.KTHT") == "Chuyên viên — đơn vị trực thuộc KTHT"  # a template
    assert words(f"user:{a.username},{b.username}") == "Trần Văn An, Lê Thị Bình"
    with force_locale("en"):
        assert words("specialist@.KTHT", unit).startswith("Specialist — Phòng Kinh tế")
    # What cannot be read, or names nobody, is shown as it is.
    assert words("nobody@X") == "nobody@X"
    assert words("specialist@NOWHERE") == "Chuyên viên — NOWHERE"
    assert words("user:no.such.officer") == "no.such.officer"


def test_a_page_reads_the_names_it_shows_in_two_queries(ctx, make_unit, make_user):
    units = [make_unit(name=f"Xã số {n}") for n in range(6)]
    people = [make_user(unit=units[0], display_name=f"Cán bộ số {n}") for n in range(4)]
    handlers = [f"specialist@{u.code}" for u in units]
    handlers.append("user:" + ",".join(p.username for p in people))
    names = wording.names()
    with selects() as sent:
        names.prepare(handlers=handlers)
        said = [wording.handler_words(h) for h in handlers]
    assert len(sent) == 2
    assert said[0] == "Chuyên viên — Xã số 0"
    assert said[-1] == ", ".join(f"Cán bộ số {n}" for n in range(4))
    with selects() as sent:
        names.prepare(handlers=handlers)  # read already: nothing more
    assert sent == []


def test_every_audit_action_written_has_a_label():
    """The actions given to audit.record (or to save_draft, which records one) are each an
    AuditAction, so the audit page never shows a code."""
    written = set()
    for path in (REPO / "platform" / "services").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name == "record" and len(node.args) > 1:
                    written.add(node.args[1])
                written |= {k.value for k in node.keywords if k.arg == "action"}
            elif isinstance(node, ast.arguments):
                positional = node.args[len(node.args) - len(node.defaults) :]
                pairs = [*zip(positional, node.defaults, strict=True)]
                pairs += zip(node.kwonlyargs, node.kw_defaults, strict=True)
                written |= {default for arg, default in pairs if arg.arg == "action"}
    actions = {n.value for n in written if isinstance(n, ast.Constant)}
    assert "process.publish" in actions and len(actions) > 20
    assert actions <= {a.value for a in AuditAction}, actions - {a.value for a in AuditAction}


# -- the pages ---------------------------------------------------------------------------------


@pytest.fixture
def dossier(app, commune, make_procedure, insert_dossier):
    """A dossier of the commune at its office's step (specialist@.KTHT, 1.5 days), after the
    desk (receptionist, 4 hours) and a step named by officers, handed over and sent on."""
    unit, office, a, b = commune
    procedure = make_procedure()
    with app.app_context():
        procedure = processes.procedure_by_code(procedure.code)
        made = insert_dossier(
            procedure,
            unit,
            steps=[
                {
                    "step_id": "tiep_nhan",
                    "step_name": "Tiếp nhận hồ sơ",
                    "role": Role.RECEPTIONIST,
                    "handler": "receptionist",
                    "time_limit": "4h",
                    "status": TaskStatus.DONE,
                },
                {
                    "step_id": "xem",
                    "step_name": "Xem trước",
                    "role": None,
                    "unit": office,
                    "candidates": [a, b],
                    "time_limit": "6d",
                    "status": TaskStatus.DONE,
                },
                {
                    "step_id": "tham_dinh",
                    "step_name": "Thẩm định hồ sơ",
                    "unit": office,
                    "handler": "specialist@.KTHT",
                    "time_limit": "1.5d",
                },
            ],
        )
        first = db.session.scalar(sa.select(Task.id).where(Task.dossier_id == made.id))
        now = utcnow()
        db.session.add_all(
            [
                Event(
                    dossier_id=made.id,
                    kind=EventKind.STEP_COMPLETED,
                    at=now,
                    task_id=first,
                    from_step="Tiếp nhận hồ sơ",
                    to_step="Thẩm định hồ sơ",
                    data={"outcome": "done", "to_units": [office.code]},
                ),
                Event(
                    dossier_id=made.id,
                    kind=EventKind.HANDED_OVER,
                    at=now,
                    data={
                        "from": unit.code,
                        "to": office.code,
                        "new_appointment": (now + timedelta(days=5)).isoformat(),
                    },
                ),
                Event(
                    dossier_id=made.id,
                    kind=EventKind.REASSIGNED,
                    at=now,
                    task_id=first,
                    from_step="Thẩm định hồ sơ",
                    data={"from": a.username, "to": b.username},
                ),
            ]
        )
        db.session.commit()
        return made.code, unit, office, a, b


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_dossier_page_names_handlers_units_officers_and_time_limits(
    officer, make_user, dossier, lang
):
    code, unit, office, a, b = dossier
    leader = make_user(unit=unit, roles=[Role.LEADER])
    browser = officer(leader.username)
    if lang == "en":
        in_english(browser)
    html = browser.page(f"/dossiers/{code}")
    rows = {
        step: visible(cells)
        for step, cells in re.findall(r'<tr data-step="([^"]+)"[^>]*>(.*?)</tr>', html, re.S)
    }
    specialist, desk = (
        ("Specialist", "One-stop desk officer")
        if lang == "en"
        else ("Chuyên viên", "Cán bộ một cửa")
    )
    assert f"{specialist} — Phòng Kinh tế và Hạ tầng" in rows["tham_dinh"]
    assert f"{desk} — Xã Thử Nghiệm" in rows["tiep_nhan"]
    assert "Trần Văn An, Lê Thị Bình — Phòng Kinh tế và Hạ tầng" in rows["xem"]
    if lang == "vi":
        assert "1,5 ngày làm việc" in rows["tham_dinh"]
        assert "4 giờ làm việc" in rows["tiep_nhan"] and "6 ngày làm việc" in rows["xem"]
    else:
        assert "1.5" in rows["tham_dinh"] and "1,5" not in rows["tham_dinh"]
    text = visible(html)
    for code_shown in ("specialist@", "receptionist", "user:", "1.5d", " 4h", " 6d", a.username):
        assert code_shown not in text, code_shown
    # The log names the units and the officers, not their codes.
    events = [visible(c) for c in re.findall(r'<tr data-kind="[^"]+">(.*?)</tr>', html, re.S)]
    joined = " | ".join(events)
    assert "(Phòng Kinh tế và Hạ tầng)" in joined
    assert "Xã Thử Nghiệm" in joined and "Lê Thị Bình" in joined
    assert f"({office.code})" not in joined and "handed_over" not in joined
    assert b.username not in joined


def test_the_dossier_page_reads_names_without_a_query_per_row(
    app, officer, make_unit, make_user, add_task, dossier
):
    code, unit, office, a, b = dossier
    browser = officer(make_user(unit=unit, roles=[Role.LEADER]).username)
    browser.page(f"/dossiers/{code}")  # warm: the session's user, the calendar

    def statements():
        with selects() as sent:
            browser.page(f"/dossiers/{code}")
        return len(sent)

    before = statements()
    with app.app_context():
        found = db.session.scalar(sa.select(Dossier).where(Dossier.code == code))
        for n in range(4):
            other = make_unit(f"{unit.code}.P{n}", name=f"Phòng số {n}", parent=unit)
            add_task(found, unit=office, handler=f"specialist@.P{n}", time_limit="2h")
            named = make_user(unit=other, display_name=f"Cán bộ số {n}")
            add_task(found, unit=other, role=None, candidates=[named])
    # Eight more steps, naming four more officers: one query more at most (a unit per
    # step row, as before), never one per officer named.
    after = statements()
    page = visible(browser.page(f"/dossiers/{code}"))
    assert "Cán bộ số 3 — Phòng số 3" in page
    assert after - before <= 4, (before, after)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_configurator_names_lanes_and_the_templates_values_in_words(officer, lang):
    browser = officer("clo.qt")
    if lang == "en":
        in_english(browser)
    html = browser.page(CONFIGURE)
    text = visible(html)
    for lane_id in ("lane_mot_cua", "lane_chuyen_vien", "lane_lanh_dao_phong"):
        assert lane_id not in text
        assert f'data-lane="{lane_id}"' in html  # the modeler's id, kept out of sight
    assert "specialist@.KT" not in text and "leader@.KT" not in text
    template = re.findall(r"(?:Mẫu|Template): ([^·]+)·([^<]+)<", html)
    assert template, "the template's values are shown"
    words = " ".join(f"{who} {limit}" for who, limit in template)
    assert "@" not in words and not re.search(r"\b\d+(\.\d+)?[hd]\b", words)
    if lang == "vi":
        assert "Chuyên viên — " in words and "ngày làm việc" in words


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_audit_page_names_each_action(app, officer, lang):
    with app.app_context():
        db.session.add(
            AuditEntry(
                action="process.publish",
                target_type="procedure",
                target_key=HOUSEHOLD,
                summary="Ban hành quy trình mẫu",
            )
        )
        db.session.commit()
    browser = officer("admin")
    if lang == "en":
        in_english(browser)
    html = browser.page("/admin/audit")
    text = visible(html)
    assert 'data-action="process.publish"' in html
    assert "process.publish" not in text
    assert "procedure:" not in text
    if lang == "vi":
        assert f"Ban hành quy trình Thủ tục: {HOUSEHOLD}" in text


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_officers_pages_name_roles_and_units(officer, make_user, commune, lang):
    unit, office, a, _ = commune
    admin = officer("admin")
    if lang == "en":
        in_english(admin)
    listed = admin.page(f"/admin/users?q={a.username}")
    row = re.search(rf'<tr data-user="{a.username}".*?</tr>', listed, re.S).group(0)
    label = "Specialist" if lang == "en" else "Chuyên viên"
    assert f"{label} — Phòng Kinh tế và Hạ tầng" in visible(row)
    assert office.code not in visible(row)  # the unit column and the role named by name
    edit = re.search(rf'href="(/admin/users/\d+)[^"]*">\s*<code>{a.username}', listed).group(1)
    page = admin.page(edit)
    roles = visible(re.search(r'id="roles".*?</table>', page, re.S).group(0))
    assert label in roles and "Phòng Kinh tế và Hạ tầng" in roles
    assert "(specialist)" not in roles


def test_a_frozen_reports_audit_summary_names_its_grouping(app, officer):
    from tests.services.test_reports import fill

    with app.app_context():
        fill()
    leader = officer("clo.ld1")
    response = leader.post(
        "/reports/snapshots", data={"unit": "CLO", "period": "month:2024-10", "group": "procedure"}
    )
    assert response.status_code == 303
    with app.app_context():
        entry = db.session.scalar(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "report.freeze")
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
        assert entry.summary.endswith("nhóm theo thủ tục hành chính")


def test_the_desk_refusal_names_no_role_code(officer, make_user):
    browser = officer(make_user(roles=[Role.SPECIALIST]).username)
    response = browser.get("/desk/receive")
    text = visible(response.get_data(as_text=True))
    assert "receptionist" not in text
    assert "Chỉ cán bộ bộ phận một cửa dùng được chức năng này." in text
