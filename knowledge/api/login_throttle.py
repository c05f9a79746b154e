"""Slowing down password guessing without handing anyone a way to lock staff out.

Three counters of failed sign-ins, each forgotten an hour after its last failure:

- per account (any client that has not signed in to it before): after ACCOUNT.free failures the next
  attempt must wait 30 s, then 60 s, 120 s … up to 15 minutes — guessing one password slows to a crawl;
- per client address (all accounts together): the same after CLIENT.free failures — trying one
  password on many usernames (spraying) stops there;
- per account *and known device*: a browser that has signed in to this account before carries a device
  cookie, and only its own failures delay it (PAIR). Whatever others try against the account, the
  real user's correct password from their usual browser is never refused.

While a wait runs the attempt is answered 429 with Retry-After, without checking the password, so a
wait cannot be used to test guesses. Requests from the machine itself (127.0.0.1, ::1) skip the
per-client counter: behind nginx the service sees each citizen's address through X-Forwarded-For,
so a loopback address is an operator's script, never the public.

State lives in Redis when REDIS_URL is set (all replicas see the same counters; keys under
LOGIN_THROTTLE_PREFIX, each with a TTL), in this process otherwise. If Redis cannot be reached the
sign-in goes ahead unthrottled and the outage is logged: argon2 still makes each guess slow, and staff
are not locked out by a cache outage.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

log = logging.getLogger(__name__)

DEVICE_COOKIE = "navigator_device"
DEVICE_DAYS = 90
FORGET_S = 3600  # a counter with no failure for an hour starts again from zero
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True)
class Policy:
    free: int  # failures before the first wait
    first_wait_s: float  # doubled with every further failure
    max_wait_s: float

    def wait_after(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.max_wait_s, self.first_wait_s * 2 ** min(failures - self.free, 32))


ACCOUNT = Policy(free=5, first_wait_s=30, max_wait_s=900)
CLIENT = Policy(free=10, first_wait_s=30, max_wait_s=900)
PAIR = Policy(free=5, first_wait_s=5, max_wait_s=60)


def _key(*parts: str) -> str:
    # Usernames as typed can be anything; a hash keeps keys short and free of separators.
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


# ---- where the counters live -----------------------------------------------------------------------

class MemoryStore:
    """One process's counters (the embedded default)."""

    def __init__(self, max_keys: int = 100_000):
        self._failures: dict[str, tuple[int, float, float]] = {}  # key → (count, last failure, expires)
        self._known: dict[str, float] = {}  # key → expires
        self._lock = threading.Lock()
        self.max_keys = max_keys

    def failures(self, keys: list[str], now: float) -> list[tuple[int, float]]:
        with self._lock:
            out = []
            for k in keys:
                count, last, expires = self._failures.get(k, (0, 0.0, 0.0))
                out.append((count, last) if expires > now else (0, 0.0))
            return out

    def add_failure(self, keys: list[str], now: float) -> None:
        with self._lock:
            if len(self._failures) > self.max_keys:
                self._failures = {k: v for k, v in self._failures.items() if v[2] > now}
            for k in keys:
                count, _, expires = self._failures.get(k, (0, 0.0, 0.0))
                self._failures[k] = ((count if expires > now else 0) + 1, now, now + FORGET_S)

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def remember(self, key: str, now: float, ttl_s: float) -> None:
        with self._lock:
            if len(self._known) > self.max_keys:
                self._known = {k: v for k, v in self._known.items() if v > now}
            self._known[key] = now + ttl_s

    def remembers(self, key: str, now: float) -> bool:
        with self._lock:
            return self._known.get(key, 0.0) > now


class RedisStore:
    """Counters shared by every replica. Each failure counter is a hash {n, last} with a TTL."""

    def __init__(self, url: str, prefix: str):
        self.redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.prefix = prefix

    def failures(self, keys: list[str], now: float) -> list[tuple[int, float]]:
        pipe = self.redis.pipeline(transaction=False)
        for k in keys:
            pipe.hmget(self.prefix + "f:" + k, "n", "last")
        return [(int(n or 0), float(last or 0)) for n, last in pipe.execute()]

    def add_failure(self, keys: list[str], now: float) -> None:
        pipe = self.redis.pipeline(transaction=True)
        for k in keys:
            name = self.prefix + "f:" + k
            pipe.hincrby(name, "n", 1)
            pipe.hset(name, "last", repr(now))
            pipe.expire(name, FORGET_S)
        pipe.execute()

    def clear(self, key: str) -> None:
        self.redis.delete(self.prefix + "f:" + key)

    def remember(self, key: str, now: float, ttl_s: float) -> None:
        self.redis.set(self.prefix + "k:" + key, b"1", ex=int(ttl_s))

    def remembers(self, key: str, now: float) -> bool:
        return bool(self.redis.exists(self.prefix + "k:" + key))


# ---- the rules -------------------------------------------------------------------------------------

class LoginThrottle:
    def __init__(self, store: MemoryStore | RedisStore, clock: Callable[[], float] = time.time):
        self.store, self.clock = store, clock

    @classmethod
    def from_settings(cls, redis_url: str | None, prefix: str) -> "LoginThrottle":
        return cls(RedisStore(redis_url, prefix) if redis_url else MemoryStore())

    @staticmethod
    def _keys(username: str, client: str, device: str | None) -> dict[str, str]:
        name = username.strip().casefold()
        return {"account": _key("account", name), "client": _key("client", client),
                "pair": _key("pair", name, device or ""), "known": _key("known", name, device or "")}

    def is_known(self, username: str, device: str | None) -> bool:
        if not device:
            return False
        return self._safely(lambda: self.store.remembers(self._keys(username, "", device)["known"], self.clock()),
                            False)

    def wait_left(self, username: str, client: str, device: str | None) -> float:
        """Seconds this attempt must still wait (0: go ahead and check the password)."""
        keys, now = self._keys(username, client, device), self.clock()
        if self.is_known(username, device):
            rules = [("pair", PAIR)]
        else:
            rules = [("account", ACCOUNT)] + ([] if client in LOOPBACK else [("client", CLIENT)])
        counts = self._safely(lambda: self.store.failures([keys[name] for name, _ in rules], now), None)
        if counts is None:
            return 0.0
        return max([0.0] + [last + policy.wait_after(n) - now for (_, policy), (n, last) in zip(rules, counts) if n])

    def failed(self, username: str, client: str, device: str | None) -> None:
        keys = self._keys(username, client, device)
        names = ["account", "client"] + (["pair"] if device else [])
        self._safely(lambda: self.store.add_failure([keys[n] for n in names], self.clock()), None)

    def succeeded(self, username: str, device: str) -> None:
        """The password was right: this device is known for this account from now on."""
        keys, now = self._keys(username, "", device), self.clock()

        def write() -> None:
            self.store.clear(keys["pair"])
            self.store.remember(keys["known"], now, DEVICE_DAYS * 86400)

        self._safely(write, None)

    def _safely(self, action, fallback):
        try:
            return action()
        except (redis.RedisError, OSError) as exc:  # an outage of the shared store, not a bug here
            log.error("login throttle: Redis unreachable (%s); this sign-in is not throttled", exc)
            return fallback


def new_device_id() -> str:
    return secrets.token_urlsafe(24)


def valid_device_id(value: str | None) -> str | None:
    """A device cookie as this service makes them, or None (anything else is ignored, not trusted)."""
    if value and 20 <= len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value):
        return value
    return None
