"""Service settings, read from environment variables (or a .env file) by pydantic-settings."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

import centre

ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Links in chat answers (printable notices) point here; set it to the public address in production.
    public_base_url: str = "http://127.0.0.1:8000"
    database_url: str = f"sqlite:///{ROOT / 'var' / 'navigator.db'}"
    guides_dir: Path = ROOT / "knowledge" / "guides"
    embedding_model_dir: Path = ROOT / ".build" / "embedding-model"
    cache_dir: Path = Path.home() / ".cache" / "approval-navigator"
    rasa_url: str = "http://127.0.0.1:5005"
    # The centre's identity as citizens see it (centre.py holds the defaults for both venvs; the same
    # environment variables, or this service's .env, override them).
    centre_name: str = centre.NAME
    complaint_line: str = centre.COMPLAINT_LINE
    hotline_phone: str = centre.HOTLINE_PHONE
    hotline_hours: str = centre.HOTLINE_HOURS
    # Staff sign-in: how long a session lasts, and the first administrator's password (first start only;
    # unset: a random one is written to VAR_DIR/initial-admin-password).
    session_ttl_minutes: float = 480
    admin_password: str | None = None
    # Mark the session cookie Secure (set it when the service is reached over HTTPS only).
    session_cookie_secure: bool = False
    # POST /api/conversations/events needs header X-Service-Token with this value (the action server's).
    # Unset: generated once into VAR_DIR/service-token (knowledge/core/secrets.py), which scripts/ share.
    service_token: str | None = None
    # Shared state for several replicas (login throttling); unset: kept in each process.
    redis_url: str | None = None
    # Key prefix of the login throttle's counters in Redis.
    login_throttle_prefix: str = "navigator:login:"
    # How often each replica looks for guides published on another replica (seconds).
    catalogue_poll_s: float = 1.0
    # Citizens' conversations (个人信息保护法): events — and Rasa's trackers, when TRACKER_DB_URL reaches
    # its SQL tracker store — are deleted once older than this many days; the purge runs at start and
    # every RETENTION_PURGE_INTERVAL_S seconds. The one retention setting of the project: Rasa's
    # store is purged from here (knowledge/conversation_data.py).
    conversation_retention_days: float = Field(180, gt=0)
    retention_purge_interval_s: float = Field(3600, gt=0)
    # SQLAlchemy URL of the database of Rasa's SQL tracker store (e.g. postgresql+psycopg://…/navigator_rasa);
    # unset: trackers are not reachable from here (Rasa's in-memory store).
    tracker_db_url: str | None = None
    # Files the service writes for its operator (the first administrator password, the service token,
    # uploaded imports).
    var_dir: Path = ROOT / "var"
    # Importing a centre's own guides: the largest file (also each file inside a zip) and the largest upload.
    import_max_file_mb: float = 20
    import_max_upload_mb: float = 200


@lru_cache
def get_settings() -> Settings:
    return Settings()
