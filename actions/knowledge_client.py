"""Async HTTP client of the knowledge service.

A refused request (4xx) is a bug on our side: it is logged with what was sent and raised as
KnowledgeRejected, and the citizen is told something went wrong, not that the service is down. Only
a real outage (no connection, timeout, 5xx) becomes KnowledgeUnavailable and the outage apology.
Every call is counted per action run, so benchmarks can print the calls a turn costs."""
from __future__ import annotations

import asyncio
import contextvars
import logging
from typing import Any, Dict, List, Optional

import aiohttp

from actions.settings import KNOWLEDGE_TIMEOUT_S, KNOWLEDGE_URL, SERVICE_TOKEN


logger = logging.getLogger(__name__)


class KnowledgeUnavailable(RuntimeError):
    pass


class KnowledgeRejected(RuntimeError):
    """The knowledge service refused a request the action server built: a bug to fix."""


class NotFound(KeyError):
    pass


_session: Optional[aiohttp.ClientSession] = None
# uvicorn closes a keep-alive connection after 5 s idle; aiohttp keeps one for 15 s by default, and a
# request sent on a connection the server is closing fails ("Can not write request body": the
# citizen got the outage apology, seen under load). Idle connections are let go first.
KEEPALIVE_S = 2.0
QUERY_CHARS = 200
MESSAGE_CHARS = 2000
# Calls made for the current action run (a context variable, so concurrent runs do not mix).
calls: contextvars.ContextVar[int] = contextvars.ContextVar("knowledge_calls", default=0)


def _client() -> aiohttp.ClientSession:
    global _session
    if _session is None or _session.closed:
        headers = {"X-Service-Token": SERVICE_TOKEN} if SERVICE_TOKEN else None
        _session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=KNOWLEDGE_TIMEOUT_S), headers=headers,
                                         connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_S))
    return _session


async def _request(method: str, path: str, **kwargs: Any) -> Any:
    calls.set(calls.get() + 1)
    try:
        async with _client().request(method, KNOWLEDGE_URL + path, **kwargs) as resp:
            if resp.status == 404:
                raise NotFound(path)
            if 400 <= resp.status < 500:
                detail = (await resp.text())[:300]
                logger.error("knowledge service refused %s %s: HTTP %s %s", method, path, resp.status, detail)
                raise KnowledgeRejected(f"{method} {path}: HTTP {resp.status}")
            if resp.status >= 500:
                raise KnowledgeUnavailable(f"{method} {path}: HTTP {resp.status}")
            return await resp.json()
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise KnowledgeUnavailable(f"{method} {path}: {exc!r}") from exc


async def search(query: str, k: int = 5) -> Dict[str, Any]:
    # The goal sits in the first sentences; a pasted essay would only slow the embedding down.
    return await _request("GET", "/api/search", params={"q": query[:QUERY_CHARS], "k": k})


async def understand(text: str, focus: Optional[str], answers: Dict[str, str], unsure: List[str],
                     current: Optional[str] = None, misses: int = 0,
                     offered: Optional[List[str]] = None) -> Dict[str, Any]:
    """What the message says: aspect, search outcome, the step named, the situation facts."""
    return await _request("POST", "/api/dialogue/understand", json={
        "text": text[:MESSAGE_CHARS], "focus": focus, "answers": answers, "unsure": unsure,
        "current": current, "misses": misses, "offered": (offered or [])[:10]})


async def answer(focus: str, aspect: Optional[str] = None, answers: Optional[Dict[str, str]] = None,
                 unsure: Optional[List[str]] = None, step: Optional[str] = None,
                 start_questions: bool = False, general: bool = False) -> Dict[str, Any]:
    """What to say: messages (text and buttons) and the next situation question, if any; `general`
    when the citizen skipped the situation questions (answers come from the general plan)."""
    return await _request("POST", "/api/dialogue/answer", json={
        "focus": focus, "aspect": aspect, "answers": answers or {}, "unsure": unsure or [], "step": step,
        "start_questions": start_questions, "general": general})


async def say(what: str, aspect: Optional[str] = None, results: Optional[List[Dict[str, Any]]] = None,
              small_talk: Optional[str] = None) -> Dict[str, Any]:
    """A reply about no guide in particular: not found, none of the offered, out of scope, which service?,
    small talk"""
    return await _request("POST", "/api/dialogue/say", json={"what": what, "aspect": aspect, "results": results or [],
                                                              "small_talk": small_talk})


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
    except (KnowledgeUnavailable, KnowledgeRejected) as exc:
        logger.warning("conversation event %s not recorded: %s", type_, exc)


TRANSCRIPT_LINE_CHARS = 300  # 30 lines × 300 characters stay well inside the 64 KB an event may carry


def transcript(events: List[Dict[str, Any]], limit: int = 30) -> List[Dict[str, str]]:
    lines = [
        {"who": "市民" if e["event"] == "user" else "助手", "text": (e.get("text") or "")[:TRANSCRIPT_LINE_CHARS]}
        for e in events if e.get("event") in ("user", "bot") and e.get("text")
    ]
    return lines[-limit:]
