"""Password hashes: scrypt in production, the app's cheap method when testing."""

from flask import Flask
from sqlalchemy import select
from werkzeug.security import check_password_hash

from motcua.config import Config
from motcua.extensions import db
from motcua.models import User
from motcua.services import auth, demo


def test_production_hashes_passwords_with_scrypt():
    app = Flask(__name__)
    app.config.from_mapping(Config().as_dict())
    with app.app_context():
        hashed = auth.hash_password("mat-khau")
    assert hashed.startswith("scrypt:")
    assert check_password_hash(hashed, "mat-khau")


def test_the_test_app_hashes_with_its_cheap_method(app, ctx):
    assert app.config["PASSWORD_HASH_METHOD"] == "pbkdf2:sha256:1"
    assert auth.hash_password("mat-khau").startswith("pbkdf2:sha256:1$")
    # The demo's accounts are hashed once at load, with the app's method.
    hashed = db.session.scalar(select(User.password_hash).where(User.username == "clo.mc1"))
    assert hashed.startswith("pbkdf2:sha256:1$")
    assert check_password_hash(hashed, demo.PASSWORD)
