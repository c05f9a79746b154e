"""Cross-site request refusal (CSRF): a write that a browser sends from another origin gets 403.

    app.add_middleware(SameOriginWrites, public_base_url=settings.public_base_url)

The session cookie is SameSite=Lax, but "site" ignores the port and the scheme: a page on
http://127.0.0.1:8089 or any other port of the same host could post a form with a reviewer's cookie.
Browsers add an Origin header to every POST, PUT, PATCH and DELETE (fetch and forms alike), so a
write is refused when its Origin — or, without one, its Referer — is neither this service's own
address (scheme + Host header, as the browser sees it) nor PUBLIC_BASE_URL. A request with neither
header is not from a browser page (the action server, curl, API clients with a Bearer token) and
has no ambient cookie to abuse by surprise, so it passes.
"""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSED = "跨站请求已被拒绝：请在本站的页面上操作"


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of a URL, lower case and without the default port; None if it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


class SameOriginWrites:
    def __init__(self, app: ASGIApp, public_base_url: str = ""):
        self.app = app
        self.public = origin_of(public_base_url) if public_base_url else None

    def allowed(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        claimed = headers.get(b"origin") or headers.get(b"referer")
        if claimed is None:
            return True
        sender = origin_of(claimed.decode("latin-1"))  # "null" (sandboxed frames, file:) has no origin
        host = headers.get(b"host", b"").decode("latin-1")
        own = origin_of(f"{scope.get('scheme', 'http')}://{host}") if host else None
        return sender is not None and sender in {own, self.public}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            headers = {k.lower(): v for k, v in scope["headers"]}
            if not self.allowed(scope, headers):
                body = json.dumps({"detail": REFUSED}, ensure_ascii=False).encode("utf-8")
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
