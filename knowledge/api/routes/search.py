"""GET /api/search — hybrid retrieval over items, routes and FAQ entries."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from knowledge.api.deps import StateDep
from knowledge.search.engine import MAX_QUERY_CHARS, Match, Mode, SearchResult
from knowledge.text.normalize import normalize

router = APIRouter(prefix="/api", tags=["search"])


class SearchResponse(BaseModel):
    query: str
    match: Match
    results: list[SearchResult]
    took_ms: float


@router.get("/search", response_model=SearchResponse)
def search(
    state: StateDep,
    q: Annotated[str, Query(description="citizen's question, Simplified or Traditional Chinese")] = "",
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    mode: Mode = Mode.hybrid,
) -> SearchResponse:
    if not normalize(q):  # blank after normalisation: spaces, control characters, NULs
        raise HTTPException(400, detail="请输入要查询的内容")
    if len(q) > MAX_QUERY_CHARS:
        raise HTTPException(400, detail=f"问题太长了（{len(q)} 字），请精简到 {MAX_QUERY_CHARS} 字以内")
    outcome = state.engine.search(q, k=k, mode=mode)
    return SearchResponse(
        query=outcome.query,
        match=outcome.match,
        results=[SearchResult.of(h) for h in outcome.hits],
        took_ms=round(outcome.timings_ms["total"], 2),
    )
