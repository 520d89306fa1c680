"""Each step's decision in GET /api/v1/dossiers/<code> (issue 13, item 1)."""

from tests.web.test_decisions import BACK, OPINION, sent_back_by_decision

STEPS = ("tham_dinh", "xem_xet")  # the first appraisal, then the review that sent it back


def test_the_dossier_gives_each_done_step_its_decision_labelled_and_in_words(
    login_as, make_dossier
):
    code, _ = sent_back_by_decision(login_as, make_dossier)
    tasks = login_as("clo.mc1").get(f"/dossiers/{code}").get_json()["tasks"]
    appraisal, review = (next(t for t in tasks if t["step_id"] == s) for s in STEPS)
    assert appraisal["decision"] == {
        "opinion": {"label": "Ý kiến thẩm định", "value": OPINION, "text": OPINION},
        "proposal": {"label": "Đề xuất", "value": "approve", "text": "Đề xuất giải quyết"},
    }
    assert review["decision"] == {
        "decision": {"label": "Ý kiến", "value": "send_back", "text": "Trả lại chuyên viên"},
        "reason": {"label": "Lý do", "value": BACK, "text": BACK},
    }
    check = next(t for t in tasks if t["step_id"] == "tiep_nhan")
    assert check["decision"]["complete"] == {
        "label": "Hồ sơ đầy đủ, hợp lệ",
        "value": True,
        "text": "Có",
    }
    open_step = next(t for t in tasks if t["status"] == "claimed")
    assert open_step["decision"] == {}
