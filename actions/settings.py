"""Action server settings from the environment (the same names the knowledge service uses)."""
import os

KNOWLEDGE_URL = os.environ.get("KNOWLEDGE_URL", "http://127.0.0.1:8000").rstrip("/")
# Links in answers must work from the citizen's browser, which may differ from KNOWLEDGE_URL.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", KNOWLEDGE_URL).rstrip("/")
HOTLINE_PHONE = os.environ.get("HOTLINE_PHONE", "0000-12345（示例号码）")
HOTLINE_HOURS = os.environ.get("HOTLINE_HOURS", "工作日 9:00-12:00，13:30-17:30（示例）")
KNOWLEDGE_TIMEOUT_S = float(os.environ.get("KNOWLEDGE_TIMEOUT_S", "3"))
# Shared secret for posting conversation events, when the knowledge service requires one.
SERVICE_TOKEN = os.environ.get("SERVICE_TOKEN") or None
