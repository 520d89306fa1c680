"""Messages the national portal did not take (given up, or still failing), and sending one again:
for the system administrator, once the portal or its settings are fixed
(motcua.services.portal_outbox)."""

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from motcua.admin import bp
from motcua.services import portal_outbox
from motcua.web.auth import login_required


@bp.get("/portal")
@login_required
def portal_messages():
    return render_template("admin/portal/list.html", view=portal_outbox.problems(g.user))


@bp.post("/portal/<int:message_id>/retry")
@login_required
def portal_retry(message_id: int):
    message = portal_outbox.retry(g.user, message_id)
    flash(
        _("Thông điệp %(key)s sẽ được gửi lại lên Cổng ở lượt tới.", key=message.key),
        "success",
    )
    return redirect(url_for("admin.portal_messages"))
