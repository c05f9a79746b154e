"""Secrets the knowledge service makes for its operator on the first start, kept in VAR_DIR.

- `service-token`: the token the dialogue side (action server, and Rasa → action server) sends as
  X-Service-Token; POST /api/conversations/events refuses any request without it. SERVICE_TOKEN, when
  set, wins; otherwise one random token is generated once and reused on every later start.
- `initial-admin-password`: written by the service when it creates `admin` without ADMIN_PASSWORD.

The start scripts ask this module for the token rather than generating one themselves, so the
service, the action server and Rasa always share the same value:

    SERVICE_TOKEN="$(.venv/service/bin/python -m knowledge.core.secrets service-token)"
"""
from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

SERVICE_TOKEN_FILE = "service-token"


def write_secret(path: Path, text: str) -> bool:
    """Write `text` to a new file readable by its owner only. False if the file already exists (another
    replica starting at the same moment wrote it first); the existing file is then left as it is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    return True


def service_token(var_dir: Path, configured: str | None = None) -> str:
    """The configured token, else the one in VAR_DIR/service-token, generated on first use."""
    if configured and configured.strip():
        return configured.strip()
    path = var_dir / SERVICE_TOKEN_FILE
    if not path.exists():
        write_secret(path, secrets.token_urlsafe(32))
    token = path.read_text(encoding="utf-8").strip()
    if not token:
        raise RuntimeError(f"{path} is empty: delete it to have a new service token generated")
    return token


def main(argv: list[str]) -> int:
    if argv != ["service-token"]:
        print("usage: python -m knowledge.core.secrets service-token", file=sys.stderr)
        return 2
    from knowledge.core.config import Settings  # the same VAR_DIR and SERVICE_TOKEN the service reads
    settings = Settings()
    print(service_token(settings.var_dir, settings.service_token))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
