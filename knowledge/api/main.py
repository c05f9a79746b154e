"""The knowledge service (FastAPI): search, guides, plans, notices, conversation events and the web chat.

    uvicorn knowledge.api.main:app --host 127.0.0.1 --port 8000
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from knowledge.api.routes import chat, conversations, guides, notices, plans, search
from knowledge.api.routes.chat import STATIC
from knowledge.api.state import AppState
from knowledge.core.config import Settings, get_settings
from knowledge.search.embedder import Embedder
from knowledge.search.engine import SearchEngine
from knowledge.search.vector_cache import VectorCache
from knowledge.store import guides as guide_store
from knowledge.store.db import Base, make_engine, make_sessionmaker

log = logging.getLogger("knowledge")


def build_state(settings: Settings) -> AppState:
    db = make_engine(settings.database_url)
    Base.metadata.create_all(db)
    sessions = make_sessionmaker(db)
    with sessions() as session:
        seeded = guide_store.seed_if_empty(session, settings.guides_dir)
        if seeded:
            log.info("imported %d guides from %s", seeded, settings.guides_dir)
        catalogue = guide_store.load_published(session)
    embedder = Embedder(settings.embedding_model_dir)
    cache = VectorCache(settings.cache_dir / f"vectors-{embedder.fingerprint}.npz", embedder.dim)
    engine = SearchEngine(embedder, cache)
    snap = engine.rebuild(catalogue.all())
    log.info("index built: %d guides in %.2fs", len(snap.docs), snap.built_in_s)
    return AppState(settings=settings, sessions=sessions, catalogue=catalogue, engine=engine)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.navigator = build_state(settings)
        yield

    app = FastAPI(
        title="审批导航 知识服务",
        description="办事指南检索、一件事路线规划、一次性告知单与对话事件。",
        version="0.1.0",
        lifespan=lifespan,
    )
    for r in (search.router, guides.router, plans.router, notices.router, conversations.router, chat.router):
        app.include_router(r)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok"}

    return app


app = create_app()
