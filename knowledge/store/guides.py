"""Guide storage: seeding from the YAML folder on first run, loading the published catalogue."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.catalogue import Catalogue
from knowledge.schema import guide_adapter
from knowledge.store.tables import GuideRow, GuideVersionRow


def seed_if_empty(session: Session, folder: Path) -> int:
    """Import the guide folder when the store has no guides yet; returns how many were imported."""
    if session.scalar(select(func.count()).select_from(GuideRow)):
        return 0
    catalogue = Catalogue.from_folder(folder)
    for guide in catalogue.all():
        session.add(GuideRow(id=guide.id, kind=guide.kind, published_version=guide.version,
                             latest_version=guide.version))
        session.add(GuideVersionRow(guide_id=guide.id, version=guide.version, status="published",
                                    data=guide.model_dump(mode="json")))
    session.commit()
    return len(catalogue.all())


def load_published(session: Session) -> Catalogue:
    rows = session.execute(
        select(GuideVersionRow).join(GuideRow, GuideRow.id == GuideVersionRow.guide_id)
        .where(GuideVersionRow.version == GuideRow.published_version)
    ).scalars()
    catalogue = Catalogue()
    for row in rows:
        catalogue.add(guide_adapter.validate_python(row.data))
    return catalogue
