"""The knowledge service (FastAPI): search, guides, plans, notices, conversation events and the web chat.

    uvicorn knowledge.api.main:app --host 127.0.0.1 --port 8000
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session

from knowledge.api import refusals
from knowledge.api.headers import SecurityHeaders
from knowledge.api.limits import BodyLimits
from knowledge.api.login_throttle import LoginThrottle
from knowledge.api.origin import SameOriginWrites
from knowledge.api.password_policy import password_problem
from knowledge.api.routes import (auth, chat, console, conversation_data, conversations, dialogue, editor,
                                  guide_schema, guides, imports, notices, pages, plans, reports, search, users)
from knowledge.api.routes.chat import STATIC
from knowledge.api.state import AppState
from knowledge.conversation_data import purge_regularly
from knowledge.core.config import Settings, get_settings
from knowledge.core.secrets import service_token, write_secret
from knowledge.dialogue.meaning import Meanings
from knowledge.importing.jobs import ImportRunner
from knowledge.importing.safety import Limits
from knowledge.live import LiveKnowledge
from knowledge.publishing import Publisher, catalogue_for
from knowledge.search.embedder import Embedder
from knowledge.search.engine import SearchEngine
from knowledge.search.vector_cache import VectorCache
from knowledge.store import guides as guide_store
from knowledge.store import users as user_store
from knowledge.store.db import make_engine, make_sessionmaker
from knowledge.store.migrate import startup_lock, upgrade_to_head
from knowledge.store.trackers import TrackerStore
from privacy import logs

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
    live = LiveKnowledge(catalogue, engine)
    return AppState(settings=settings, sessions=sessions, live=live,
                    publisher=Publisher(live, sessions, last_seq),
                    imports=ImportRunner(sessions, Limits.from_settings(settings), settings.var_dir / "imports",
                                         live=lambda: live.catalogue),
                    login_throttle=LoginThrottle.from_settings(settings.redis_url, settings.login_throttle_prefix),
                    service_token=service_token(settings.var_dir, settings.service_token),
                    trackers=TrackerStore(settings.tracker_db_url) if settings.tracker_db_url else None,
                    meanings=Meanings(embedder))


def create_first_admin(session: Session, settings: Settings) -> None:
    """On the very first start (no accounts at all) create `admin`."""
    first = user_store.count_users(session) == 0
    generated = user_store.ensure_first_admin(session, settings.admin_password)
    session.commit()
    weak = first and settings.admin_password and password_problem(settings.admin_password, "admin")
    if weak:
        # The operator chose it; refusing to start would help nobody. Say so, loudly, once.
        log.warning("ADMIN_PASSWORD does not meet the password policy (%s): change it at /admin/users", weak)
    if generated:
        path = settings.var_dir / "initial-admin-password"
        path.unlink(missing_ok=True)  # left over from an earlier database
        write_secret(path, generated)
        log.warning("created the first administrator account 'admin'; its password is in %s "
                    "(sign in and change it, then delete the file)", path)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logs.install()  # no ID/phone/card numbers or citizens' questions (query strings) in any log line

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # What start-up loads (modules, embedding model, catalogue, index: ~750k objects) lives as long as the
        # process. While it is loaded the garbage collector would walk it again each time it grew by a quarter
        # (seconds of start-up); then it is put out of the collector's reach, so that a full collection no
        # longer walks it all (0.45 s each, a pause for every request in flight). bot/server.py does the
        # same for Rasa.
        collecting = gc.isenabled()
        gc.disable()
        try:
            state = build_state(settings)
        finally:
            if collecting:
                gc.enable()
        gc.collect()
        gc.freeze()
        app.state.navigator = state
        # Guides published on another replica become live here too (see knowledge/publishing.py).
        follower = asyncio.create_task(state.publisher.follow(settings.catalogue_poll_s), name="catalogue-poll")
        purger = asyncio.create_task(
            purge_regularly(state.sessions, state.trackers, settings.conversation_retention_days,
                            settings.retention_purge_interval_s), name="retention-purge")
        resumed = state.imports.resume_unfinished()  # imports a stopped process left half done
        if resumed:
            log.info("resumed %d unfinished import job(s)", resumed)
        try:
            yield
        finally:
            state.imports.shutdown()
            for task in (follower, purger):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if state.trackers:
                state.trackers.close()

    app = FastAPI(
        title="审批导航 知识服务",
        description="办事指南检索、一件事路线规划、一次性告知单与对话事件。",
        version="0.1.0",
        lifespan=lifespan,
    )
    for r in (search.router, guides.router, plans.router, notices.router, conversations.router,
              conversation_data.router, chat.router, dialogue.router, auth.router, users.router, editor.router,
              guide_schema.router, imports.router, console.router, reports.router, pages.router):
        app.include_router(r)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Outermost last: every answer, refusals included, carries the security headers.
    # 413 / 422 before any route reads the body (knowledge/api/limits.py); an import upload may be as large as
    # IMPORT_MAX_UPLOAD_MB plus the form's envelope (the route itself answers with the precise Chinese message).
    app.add_middleware(BodyLimits, extra={"/api/imports": int(settings.import_max_upload_mb * 1024 * 1024) + 2_000_000})
    app.add_middleware(SameOriginWrites, public_base_url=settings.public_base_url)  # CSRF (knowledge/api/origin.py)
    app.add_middleware(SecurityHeaders)  # CSP, framing, nosniff, referrer, no-store (knowledge/api/headers.py)

    refusals.add_exception_handlers(app)  # the workflows' refusals as HTTP answers (knowledge/api/refusals.py)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok"}

    return app


app = create_app()
