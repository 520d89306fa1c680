"""At the desk's check of an online dossier, a paper whose file is signed and valid is marked as
needing no paper copy (seed 002: lawfully signed electronic dossiers need no paper); an unsigned
or a tampered one is not."""

import io
import re

from motcua import worker
from tests.signing.test_verify import pki, replace_once, trusted  # noqa: F401 (fixtures)
from tests.web.test_online import code_mail, confirm, send, text_of

NO_PAPER = "Bản điện tử có chữ ký số hợp lệ: không cần nộp bản giấy"


def test_the_online_check_marks_the_validly_signed_paper(app, client, officer, pki, trusted):  # noqa: F811
    _, files = pki
    sent = send(
        client,
        **{
            "doc-0": (io.BytesIO(files["valid"]), "don-ky-so.pdf"),
            "doc-1": (io.BytesIO(files["unsigned"]), "cccd.pdf"),
            "doc-2": (io.BytesIO(files["tampered"]), "bien-ban.pdf"),
        },
    )
    assert sent.status_code == 200, text_of(sent)
    done = confirm(client, sent, code_mail(app))
    assert done.status_code == 200, text_of(done)
    code = re.search(r'id="dossier-code">([^<]+)<', text_of(done)).group(1)
    desk = officer("clo.mc1")
    before = desk.page(f"/desk/online/{code}")
    assert before.count("Đang kiểm tra chữ ký") == 3 and NO_PAPER not in before

    worker.run_once(app)

    page = desk.page(f"/desk/online/{code}")
    rows = {i: page.split(f'data-paper="{i}"')[1].split("</tr>")[0] for i in range(3)}
    assert NO_PAPER in rows[0] and 'data-verdict="valid"' in rows[0]
    assert NO_PAPER not in rows[1] and 'data-verdict="unsigned"' in rows[1]
    assert NO_PAPER not in rows[2] and 'data-verdict="invalid"' in rows[2]
