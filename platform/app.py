"""The application factory: configuration, extensions, blueprints — nothing else."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from motcua import request_guard, security_headers, unit_of_work
from motcua.config import Config
from motcua.extensions import babel, csrf, db, migrate

HERE = Path(__file__).resolve().parent
MIGRATIONS_DIR = str(HERE / "migrations")


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(Config().as_dict())
    if overrides:
        app.config.from_mapping(overrides)

    if app.config["SUPPLEMENT_RULE"] not in ("restart", "resume"):
        raise ValueError("MOTCUA_SUPPLEMENT_RULE must be 'restart' or 'resume'")
    if app.config["PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"])
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    from motcua.web.i18n import select_locale, select_timezone

    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(HERE / "translations"),
    )
    with app.app_context():
        from motcua.database import configure_engine

        configure_engine(db.engine)

    from motcua.admin import bp as admin_bp
    from motcua.api import bp as api_bp
    from motcua.web import bp as web_bp

    csrf.exempt(api_bp)  # the API authenticates each call with a bearer token, not a cookie
    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(admin_bp)
    request_guard.install(app)
    security_headers.install(app)
    unit_of_work.install(app)  # after the blueprints: every view is one unit of work
    return app
