"""Flask extensions, created unbound and initialised by the app factory."""

from flask_babel import Babel
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from motcua.models.base import Base

# join_transaction_mode lets the test suite wrap each test in an outer transaction that the
# services' own commits cannot end; with an Engine bind (production) it has no effect.
db = SQLAlchemy(
    model_class=Base,
    # Objects stay readable after a service commits (to answer the request) without a reload.
    session_options={"join_transaction_mode": "create_savepoint", "expire_on_commit": False},
)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
