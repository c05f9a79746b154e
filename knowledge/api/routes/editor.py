"""The guide editor's API (/api/editor): drafts, publishing, rollback, withdrawal, history, diff, audit, zip.

Every save adds a version; publishing makes one version live (index and catalogue updated in place,
see knowledge/publishing.py). Saving checks `base_version` so two editors never overwrite each other
silently, and every guide is checked (schema and cross-guide rules) before it is stored, with each
problem tied to the field it is about.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from knowledge.api.auth import CurrentUser, require
from knowledge.api.deps import SessionDep, StateDep
from knowledge.api.state import AppState
from knowledge.catalogue import Catalogue
from knowledge.editing import archive, diff
from knowledge.editing.validation import FieldError, GuideInvalid, broken_by, check_guide, cross_guide_errors, with_guides
from knowledge.publishing import PublishError
from knowledge.schema import Guide, guide_adapter
from knowledge.store import audit
from knowledge.store import guides as store
from knowledge.store import users as user_store
from knowledge.store.db import as_utc
from knowledge.store.tables import GuideRow, GuideVersionRow, PublicationRow

router = APIRouter(prefix="/api/editor", tags=["editor"])
Kind = Literal["item", "route", "faq", "industry"]
MAX_DATA_CHARS = 200_000  # far above the largest sample guide (about 8 000 characters as JSON)
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
    guide_id: str | None
    version: int | None
    detail: str | None


class ImportOut(BaseModel):
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    published: list[str] = []
    errors: list[dict]


# ---- refusals with a body of their own ------------------------------------------------------------

class VersionConflict(Exception):
    """Someone saved a newer version since the editor loaded `base_version`."""

    def __init__(self, theirs: GuideVersionRow, yours: dict, author_name: str):
        self.theirs, self.yours, self.author_name = theirs, yours, author_name


def add_exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(GuideInvalid)
    async def invalid_guide(request: Request, exc: GuideInvalid) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": "指南内容有误，请按提示修改",
                                                      "errors": [e.as_dict() for e in exc.errors]})

    @app.exception_handler(VersionConflict)
    async def conflict(request: Request, exc: VersionConflict) -> JSONResponse:
        when = as_utc(exc.theirs.created_at).astimezone().strftime("%Y-%m-%d %H:%M:%S")
        return JSONResponse(status_code=409, content={
            "detail": f"该指南已被 {exc.author_name} 于 {when} 修改，请比较后再保存",
            "yours": exc.yours,
            "theirs": _version(exc.theirs).model_dump(mode="json"),
        })


# ---- helpers --------------------------------------------------------------------------------------

def _version(row: GuideVersionRow) -> VersionOut:
    return VersionOut(version=row.version, status=row.status, data=row.data, author=row.author,
                      created_at=row.created_at and as_utc(row.created_at), comment=row.comment)


def _guide_row(session: Session, guide_id: str, for_update: bool = False) -> GuideRow:
    row = store.get_guide(session, guide_id, for_update=for_update)
    if row is None:
        raise HTTPException(404, detail=f"没有找到指南「{guide_id[:64]}」")
    return row


def _version_row(session: Session, guide_id: str, version: int) -> GuideVersionRow:
    row = store.get_version(session, guide_id, version)
    if row is None:
        raise HTTPException(404, detail=f"指南「{guide_id[:64]}」没有版本 {version}")
    return row


def _name_of(session: Session, username: str) -> str:
    user = user_store.get_user(session, username)
    return user.display_name if user else username


def _conflict(session: Session, guide_id: str, yours: dict) -> VersionConflict:
    session.rollback()
    row = store.get_guide(session, guide_id)
    theirs = store.get_version(session, guide_id, row.latest_version)
    return VersionConflict(theirs, yours, _name_of(session, theirs.author))


def _check_size(data: dict) -> None:
    if len(json.dumps(data, ensure_ascii=False)) > MAX_DATA_CHARS:
        raise GuideInvalid([FieldError("", f"指南内容太长（超过 {MAX_DATA_CHARS} 个字符）")])


def working_catalogue(session: Session, state: AppState) -> Catalogue:
    """What a draft is checked against: the live guides plus guides that exist only as drafts, so a
    new route may name a new item before either is published."""
    drafts = [guide_adapter.validate_python(v.data) for v in store.unpublished_latest(session)]
    return with_guides(state.catalogue, drafts)


def _live(data: dict) -> Guide:
    return guide_adapter.validate_python({**data, "status": "published"})


def _check_publishable(state: AppState, upserts: list[Guide], removed: list[str] = ()) -> None:
    """Cross-guide rules against what is live: a published route may only name published items, and a
    change must not break guides it does not touch."""
    candidate = with_guides(state.catalogue, upserts, removed)
    problems = candidate.problems()
    errors = [e for g in upserts for e in cross_guide_errors(g, problems.get(g.id, []))]
    if errors:
        raise GuideInvalid(errors)
    others = {gid: msgs for gid, msgs in broken_by(state.catalogue, candidate).items()
              if gid not in {g.id for g in upserts}}
    if others:
        lines = [f"{gid}：{m}" for gid, msgs in others.items() for m in msgs]
        raise HTTPException(409, detail="这样改会使其他线上指南出错，请先修改它们：" + "；".join(lines[:10]))


def _publish(state: AppState, session: Session, upserts: list[Guide], removed: list[str], write) -> float:
    try:
        return state.publisher.publish(session, upserts, removed, write)
    except PublishError as exc:
        if exc.stage == "index":
            raise HTTPException(503, detail=f"索引更新失败：{exc}；线上仍使用原来的版本") from exc
        raise HTTPException(503, detail=f"发布失败：{exc}；线上仍使用原来的版本") from exc


# ---- reading --------------------------------------------------------------------------------------

@router.get("/guides", response_model=list[store.GuideSummary], dependencies=[require("edit")])
def list_guides(session: SessionDep, q: Annotated[str, Query(max_length=100)] = "", kind: Kind | None = None,
                status: Literal["published", "draft", "unpublished"] | None = None) -> list[store.GuideSummary]:
    return store.list_guides(session, q, kind, status)


@router.get("/guides/{guide_id}", response_model=GuideDetail, dependencies=[require("edit")])
def read_guide(guide_id: str, session: SessionDep) -> GuideDetail:
    row = _guide_row(session, guide_id)
    draft = store.draft_of(session, row)
    published = store.get_version(session, row.id, row.published_version) if row.published_version else None
    return GuideDetail(id=row.id, kind=row.kind, latest_version=row.latest_version,
                       published_version=row.published_version, draft=draft and _version(draft),
                       published=published and _version(published))


@router.get("/guides/{guide_id}/versions", response_model=list[VersionEntry], dependencies=[require("edit")])
def list_versions(guide_id: str, session: SessionDep) -> list[VersionEntry]:
    _guide_row(session, guide_id)
    return [VersionEntry(version=v.version, status=v.status, author=v.author,
                         created_at=v.created_at and as_utc(v.created_at), comment=v.comment,
                         published_at=v.published_at and as_utc(v.published_at), published_by=v.published_by)
            for v in store.versions(session, guide_id)]


@router.get("/guides/{guide_id}/diff", response_model=DiffOut, response_model_by_alias=True,
            dependencies=[require("edit")])
def version_diff(guide_id: str, session: SessionDep,
                 from_: Annotated[int | None, Query(alias="from", ge=1, le=MAX_VERSION)] = None,
                 to: Annotated[int | None, Query(ge=1, le=MAX_VERSION)] = None) -> DiffOut:
    """Defaults: from the live version (or the one before `to`) to the newest."""
    row = _guide_row(session, guide_id)
    to = to or row.latest_version
    if from_ is None:
        from_ = row.published_version if row.published_version and row.published_version != to else max(1, to - 1)
    before, after = _version_row(session, guide_id, from_), _version_row(session, guide_id, to)
    return DiffOut(**{"from": from_}, to=to,
                   changes=[Change(**c) for c in diff.field_changes(before.data, after.data)],
                   unified=diff.unified(before.data, after.data, f"{guide_id} 版本 {from_}", f"{guide_id} 版本 {to}"))


@router.get("/audit", response_model=list[AuditEntry], dependencies=[require("edit")])
def audit_log(session: SessionDep, user: CurrentUser, guide_id: Annotated[str | None, Query(max_length=64)] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditEntry]:
    """Guide actions for editors and reviewers; administrators also see sign-ins and account changes."""
    actions = None if user.can("users") else audit.GUIDE_ACTIONS
    return [AuditEntry(at=as_utc(r.at), username=r.username, action=r.action, guide_id=r.guide_id,
                       version=r.version, detail=r.detail) for r in audit.recent(session, guide_id, limit, actions)]


@router.get("/export", dependencies=[require("edit")])
def export(session: SessionDep, state: StateDep,
           which: Literal["published", "latest"] = "published") -> Response:
    """The live guides (or each guide's newest version) as a zip in the guide-folder layout."""
    if which == "published":
        guides = state.catalogue.all()
    else:
        guides = [guide_adapter.validate_python(v.data) for _, v in store.latest_data(session).values()]
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    return Response(archive.export_zip(guides), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="guides-{which}-{stamp}.zip"'})


# ---- drafts ---------------------------------------------------------------------------------------

@router.post("/guides", response_model=VersionOut, status_code=201, dependencies=[require("edit")])
def create_guide(body: CreateIn, session: SessionDep, state: StateDep, user: CurrentUser) -> VersionOut:
    _check_size(body.data)
    guide = check_guide(body.data, working_catalogue(session, state), kind=body.kind)
    if store.get_guide(session, guide.id) is not None:
        raise HTTPException(409, detail=f"id「{guide.id}」已被另一份指南使用，请换一个")
    try:
        row = store.create_guide(session, guide, user.username, body.comment)
        audit.record(session, user.username, "create", guide.id, 1, f"新建{store.KIND_NAMES[guide.kind]}「{guide.name}」")
        session.commit()
    except IntegrityError:
        session.rollback()
        raise HTTPException(409, detail=f"id「{guide.id}」已被另一份指南使用，请换一个") from None
    return _version(row)


def _save(session: Session, state: AppState, user, guide_id: str, base_version: int, data: dict,
          comment: str | None, action: str, detail: str) -> VersionOut:
    row = _guide_row(session, guide_id)
    yours = {"base_version": base_version, "data": data}
    if row.latest_version != base_version:
        raise _conflict(session, guide_id, yours)
    _check_size(data)
    guide = check_guide(data, working_catalogue(session, state), kind=row.kind, guide_id=guide_id)
    try:
        row = _guide_row(session, guide_id, for_update=True)
        if row.latest_version != base_version:
            raise _conflict(session, guide_id, yours)
        version = store.add_version(session, row, guide, user.username, comment)
        audit.record(session, user.username, action, guide_id, version.version, detail)
        session.commit()
    except IntegrityError:  # another save took the same version number a moment earlier
        raise _conflict(session, guide_id, yours) from None
    return _version(version)


@router.put("/guides/{guide_id}/draft", response_model=VersionOut, dependencies=[require("edit")])
def save_draft(guide_id: str, body: DraftIn, session: SessionDep, state: StateDep, user: CurrentUser) -> VersionOut:
    return _save(session, state, user, guide_id, body.base_version, body.data, body.comment, "save",
                 body.comment or "保存草稿")


@router.post("/guides/{guide_id}/aliases", response_model=VersionOut, dependencies=[require("edit")])
def add_alias(guide_id: str, body: AliasIn, session: SessionDep, state: StateDep, user: CurrentUser) -> VersionOut:
    """A new draft with one more alias (FAQ entries: one more way to ask the question)."""
    row = _guide_row(session, guide_id)
    latest = _version_row(session, guide_id, row.latest_version)
    alias = body.alias.strip()
    if not alias:
        raise HTTPException(422, detail="别名不能为空")
    field = "alt_questions" if row.kind == "faq" else "aliases"
    current = list(latest.data.get(field) or [])
    if alias in current or alias == store.title_of(latest.data):
        raise HTTPException(409, detail=f"「{alias}」已是这份指南的名称或别名")
    data = {**latest.data, field: [*current, alias]}
    return _save(session, state, user, guide_id, row.latest_version, data, f"添加别名「{alias}」", "alias",
                 f"添加别名「{alias}」")


# ---- going live -----------------------------------------------------------------------------------

@router.post("/guides/{guide_id}/publish", response_model=PublishOut, dependencies=[require("publish")])
def publish(guide_id: str, body: VersionIn, session: SessionDep, state: StateDep, user: CurrentUser) -> PublishOut:
    with state.publisher.lock:
        row = _guide_row(session, guide_id)
        version = _version_row(session, guide_id, body.version)
        if version.status == "published":
            raise HTTPException(409, detail=f"版本 {body.version} 已是线上版本")
        if version.status != "draft":
            raise HTTPException(409, detail=f"版本 {body.version} 曾经发布过，如需恢复请使用“回滚”")
        guide = _live(version.data)
        _check_publishable(state, [guide])
        was_live = row.published_version

        def write(s: Session) -> list[PublicationRow]:
            fresh = _guide_row(s, guide_id, for_update=True)
            target = _version_row(s, guide_id, body.version)
            if fresh.published_version != was_live or target.status != "draft":
                raise HTTPException(409, detail="该指南刚被其他人发布或下线，请刷新后再试")
            publication = store.mark_published(s, fresh, target, user.username)
            audit.record(s, user.username, "publish", guide_id, body.version,
                         f"发布版本 {body.version}" + (f"（替换版本 {was_live}）" if was_live else ""))
            return [publication]

        ms = _publish(state, session, [guide], [], write)
    return PublishOut(published_version=body.version, indexed_ms=round(ms, 1))


@router.post("/guides/{guide_id}/rollback", response_model=PublishOut, dependencies=[require("publish")])
def rollback(guide_id: str, body: VersionIn, session: SessionDep, state: StateDep, user: CurrentUser) -> PublishOut:
    """Publish a new version whose content is version `version`'s (history is never rewritten)."""
    with state.publisher.lock:
        row = _guide_row(session, guide_id)
        old = _version_row(session, guide_id, body.version)
        if row.published_version == body.version:
            raise HTTPException(409, detail=f"版本 {body.version} 就是线上版本，无需回滚")
        number, base = row.latest_version + 1, row.latest_version
        guide = guide_adapter.validate_python({**old.data, "version": number, "status": "published"})
        _check_publishable(state, [guide])

        def write(s: Session) -> list[PublicationRow]:
            fresh = _guide_row(s, guide_id, for_update=True)
            if fresh.latest_version != base:
                raise HTTPException(409, detail="该指南刚被其他人修改，请刷新后再试")
            new = store.add_version(s, fresh, guide, user.username, f"回滚到版本 {body.version}")
            publication = store.mark_published(s, fresh, new, user.username)
            audit.record(s, user.username, "rollback", guide_id, new.version,
                         f"回滚到版本 {body.version}（新版本 {new.version}）")
            return [publication]

        ms = _publish(state, session, [guide], [], write)
    return PublishOut(published_version=number, indexed_ms=round(ms, 1))


@router.post("/guides/{guide_id}/withdraw", response_model=PublishOut, dependencies=[require("publish")])
def withdraw(guide_id: str, session: SessionDep, state: StateDep, user: CurrentUser) -> PublishOut:
    """下线: the guide leaves search and the dialogue; its versions stay for a later rollback."""
    with state.publisher.lock:
        row = _guide_row(session, guide_id)
        if row.published_version is None:
            raise HTTPException(409, detail="该指南当前未上线")
        was_live = row.published_version
        _check_publishable(state, [], [guide_id])

        def write(s: Session) -> list[PublicationRow]:
            fresh = _guide_row(s, guide_id, for_update=True)
            if fresh.published_version != was_live:
                raise HTTPException(409, detail="该指南刚被其他人发布或下线，请刷新后再试")
            publication = store.mark_withdrawn(s, fresh, user.username)
            audit.record(s, user.username, "withdraw", guide_id, was_live, f"下线（原线上版本 {was_live}）")
            return [publication]

        ms = _publish(state, session, [], [guide_id], write)
    return PublishOut(published_version=None, indexed_ms=round(ms, 1))


# ---- import ---------------------------------------------------------------------------------------

@router.post("/import", response_model=ImportOut, dependencies=[require("publish")],
             responses={422: {"description": "有文件不合格：什么都没有导入，errors 按文件列出问题"}})
def import_zip(session: SessionDep, state: StateDep, user: CurrentUser,
               file: Annotated[UploadFile, File(description="导出的 zip：items/、routes/、faq/、industries/ 下的 .yml")],
               publish: Annotated[bool, Form()] = False):
    """Import a zip in the guide-folder layout. The whole set is checked first; any error rejects all of it."""
    content = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, detail="上传的文件太大（最多 20 MB）")
    filename = file.filename or "上传的文件"
    try:
        parsed = archive.read_zip(content)
    except archive.ArchiveError as exc:
        raise HTTPException(400, detail=str(exc)) from exc
    if not parsed.guides and not parsed.errors:
        raise HTTPException(400, detail="压缩包里没有找到指南文件（items/、routes/、faq/、industries/ 下的 .yml 文件）")
    with state.publisher.lock:
        existing = store.latest_data(session)
        created, updated, unchanged, to_publish = [], [], [], []
        errors = list(parsed.errors)
        for gid, (file, guide) in parsed.guides.items():
            if gid not in existing:
                created.append(gid)
                continue
            row, latest = existing[gid]
            if row.kind != guide.kind:
                errors.append({"file": file, "field": "kind",
                               "msg": f"已有同 id 的{store.KIND_NAMES[row.kind]}，不能改成{store.KIND_NAMES[guide.kind]}"})
            elif store.content_of(guide.model_dump(mode="json")) == store.content_of(latest.data):
                unchanged.append(gid)
                if publish and row.published_version != row.latest_version:
                    to_publish.append(gid)
            else:
                updated.append(gid)
        incoming = [g for _, g in parsed.guides.values()]
        context = state.catalogue if publish else working_catalogue(session, state)
        problems = with_guides(context, incoming).problems()
        for gid, (file, guide) in parsed.guides.items():
            errors += archive.field_errors_for_file(file, cross_guide_errors(guide, problems.get(gid, [])))
        if errors:
            return JSONResponse(status_code=422, content={
                "detail": "导入文件有误，没有导入任何指南，请按提示修改后重新上传",
                "created": [], "updated": [], "unchanged": [], "published": [], "errors": errors})
        number = {gid: (existing[gid][0].latest_version + 1 if gid in existing else 1) for gid in created + updated}
        live = [guide_adapter.validate_python({**g.model_dump(mode="json"), "version": number[g.id], "status": "published"})
                for gid, (_, g) in parsed.guides.items() if gid in number]
        live += [_live(existing[gid][1].data) for gid in to_publish]

        def write(s: Session) -> list[PublicationRow]:
            publications = []
            for gid in created + updated:
                file, guide = parsed.guides[gid]
                if gid in created:
                    if store.get_guide(s, gid) is not None:
                        raise HTTPException(409, detail=f"指南「{gid}」刚被其他人创建，请重新导入")
                    version = store.create_guide(s, guide, user.username, f"导入 {file}")
                    row = store.get_guide(s, gid)
                else:
                    row = _guide_row(s, gid, for_update=True)
                    if row.latest_version + 1 != number[gid]:
                        raise HTTPException(409, detail=f"指南「{gid}」刚被其他人修改，请重新导入")
                    version = store.add_version(s, row, guide, user.username, f"导入 {file}")
                audit.record(s, user.username, "import", gid, version.version, f"从 {filename[:100]} 导入 {file}")
                if publish:
                    publications.append(store.mark_published(s, row, version, user.username))
            for gid in to_publish:
                row = _guide_row(s, gid, for_update=True)
                version = _version_row(s, gid, row.latest_version)
                publications.append(store.mark_published(s, row, version, user.username))
                audit.record(s, user.username, "publish", gid, version.version, f"导入后发布版本 {version.version}")
            audit.record(s, user.username, "import", None, None,
                         f"导入 {filename[:100]}：新建 {len(created)}，更新 {len(updated)}，未变 {len(unchanged)}"
                         + ("，并发布" if publish else ""))
            return publications

        if publish and live:
            _publish(state, session, live, [], write)
        else:
            state.publisher.commit(session, write)
    return ImportOut(created=created, updated=updated, unchanged=unchanged,
                     published=[g.id for g in live] if publish else [], errors=[])
