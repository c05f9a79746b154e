"""From import drafts to guides: an editor stores the clean ones as guide drafts, a reviewer publishes
them in one action (one index update for all, as the editor's publishing does for one guide).

Only drafts without errors and without a duplicate are taken; the rest stay in the import for the
editor to fix. A draft that matches an existing guide becomes that guide's next version, so the
editor's history, diff and rollback cover it; nothing reaches the live base without a publish.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy.orm import Session

from knowledge.editing.transfer import write_imported
from knowledge.editing.validation import with_guides
from knowledge.importing.drafting import conflict_error, validate
from knowledge.publishing import Publisher
from knowledge.schema import Guide, guide_adapter
from knowledge.store import guides as guide_store
from knowledge.store.db import utcnow
from knowledge.store.tables import ImportDraftRow, PublicationRow


@dataclass
class Taken:
    stored: list[str] = field(default_factory=list)  # guide ids now holding the import as a draft version
    published: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"draft", "title", "msg"}
    indexed_ms: float = 0.0


def ready(draft: ImportDraftRow) -> bool:
    return draft.status == "pending" and not draft.errors and not draft.duplicate_of


def take(session: Session, publisher: Publisher, username: str, drafts: list[ImportDraftRow],
         publish: bool) -> Taken:
    """Store (and with `publish`, publish) the drafts that are ready; report why the others were skipped."""
    out = Taken()
    chosen: list[tuple[ImportDraftRow, Guide]] = []
    for d in drafts:
        if not ready(d):
            why = ("已处理" if d.status != "pending" else "与本次上传的另一份重复" if d.duplicate_of else "还有错误未改正")
            out.skipped.append({"draft": d.id, "title": d.title, "msg": why})
            continue
        errors = validate(d.data)
        if errors:  # the schema changed since the import ran
            d.errors = errors
            out.skipped.append({"draft": d.id, "title": d.title, "msg": errors[0]["msg"]})
            continue
        chosen.append((d, guide_adapter.validate_python(d.data)))
    if not chosen:
        session.commit()
        return out

    existing = guide_store.latest_data(session)
    plan: list[tuple[ImportDraftRow, Guide, int]] = []  # (draft, guide, version number)
    for d, guide in chosen:
        if guide.id in existing and guide.id != d.match_id:
            # A new guide whose id was taken since the import ran (another import, a homophone name):
            # never add a version to a guide the draft was not matched with.
            out.skipped.append({"draft": d.id, "title": d.title,
                                "msg": f"id「{guide.id}」已被另一份指南使用，请在草稿中换一个 id"})
            continue
        if guide.id in existing:
            row, _ = existing[guide.id]
            if row.kind != "item":
                out.skipped.append({"draft": d.id, "title": d.title, "msg": f"id「{guide.id}」已被非事项类指南使用"})
                continue
            plan.append((d, guide, row.latest_version + 1))
        else:
            plan.append((d, guide, 1))
    live = [guide_adapter.validate_python({**g.model_dump(mode="json"), "version": n, "status": "published"})
            for _, g, n in plan]
    if publish:
        problems = with_guides(publisher.live.catalogue, live).problems()
        keep = [i for i, g in enumerate(live) if not problems.get(g.id)]
        for i, g in enumerate(live):
            if problems.get(g.id):
                d = plan[i][0]
                why = "；".join(p.message for p in problems[g.id])
                out.skipped.append({"draft": d.id, "title": d.title, "msg": why})
                d.errors = [conflict_error(p) for p in problems[g.id]]
        plan, live = [plan[i] for i in keep], [live[i] for i in keep]

    def write(s: Session) -> list[PublicationRow]:
        publications = []
        for d, guide, number in plan:
            version, publication = write_imported(s, username, guide, number, f"{d.file[:200]} {d.locator}",
                                                  publish=publish)
            d.status, d.version, d.updated_at = ("published" if publish else "stored"), version.version, utcnow()
            out.stored.append(guide.id)
            if publication is not None:
                publications.append(publication)
                out.published.append(guide.id)
        return publications

    if publish and live:
        out.indexed_ms = publisher.publish(session, live, [], write)
    else:
        publisher.commit(session, write)
    return out


def revalidate(draft: ImportDraftRow, data: dict) -> None:
    """An editor's correction of an import draft: the data replaced, errors computed again."""
    try:
        guide_id = str(data.get("id") or draft.guide_id)
    except (AttributeError, ValidationError):
        guide_id = draft.guide_id
    if draft.match_id:
        data = {**data, "id": draft.match_id}  # an update stays an update of the same guide
        guide_id = draft.match_id
    draft.data = data
    draft.guide_id = guide_id[:64]
    draft.title = str(data.get("name") or draft.title)[:200]
    draft.notes = data.get("notes")
    draft.errors = validate(data)
    draft.updated_at = utcnow()
