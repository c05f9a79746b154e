"""How the domain's refusals become HTTP answers, for every route at once.

The workflows raise their own exceptions (knowledge/editing/refusals.py, GuideInvalid, a zip that is
not one, a publication that failed, situation answers that do not fit a route); routes do not catch
them. Every answer has a Chinese `detail`; some carry more (field errors, both versions of a conflict).
"""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from knowledge.api.routes.editor import VersionOut
from knowledge.editing.archive import ArchiveError
from knowledge.editing.refusals import Conflict, ImportRejected, NotFound, Unusable, VersionConflict
from knowledge.editing.validation import GuideInvalid, chinese_message
from knowledge.planner import PlanError
from knowledge.publishing import PublishError
from knowledge.store.db import as_utc


def add_exception_handlers(app: FastAPI) -> None:
    def detail(status: int, message: str) -> JSONResponse:
        return JSONResponse(status_code=status, content={"detail": message})

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return detail(404, exc.message)

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> JSONResponse:
        return detail(409, exc.message)

    @app.exception_handler(Unusable)
    async def unusable(request: Request, exc: Unusable) -> JSONResponse:
        return detail(422, exc.message)

    @app.exception_handler(VersionConflict)
    async def version_conflict(request: Request, exc: VersionConflict) -> JSONResponse:
        when = as_utc(exc.theirs.created_at).astimezone().strftime("%Y-%m-%d %H:%M:%S")
        return JSONResponse(status_code=409, content={
            "detail": f"该指南已被 {exc.author_name} 于 {when} 修改，请比较后再保存",
            "yours": exc.yours,
            "theirs": VersionOut.of(exc.theirs).model_dump(mode="json"),
            "diff": jsonable_encoder(exc.diff),  # theirs → yours: {"changes", "unified"}
        })

    @app.exception_handler(GuideInvalid)
    async def invalid_guide(request: Request, exc: GuideInvalid) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": "指南内容有误，请按提示修改",
                                                      "errors": [e.as_dict() for e in exc.errors]})

    @app.exception_handler(ImportRejected)
    async def import_rejected(request: Request, exc: ImportRejected) -> JSONResponse:
        return JSONResponse(status_code=422, content={
            "detail": exc.message, "created": [], "updated": [], "unchanged": [], "published": [],
            "errors": exc.errors})

    @app.exception_handler(ArchiveError)
    async def not_a_guide_zip(request: Request, exc: ArchiveError) -> JSONResponse:
        return detail(400, str(exc))

    @app.exception_handler(PublishError)
    async def not_published(request: Request, exc: PublishError) -> JSONResponse:
        what = "索引更新失败" if exc.stage == "index" else "发布失败"
        return detail(503, f"{what}：{exc}；线上仍使用原来的版本")

    @app.exception_handler(PlanError)
    async def answers_do_not_fit(request: Request, exc: PlanError) -> JSONResponse:
        # Situation answers naming an unknown question or option, whichever route (plan, notice,
        # console, dialogue) was asked: one Chinese 422.
        return detail(422, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's usual shape ({"detail": [{"loc", "msg", "type", …}]}), with the messages in Chinese.
        # Without the `input` pydantic adds: echoing what was sent helps nobody, copies a citizen's text
        # into one more place and, holding a lone surrogate, could not even be encoded (a 500).
        errors = [{**{k: v for k, v in e.items() if k != "input"}, "msg": chinese_message(e)} for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": jsonable_encoder(errors)})
