"""Alembic environment: the ORM tables are the target; the URL is the service's DATABASE_URL.

The service passes its own connection in `config.attributes["connection"]` (so start-up migrates
under its start-up lock); the `alembic` command line connects by itself.
"""
from __future__ import annotations

import logging.config

from alembic import context

from knowledge.store import tables  # noqa: F401 — registers every table on Base.metadata
from knowledge.store.db import Base, make_engine

config = context.config
target_metadata = Base.metadata

if config.config_file_name and not config.attributes.get("connection"):
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    from knowledge.core.config import get_settings

    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_offline() -> None:
    url = database_url()
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"), compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = make_engine(database_url())
    try:
        with engine.connect() as conn:
            _migrate(conn)
    finally:
        engine.dispose()


def _migrate(connection) -> None:  # noqa: ANN001 — a SQLAlchemy Connection
    context.configure(connection=connection, target_metadata=target_metadata,
                      # SQLite cannot ALTER most things in place; batch mode copies the table instead.
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
