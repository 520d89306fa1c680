"""Fees at the national portal (tests/portal_fake.py): a dossier with a fee due is at status 6
"Yêu cầu thực hiện nghĩa vụ tài chính" from its receipt until the fee is settled, then back at 4;
every push carries its fees (DanhSachLePhi), in order, once."""

from tests.api.test_fees_api import fees_of, notify
from tests.portal.test_portal_sync import deliver, portal  # noqa: F401  (the fixture)
from tests.services.test_fees import LINES, give_lines


def receive_complete(login_as):
    desk = login_as("clo.mc1")
    response = desk.post(
        "/dossiers",
        json={
            "procedure_code": "1.001612",
            "unit_code": "CLO",
            "applicant": {"name": "Lê Văn Tâm", "id_number": "042190005555"},
            "complete": True,
            "not_needed": {str(i): "Không cần" for i in range(10)},
        },
    )
    assert response.status_code == 201, response.get_json()
    return desk, response.get_json()["code"]


def pushed_fees(fake, code):
    return [
        c.record.get("DanhSachLePhi")
        for c in fake.calls
        if c.service == "DongBoHoSoMC" and c.record["MaHoSo"] == code
    ]


def test_fees_due_put_the_dossier_at_6_until_they_are_settled(app, portal, login_as):  # noqa: F811
    give_lines(app, LINES)
    desk, code = receive_complete(login_as)
    deliver(app)
    assert portal.statuses(code) == [2, 4, 6]
    last = pushed_fees(portal, code)[-1]
    assert last == [
        {
            "TenPhiLePhi": "Lệ phí đăng ký hộ kinh doanh",
            "MaPhiLePhi": "LP01",
            "HinhThucThu": 0,
            "Gia": 100000,
            "LoaiPhiLePhi": 2,
        },
        {
            "TenPhiLePhi": "Phí thẩm định",
            "MaPhiLePhi": None,
            "HinhThucThu": 0,
            "Gia": None,
            "LoaiPhiLePhi": 1,
        },
    ]
    fixed, by_case = fees_of(desk, code)["fees"]
    # The amount entered and one fee paid: still 6 (the other is due), no new status.
    assert (
        desk.post(
            f"/dossiers/{code}/fees/{by_case['id']}/amount", json={"amount": 40000}
        ).status_code
        == 200
    )
    assert (
        desk.post(f"/dossiers/{code}/fees/{fixed['id']}/paid-at-desk", json={}).status_code == 200
    )
    notify(app, code, [by_case["id"]])
    deliver(app)
    assert portal.statuses(code) == [2, 4, 6]
    assert pushed_fees(portal, code)[-1][1]["Gia"] == 40000
    assert pushed_fees(portal, code)[-1][0]["HinhThucThu"] == 1
    # The transfer rejected (6 still), notified again and confirmed: back at 4.
    assert (
        desk.post(
            f"/dossiers/{code}/fees/{by_case['id']}/reject", json={"reason": "Chưa có"}
        ).status_code
        == 200
    )
    notify(app, code, [by_case["id"]], reference="FT-2")
    assert desk.post(f"/dossiers/{code}/fees/{by_case['id']}/confirm").status_code == 200
    deliver(app)
    assert portal.statuses(code) == [2, 4, 6, 4]
    assert pushed_fees(portal, code)[-1][1]["HinhThucThu"] == 2
    assert len(portal.calls) == len(portal.applied) and not portal.conflicts
