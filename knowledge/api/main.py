"""The knowledge service (FastAPI): search, guides, plans, notices, conversation events and the web chat.

    uvicorn knowledge.api.main:app --host 127.0.0.1 --port 8000
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session

from knowledge.api.routes import (auth, chat, console, conversations, editor, guides, imports, notices, pages, plans,
                                  reports, search, users)
from knowledge.api.routes.chat import STATIC
from knowledge.api.state import AppState
from knowledge.core.config import Settings, get_settings
from knowledge.editing.validation import chinese_message
from knowledge.importing.jobs import ImportRunner
from knowledge.importing.safety import Limits
from knowledge.publishing import Publisher, catalogue_for
from knowledge.search.embedder import Embedder
from knowledge.search.engine import SearchEngine
from knowledge.search.vector_cache import VectorCache
from knowledge.store import guides as guide_store
from knowledge.store import users as user_store
from knowledge.store.db import make_engine, make_sessionmaker
from knowledge.store.migrate import startup_lock, upgrade_to_head

log = logging.getLogger("knowledge")


def build_state(settings: Settings) -> AppState:
    db = make_engine(settings.database_url)
    sessions = make_sessionmaker(db)
    # Replicas starting together against one database take turns: one migrates and seeds, the rest find it done.
    with startup_lock(db):
        upgrade_to_head(db)
        with sessions() as session:
            seeded = guide_store.seed_if_empty(session, settings.guides_dir)
            if seeded:
                log.info("imported %d guides from %s", seeded, settings.guides_dir)
            create_first_admin(session, settings)
    with sessions() as session:
        catalogue, last_seq = catalogue_for(session)
    embedder = Embedder(settings.embedding_model_dir)
    cache = VectorCache(settings.cache_dir / f"vectors-{embedder.fingerprint}.npz", embedder.dim)
    engine = SearchEngine(embedder, cache)
    snap = engine.rebuild(catalogue.all())
    log.info("index built: %d guides in %.2fs", len(snap.docs), snap.built_in_s)
    state = AppState(settings=settings, sessions=sessions, catalogue=catalogue, engine=engine)
    state.publisher = Publisher(state, last_seq)
    state.imports = ImportRunner(sessions, Limits.from_settings(settings), settings.var_dir / "imports")
    return state


def create_first_admin(session: Session, settings: Settings) -> None:
    """On the very first start (no accounts at all) create `admin`."""
    generated = user_store.ensure_first_admin(session, settings.admin_password)
    session.commit()
    if generated:
        path = settings.var_dir / "initial-admin-password"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(generated + "\n", encoding="utf-8")
        log.warning("created the first administrator account 'admin'; its password is in %s "
                    "(sign in and change it, then delete the file)", path)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state = build_state(settings)
        app.state.navigator = state
        # Guides published on another replica become live here too (see knowledge/publishing.py).
        follower = asyncio.create_task(state.publisher.follow(settings.catalogue_poll_s), name="catalogue-poll")
        resumed = state.imports.resume_unfinished()  # imports a stopped process left half done
        if resumed:
            log.info("resumed %d unfinished import job(s)", resumed)
        try:
            yield
        finally:
            state.imports.shutdown()
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower

    app = FastAPI(
        title="审批导航 知识服务",
        description="办事指南检索、一件事路线规划、一次性告知单与对话事件。",
        version="0.1.0",
        lifespan=lifespan,
    )
    for r in (search.router, guides.router, plans.router, notices.router, conversations.router, chat.router,
              auth.router, users.router, editor.router, imports.router, console.router, reports.router, pages.router):
        app.include_router(r)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    editor.add_exception_handlers(app)  # 422 with field errors, 409 with both versions

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's usual shape ({"detail": [{"loc", "msg", "type", …}]}), with the messages in Chinese.
        errors = [{**e, "msg": chinese_message(e)} for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": jsonable_encoder(errors)})

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok"}

    return app


app = create_app()
