"""GET /api/editor/schema: what the guide editor page builds its forms from (knowledge/editing/guide_schema.py)."""
from __future__ import annotations

from fastapi import APIRouter

from knowledge.api.auth import require
from knowledge.api.deps import StateDep
from knowledge.editing.guide_schema import editor_schema

router = APIRouter(prefix="/api/editor", tags=["editor"])


@router.get("/schema", dependencies=[require("edit")])
def guide_schema(state: StateDep) -> dict:
    """Each kind of guide: its title, JSON schema (Chinese labels, hints, enums, limits), a new guide's
    values and each kind of list entry's starting values."""
    return editor_schema(state.settings)
