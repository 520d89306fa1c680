"""The dossier search page (GET /dossiers, web.dossier_search): the search box and filters, the
results linking to each dossier, paging, the empty answer and bad filters in Vietnamese."""

import re
from datetime import timedelta

from sqlalchemy import select

from motcua.extensions import db
from motcua.models import DossierStatus, Procedure, Unit, utcnow

APPLICANT = {"name": "Mạc Văn Bình", "id_number": "042190014142", "phone": "0916 141 421"}


def result_codes(html: str) -> list[str]:
    return re.findall(r'<tr data-dossier="([^"]+)"', html)


def test_the_page_finds_a_dossier_and_links_to_it(officer, make_dossier):
    code = make_dossier("CLO", "1.001612", applicant=APPLICANT)["code"]
    desk = officer("clo.mc1")
    html = desk.page("/dossiers", query_string={"q": "mac binh"})
    assert result_codes(html) == [code]
    assert f'href="/dossiers/{code}"' in html
    assert "Mạc Văn Bình" in html and "1 hồ sơ" in html
    assert str(DossierStatus.PROCESSING.label) in html or str(DossierStatus.RECEIVED.label) in html
    assert 'value="mac binh"' in html  # the box keeps what was typed


def test_nothing_found_and_another_commune_s_officer(officer, make_dossier):
    make_dossier("CLO", "1.001612", applicant=APPLICANT)
    html = officer("hkh.mc1").page("/dossiers", query_string={"q": "mac binh"})
    assert result_codes(html) == [] and "Không tìm thấy hồ sơ nào" in html


def test_the_results_are_paged_by_fifty(app, officer, insert_dossier):
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == "CLO"))
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == "2.000815"))
    now = utcnow()
    for n in range(55):
        insert_dossier(
            procedure,
            unit,
            code=f"SEARCHPAGE-{n:04d}",
            applicant_name="Mạc Thị Trang",
            received_at=now - timedelta(hours=n),
        )
    desk = officer("clo.mc1")
    first = desk.page("/dossiers", query_string={"q": "mac trang"})
    assert result_codes(first) == [f"SEARCHPAGE-{n:04d}" for n in range(50)]
    assert "55 hồ sơ" in first and "trang 1/2" in first
    next_page = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = desk.page(next_page)
    assert result_codes(second) == [f"SEARCHPAGE-{n:04d}" for n in range(50, 55)]
    assert 'rel="prev"' in second and "q=mac+trang" in next_page


def test_a_bad_filter_is_said_next_to_it(officer):
    response = officer("clo.mc1").get("/dossiers?received_from=31/12/2026&status=lost")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="received_from-error"' in html and 'id="status-error"' in html
    assert "Điều kiện tìm kiếm chưa hợp lệ" in html
    assert result_codes(html) == []
