"""Officer pages. Until the workspace lands (issue 3) this is the landing page only."""

from flask import Blueprint, render_template

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static")


@bp.get("/")
def index():
    return render_template("index.html")
