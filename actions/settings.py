"""Action server settings from the environment (the same names the knowledge service uses); the
centre's identity comes from the shared centre.py."""
import os

from centre import COMPLAINT_LINE, HOTLINE_HOURS, HOTLINE_PHONE  # noqa: F401  (re-exported for the actions)

KNOWLEDGE_URL = os.environ.get("KNOWLEDGE_URL", "http://127.0.0.1:8000").rstrip("/")
KNOWLEDGE_TIMEOUT_S = float(os.environ.get("KNOWLEDGE_TIMEOUT_S", "3"))
# Shared secret for posting conversation events, when the knowledge service requires one.
SERVICE_TOKEN = os.environ.get("SERVICE_TOKEN") or None
