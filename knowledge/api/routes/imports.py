"""Importing a centre's own guides (/api/imports): upload, job progress and cancel, review of the drafts,
storing or publishing the clean ones, the per-file report, the template and the header mapping.

The work is in knowledge/importing/; these routes check rights and sizes and translate results.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.concurrency import run_in_threadpool

from knowledge.api.auth import CurrentUser, require
from knowledge.api.deps import SessionDep, StateDep
from knowledge.editing import diff
from knowledge.editing.drafts import MAX_DATA_CHARS
from knowledge.editing.history import version_row
from knowledge.importing import report, review
from knowledge.importing.fields import FIELD_NAMES, ITEM_FIELDS, normalise_label
from knowledge.importing.safety import size_text
from knowledge.store import audit
from knowledge.store import guides as guide_store
from knowledge.store import imports as store
from knowledge.store.db import as_utc
from knowledge.store.tables import ImportDraftRow, ImportJobRow

router = APIRouter(prefix="/api/imports", tags=["imports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_FILES_PER_UPLOAD = 1000


class JobOut(BaseModel):
    id: str
    status: str
    created_by: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    progress: float
    message: str | None
    files: list[str]
    drafts: int
    counts: dict[str, int] = {}
    report: dict = {}


class DraftSummary(BaseModel):
    id: int
    file: str
    locator: str
    title: str
    guide_id: str
    match_id: str | None
    match_by: str | None
    status: str
    errors: list[dict]
    duplicate_of: str | None
    has_notes: bool
    aliases_proposed: list[str]


class DraftDetail(DraftSummary):
    data: dict
    recognised: list[dict]
    notes: str | None
    version: int | None
    changes: list[dict] | None = None  # against the live (or newest) version of the matched guide
    unified: str | None = None
    compared_with: int | None = None


class DraftIn(BaseModel):
    data: dict


class TakeIn(BaseModel):
    ids: list[int] | None = Field(None, description="只处理这些草稿；不填则为本次导入中所有可发布的草稿")


class HeadersIn(BaseModel):
    mapping: dict[Annotated[str, Field(max_length=100)], str | None]


def _job_out(session, job: ImportJobRow, full: bool = True) -> JobOut:
    return JobOut(id=job.id, status=job.status, created_by=job.created_by, created_at=as_utc(job.created_at),
                  finished_at=job.finished_at and as_utc(job.finished_at), progress=job.progress,
                  message=job.message, files=[f["name"] for f in job.files], drafts=job.drafts_count,
                  counts=store.draft_counts(session, job.id) if full else {}, report=job.report if full else {})


def _summary(d: ImportDraftRow) -> dict:
    return dict(id=d.id, file=d.file, locator=d.locator, title=d.title, guide_id=d.guide_id, match_id=d.match_id,
                match_by=d.match_by, status=d.status, errors=d.errors, duplicate_of=d.duplicate_of,
                has_notes=bool(d.notes), aliases_proposed=d.aliases_proposed)


def _job(session, job_id: str) -> ImportJobRow:
    job = store.get_job(session, job_id)
    if job is None:
        raise HTTPException(404, detail=f"没有找到导入任务「{job_id[:40]}」")
    return job


def _draft(session, draft_id: int) -> ImportDraftRow:
    d = store.get_draft(session, draft_id)
    if d is None:
        raise HTTPException(404, detail=f"没有找到导入草稿 {draft_id}")
    return d


# ---- reference -----------------------------------------------------------------------------------------

@router.get("/template.xlsx", dependencies=[require("edit")])
def template() -> Response:
    return Response(report.template(), media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''%E5%AE%9E%E6%96%BD%E6%B8%85%E5%8D%95"
                                                    "%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"})


@router.get("/fields", dependencies=[require("edit")])
def fields(session: SessionDep, state: StateDep) -> dict:
    """The fields a column can be mapped to, the centre's mapping so far, and the size limits."""
    limits = state.imports.limits
    return {"fields": [{"key": k, "name": v[0]} for k, v in ITEM_FIELDS.items()],
            "headers": {r: f for r, f in store.header_mapping(session).items()},
            "limits": {"file": size_text(limits.file_bytes), "upload": size_text(limits.upload_bytes)}}


@router.put("/headers", dependencies=[require("edit")])
def set_headers(body: HeadersIn, session: SessionDep, user: CurrentUser) -> dict:
    wrong = [f for f in body.mapping.values() if f and f not in ITEM_FIELDS]
    if wrong:
        raise HTTPException(422, detail=f"不认识的字段：{'、'.join(wrong[:5])}")
    clean = {normalise_label(h)[:100]: f for h, f in body.mapping.items() if normalise_label(h)}
    if not clean:
        raise HTTPException(422, detail="没有要保存的列名")
    store.set_headers(session, clean, user.username)
    audit.record(session, user.username, "import-headers", None, None,
                 "列名对应：" + "，".join(f"{h}→{FIELD_NAMES.get(f, '不导入') if f else '取消'}" for h, f in clean.items())[:500])
    session.commit()
    return {"headers": store.header_mapping(session)}


# ---- jobs ----------------------------------------------------------------------------------------------

@router.post("", response_model=JobOut, status_code=202, dependencies=[require("edit")],
             responses={413: {"description": "上传总量超过上限"}})
async def upload(request: Request, state: StateDep, user: CurrentUser) -> JobOut:
    """Upload one or many files (field `files`): xlsx, csv, docx, pdf, html or zips of them."""
    limits = state.imports.limits
    declared = int(request.headers.get("content-length") or 0)
    if declared > limits.upload_bytes + 1024 * 1024:
        raise HTTPException(413, detail=f"上传的文件总共太大（{size_text(declared)}，每次最多 {size_text(limits.upload_bytes)}）；"
                                        "请分几次上传")
    form = await request.form(max_files=MAX_FILES_PER_UPLOAD, max_fields=20)
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    if not uploads:
        raise HTTPException(400, detail="请选择要导入的文件（字段 files）")
    files, total = [], 0
    for f in uploads:
        data = await f.read(limits.upload_bytes + 1)
        total += len(data)
        if total > limits.upload_bytes:
            raise HTTPException(413, detail=f"上传的文件总共太大（每次最多 {size_text(limits.upload_bytes)}）；请分几次上传")
        files.append(((f.filename or "未命名文件")[:300], data))

    def create() -> JobOut:
        with state.sessions() as session:
            job = state.imports.create(session, user.username, files)
            audit.record(session, user.username, "import-upload", None, None,
                         f"上传 {len(files)} 个文件：" + "、".join(n for n, _ in files)[:400])
            session.commit()
            state.imports.start(job.id)
            return _job_out(session, job, full=False)

    return await run_in_threadpool(create)


@router.get("", response_model=list[JobOut], dependencies=[require("edit")])
def recent(session: SessionDep, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[JobOut]:
    return [_job_out(session, j, full=False) for j in store.recent_jobs(session, limit)]


@router.get("/jobs/{job_id}", response_model=JobOut, dependencies=[require("edit")])
def job_status(job_id: str, session: SessionDep) -> JobOut:
    return _job_out(session, _job(session, job_id))


@router.post("/jobs/{job_id}/cancel", response_model=JobOut, dependencies=[require("edit")])
def cancel(job_id: str, session: SessionDep, user: CurrentUser) -> JobOut:
    job = _job(session, job_id)
    if job.status in store.TAKING:
        raise HTTPException(409, detail="草稿正在发布或存入，这一步不能取消（它要么全部完成，要么什么都不改）")
    if job.status not in store.UNFINISHED:
        raise HTTPException(409, detail="该导入任务已经结束，无需取消")
    job.cancel_requested = True
    if job.status == "queued":
        job.message = "正在取消"
    audit.record(session, user.username, "import-cancel", None, None, f"取消导入任务 {job.id}")
    session.commit()
    return _job_out(session, job)


@router.post("/jobs/{job_id}/rerun", response_model=JobOut, status_code=202, dependencies=[require("edit")])
def rerun(job_id: str, session: SessionDep, state: StateDep, user: CurrentUser) -> JobOut:
    """Read the same files again (after mapping columns): this job's pending drafts are replaced."""
    job = _job(session, job_id)
    if job.status in store.UNFINISHED or job.status in store.TAKING:
        raise HTTPException(409, detail="该导入任务还在进行中")
    taken = store.draft_counts(session, job_id)
    if taken.get("stored") or taken.get("published"):
        raise HTTPException(409, detail="该导入中已有草稿存入或发布，不能重新识别；请重新上传这些文件")
    job.status, job.cancel_requested, job.progress, job.message, job.finished_at = "queued", False, 0.0, "排队等待", None
    audit.record(session, user.username, "import-rerun", None, None, f"重新识别导入任务 {job.id}")
    session.commit()
    state.imports.start(job.id)
    return _job_out(session, job)


@router.get("/jobs/{job_id}/drafts", response_model=list[DraftSummary], dependencies=[require("edit")])
def list_drafts(job_id: str, session: SessionDep, status: str | None = None) -> list[DraftSummary]:
    _job(session, job_id)
    return [DraftSummary(**_summary(d)) for d in store.drafts_of(session, job_id, status)]


@router.get("/jobs/{job_id}/report.xlsx", dependencies=[require("edit")])
def download_report(job_id: str, session: SessionDep) -> Response:
    job = _job(session, job_id)
    return Response(report.job_report(job, store.drafts_of(session, job_id)), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="import-report-{job.id[:8]}.xlsx"'})


def _take(job_id: str, body: TakeIn, session, state, user, publish: bool) -> JobOut:
    job = _job(session, job_id)
    if job.status in store.UNFINISHED:
        raise HTTPException(409, detail="导入还在进行中，请等它完成或取消后再操作")
    if job.status in store.TAKING:
        raise HTTPException(409, detail="这批草稿正在发布或存入，请稍候")
    drafts = store.drafts_of(session, job_id)
    wanted = set(body.ids) if body.ids is not None else None
    if not any(review.ready(d) for d in drafts if wanted is None or d.id in wanted):
        raise HTTPException(409, detail="没有可以发布的草稿（有错误或重复的草稿需先改正或舍弃）")
    job.status = "publishing" if publish else "storing"
    job.message = "正在发布（更新检索索引）" if publish else "正在存为指南草稿"
    audit.record(session, user.username, "import-publish" if publish else "import-store", None, None,
                 f"导入任务 {job.id}：{'发布' if publish else '存为草稿'}" + (f" {len(wanted)} 份" if wanted else "全部可发布的草稿"))
    session.commit()
    state.imports.start_taking(state.publisher, job_id, user.username, body.ids, publish)
    return _job_out(session, job)


@router.post("/jobs/{job_id}/store", response_model=JobOut, status_code=202, dependencies=[require("edit")])
def store_drafts(job_id: str, body: TakeIn, session: SessionDep, state: StateDep, user: CurrentUser) -> JobOut:
    """The clean drafts become guide drafts in the editor (not live), in the background; the job's
    report says what was stored and what was skipped (report.taken)."""
    return _take(job_id, body, session, state, user, publish=False)


@router.post("/jobs/{job_id}/publish", response_model=JobOut, status_code=202, dependencies=[require("publish")])
def publish_drafts(job_id: str, body: TakeIn, session: SessionDep, state: StateDep, user: CurrentUser) -> JobOut:
    """The clean drafts are published in one action, in the background (the index is updated once for
    all of them); follow the job until its status is done again and read report.taken."""
    return _take(job_id, body, session, state, user, publish=True)


# ---- one draft -----------------------------------------------------------------------------------------

@router.get("/drafts/{draft_id}", response_model=DraftDetail, dependencies=[require("edit")])
def read_draft(draft_id: int, session: SessionDep) -> DraftDetail:
    d = _draft(session, draft_id)
    out = DraftDetail(**_summary(d), data=d.data, recognised=d.recognised, notes=d.notes, version=d.version)
    row = guide_store.get_guide(session, d.match_id) if d.match_id else None
    if row is not None:
        number = row.published_version or row.latest_version
        before = version_row(session, row.id, number)
        if d.status in ("stored", "published") and d.version:
            before = guide_store.get_version(session, row.id, d.version - 1) or before
        out.compared_with = before.version
        out.changes = diff.field_changes(before.data, d.data)
        if not d.errors:
            try:
                out.unified = diff.unified(before.data, d.data, f"{row.id} 版本 {before.version}", f"{row.id} 导入")
            except ValueError:
                out.unified = None
    return out


@router.put("/drafts/{draft_id}", response_model=DraftDetail, dependencies=[require("edit")])
def correct_draft(draft_id: int, body: DraftIn, session: SessionDep, user: CurrentUser) -> DraftDetail:
    d = _draft(session, draft_id)
    if d.status != "pending":
        raise HTTPException(409, detail="这份草稿已经存入或发布，请到指南编辑器中修改")
    if len(json.dumps(body.data, ensure_ascii=False)) > MAX_DATA_CHARS:
        raise HTTPException(422, detail=f"指南内容太长（超过 {MAX_DATA_CHARS} 个字符）")
    data: dict[str, Any] = {**body.data, "kind": "item"}
    review.revalidate(d, data)
    session.commit()
    return read_draft(draft_id, session)


@router.post("/drafts/{draft_id}/discard", response_model=DraftSummary, dependencies=[require("edit")])
def discard(draft_id: int, session: SessionDep, user: CurrentUser) -> DraftSummary:
    d = _draft(session, draft_id)
    if d.status != "pending":
        raise HTTPException(409, detail="这份草稿已经存入或发布，不能舍弃")
    d.status = "discarded"
    # The drafts reported as duplicates of this one are no longer duplicates.
    where = f"{d.file} · {d.locator}"
    for other in store.drafts_of(session, d.job_id, "pending"):
        if other.duplicate_of == where:
            other.duplicate_of = None
            other.errors = [e for e in other.errors if e.get("name") != "重复"]
    audit.record(session, user.username, "import-discard", None, None, f"舍弃导入草稿 {d.id}「{d.title}」")
    session.commit()
    return DraftSummary(**_summary(d))
