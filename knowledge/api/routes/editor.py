"""The guide editor's API (/api/editor): drafts, publishing, rollback, withdrawal, history, diff, audit, zip.

Thin: each route checks the role, calls the workflow in knowledge/editing/ (drafts.py, going_live.py,
history.py, transfer.py) and shapes its answer. The workflow's refusals (not found, a stale
base_version, an invalid guide …) become HTTP answers in knowledge/api/refusals.py.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from knowledge.api.auth import CurrentUser, require
from knowledge.api.deps import SessionDep, StateDep
from knowledge.editing import archive, drafts, going_live, history, transfer
from knowledge.store import audit
from knowledge.store import guides as store
from knowledge.store.db import as_utc
from knowledge.store.tables import GuideVersionRow

router = APIRouter(prefix="/api/editor", tags=["editor"])
Kind = Literal["item", "route", "faq", "industry"]
MAX_UPLOAD_BYTES = 20_000_000
# Version numbers are 32-bit integers in the database; a larger one in a request is a 422, not an overflow.
MAX_VERSION = 2**31 - 1


# ---- bodies ---------------------------------------------------------------------------------------

class VersionOut(BaseModel):
    version: int
    status: str
    data: dict
    author: str
    created_at: dt.datetime | None
    comment: str | None = None

    @classmethod
    def of(cls, row: GuideVersionRow) -> "VersionOut":
        return cls(version=row.version, status=row.status, data=row.data, author=row.author,
                   created_at=row.created_at and as_utc(row.created_at), comment=row.comment)


class GuideDetail(BaseModel):
    id: str
    kind: str
    latest_version: int
    published_version: int | None
    draft: VersionOut | None
    published: VersionOut | None


class CreateIn(BaseModel):
    kind: Kind
    data: dict
    comment: str | None = Field(None, max_length=500)


class DraftIn(BaseModel):
    base_version: int = Field(..., ge=0, le=MAX_VERSION)
    data: dict
    comment: str | None = Field(None, max_length=500)


class VersionIn(BaseModel):
    version: int = Field(..., ge=1, le=MAX_VERSION)


class PublishOut(BaseModel):
    published_version: int | None
    indexed_ms: float


class VersionEntry(BaseModel):
    version: int
    status: str
    author: str
    created_at: dt.datetime | None
    comment: str | None
    published_at: dt.datetime | None = None
    published_by: str | None = None


class Change(BaseModel):
    field: str
    before: Any
    after: Any


class DiffOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: int = Field(..., alias="from")
    to: int
    changes: list[Change]
    unified: str


class AliasIn(BaseModel):
    alias: str = Field(..., min_length=1, max_length=64)


class AuditEntry(BaseModel):
    at: dt.datetime
    username: str
    action: str
    action_label: str = Field(description="the action in Chinese (knowledge/store/audit.py ACTIONS)")
    guide_id: str | None
    version: int | None
    detail: str | None


class ImportOut(BaseModel):
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    published: list[str] = []
    errors: list[dict]




# ---- reading --------------------------------------------------------------------------------------

@router.get("/guides", response_model=list[store.GuideSummary], dependencies=[require("edit")])
def list_guides(session: SessionDep, q: Annotated[str, Query(max_length=100)] = "", kind: Kind | None = None,
                status: Literal["published", "draft", "unpublished"] | None = None) -> list[store.GuideSummary]:
    return store.list_guides(session, q, kind, status)


@router.get("/guides/{guide_id}", response_model=GuideDetail, dependencies=[require("edit")])
def read_guide(guide_id: str, session: SessionDep) -> GuideDetail:
    found = history.record(session, guide_id)
    row = found.row
    return GuideDetail(id=row.id, kind=row.kind, latest_version=row.latest_version,
                       published_version=row.published_version, draft=found.draft and VersionOut.of(found.draft),
                       published=found.published and VersionOut.of(found.published))


@router.get("/guides/{guide_id}/versions", response_model=list[VersionEntry], dependencies=[require("edit")])
def list_versions(guide_id: str, session: SessionDep) -> list[VersionEntry]:
    return [VersionEntry(version=v.version, status=v.status, author=v.author,
                         created_at=v.created_at and as_utc(v.created_at), comment=v.comment,
                         published_at=v.published_at and as_utc(v.published_at), published_by=v.published_by)
            for v in history.versions(session, guide_id)]


@router.get("/guides/{guide_id}/diff", response_model=DiffOut, response_model_by_alias=True,
            dependencies=[require("edit")])
def version_diff(guide_id: str, session: SessionDep,
                 from_: Annotated[int | None, Query(alias="from", ge=1, le=MAX_VERSION)] = None,
                 to: Annotated[int | None, Query(ge=1, le=MAX_VERSION)] = None) -> DiffOut:
    """Defaults: from the live version (or the one before `to`) to the newest."""
    return DiffOut(**history.version_diff(session, guide_id, from_, to))


@router.get("/audit", response_model=list[AuditEntry], dependencies=[require("edit")])
def audit_log(session: SessionDep, user: CurrentUser, guide_id: Annotated[str | None, Query(max_length=64)] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditEntry]:
    """Guide actions for editors and reviewers; administrators also see sign-ins and account changes."""
    actions = None if user.can("users") else audit.GUIDE_ACTIONS
    return [AuditEntry(at=as_utc(r.at), username=r.username, action=r.action, action_label=audit.label(r.action),
                       guide_id=r.guide_id, version=r.version, detail=r.detail)
            for r in audit.recent(session, guide_id, limit, actions)]


@router.get("/export", dependencies=[require("edit")])
def export(session: SessionDep, state: StateDep,
           which: Literal["published", "latest"] = "published") -> Response:
    """The live guides (or each guide's newest version) as a zip in the guide-folder layout."""
    guides = transfer.guides_to_export(session, state.catalogue, which)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    return Response(archive.export_zip(guides), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="guides-{which}-{stamp}.zip"'})


# ---- drafts ---------------------------------------------------------------------------------------

@router.post("/guides", response_model=VersionOut, status_code=201, dependencies=[require("edit")])
def create_guide(body: CreateIn, session: SessionDep, state: StateDep, user: CurrentUser) -> VersionOut:
    return VersionOut.of(drafts.create(session, state.catalogue, user.username, body.kind, body.data, body.comment))


@router.put("/guides/{guide_id}/draft", response_model=VersionOut, dependencies=[require("edit")],
            responses={409: {"description": "有人在 base_version 之后保存过：detail、yours、theirs 和 diff（theirs→yours）"}})
def save_draft(guide_id: str, body: DraftIn, session: SessionDep, state: StateDep, user: CurrentUser) -> VersionOut:
    return VersionOut.of(drafts.save(session, state.catalogue, user.username, guide_id, body.base_version,
                                     body.data, body.comment))


@router.post("/guides/{guide_id}/aliases", response_model=VersionOut, dependencies=[require("edit")])
def add_alias(guide_id: str, body: AliasIn, session: SessionDep, state: StateDep, user: CurrentUser) -> VersionOut:
    """A new draft with one more alias (FAQ entries: one more way to ask the question)."""
    return VersionOut.of(drafts.add_alias(session, state.catalogue, user.username, guide_id, body.alias))


# ---- going live -----------------------------------------------------------------------------------

def _went_live(done: going_live.WentLive) -> PublishOut:
    return PublishOut(published_version=done.published_version, indexed_ms=done.indexed_ms)


@router.post("/guides/{guide_id}/publish", response_model=PublishOut, dependencies=[require("publish")])
def publish(guide_id: str, body: VersionIn, session: SessionDep, state: StateDep, user: CurrentUser) -> PublishOut:
    return _went_live(going_live.publish(session, state.publisher, user.username, guide_id, body.version))


@router.post("/guides/{guide_id}/rollback", response_model=PublishOut, dependencies=[require("publish")])
def rollback(guide_id: str, body: VersionIn, session: SessionDep, state: StateDep, user: CurrentUser) -> PublishOut:
    """Publish a new version whose content is version `version`'s (history is never rewritten)."""
    return _went_live(going_live.rollback(session, state.publisher, user.username, guide_id, body.version))


@router.post("/guides/{guide_id}/withdraw", response_model=PublishOut, dependencies=[require("publish")])
def withdraw(guide_id: str, session: SessionDep, state: StateDep, user: CurrentUser) -> PublishOut:
    """下线: the guide leaves search and the dialogue; its versions stay for a later rollback."""
    return _went_live(going_live.withdraw(session, state.publisher, user.username, guide_id))


# ---- import ---------------------------------------------------------------------------------------

@router.post("/import", response_model=ImportOut, dependencies=[require("publish")],
             responses={422: {"description": "有文件不合格：什么都没有导入，errors 按文件列出问题"}})
def import_zip(session: SessionDep, state: StateDep, user: CurrentUser,
               file: Annotated[UploadFile, File(description="导出的 zip：items/、routes/、faq/、industries/ 下的 .yml")],
               publish: Annotated[bool, Form()] = False) -> ImportOut:
    """Import a zip in the guide-folder layout. The whole set is checked first; any error rejects all of it."""
    content = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, detail="上传的文件太大（最多 20 MB）")
    done = transfer.import_zip(session, state.publisher, user.username, content, file.filename or "上传的文件",
                               publish)
    return ImportOut(created=done.created, updated=done.updated, unchanged=done.unchanged,
                     published=done.published, errors=[])
