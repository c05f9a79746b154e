"""Async HTTP client of the knowledge service. Any failure becomes KnowledgeUnavailable, which the
actions turn into a polite apology with the hotline number instead of a stack trace."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import aiohttp

from actions.settings import KNOWLEDGE_TIMEOUT_S, KNOWLEDGE_URL, SERVICE_TOKEN


class KnowledgeUnavailable(RuntimeError):
    pass


class NotFound(KeyError):
    pass


_session: Optional[aiohttp.ClientSession] = None
QUERY_CHARS = 200


def _client() -> aiohttp.ClientSession:
    global _session
    if _session is None or _session.closed:
        headers = {"X-Service-Token": SERVICE_TOKEN} if SERVICE_TOKEN else None
        _session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=KNOWLEDGE_TIMEOUT_S), headers=headers)
    return _session


async def _request(method: str, path: str, **kwargs: Any) -> Any:
    try:
        async with _client().request(method, KNOWLEDGE_URL + path, **kwargs) as resp:
            if resp.status == 404:
                raise NotFound(path)
            if resp.status >= 400:
                raise KnowledgeUnavailable(f"{method} {path}: HTTP {resp.status}")
            return await resp.json()
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise KnowledgeUnavailable(f"{method} {path}: {exc!r}") from exc


async def search(query: str, k: int = 5) -> Dict[str, Any]:
    # The goal sits in the first sentences; a pasted essay would only slow the embedding down.
    return await _request("GET", "/api/search", params={"q": query[:QUERY_CHARS], "k": k})


async def guide(kind: str, guide_id: str) -> Dict[str, Any]:
    path = {"item": "items", "route": "routes", "faq": "faq"}[kind]
    return await _request("GET", f"/api/{path}/{guide_id}")


async def plan(route_id: str, answers: Dict[str, str]) -> Dict[str, Any]:
    return await _request("POST", f"/api/routes/{route_id}/plan", json={"answers": answers})


async def post_event(conversation_id: str, type_: str, **fields: Any) -> None:
    """Best effort: losing a gap or handoff record must not break the conversation."""
    try:
        await _request("POST", "/api/conversations/events",
                       json={"conversation_id": conversation_id[:128], "type": type_, **fields})
    except KnowledgeUnavailable:
        pass


def transcript(events: List[Dict[str, Any]], limit: int = 30) -> List[Dict[str, str]]:
    lines = [
        {"who": "市民" if e["event"] == "user" else "助手", "text": e.get("text") or ""}
        for e in events if e.get("event") in ("user", "bot") and e.get("text")
    ]
    return lines[-limit:]
