"""The staff pages: sign-in, guide editor, hotline console, reports and user management.

The pages are static HTML; each one asks `/api/auth/me` and the capability-guarded APIs itself,
so the server stays the only guard and a page never shows data its user may not read.
"""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from knowledge.api.routes.chat import STATIC

router = APIRouter(tags=["pages"])

# URL path → page file under knowledge/web/static. A page's scripts are under /static too; the editor's
# are ES modules (static/editor/), served as JavaScript like every .js file there.
PAGES: dict[str, str] = {
    "/login": "login.html",
    "/editor": "editor.html",
    "/editor/import": "import.html",
    "/console": "console.html",
    "/reports": "reports.html",
    "/admin/users": "users.html",
}


def _page(filename: str):
    def serve() -> FileResponse:
        # no-cache: after an update staff must not keep running an old script against a new API.
        return FileResponse(STATIC / filename, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})

    return serve


for _url, _file in PAGES.items():
    router.add_api_route(_url, _page(_file), methods=["GET"], include_in_schema=False,
                         name=f"page:{_file.removesuffix('.html')}")
