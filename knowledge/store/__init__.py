"""Persistence (SQLAlchemy 2): guide versions, conversation feedback. SQLite by default, PostgreSQL by DATABASE_URL."""
