"""Declarative base and column types shared by all models."""

import enum
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """An aware datetime stored in UTC; SQLite keeps no zone, so it is put back on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# The moment a replay of past events stands at (``replaying``); None: the real clock.
_replayed_now: ContextVar[datetime | None] = ContextVar("replayed_now", default=None)


def utcnow() -> datetime:
    """Now, in UTC: what every service stamps its rows and events with."""
    return _replayed_now.get() or datetime.now(UTC)


@contextmanager
def replaying(moment: datetime):
    """Stamp what is done inside the block with ``moment`` (aware), as if done then: the demo
    replays the province's 2025 (dossiers of a district received before the reform, the
    reorganisation of 1 July 2025) with the services every officer uses, so that its history
    holds the rows a real one would. Flush inside the block: column defaults read the clock
    at the flush."""
    if moment.tzinfo is None:
        raise ValueError("replaying() needs an aware datetime")
    token = _replayed_now.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _replayed_now.reset(token)


def str_enum(enum_class: type[enum.Enum]) -> Enum:
    """Store a StrEnum as its value in a plain VARCHAR (no native type to migrate)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
