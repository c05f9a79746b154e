"""The pages: the citizens' chat at / and the staff pages (sign-in, guide editor, hotline console,
reports and user management).

The pages are HTML written by hand; each one asks `/api/auth/me` and the capability-guarded APIs
itself, so the server stays the only guard and a page never shows data its user may not read. The
server fills in only the centre's identity (`{{ centre.name }}` in the page, and the
`<meta name="centre">` its scripts read), so one setting renames every page.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from knowledge.api.deps import StateDep
from knowledge.api.routes.chat import STATIC

router = APIRouter(tags=["pages"])
templates = Jinja2Templates(directory=STATIC)

# URL path → page file under knowledge/web/static. A page's scripts are under /static too; the editor's
# are ES modules (static/editor/), served as JavaScript like every .js file there.
PAGES: dict[str, str] = {
    "/": "chat.html",
    "/login": "login.html",
    "/editor": "editor.html",
    "/editor/import": "import.html",
    "/console": "console.html",
    "/reports": "reports.html",
    "/admin/users": "users.html",
}


def _page(filename: str):
    def serve(request: Request, state: StateDep) -> HTMLResponse:
        settings = state.settings
        centre = {"name": settings.centre_name, "hotline_phone": settings.hotline_phone,
                  "hotline_hours": settings.hotline_hours}
        # no-cache: after an update staff must not keep running an old script against a new API.
        return templates.TemplateResponse(request, filename, {"centre": centre}, headers={"Cache-Control": "no-cache"},
                                          media_type="text/html; charset=utf-8")
    return serve


for _url, _file in PAGES.items():
    router.add_api_route(_url, _page(_file), methods=["GET"], include_in_schema=False,
                         name=f"page:{_file.removesuffix('.html')}")
