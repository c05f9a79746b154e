"""Live publishing: a published guide is searchable at once, on this replica and on every other one.

On this replica, publishing builds the new index snapshot first (the old one keeps serving), then
commits the version change together with a row in `publications`, and only then swaps the snapshot
and the catalogue in (both are held by knowledge/live.py; the Publisher is the one that replaces
them). If indexing fails nothing is committed; if the commit fails nothing is swapped.

Replicas share the database, not memory: each one polls `publications` (every CATALOGUE_POLL_S) and
re-indexes the guides another replica published, so a change is live everywhere within about two
seconds. Publishing transactions on PostgreSQL take an advisory lock, so publication numbers are
committed in order and the poll's "everything after the last number I saw" never skips one.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterable

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from knowledge.catalogue import Catalogue
from knowledge.live import LiveKnowledge
from knowledge.schema import Guide
from knowledge.search.engine import IndexUpdateError
from knowledge.store import guides as guide_store
from knowledge.store.tables import PublicationRow

log = logging.getLogger("knowledge.publishing")
_PUBLISH_LOCK_KEY = 0x4E415650  # PostgreSQL advisory lock shared by all replicas ("NAVP")


class PublishError(RuntimeError):
    """The new version could not be made live; the previous one is still serving.

    `stage` says what failed: "index" (building the new index) or "database" (the commit).
    """

    def __init__(self, message: str, stage: str):
        super().__init__(message)
        self.stage = stage


class Publisher:
    def __init__(self, live: LiveKnowledge, sessions: sessionmaker, last_seq: int = 0):
        self.live = live
        self.sessions = sessions  # for the poll, which runs outside any request
        self.last_seq = last_seq  # the newest publication this process has applied
        self._applied: set[int] = set()  # publications made here, already live, ahead of last_seq
        # One change of the live catalogue and index at a time in this process: publishing, or the poll.
        self.lock = threading.RLock()

    # ---- publishing from this replica -----------------------------------------------------------

    def commit(self, session: Session, write: Callable[[Session], object]) -> None:
        """Run `write` and commit, for changes that publish nothing (drafts, stored imports); a failure
        rolls back and passes through. Changes that publish go through publish()."""
        try:
            write(session)
            session.commit()
        except BaseException:
            session.rollback()
            raise

    def publish(self, session: Session, upserts: list[Guide], removed: Iterable[str],
                write: Callable[[Session], list[PublicationRow]]) -> float:
        """Index `upserts` and drop `removed`, run `write` (the version changes and their publication
        rows) and commit, then swap the index and catalogue in. Returns the indexing time in ms.

        Raises PublishError (nothing committed, nothing swapped) when the index cannot be built or the
        commit fails; exceptions raised by `write` roll back and pass through.
        """
        removed = list(removed)
        with self.lock:
            started = time.perf_counter()
            try:
                snapshot = self.live.engine.update(upserts, removed, swap=False)
            except IndexUpdateError as exc:
                session.rollback()
                raise PublishError(str(exc), "index") from exc
            indexed_ms = (time.perf_counter() - started) * 1000
            try:
                if session.get_bind().dialect.name == "postgresql":
                    session.execute(select(func.pg_advisory_xact_lock(_PUBLISH_LOCK_KEY)))
                publications = write(session)
                session.commit()
            except SQLAlchemyError as exc:
                session.rollback()
                raise PublishError(f"数据库写入失败（{type(exc).__name__}）", "database") from exc
            except BaseException:
                session.rollback()
                raise
            self.live.replace(snapshot, upserts, removed)
            self._applied.update(p.seq for p in publications)
            return indexed_ms

    # ---- following the other replicas -----------------------------------------------------------

    def poll_once(self) -> int:
        """Apply publications made elsewhere since the last poll; returns how many guides changed here."""
        with self.lock, self.sessions() as session:
            rows = guide_store.publications_after(session, self.last_seq)
            if not rows:
                return 0
            todo = {r.guide_id for r in rows if r.seq not in self._applied}
            if todo:
                live = guide_store.published_guides(session, todo)
                upserts = [g for g in live.values() if g is not None]
                removed = [gid for gid, g in live.items() if g is None and self.live.catalogue.get(gid)]
                if upserts or removed:
                    self.live.replace(self.live.engine.update(upserts, removed, swap=False), upserts, removed)
            self.last_seq = rows[-1].seq
            self._applied = {s for s in self._applied if s > self.last_seq}
            return len(todo)

    async def follow(self, interval_s: float) -> None:
        """Poll forever; a database outage or a failing index is logged once and retried, never fatal."""
        failing: str | None = None  # what is broken: "database", "index" or "unexpected"
        retry_s = max(interval_s, 1.0) * 2  # while failing, so an outage is not hammered
        while True:
            try:
                changed = await asyncio.to_thread(self.poll_once)
                if failing:
                    log.warning("catalogue poll works again (the %s problem is over)", failing)
                    failing = None
                if changed:
                    log.info("applied %d guide(s) published on another replica", changed)
            except asyncio.CancelledError:
                raise
            except SQLAlchemyError as exc:
                if failing != "database":
                    log.error("catalogue poll: database unavailable, retrying every %.1fs: %s",
                              retry_s, str(exc).splitlines()[0])
                    failing = "database"
            except IndexUpdateError as exc:
                if failing != "index":
                    log.error("catalogue poll: could not index guides published elsewhere, retrying: %s", exc)
                    failing = "index"
            except Exception:  # noqa: BLE001 — the poll must outlive anything; the log says what broke
                if failing != "unexpected":
                    log.exception("catalogue poll failed, retrying")
                    failing = "unexpected"
            await asyncio.sleep(retry_s if failing else interval_s)


def catalogue_for(session: Session) -> tuple[Catalogue, int]:
    """The published catalogue and the newest publication number it includes (read before, so a
    publication made while loading is replayed by the poll rather than missed)."""
    seq = guide_store.last_publication(session)
    return guide_store.load_published(session), seq
