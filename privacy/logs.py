"""Log hygiene for every process: no ID, phone or card number, and no citizen's message in full.

install() wraps the logging module's record factory, so it covers every logger and every handler
— including ones libraries configure later (Rasa's structlog set-up, Sanic's, uvicorn's) — at the
cost of a regular-expression pass over records that are actually emitted:

- PII in the message, its string arguments and the traceback is masked (privacy.masking);
- a string argument longer than ARG_CHARS is cut, saying how long it was: a citizen's message
  that reaches a log line (an error about their turn, say) shows its start, never all of it;
- uvicorn's access log keeps the path without the query string, since /api/search?q=… and
  /api/console/suggest?text=… carry what citizens and callers said.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from privacy.masking import mask_text

ARG_CHARS = 200
MESSAGE_CHARS = 4000

_installed: Callable[..., logging.LogRecord] | None = None


def shorten(text: str, limit: int = ARG_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（已省略，共 {len(text)} 字）"


def _clean_arg(arg: Any) -> Any:
    if isinstance(arg, str):
        return shorten(mask_text(arg))
    return arg


def _without_query(path: Any) -> Any:
    return path.split("?", 1)[0] + "?…" if isinstance(path, str) and "?" in path else path


def clean_record(record: logging.LogRecord) -> logging.LogRecord:
    args = record.args
    if isinstance(record.msg, str):
        record.msg = mask_text(record.msg)
        if not args:  # a format string is never cut: its arguments would no longer fit it
            record.msg = shorten(record.msg, MESSAGE_CHARS)
    if isinstance(args, tuple) and args:
        if record.name == "uvicorn.access" and len(args) >= 3:
            args = (*args[:2], _without_query(args[2]), *args[3:])
        record.args = tuple(_clean_arg(a) for a in args)
    elif isinstance(args, dict):  # logger.info("%(name)s", {...})
        record.args = {k: _clean_arg(v) for k, v in args.items()}
    if record.exc_info and not record.exc_text:
        # Formatted now (as the handler's formatter would, later) so the traceback can be masked too.
        record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
    return record


def install() -> None:
    """Idempotent: a second call (a reload, a test) does not wrap the factory twice."""
    global _installed
    current = logging.getLogRecordFactory()
    if current is _installed:
        return
    stock = current

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return clean_record(stock(*args, **kwargs))

    _installed = factory
    logging.setLogRecordFactory(factory)
