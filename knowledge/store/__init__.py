"""Persistence (SQLAlchemy 2): guide versions and publications, staff accounts and sessions, the audit log,
conversation events. SQLite by default, PostgreSQL by DATABASE_URL; the schema comes from the Alembic
migrations in `migrations/` (see `migrate.py`)."""
