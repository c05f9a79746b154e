"""Whole guide sets in and out: export as a zip in the guide-folder layout, import such a zip back.

The zip format (reading, refusing hostile archives, writing) is archive.py; this is the workflow.
An import is checked whole first; any problem in any file imports nothing (ImportRejected). Guides
that are new are created, changed ones get a new version, unchanged ones are left alone; with
`publish`, all of them go live in one index update.

Writing one imported guide (`write_imported`) is shared with the import of a centre's own documents
(knowledge/importing/review.py), so both record, refuse and audit it in the same words.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy.orm import Session

from knowledge.catalogue import Catalogue
from knowledge.editing import archive
from knowledge.editing.drafts import working_catalogue
from knowledge.editing.going_live import as_live
from knowledge.editing.history import guide_row, version_row
from knowledge.editing.refusals import Conflict, ImportRejected
from knowledge.editing.validation import cross_guide_errors, with_guides
from knowledge.publishing import Publisher
from knowledge.schema import Guide, guide_adapter
from knowledge.store import audit
from knowledge.store import guides as store
from knowledge.store.tables import GuideVersionRow, PublicationRow


def guides_to_export(session: Session, live: Catalogue, which: Literal["published", "latest"]) -> list[Guide]:
    """The live guides, or each guide's newest version."""
    if which == "published":
        return live.all()
    return [guide_adapter.validate_python(v.data) for _, v in store.latest_data(session).values()]


def write_imported(session: Session, username: str, guide: Guide, number: int, source: str,
                   upload: str | None = None, publish: bool = False) -> tuple[GuideVersionRow, PublicationRow | None]:
    """Store an imported guide as version `number` (1: a new guide), audited, and with `publish` mark
    it live; the caller updates the index (Publisher.publish). `source` is where in the upload it came
    from (a file of a zip, a document's place), `upload` the uploaded file when that is not `source`.
    Raises Conflict when someone created or changed the guide since the import was checked."""
    if number == 1:
        if store.get_guide(session, guide.id) is not None:
            raise Conflict(f"指南「{guide.id}」刚被其他人创建，请重新导入")
        version = store.create_guide(session, guide, username, f"导入 {source}")
        row = guide_row(session, guide.id)
    else:
        row = guide_row(session, guide.id, for_update=True)
        if row.latest_version + 1 != number:
            raise Conflict(f"指南「{guide.id}」刚被其他人修改，请重新导入")
        version = store.add_version(session, row, guide, username, f"导入 {source}")
    audit.record(session, username, "import", guide.id, version.version,
                 f"从 {upload} 导入 {source}" if upload else f"从 {source} 导入")
    if not publish:
        return version, None
    publication = store.mark_published(session, row, version, username)
    audit.record(session, username, "publish", guide.id, version.version, f"导入后发布版本 {version.version}")
    return version, publication


@dataclass
class Imported:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)


def import_zip(session: Session, publisher: Publisher, username: str, content: bytes, filename: str,
               publish: bool = False) -> Imported:
    """Import a zip in the guide-folder layout. Raises archive.ArchiveError for something that is not
    such a zip, ImportRejected (listing every problem by file) when any guide in it is wrong."""
    parsed = archive.read_zip(content)
    if not parsed.guides and not parsed.errors:
        raise archive.ArchiveError("压缩包里没有找到指南文件（items/、routes/、faq/、industries/ 下的 .yml 文件）")
    with publisher.lock:
        existing = store.latest_data(session)
        out = Imported()
        to_publish: list[str] = []  # unchanged guides whose newest version is not live yet
        errors = list(parsed.errors)
        for gid, (file, guide) in parsed.guides.items():
            if gid not in existing:
                out.created.append(gid)
                continue
            row, latest = existing[gid]
            if row.kind != guide.kind:
                errors.append({"file": file, "field": "kind",
                               "msg": f"已有同 id 的{store.KIND_NAMES[row.kind]}，不能改成{store.KIND_NAMES[guide.kind]}"})
            elif store.content_of(guide.model_dump(mode="json")) == store.content_of(latest.data):
                out.unchanged.append(gid)
                if publish and row.published_version != row.latest_version:
                    to_publish.append(gid)
            else:
                out.updated.append(gid)
        incoming = [g for _, g in parsed.guides.values()]
        context = publisher.live.catalogue if publish else working_catalogue(session, publisher.live.catalogue)
        problems = with_guides(context, incoming).problems()
        for gid, (file, guide) in parsed.guides.items():
            errors += archive.field_errors_for_file(file, cross_guide_errors(guide, problems.get(gid, [])))
        if errors:
            raise ImportRejected(errors)
        written = out.created + out.updated
        number = {gid: (existing[gid][0].latest_version + 1 if gid in existing else 1) for gid in written}
        live = [guide_adapter.validate_python({**g.model_dump(mode="json"), "version": number[g.id], "status": "published"})
                for gid, (_, g) in parsed.guides.items() if gid in number]
        live += [as_live(existing[gid][1].data) for gid in to_publish]

        def write(s: Session) -> list[PublicationRow]:
            publications = []
            for gid in written:
                file, guide = parsed.guides[gid]
                _, publication = write_imported(s, username, guide, number[gid], file, filename[:100], publish)
                if publication is not None:
                    publications.append(publication)
            for gid in to_publish:
                row = guide_row(s, gid, for_update=True)
                version = version_row(s, gid, row.latest_version)
                publications.append(store.mark_published(s, row, version, username))
                audit.record(s, username, "publish", gid, version.version, f"导入后发布版本 {version.version}")
            audit.record(s, username, "import", None, None,
                         f"导入 {filename[:100]}：新建 {len(out.created)}，更新 {len(out.updated)}，"
                         f"未变 {len(out.unchanged)}" + ("，并发布" if publish else ""))
            return publications

        if publish and live:
            publisher.publish(session, live, [], write)
        else:
            publisher.commit(session, write)
    if publish:
        out.published = [g.id for g in live]
    return out
