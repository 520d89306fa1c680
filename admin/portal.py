"""Messages the national portal did not take (given up, or still failing), and sending one again:
for the system administrator, once the portal or its settings are fixed
(motcua.services.portal_outbox); and the dossiers from the portal not made into dossiers of ours
yet, tried again once their cause is fixed (motcua.services.portal_inbound)."""

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from motcua.admin import bp
from motcua.admin.catalogue import shown
from motcua.errors import Conflict, Invalid
from motcua.services import catalogue, catalogue_import, portal_inbound, portal_outbox
from motcua.services import portal_catalogue as portal_catalogue_service
from motcua.unit_of_work import refusal
from motcua.vocabulary import PortalInboundState
from motcua.web.auth import login_required


@bp.get("/portal")
@login_required
def portal_messages():
    return render_template(
        "admin/portal/list.html",
        view=portal_outbox.problems(g.user),
        inbound=portal_inbound.waiting(g.user),
    )


@bp.post("/portal/<int:message_id>/retry")
@login_required
def portal_retry(message_id: int):
    message = portal_outbox.retry(g.user, message_id)
    flash(
        _("Thông điệp %(key)s sẽ được gửi lại lên Cổng ở lượt tới.", key=message.key),
        "success",
    )
    return redirect(url_for("admin.portal_messages"))


@bp.post("/portal/inbound/<int:inbound_id>/retry")
@login_required
def portal_inbound_retry(inbound_id: int):
    row = portal_inbound.retry(g.user, inbound_id)
    if row.state == PortalInboundState.IMPORTED:
        flash(
            _(
                "Đã tạo hồ sơ %(code)s từ hồ sơ %(portal)s của Cổng.",
                code=row.dossier.code,
                portal=row.portal_code,
            ),
            "success",
        )
    else:
        flash(
            _(
                "Hồ sơ %(portal)s của Cổng vẫn chưa tạo được: %(why)s",
                portal=row.portal_code,
                why=row.error,
            ),
            "error",
        )
    return redirect(url_for("admin.portal_messages"))


# -- the portal's catalogue, pulled with a preview (motcua.services.portal_catalogue) ----------

# The pulled catalogue of this session: its storage key and the preview's fingerprint.
STAGED = "portal_catalogue"


def _catalogue_page(status: int = 200, **context):
    context.setdefault("pulled", None)
    context.setdefault("plan", context["pulled"].plan if context["pulled"] else None)
    context.setdefault("message", None)
    page = render_template(
        "admin/portal/catalogue.html",
        field_labels=catalogue.FIELD_LABELS,
        shown=shown,
        **context,
    )
    return page, status


@bp.route("/portal/catalogue", methods=["GET", "POST"])
@login_required
def portal_catalogue():
    """GET: the page. POST: ask the portal and show what importing its catalogue would do."""
    catalogue.require_editor(g.user)
    if request.method == "GET":
        return _catalogue_page()
    with refusal(Invalid) as refused:
        pulled = portal_catalogue_service.pull(g.user)
    if refused:
        return _catalogue_page(422, message=refused.error.message)
    key = catalogue_import.stage_import(pulled.data)
    session[STAGED] = {"key": key, "fingerprint": pulled.plan.fingerprint}
    return _catalogue_page(pulled=pulled)


@bp.post("/portal/catalogue/confirm")
@login_required
def portal_catalogue_confirm():
    """Apply the catalogue pulled for the preview, kept in the storage (not the browser's)."""
    catalogue.require_editor(g.user)
    staged = session.get(STAGED)
    if not staged or request.form.get("fingerprint") != staged["fingerprint"]:
        message = _("Không còn danh mục đã lấy (hoặc đã nhập rồi); hãy lấy lại từ Cổng.")
        return _catalogue_page(409, message=message)
    with refusal(Invalid, Conflict) as refused:
        data = catalogue_import.load_staged(staged["key"])
        plan = portal_catalogue_service.apply(g.user, data, staged["fingerprint"])
    if refused:
        session.pop(STAGED, None)
        return _catalogue_page(refused.error.status, message=refused.error.message)
    session.pop(STAGED, None)
    return _catalogue_page(plan=plan)
