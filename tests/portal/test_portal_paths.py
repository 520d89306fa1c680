"""The exceptional paths as the portal hears them (tests/portal_fake.py): papers requested (5)
and received (4 again, with the new appointment in DanhSachHoSoBoSung), a pause that is still
processing (4, the dossier pushed again), withdrawn (7), stopped (8), refused (3)."""

from tests.api.test_exceptional_paths import ask_for_papers, work
from tests.portal.test_portal_sync import deliver, portal  # noqa: F401  (a fixture)

HOUSEHOLD = "1.001612"


def test_papers_requested_and_received_then_withdrawn(app, portal, login_as, make_dossier):  # noqa: F811
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    work(login_as, code, "tiep_nhan")
    assert ask_for_papers(login_as, code).status_code == 200
    work(login_as, code, "cho_bo_sung", received=True)
    desk = login_as("clo.mc1")
    appointment = desk.get(f"/dossiers/{code}").get_json()["appointment_at"]
    withdrawn = desk.post(f"/dossiers/{code}/withdraw", json={"reason": "Công dân xin rút"})
    assert withdrawn.status_code == 200
    deliver(app)
    assert portal.statuses(code) == [2, 4, 5, 4, 7]
    pushes = [c for c in portal.calls if c.service == "DongBoHoSoMC"]
    assert [c.is_updating for c in pushes] == [False, True, True]  # receipt, asked, received
    [asked] = pushes[2].record["DanhSachHoSoBoSung"]
    assert asked["NgayHenTraMoi"] and asked["NgayTiepNhanBoSung"]
    assert asked["DanhSachGiayTo"] == ["Bản sao CCCD của chủ hộ", "Giấy xác nhận nơi cư trú"]
    assert pushes[2].record["NgayHenTra"] == asked["NgayHenTraMoi"]
    assert appointment  # the API's appointment is the one pushed (same instant)


def test_a_pause_stays_processing_and_a_stop_is_8(app, portal, login_as, make_dossier):  # noqa: F811
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    work(login_as, code, "tiep_nhan")
    leader = login_as("clo.ld1")
    assert (
        leader.post(f"/dossiers/{code}/pause", json={"reason": "Chờ giám định"}).status_code == 200
    )
    assert leader.post(f"/dossiers/{code}/resume", json={}).status_code == 200
    assert leader.post(f"/dossiers/{code}/stop", json={"reason": "Có văn bản"}).status_code == 200
    deliver(app)
    assert portal.statuses(code) == [2, 4, 8]
    services = [c.service for c in portal.calls]
    assert services.count("DongBoHoSoMC") == 3  # receipt, pause, resume


def test_a_refusal_is_3(app, portal, login_as, make_dossier):  # noqa: F811
    from tests.api.test_tasks import PERMIT, at_decision, work_until
    from tests.api.test_tasks import work as work_task

    code = make_dossier("CLO", PERMIT)["code"]
    task = work_until(login_as, code, at_decision)
    _, response = work_task(login_as, task, decision="refuse", reason="Không đủ điều kiện")
    assert response.status_code == 200, response.get_json()
    for _ in range(5):
        dossier = login_as("admin").get(f"/dossiers/{code}").get_json()
        if dossier["status"] == "refused":
            break
        task = next(t for t in dossier["tasks"] if t["status"] in ("open", "claimed"))
        assert work_task(login_as, task)[1].status_code == 200
    deliver(app)
    assert portal.statuses(code) == [2, 4, 3], portal.statuses(code)


def test_a_dossier_incomplete_at_receipt_reaches_the_portal_once_received_complete(
    app,
    portal,  # noqa: F811
    login_as,
    make_dossier,
):
    code = make_dossier("CLO", HOUSEHOLD)["code"]
    desk = login_as("clo.mc1")
    check = next(t for t in desk.get(f"/dossiers/{code}").get_json()["tasks"])
    assert desk.post(f"/tasks/{check['id']}/claim").status_code in (200, 409)
    data = {"complete": False, "reason": "Thiếu giấy tờ", "items": "Bản sao hợp đồng thuê nhà"}
    assert desk.post(f"/tasks/{check['id']}/complete", json={"data": data}).status_code == 200
    deliver(app)
    assert portal.calls == []  # form 02, not a receipt: not received in law yet
    work(login_as, code, "cho_bo_sung_tiep_nhan")
    work(login_as, code, "tiep_nhan")
    deliver(app)
    now_code = desk.get(f"/dossiers/{code}").get_json()["code"]
    assert portal.calls[0].service == "DongBoHoSoMC" and not portal.calls[0].is_updating
    assert {c.record["MaHoSo"] for c in portal.calls} == {now_code}
    assert portal.statuses(now_code) == [2, 4]
    assert [c.record["PhienBan"] for c in portal.calls] == list(range(1, len(portal.calls) + 1))
