"""Links to the printable one-time notices, in the form the notice routes read back.

The route notice takes each situation answer as its own query parameter, so the link reproduces
exactly the plan the staff member worked out with the caller.
"""
from __future__ import annotations

from urllib.parse import urlencode


def notice_path(kind: str, guide_id: str, answers: dict[str, str] | None = None) -> str:
    path = "routes" if kind == "route" else "items"
    query = f"?{urlencode(answers)}" if answers and kind == "route" else ""
    return f"/api/{path}/{guide_id}/notice{query}"


def notice_url(base_url: str, kind: str, guide_id: str, answers: dict[str, str] | None = None) -> str:
    return base_url.rstrip("/") + notice_path(kind, guide_id, answers)
