"""How big and how deep a request body may be, checked before any route parses it.

    app.add_middleware(BodyLimits)

Every endpoint has a byte limit (BODY_LIMITS, by path; the same figures stand in
deploy/nginx.conf.template): a larger body gets 413 as soon as its Content-Length, or the bytes read
so far, pass it — a 10 MB chat message is never read whole, let alone parsed. A JSON body must then
be UTF-8, nest at most MAX_JSON_DEPTH levels (Python's json parser recurses, so 3 000 levels would
end in RecursionError) and hold no lone UTF-16 surrogate such as "\\ud800" (it cannot be encoded
again: stored, logged or relayed to Rasa it would fail later as a 500). Those get 422. All answers
are Chinese and never echo the body.

`nesting_depth` measures a parsed value the same way, without recursion, for the schema validators
and for readers of rows stored before these checks existed.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KB = 1024
MAX_JSON_DEPTH = 32
DEFAULT_BODY_LIMIT = 64 * KB
# path → largest body in bytes; the first matching prefix in PREFIX_LIMITS applies to other paths.
BODY_LIMITS: dict[str, int] = {
    "/api/chat": 16 * KB,  # one message of at most 2 000 characters, even fully \\u-escaped
    "/api/auth/login": 4 * KB,
    "/api/conversations/events": 64 * KB,
    "/api/editor/import": 21_000_000,  # a 20 MB zip (routes/editor.py) plus the form's envelope
}
PREFIX_LIMITS: tuple[tuple[str, int], ...] = (
    ("/api/editor/", 2_000_000),  # a guide draft: up to 200 000 characters of JSON
    ("/api/imports/", 2_000_000),  # an import draft corrected by an editor: the same
)
# POST /api/imports (uploads of guide documents) is limited by IMPORT_MAX_UPLOAD_MB: main.py passes it
# in as `extra`, since it is a setting.

_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1


def body_limit(path: str, extra: dict[str, int] | None = None) -> int:
    if extra and path in extra:
        return extra[path]
    if path in BODY_LIMITS:
        return BODY_LIMITS[path]
    for prefix, limit in PREFIX_LIMITS:
        if path.startswith(prefix):
            return limit
    return DEFAULT_BODY_LIMIT


def raw_json_depth(text: str) -> int:
    """How deep the brackets of a JSON text nest (brackets inside strings do not count), without parsing it."""
    brackets = re.sub(r"[^\[\]{}]+", "", _STRING.sub("", text))
    if not brackets:
        return 0
    return int(np.cumsum(_STEP[np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)], dtype=np.int64).max())


def nesting_depth(value: Any) -> int:
    """How deep lists and dicts nest in a parsed value (a scalar is 0, [] and {} are 1); iterative, so
    any depth can be measured."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def json_problem(body: bytes) -> str | None:
    """What is wrong with a JSON body beyond its syntax (left to FastAPI's own 422), in Chinese; or None."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "请求内容不是有效的 UTF-8 文本"
    if raw_json_depth(text) > MAX_JSON_DEPTH:
        return f"请求内容嵌套层数太多（最多 {MAX_JSON_DEPTH} 层）"
    if _SURROGATE_ESCAPE.search(text):
        try:
            parsed = json.loads(text)
        except ValueError:
            return None
        try:
            json.dumps(parsed, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return "请求内容含有无效的字符（不成对的 UTF-16 代理项，如 \\ud800），请删除后重试"
    return None


def _is_json(content_type: str | None) -> bool:
    # FastAPI parses a body without Content-Type as JSON too.
    if not content_type:
        return True
    main = content_type.split(";", 1)[0].strip().lower()
    return main == "application/json" or (main.startswith("application/") and main.endswith("+json"))


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _too_large(limit: int) -> str:
    size = f"{limit // KB} KB" if limit < 1_000_000 else f"{limit // 1_000_000} MB"
    return f"请求内容太大（此接口最多 {size}）"


class BodyLimits:
    """ASGI middleware: size, UTF-8, depth and surrogate checks on request bodies (see the module doc)."""

    def __init__(self, app: ASGIApp, extra: dict[str, int] | None = None):
        self.app = app
        self.extra = extra or {}  # path → limit set by configuration (the import upload)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"], self.extra)
        headers = {k.lower(): v for k, v in scope["headers"]}
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send, 413, _too_large(limit))
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:  # a chunked body that grows past the limit is not read further
                await _refuse(send, 413, _too_large(limit))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        content_type = headers.get(b"content-type")
        if body and _is_json(content_type.decode("latin-1") if content_type else None):
            problem = json_problem(body)
            if problem:
                await _refuse(send, 422, problem)
                return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
