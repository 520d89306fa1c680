"""Mails the worker could not send (given up, or still failing), and sending one again: for the
system administrator, once the mail server or an address is fixed."""

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from motcua.admin import bp
from motcua.services import outbox
from motcua.web.auth import login_required


@bp.get("/mails")
@login_required
def mails():
    return render_template(
        "admin/mails/list.html",
        view=outbox.problems(g.user),
    )


@bp.post("/mails/<int:mail_id>/retry")
@login_required
def mail_retry(mail_id: int):
    mail = outbox.retry(g.user, mail_id)
    flash(
        _("Thư #%(id)s đến %(to)s sẽ được gửi lại ở lượt tới.", id=mail.id, to=mail.to_address),
        "success",
    )
    return redirect(url_for("admin.mails"))
