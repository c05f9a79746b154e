"""Service settings, read from environment variables (or a .env file) by pydantic-settings."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

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
    hotline_phone: str = "0000-12345（示例号码）"
    hotline_hours: str = "工作日 9:00-12:00，13:30-17:30（示例）"
    # Staff sign-in: how long a session lasts, and the first administrator's password (first start only;
    # unset: a random one is written to VAR_DIR/initial-admin-password).
    session_ttl_minutes: float = 480
    admin_password: str | None = None
    # Mark the session cookie Secure (set it when the service is reached over HTTPS only).
    session_cookie_secure: bool = False
    # When set, POST /api/conversations/events needs header X-Service-Token with this value (the action server's).
    service_token: str | None = None
    # How often each replica looks for guides published on another replica (seconds).
    catalogue_poll_s: float = 1.0
    # Files the service writes for its operator (the generated first administrator password, uploaded imports).
    var_dir: Path = ROOT / "var"
    # Importing a centre's own guides: the largest file (also each file inside a zip) and the largest upload.
    import_max_file_mb: float = 20
    import_max_upload_mb: float = 200


@lru_cache
def get_settings() -> Settings:
    return Settings()
