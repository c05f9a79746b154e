"""Headers on every answer: what the browser may load, frame, sniff, send on and keep in its cache.

    app.add_middleware(SecurityHeaders)

- Content-Security-Policy: scripts only from this site's files (no page has inline script; styles
  may be inline, as the staff pages' layout attributes are); nothing is loaded from elsewhere.
  Swagger UI at /docs loads its own script from its CDN, so /docs and /redoc get a policy that allows
  that CDN and nothing else more.
- Framing: staff pages, their API and everything else refuse every frame (frame-ancestors 'none',
  X-Frame-Options DENY), so a hostile page cannot overlay a reviewer's publish button. The citizens'
  chat page and the printable notices may be framed by this same site only.
- X-Content-Type-Options: nosniff; Referrer-Policy: same-origin (a notice link carries the citizen's
  answers in its query; other sites never see it).
- Cache-Control: no-store on every /api/ answer that did not choose its own, so accounts, exports
  and handoff transcripts never stay in a shared or browser cache.
"""
from __future__ import annotations

import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_BASE = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
         "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'")
_DOCS = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
         "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
         "img-src 'self' data: https://fastapi.tiangolo.com; "
         "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'")
DOCS_PATHS = ("/docs", "/redoc")
# Citizen-facing pages a centre may show inside its own site's frame; everything else is never framed.
_FRAMEABLE = re.compile(r"^/$|^/static/chat\.|^/api/(routes|items)/[^/]+/notice$")


def headers_for(path: str) -> dict[str, str]:
    frameable = bool(_FRAMEABLE.match(path))
    policy = _DOCS if path.startswith(DOCS_PATHS) else _BASE
    ancestors = "'self'" if frameable else "'none'"
    return {
        "Content-Security-Policy": f"{policy}; frame-ancestors {ancestors}",
        "X-Frame-Options": "SAMEORIGIN" if frameable else "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        extra = headers_for(path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value
                if path.startswith("/api/") and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
