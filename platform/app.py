"""The application factory: configuration, extensions, blueprints — nothing else."""

from pathlib import Path

from flask import Flask

from motcua.config import Config
from motcua.extensions import db, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(Config().as_dict())
    if overrides:
        app.config.from_mapping(overrides)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    with app.app_context():
        from motcua.database import configure_engine

        configure_engine(db.engine)

    from motcua.api import bp as api_bp
    from motcua.web import bp as web_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    return app
