"""A small key-value store with expiry: in this process, or in Redis so that replicas share it.

The WeChat channel keeps three kinds of short-lived state here — which messages are being or have been
answered, the choices last offered to each user, and the unread pages of a long answer. With one
Rasa process the in-memory store is enough; behind a load balancer every replica must see the same
state, hence Redis (REDIS_URL). Values are strings; callers serialise.
"""
from __future__ import annotations

import time
from typing import Dict, Optional, Protocol, Tuple


class StateStore(Protocol):
    async def set_if_absent(self, key: str, value: str, ttl_s: float) -> bool: ...

    async def get(self, key: str) -> Optional[str]: ...

    async def set(self, key: str, value: str, ttl_s: float) -> None: ...

    async def delete(self, key: str) -> None: ...


class MemoryStore:
    """Per-process store. Expired entries are dropped lazily, and swept when the dict grows."""

    SWEEP_EVERY = 2048

    def __init__(self) -> None:
        self._data: Dict[str, Tuple[str, float]] = {}
        self._writes = 0

    def _live(self, key: str) -> Optional[str]:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[1] <= time.monotonic():
            self._data.pop(key, None)
            return None
        return entry[0]

    def _write(self, key: str, value: str, ttl_s: float) -> None:
        self._data[key] = (value, time.monotonic() + ttl_s)
        self._writes += 1
        if self._writes % self.SWEEP_EVERY == 0:
            now = time.monotonic()
            for k in [k for k, (_, exp) in self._data.items() if exp <= now]:
                del self._data[k]

    async def set_if_absent(self, key: str, value: str, ttl_s: float) -> bool:
        # No await between the check and the write: atomic within the event loop.
        if self._live(key) is not None:
            return False
        self._write(key, value, ttl_s)
        return True

    async def get(self, key: str) -> Optional[str]:
        return self._live(key)

    async def set(self, key: str, value: str, ttl_s: float) -> None:
        self._write(key, value, ttl_s)

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)


class RedisStore:
    """Shared store; SET NX makes claiming a message atomic across replicas."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
        from redis.exceptions import ConnectionError

        # After a Redis restart the pooled connections are dead, and the first command on each would
        # fail: one immediate retry on a fresh connection hides that. Safe for every command here
        # (MessageLedger.claim recognises its own claim if the first SET NX did land).
        self._redis = aioredis.from_url(url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2,
                                        retry=Retry(NoBackoff(), 1), retry_on_error=[ConnectionError])
        self._prefix = prefix

    async def set_if_absent(self, key: str, value: str, ttl_s: float) -> bool:
        return bool(await self._redis.set(self._prefix + key, value, nx=True, px=max(1, int(ttl_s * 1000))))

    async def get(self, key: str) -> Optional[str]:
        return await self._redis.get(self._prefix + key)

    async def set(self, key: str, value: str, ttl_s: float) -> None:
        await self._redis.set(self._prefix + key, value, px=max(1, int(ttl_s * 1000)))

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)


def open_store(redis_url: Optional[str], prefix: str) -> StateStore:
    return RedisStore(redis_url, prefix) if redis_url else MemoryStore()
