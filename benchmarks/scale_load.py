"""Load test of both layouts in one run: the embedded default (one process each, in-memory tracker) and
the scaled layout (scripts/start-scaled.sh: nginx, Rasa replicas on PostgreSQL + Redis, knowledge
replicas), on Rasa's REST channel and on the WeChat webhook, on loopback only.

    .venv/service/bin/python -m benchmarks.scale_load                          # both layouts, ~16 min
    .venv/service/bin/python -m benchmarks.scale_load --layout scaled --levels 20 --duration 30
    .venv/service/bin/python -m benchmarks.scale_load --layout scaled --rasa-replicas 1 --sanic-workers 2

For each layout it starts the layout itself (own temporary databases, Redis key prefixes and free
ports), then runs, for each channel and each level of concurrent users (20, 50, 100), 60 s of
realistic multi-turn conversations in Chinese: a goal, the situation questions answered (as digits
on WeChat), follow-ups (要带什么材料 / 多久能办好 / 在哪里办), some Traditional input, a goodbye
or rating. Users pause 2–5 s (uniform) between turns, as citizens read and type; one more line per
layout has no pause (saturation). Each user is a bounded loop that stops at the deadline.

WeChat is played as WeChat's servers play it: signed requests; a request unanswered after 5 s is
abandoned and resent with the same MsgId (at most twice); customer-service messages go to a local
stand-in of WeChat's API (tests/channels/fake_wechat_api.py). Every message is then answered
passively, or by the customer-service API, or missed; "dup" counts answers beyond one.

It prints one table: throughput, p50/p95/p99 latency and errors per level, the WeChat outcomes, the
peak memory (RSS) of every process and the load average (the machine may be shared).
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.dialogue_load import cpu_seconds, percentile, rss_mb
from tests.channels.fake_wechat_api import FakeWeChatAPI
from tests.channels.wechat_sim import DOC_AES_KEY, DOC_APP_ID, DOC_TOKEN, WeChatServer, text_xml
from tests.stack import (actions_process, free_port, knowledge_process, rasa_process,
                         service_token_for)

ROOT = Path(__file__).resolve().parents[1]

SECRET = "bench-app-secret"
WECHAT_WAIT_S = 5.0        # WeChat abandons a callback after 5 s …
WECHAT_ATTEMPTS = 3        # … and resends it twice
CS_WAIT_S = 25.0           # a late answer by the customer-service API must arrive within this
FAILURE_MARKS = ("暂时无法访问", "暂时繁忙")  # the apologies: counted as errors under load

# REST: what a citizen types on the web chat (choices by their words or their number).
REST_CONVERSATIONS = [
    ["我想开个饭店，要办哪些手续", "个体工商户", "300平方米以下", "不卖烟", "不挂", "要带什么材料", "多久能办好", "谢谢", "5分"],
    ["办护照", "要带哪些材料", "多久能办好", "在哪里办", "收费吗", "能网上办吗", "再见"],
    ["我想開一家餐廳", "2", "2", "卖烟", "要挂招牌", "材料不全能先办吗", "在哪里辦理", "再见", "4"],
    ["换驾照要带什么", "多久能办好", "在哪里办", "孩子出生了怎么上户口", "要带哪些材料", "谢谢"],
    ["开个药店要办什么证", "个体工商户", "跳过", "要带什么材料", "转人工"],
    ["什么是容缺受理", "大厅几点上班", "结果能寄到家吗", "辦護照要多久", "谢谢"],
    ["开店", "2", "跳过", "在哪里办", "再见"],
]
# WeChat: the same citizens on the official account; offered choices answered with their digit.
WECHAT_CONVERSATIONS = [
    ["我想开个饭店", "1", "1", "2", "2", "更多", "要带什么材料", "谢谢", "5"],
    ["办护照", "1", "多久能办好", "在哪里办", "能网上办吗", "再见"],
    ["孩子出生了怎么上户口", "要带哪些材料", "多久能办好", "在哪里办", "大厅几点上班", "谢谢"],
    ["我想開一家餐廳", "2", "2", "1", "1", "要带什么材料", "再见", "4"],
    ["开个药店要办什么证", "1", "跳过", "要带哪些材料", "材料不全能先办吗", "转人工"],
    ["换驾照要带什么", "多久能办好", "辦護照要多久", "谢谢"],
]


@dataclass
class Level:
    layout: str
    channel: str
    users: int
    think: str
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    passive: int = 0
    by_cs: int = 0
    missed: int = 0
    dup: int = 0
    resent: int = 0
    load: float = 0.0
    cpu_ms: float = float("nan")  # CPU of all the layout's processes per answered turn

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


# ---- layouts --------------------------------------------------------------------------------------

class Layout:
    name: str
    base_url: str            # REST and WeChat webhooks under it
    pids: dict[str, int]
    stats_urls: list[str]    # each Rasa process's /webhooks/wechat/stats

    def wechat_stats(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for url in self.stats_urls:
            try:
                for k, v in httpx.get(url, timeout=10).json().items():
                    total[k] = total.get(k, 0) + v
            except httpx.HTTPError:
                pass
        return total


def wechat_env(api_url: str, prefix: str) -> dict[str, str]:
    return {"WECHAT_TOKEN": DOC_TOKEN, "WECHAT_ENCODING_AES_KEY": DOC_AES_KEY, "WECHAT_APP_ID": DOC_APP_ID,
            "WECHAT_APP_SECRET": SECRET, "WECHAT_API_BASE_URL": api_url, "WECHAT_REDIS_PREFIX": prefix}


class DefaultLayout(Layout):
    """make run's layout: one knowledge service (SQLite), one action server, one Rasa (in memory)."""

    name = "default"

    def __init__(self, workdir: Path, api_url: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        token = {"SERVICE_TOKEN": service_token_for(workdir)}  # as scripts/start.sh shares it
        self.knowledge = knowledge_process(workdir, ADMIN_PASSWORD="bench-口令-123", VAR_DIR=str(workdir / "var"),
                                           **token)
        self.actions = actions_process(workdir, self.knowledge.health_url.removesuffix("/healthz"), **token)
        env = {**wechat_env(api_url, f"bench-{uuid.uuid4().hex[:8]}:"), "REDIS_URL": "",
               "RASA_TELEMETRY_ENABLED": "false", **token}
        self.rasa = rasa_process(workdir, self.actions.health_url.removesuffix("/health"), env=env)
        self.base_url = self.rasa.health_url.rstrip("/")
        self.stats_urls = [self.base_url + "/webhooks/wechat/stats"]

    def start(self) -> None:
        for p in (self.knowledge, self.actions, self.rasa):
            p.start()
        for p in (self.knowledge, self.actions, self.rasa):
            p.wait_healthy(300)
        self.pids = {p.name: p.proc.pid for p in (self.knowledge, self.actions, self.rasa)}

    def stop(self) -> None:
        for p in (self.rasa, self.actions, self.knowledge):
            p.stop()


class ScaledLayout(Layout):
    """scripts/start-scaled.sh with this run's own databases, Redis prefixes and free ports."""

    name = "scaled"

    def __init__(self, workdir: Path, api_url: str, rasa_replicas: int, knowledge_replicas: int,
                 sanic_workers: int) -> None:
        self.tag = uuid.uuid4().hex[:8]
        self.run_dir = workdir / "scaled"
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.rasa_replicas = rasa_replicas
        port = free_port()
        self.rasa_base, self.knowledge_base, self.actions_base = (self._free_block(rasa_replicas),
                                                                  self._free_block(knowledge_replicas),
                                                                  self._free_block(2))
        self.env = {
            **os.environ, **wechat_env(api_url, f"bench-{self.tag}:"), "SKIP_PREPARE": "1",
            "SCALED_RUN_DIR": str(self.run_dir), "PUBLIC_PORT": str(port), "ACTIONS_PORT": str(free_port()),
            "RASA_REPLICAS": str(rasa_replicas), "KNOWLEDGE_REPLICAS": str(knowledge_replicas),
            "ACTIONS_REPLICAS": "2", "RASA_BASE_PORT": str(self.rasa_base),
            "KNOWLEDGE_BASE_PORT": str(self.knowledge_base), "ACTIONS_BASE_PORT": str(self.actions_base),
            "KNOWLEDGE_DB": f"bench_guides_{self.tag}", "TRACKER_DB": f"bench_rasa_{self.tag}",
            "LOCK_REDIS_PREFIX": f"bench{self.tag}", "ADMIN_PASSWORD": "bench-口令-123",
        }
        if sanic_workers > 1:
            self.env["SANIC_WORKERS"] = str(sanic_workers)
            self.name = f"scaled ({rasa_replicas} Rasa × {sanic_workers} Sanic workers)"
        else:
            self.name = f"scaled ({rasa_replicas} Rasa, {knowledge_replicas} knowledge)"
        self.base_url = f"http://127.0.0.1:{port}"
        self.stats_urls = []
        self.script: subprocess.Popen | None = None

    @staticmethod
    def _free_block(n: int) -> int:
        """The first of n consecutive free ports (the script numbers replicas from a base port)."""
        import socket
        for _ in range(200):
            base = random.randrange(20000, 60000)
            try:
                for p in range(base, base + n):
                    with socket.socket() as s:
                        s.bind(("127.0.0.1", p))
                return base
            except OSError:
                continue
        raise RuntimeError("no block of free ports")

    def start(self) -> None:
        log = (self.run_dir.parent / "start-scaled.log").open("wb")
        self.script = subprocess.Popen(["bash", "scripts/start-scaled.sh"], cwd=ROOT, env=self.env,
                                       stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 600
        while not (self.run_dir / "ready").exists():
            if self.script.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("scripts/start-scaled.sh did not get ready:\n"
                                   + (self.run_dir.parent / "start-scaled.log").read_text(errors="replace")[-3000:])
            time.sleep(1)
        self.pids = {}
        for line in (self.run_dir / "pids").read_text().splitlines():
            name, pid = line.split()
            self.pids[name] = int(pid)
        workers = int(self.env.get("SANIC_WORKERS", "1"))
        # With Sanic workers the replicas share a port; stats then come from whichever worker answers.
        self.stats_urls = [f"http://127.0.0.1:{self.rasa_base + i}/webhooks/wechat/stats"
                           for i in range(self.rasa_replicas)] if workers == 1 else []

    def stop(self) -> None:
        if self.script and self.script.poll() is None:
            self.script.send_signal(signal.SIGTERM)
            try:
                self.script.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.script.pid, signal.SIGKILL)
        import psycopg
        import redis
        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
            for db in (self.env["KNOWLEDGE_DB"], self.env["TRACKER_DB"]):
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        for db, pattern in ((0, f"bench-{self.tag}:*"), (1, f"bench{self.tag}:*")):
            r = redis.Redis(host="127.0.0.1", port=6379, db=db)
            keys = list(r.scan_iter(pattern))
            if keys:
                r.delete(*keys)


# ---- citizens --------------------------------------------------------------------------------------

def failed(texts: list[str]) -> str | None:
    if not any(t.strip() for t in texts):
        return "empty reply"
    for t in texts:
        for mark in FAILURE_MARKS:
            if mark in t:
                return f"apology ({mark})"
    return None


async def rest_user(n: int, client: httpx.AsyncClient, url: str, deadline: float, think: tuple[float, float],
                    level: Level) -> None:
    if think[1]:
        await asyncio.sleep(random.uniform(0, think[1]))  # arrivals spread, not all at second 0
    for script in itertools.islice(itertools.cycle(REST_CONVERSATIONS), n, None):
        sender = f"bench-{n}-{uuid.uuid4().hex[:8]}"
        for text in script:
            if time.monotonic() >= deadline:
                return
            started = time.perf_counter()
            try:
                resp = await client.post(url, json={"sender": sender, "message": text}, timeout=30)
            except httpx.TimeoutException:
                level.error("timeout")
                continue
            except httpx.HTTPError as exc:
                level.error(type(exc).__name__)
                continue
            level.latencies.append(time.perf_counter() - started)
            if resp.status_code != 200:
                level.error(f"HTTP {resp.status_code}")
            elif kind := failed([m.get("text") or "" for m in resp.json()]):
                level.error(kind)
            if think[1]:
                await asyncio.sleep(random.uniform(*think))


async def wechat_user(n: int, client: httpx.AsyncClient, server: WeChatServer, api: FakeWeChatAPI,
                      deadline: float, think: tuple[float, float], level: Level, expected_cs: dict[str, int]) -> None:
    if think[1]:
        await asyncio.sleep(random.uniform(0, think[1]))
    for script in itertools.islice(itertools.cycle(WECHAT_CONVERSATIONS), n, None):
        openid = f"obench{uuid.uuid4().hex[:22]}"
        expected_cs[openid] = 0
        for text in script:
            if time.monotonic() >= deadline:
                return
            xml = text_xml(openid, text)
            started = time.perf_counter()
            answer: str | None = None
            deferred = False
            for attempt in range(WECHAT_ATTEMPTS):
                if attempt:
                    level.resent += 1
                try:
                    resp = await client.post(server.url, params=server.query(), content=xml.encode(),
                                             headers={"Content-Type": "text/xml"}, timeout=WECHAT_WAIT_S)
                except httpx.TimeoutException:
                    continue  # WeChat gave up on this request; it resends the same MsgId
                except httpx.HTTPError as exc:
                    level.error(type(exc).__name__)
                    await asyncio.sleep(1)
                    continue
                if resp.status_code != 200:
                    level.error(f"HTTP {resp.status_code}")
                    continue
                if resp.text in ("", "success"):
                    deferred = True
                else:
                    answer = server.reply(resp)["Content"]
                break
            if answer is not None:
                level.passive += 1
                level.latencies.append(time.perf_counter() - started)
            else:
                # Answered later by the customer-service API, or missed.
                wait_until = time.monotonic() + CS_WAIT_S
                while len(api.sent_to(openid)) <= expected_cs[openid] and time.monotonic() < wait_until:
                    await asyncio.sleep(0.1)
                if len(api.sent_to(openid)) > expected_cs[openid]:
                    expected_cs[openid] += 1
                    level.by_cs += 1
                    level.latencies.append(time.perf_counter() - started)
                    answer = api.sent_to(openid)[expected_cs[openid] - 1]["text"]["content"]
                else:
                    level.missed += 1
                    level.error("missed (deferred, no customer-service message)" if deferred else "missed")
            if answer is not None and (kind := failed([answer])):
                level.error(kind)
            if think[1]:
                await asyncio.sleep(random.uniform(*think))


async def sample_memory(pids: dict[str, int], peaks: dict[str, float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for name, pid in pids.items():
            peaks[name] = max(peaks.get(name, 0.0), rss_mb(pid))
        try:
            await asyncio.wait_for(stop.wait(), 2.0)
        except asyncio.TimeoutError:
            pass


async def run_level(layout: Layout, api: FakeWeChatAPI, channel: str, users: int, seconds: float,
                    think: tuple[float, float], peaks: dict[str, float]) -> Level:
    level = Level(layout.name, channel, users, f"{think[0]:g}–{think[1]:g} s" if think[1] else "none")
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(layout.pids, peaks, stop))
    limits = httpx.Limits(max_connections=users * 2, max_keepalive_connections=users * 2)
    before = layout.wechat_stats() if channel == "wechat" else {}
    expected_cs: dict[str, int] = {}
    cpu_before = sum(cpu_seconds(pid) for pid in layout.pids.values())
    async with httpx.AsyncClient(limits=limits) as client:
        started = time.monotonic()
        deadline = started + seconds
        if channel == "rest":
            url = f"{layout.base_url}/webhooks/rest/webhook"
            await asyncio.gather(*(rest_user(n, client, url, deadline, think, level) for n in range(users)))
        else:
            server = WeChatServer(f"{layout.base_url}/webhooks/wechat/webhook")
            await asyncio.gather(*(wechat_user(n, client, server, api, deadline, think, level, expected_cs)
                                   for n in range(users)))
        level.wall = time.monotonic() - started
    if channel == "wechat":
        await asyncio.sleep(3)  # an answer sent twice would arrive by now
        level.dup = sum(max(0, len(api.sent_to(o)) - k) for o, k in expected_cs.items())
        after = layout.wechat_stats()
        level.errors.update({f"stats {k}": after.get(k, 0) - before.get(k, 0) for k in ("customer_service_failed",)
                             if after.get(k, 0) - before.get(k, 0)})
    if level.latencies:
        level.cpu_ms = (sum(cpu_seconds(pid) for pid in layout.pids.values()) - cpu_before) / len(level.latencies) * 1000
    stop.set()
    await sampler
    level.load = os.getloadavg()[0]
    return level


def row(level: Level) -> str:
    ms = [v * 1000 for v in level.latencies]
    answered = len(ms)
    errors = sum(level.errors.values())
    cells = [f"{level.layout:<30}", f"{level.channel:<6}", f"{level.users:>5}", f"{level.think:>9}",
             f"{answered:>6}", f"{answered / level.wall if level.wall else 0:>7.1f}",
             f"{percentile(ms, 50):>6.0f}", f"{percentile(ms, 95):>6.0f}", f"{percentile(ms, 99):>6.0f}",
             f"{errors:>6}"]
    if level.channel == "wechat":
        cells += [f"{level.passive:>7}", f"{level.by_cs:>6}", f"{level.missed:>6}", f"{level.dup:>4}",
                  f"{level.resent:>6}"]
    else:
        cells += [f"{'':>7}", f"{'':>6}", f"{'':>6}", f"{'':>4}", f"{'':>6}"]
    cells.append(f"{level.cpu_ms:>7.0f}")
    cells.append(f"{level.load:>5.1f}")
    text = " ".join(cells)
    if level.errors:
        text += "  " + ", ".join(f"{k}: {v}" for k, v in sorted(level.errors.items()))
    return text


HEADER = (f"{'layout':<30} {'chan':<6} {'users':>5} {'think':>9} {'turns':>6} {'turns/s':>7} {'p50ms':>6} "
          f"{'p95ms':>6} {'p99ms':>6} {'errors':>6} {'passive':>7} {'by-CS':>6} {'missed':>6} {'dup':>4} "
          f"{'resent':>6} {'cpu/t':>7} {'load':>5}")


def bench_layout(layout: Layout, api: FakeWeChatAPI, args: argparse.Namespace, table: list[str],
                 memory: list[str]) -> None:
    started = time.monotonic()
    layout.start()
    print(f"\n[{layout.name}] ready in {time.monotonic() - started:.0f} s; processes: "
          + ", ".join(f"{k} {rss_mb(p):.0f} MB" for k, p in layout.pids.items()), flush=True)
    # Warm-up: the first turns pay model and cache loading.
    with httpx.Client(timeout=60) as client:
        for i in range(6):
            client.post(f"{layout.base_url}/webhooks/rest/webhook", json={"sender": f"warm-{i}", "message": "办护照"})
    peaks: dict[str, float] = {}
    levels = [(c, u, (args.think_min, args.think_max), args.duration) for c in args.channels for u in args.levels]
    if args.saturation:
        levels.append(("rest", args.saturation_users, (0.0, 0.0), args.saturation))
    for channel, users, think, seconds in levels:
        level = asyncio.run(run_level(layout, api, channel, users, seconds, think, peaks))
        line = row(level)
        table.append(line)
        print(line, flush=True)
        time.sleep(3)  # let queues drain between levels
    memory.append(f"{layout.name}: peak RSS " + ", ".join(f"{k} {v:.0f} MB" for k, v in peaks.items())
                  + f" (total {sum(peaks.values()) / 1024:.1f} GB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layout", choices=("both", "default", "scaled"), default="both")
    ap.add_argument("--levels", type=int, nargs="+", default=[20, 50, 100], help="concurrent users per level")
    ap.add_argument("--channels", nargs="+", choices=("rest", "wechat"), default=["rest", "wechat"])
    ap.add_argument("--duration", type=float, default=60, help="seconds per level")
    ap.add_argument("--think-min", type=float, default=2.0)
    ap.add_argument("--think-max", type=float, default=5.0)
    ap.add_argument("--saturation", type=float, default=30,
                    help="seconds of the no-think-time line (REST) per layout; 0 to skip")
    ap.add_argument("--saturation-users", type=int, default=20)
    ap.add_argument("--rasa-replicas", type=int, default=2)
    ap.add_argument("--knowledge-replicas", type=int, default=2)
    ap.add_argument("--sanic-workers", type=int, default=1, help="SANIC_WORKERS per Rasa process (scaled layout)")
    args = ap.parse_args()
    if any(u < 1 or u > 200 for u in args.levels) or not 0 < args.duration <= 600 or args.saturation > 600:
        ap.error("levels must be 1..200 users and durations at most 600 s (a bounded loopback test)")

    api = FakeWeChatAPI(DOC_APP_ID, SECRET).start()
    table: list[str] = []
    memory: list[str] = []
    print(f"think time uniform {args.think_min:g}–{args.think_max:g} s; {args.duration:g} s per level; "
          f"{os.cpu_count()} cores; load average at start {os.getloadavg()[0]:.1f}", flush=True)
    # Logs of every process stay in var/scale-load/ after the run (replaced by the next run).
    workdir = ROOT / "var" / "scale-load"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    layouts = []
    if args.layout in ("both", "default"):
        layouts.append(lambda: DefaultLayout(workdir / "default", api.url))
    if args.layout in ("both", "scaled"):
        layouts.append(lambda: ScaledLayout(workdir / "scaled", api.url, args.rasa_replicas,
                                            args.knowledge_replicas, args.sanic_workers))
    try:
        for make in layouts:
            layout = make()
            try:
                print(HEADER, flush=True)
                bench_layout(layout, api, args, table, memory)
            finally:
                layout.stop()
    finally:
        api.stop()
    print("\n" + HEADER)
    print("\n".join(table))
    print("\n".join(memory))
    print("turns = answered turns (WeChat: messages answered passively or by the customer-service API); "
          "latency per answered turn; errors = HTTP errors, timeouts, empty replies, apologies, missed; "
          "resent = WeChat resends after 5 s; cpu/t = CPU ms of all the layout's processes per answered turn; "
          "load = 1-min load average at the end of the level")


if __name__ == "__main__":
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    main()
