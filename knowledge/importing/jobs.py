"""Import jobs: an upload read into drafts in a background thread, with progress, cancel and a report.

The job lives in the database (import_jobs), not in the page: a reload asks for it again, and a cancel
sets a flag the worker reads between guides, so it works from any replica. The uploaded files are kept
under VAR_DIR/imports/<job>/ so a job can run again after the editor maps unknown columns, and so
nothing the centre uploaded is lost. One job runs at a time per process: reading is CPU-bound, and
the machine it shares with the dialogue has two cores.
"""
from __future__ import annotations

import logging
import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from knowledge.catalogue import Catalogue
from knowledge.editing.refusals import Conflict
from knowledge.editing.validation import with_guides
from knowledge.importing import reading, review
from knowledge.importing.drafting import BaseIndex, Draft, build_draft, conflict_error
from knowledge.importing.safety import Limits
from knowledge.publishing import Publisher, PublishError
from knowledge.schema import guide_adapter
from knowledge.store import guides as guide_store
from knowledge.store import imports as store
from knowledge.store.db import utcnow
from knowledge.store.tables import ImportDraftRow, ImportJobRow

log = logging.getLogger("knowledge.importing")
PROGRESS_EVERY_S = 0.5  # how often progress is written (and the cancel flag read)


class Cancelled(Exception):
    pass


class ImportRunner:
    def __init__(self, sessions: sessionmaker, limits: Limits, folder: Path,
                 live: Callable[[], Catalogue] | None = None):
        self.sessions = sessions
        self.limits = limits
        self.folder = folder  # VAR_DIR/imports
        self.live = live  # the published catalogue, for the cross-guide rules (same code, floors, phones)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import")
        self._idle = threading.Event()
        self._idle.set()

    # ---- starting ----------------------------------------------------------------------------------

    def create(self, session: Session, username: str, files: list[tuple[str, bytes]]) -> ImportJobRow:
        """Keep the uploaded files and queue a job for them (the caller commits, then calls start)."""
        job_id = uuid.uuid4().hex
        where = self.folder / job_id
        where.mkdir(parents=True, exist_ok=True)
        kept = []
        for n, (name, data) in enumerate(files):
            path = where / f"{n:04d}"
            path.write_bytes(data)
            kept.append({"name": name, "size": len(data), "path": path.name})
        return store.create_job(session, job_id, username, kept)

    def start(self, job_id: str) -> None:
        self._idle.clear()
        self._pool.submit(self._run_logged, job_id)

    def resume_unfinished(self) -> int:
        """Jobs a stopped process left queued or running start again from the beginning. A publication
        it left half done was one transaction: it either committed or not, so the job just says so."""
        with self.sessions() as session:
            ids = [j.id for j in store.unfinished_jobs(session)]
            for job in store.jobs_taking(session):
                job.status = "done"
                job.message = "发布或存入被中断（服务重启）；已完成的部分见草稿状态，其余可重新操作"
            session.commit()
        for job_id in ids:
            self.start(job_id)
        return len(ids)

    def start_taking(self, publisher: Publisher, job_id: str, username: str, ids: list[int] | None,
                     publish: bool) -> None:
        """Store or publish the job's clean drafts in the background: publishing thousands of guides
        embeds them all, minutes that no HTTP request (or proxy) should wait for."""
        self._idle.clear()
        self._pool.submit(self._take_logged, publisher, job_id, username, ids, publish)

    def _take_logged(self, publisher: Publisher, job_id: str, username: str, ids: list[int] | None,
                     publish: bool) -> None:

        verb = "发布" if publish else "存为指南草稿"
        try:
            with self.sessions() as session:
                drafts = store.drafts_of(session, job_id)
                drafts = [d for d in drafts if d.id in set(ids)] if ids is not None else \
                    [d for d in drafts if d.status == "pending"]
                try:
                    with publisher.lock:
                        taken = review.take(session, publisher, username, drafts, publish)
                    outcome = {"action": "publish" if publish else "store", "stored": taken.stored,
                               "published": taken.published, "skipped": taken.skipped,
                               "indexed_ms": round(taken.indexed_ms, 1), "error": None}
                    done = len(taken.published if publish else taken.stored)
                    message = f"已{verb} {done} 份" + (f"，{len(taken.skipped)} 份未处理（有错误或重复）" if taken.skipped else "")
                except Conflict as exc:  # someone changed a guide meanwhile: nothing was written
                    session.rollback()
                    outcome, message = {"action": verb, "error": str(exc)}, f"{verb}失败：{exc}"
                except Exception as exc:  # noqa: BLE001 — PublishError and bugs alike: nothing was committed
                    session.rollback()
                    if not isinstance(exc, PublishError):
                        log.exception("import job %s: %s failed", job_id, verb)
                    outcome = {"action": verb, "error": str(exc)}
                    message = f"{verb}失败（{exc}）；线上仍使用原来的版本，草稿都还在"
                job = store.get_job(session, job_id)
                if job is not None:  # not deleted meanwhile
                    job.status, job.message = "done", message
                    job.report = {**(job.report or {}), "taken": {**outcome, "at": utcnow().isoformat()}}
                session.commit()
        finally:
            self._idle.set()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def remove_files(self, job_id: str) -> None:
        shutil.rmtree(self.folder / job_id, ignore_errors=True)

    # ---- running -----------------------------------------------------------------------------------

    def _run_logged(self, job_id: str) -> None:
        try:
            self.run(job_id)
        except Exception as exc:  # noqa: BLE001 — a bug in one job must not stop the worker; it is logged as one
            log.exception("import job %s failed", job_id)
            with self.sessions() as session:
                job = store.get_job(session, job_id)
                if job is not None:
                    job.status, job.finished_at = "failed", utcnow()
                    job.message = f"导入出错（程序错误 {type(exc).__name__}），已记录日志；已生成的草稿保留"
                    session.commit()
        finally:
            self._idle.set()

    def run(self, job_id: str) -> None:
        with self.sessions() as session:
            job = store.get_job(session, job_id)
            if job is None or job.status not in store.UNFINISHED:
                return
            if job.cancel_requested:
                job.status, job.finished_at, job.message = "cancelled", utcnow(), "已取消"
                session.commit()
                return
            store.clear_drafts(session, job_id)
            job.status, job.progress, job.message, job.drafts_count, job.report = "running", 0.0, "正在读取文件", 0, {}
            session.commit()
            files = []
            for f in job.files:
                path = self.folder / job_id / f["path"]
                if not path.is_file():
                    job.status, job.finished_at = "failed", utcnow()
                    job.message = f"上传的文件「{f['name']}」已不在本服务器上，请重新上传"
                    session.commit()
                    return
                files.append((f["name"], path.read_bytes()))
            _Worker(session, job, self.limits, self.live() if self.live else None).run(files)


class _Worker:
    """One run of one job, in one session."""

    def __init__(self, session: Session, job: ImportJobRow, limits: Limits, live: Catalogue | None = None):
        self.session, self.job, self.limits, self.live = session, job, limits, live
        self.last_write = 0.0
        self.seq = 0
        self.reports: list[dict] = []

    def progress(self, fraction: float, message: str | None = None, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last_write < PROGRESS_EVERY_S:
            return
        self.last_write = now
        self.job.progress = round(min(max(fraction, 0.0), 0.999), 4)
        if message:
            self.job.message = message
        self.job.report = {"files": list(self.reports)}
        self.session.commit()
        self.session.refresh(self.job, ["cancel_requested"])  # set by a cancel request, maybe on another replica
        if self.job.cancel_requested:
            raise Cancelled

    def run(self, files: list[tuple[str, bytes]]) -> None:
        job, session = self.job, self.session
        members, refused = reading.expand(files, self.limits)
        self.reports += [_file_report(r) for r in refused]
        index = BaseIndex({gid: v.data for gid, (_, v) in guide_store.latest_data(session).items()})
        mapping = store.header_mapping(session)
        total = max(len(members), 1)
        try:
            for i, member in enumerate(members):
                def on_rows(done: int, rows: int, i=i, name=member.name) -> None:
                    self.progress((i + 0.5 * done / max(rows, 1)) / total, f"正在读取 {name}（{done}/{rows} 行）")

                self.progress(i / total, f"正在读取 {member.name}", force=True)
                read = reading.read_file(member.name, member.data, self.limits, mapping, on_rows)
                report = _file_report(read)
                self.reports.append(report)
                for n, rec in enumerate(read.guides):
                    draft = build_draft(rec, index)
                    draft.duplicate_of = index.duplicate(draft)
                    self._store(draft, report)
                    self.progress((i + 0.5 + 0.5 * (n + 1) / max(len(read.guides), 1)) / total,
                                  f"正在生成草稿 {member.name}（{n + 1}/{len(read.guides)}）")
        except Cancelled:
            session.refresh(job)
            job.status, job.message = "cancelled", f"已取消：已处理的 {job.drafts_count} 份草稿保留"
        else:
            self.progress(0.999, "正在与线上指南核对（编码、楼层、电话）", force=True)
            conflicts = self._cross_check()
            job.status, job.progress = "done", 1.0
            job.message = f"完成：{job.drafts_count} 份草稿" + (f"，{conflicts} 份与线上指南冲突" if conflicts else "")
        job.report = {"files": self.reports}
        job.finished_at = utcnow()
        session.commit()

    def _cross_check(self) -> int:
        """The rules publishing applies across guides (one 事项编码 per item, a department on one floor,
        one phone per department …), checked once for all clean drafts against the live guides, so the
        reviewer sees each conflict on its draft instead of a skipped publication."""
        if self.live is None:
            return 0
        self.session.flush()
        drafts = [d for d in store.drafts_of(self.session, self.job.id, "pending") if not d.errors]
        guides = {}
        for d in drafts:
            try:
                guides[d.id] = guide_adapter.validate_python({**d.data, "status": "published"})
            except ValidationError:
                continue
        problems = with_guides(self.live, list(guides.values())).problems()
        flagged = 0
        for d in drafts:
            found = problems.get(d.guide_id) if d.id in guides else None
            if found:
                d.errors = [conflict_error(p) for p in found]
                flagged += 1
        return flagged

    def _store(self, draft: Draft, report: dict) -> None:
        self.seq += 1
        errors = list(draft.errors)
        if draft.duplicate_of:
            errors.insert(0, {"field": "code" if draft.data.get("code") else "name", "name": "重复",
                              "msg": f"与本次上传的「{draft.duplicate_of}」是同一事项（事项编码或名称相同），请保留其中一份"})
        self.session.add(ImportDraftRow(
            job_id=self.job.id, seq=self.seq, file=draft.file[:500], locator=draft.locator[:200],
            guide_id=draft.guide_id, title=draft.title[:200], match_id=draft.match_id, match_by=draft.match_by,
            data=draft.data, recognised=draft.recognised, notes=draft.notes or None, errors=errors,
            aliases_proposed=draft.aliases_proposed, duplicate_of=draft.duplicate_of and draft.duplicate_of[:800],
            status="pending", updated_at=utcnow()))
        self.job.drafts_count += 1
        report["drafts"] += 1
        report["clean" if not errors else "with_errors"] += 1
        if draft.match_id:
            report["updates"] += 1
        if draft.duplicate_of:
            report["duplicates"].append(f"{draft.locator}「{draft.title}」与「{draft.duplicate_of}」重复")
        if self.seq % 200 == 0:
            self.session.flush()


def _file_report(read: reading.FileRead) -> dict:
    return {"file": read.file, "kind": read.kind, "guides": len(read.guides), "drafts": 0, "clean": 0,
            "with_errors": 0, "updates": 0, "duplicates": [], "rows": read.rows, "notices": read.notices,
            "refused": read.refused, "unknown_headers": read.unknown_headers}
