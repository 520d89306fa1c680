"""The inbox's search reads the dossier's folded words (issue 13, item 6): a name typed without
accents and a part of the code find the step on every database."""

from sqlalchemy import select

from motcua.extensions import db
from motcua.models import Dossier, Task
from tests.web.test_inbox import row_ids

APPLICANT = {"name": "Quách Thị Bình", "id_number": "042190061803", "phone": "0914 161 803"}


def test_the_inbox_finds_a_name_without_accents_and_a_part_of_the_code(app, officer, make_dossier):
    code = make_dossier("CLO", "1.001612", applicant=APPLICANT)["code"]
    with app.app_context():
        task_id = db.session.scalar(
            select(Task.id).join(Dossier, Dossier.id == Task.dossier_id).where(Dossier.code == code)
        )
    desk = officer("clo.mc1")
    for q in (
        "quach binh",
        "Quach Thi Binh",
        "QUÁCH",
        code[-4:],
        code[-11:],
        "161803",
        "0914161803",
    ):
        assert task_id in row_ids(desk.page("/inbox", query_string={"q": q})), q
    assert row_ids(desk.page("/inbox", query_string={"q": "quach binh zzz"})) == []
