"""Load benchmark of the dialogue: simulated citizens talking to Rasa's REST channel on loopback.

    .venv/service/bin/python -m benchmarks.dialogue_load                     # own stack, 20 users, 60 s
    .venv/service/bin/python -m benchmarks.dialogue_load --duration 120 --users 20
    .venv/service/bin/python -m benchmarks.dialogue_load --turns-per-conversation 200   # long mode
    .venv/service/bin/python -m benchmarks.dialogue_load --turns-per-conversation 200 --next-day-at 100
    .venv/service/bin/python -m benchmarks.dialogue_load --rasa-url http://127.0.0.1:5005 --rasa-pid 1234
    .venv/service/bin/python -m benchmarks.dialogue_load --compare-stock   # the same load on stock Rasa too

By default it starts its own stack (tests/stack.py: knowledge service, action server, Rasa with the
prepared model, temporary database, free ports) and times Rasa's start-up. Each simulated citizen
runs realistic multi-turn conversations (goal → situation answers → follow-ups → goodbye/rating,
ambiguity, practice questions, handoff) back to back with no think time by default, so 20 users
means 20 requests in flight at all times: a worst case for the hall's peak hour (--think-time 5
gives citizens who read and type). It prints per-turn latency
percentiles, throughput, errors (HTTP errors, timeouts, empty replies) and the processes' memory.

With --breakdown it also times, at the same concurrency, the knowledge-service calls an action
makes (search, guide, plan), to show where a turn's time goes.

Long mode (--turns-per-conversation N) runs N turns in ONE conversation per user and compares
latency of the first ten turns with the last ten: the tracker grows with every turn, so latency
must not grow with it (TEDPolicy's history featurisation did: ~130 → ~500 ms over 200 turns).
The conversation store loads only the recent turns of the session (bot/tracker_store.py).

With --compare-stock it also trains (cached by input hash under ~/.cache/approval-navigator) and
starts a stock Rasa 3.6 assistant on the same domain and training data: `rasa init`'s configuration
(default pipeline with DIETClassifier and ResponseSelector; MemoizationPolicy, TEDPolicy, RulePolicy)
for language zh with Rasa's JiebaTokenizer, `rasa run` with no patches, the default in-memory
tracker store, pointed at the same action server. The same load runs against ours, then against
stock, one after the other; each Rasa's start-up is timed alone (the other processes already up),
and the figures are printed side by side with their ratios.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import os
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.stack import (Process, actions_process, free_port, knowledge_process, rasa_process,
                         service_token_for)

# Conversations as citizens have them; every one ends (goodbye, rating or handoff) so the next
# one starts from a fresh sender id.
CONVERSATIONS = [
    ["我想开个饭店，要办哪些手续", "个体户", "大概80平", "不卖烟", "不挂", "要带哪些材料", "收费吗", "再见", "5分"],
    ["办护照", "要带哪些材料", "要多久", "收费吗", "在哪里办", "能网上办吗", "谢谢", "4分"],
    ["开店", "2", "跳过", "转人工"],
    ["我想開一家餐廳", "公司", "300平方米及以上", "卖烟", "要挂招牌", "材料不全能先办吗", "能网上办吗", "再见"],
    ["什么是容缺受理", "大厅几点上班", "今天天气怎么样", "结果能寄到家吗", "谢谢"],
    ["开个药店要办什么证", "个体工商户", "跳过", "转人工"],
    ["换驾照要带什么", "要多久", "在哪里办", "孩子出生了怎么上户口", "要带哪些材料", "再见", "5"],
]
# Long mode: follow-ups and goal switches between items (no situation form), repeated.
LONG_CYCLE = ["办护照", "要带哪些材料", "要多久", "收费吗", "在哪里办", "能网上办吗", "材料不全能先办吗",
              "换驾照要带什么", "要多久", "在哪里办", "什么是容缺受理", "大厅几点上班"]


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    conversations: int = 0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def describe(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (f"n={len(ms)}  mean {statistics.fmean(ms):.0f} ms  p50 {percentile(ms, 50):.0f}  "
            f"p95 {percentile(ms, 95):.0f}  p99 {percentile(ms, 99):.0f}  max {max(ms):.0f} ms") if ms else "n=0"


# ---- memory from /proc (no psutil in the service venv) -----------------------------------------

def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                kids.append(int(entry.name))
    return kids


def rss_mb(pid: int | None) -> float:
    """Resident memory of a process and its descendants, in MB."""
    if not pid:
        return float("nan")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
        todo += _children(p)
    return total / 1024


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process and its descendants (so far), in seconds."""
    if not pid:
        return float("nan")
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
        todo += _children(p)
    return total / tick


# ---- the stack ----------------------------------------------------------------------------------

class OwnStack:
    """Knowledge service, action server and Rasa started here, with start-up times measured."""

    def __init__(self, workdir: Path) -> None:
        self.service_token = service_token_for(workdir)  # as scripts/start.sh shares it
        token = {"SERVICE_TOKEN": self.service_token}
        self.knowledge = knowledge_process(workdir, **token)
        self.rasa_port = free_port()
        self.knowledge.env["RASA_URL"] = f"http://127.0.0.1:{self.rasa_port}"
        self.knowledge_url = self.knowledge.health_url.removesuffix("/healthz")
        self.actions = actions_process(workdir, self.knowledge_url, **token)
        self.rasa = rasa_process(workdir, self.actions.health_url.removesuffix("/health"), port=self.rasa_port,
                                 env=token)
        self.rasa_url = self.rasa.health_url.rstrip("/")
        self.startup: dict[str, float] = {}

    def start(self) -> None:
        started = time.monotonic()
        for p in (self.knowledge, self.actions, self.rasa):
            p.start()
        pending = {p.name: p for p in (self.knowledge, self.actions, self.rasa)}
        deadline = started + 300
        while pending and time.monotonic() < deadline:
            for name, p in list(pending.items()):
                if p.proc.poll() is not None:
                    raise RuntimeError(f"{name} exited; log {p.log}:\n" + p.log.read_text(errors="replace")[-3000:])
                try:
                    if httpx.get(p.health_url, timeout=1).status_code < 500:
                        self.startup[name] = time.monotonic() - started
                        del pending[name]
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        if pending:
            raise TimeoutError(f"not healthy after 300 s: {list(pending)}")
        # Start-up as a citizen sees it: until the first real answer comes back.
        while True:
            try:
                reply = httpx.post(f"{self.rasa_url}/webhooks/rest/webhook",
                                   json={"sender": "warm-up", "message": "你好"}, timeout=30).json()
                if reply:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.startup["first answer"] = time.monotonic() - started

    def pids(self) -> dict[str, int]:
        return {p.name: p.proc.pid for p in (self.knowledge, self.actions, self.rasa)}

    def stop(self) -> None:
        for p in (self.rasa, self.actions, self.knowledge):
            p.stop()


# ---- stock Rasa, for the side-by-side figures ---------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("CACHE_DIR", Path.home() / ".cache" / "approval-navigator"))
RASA_BIN = ROOT / ".venv" / "rasa" / "bin"
# `rasa init`'s configuration (rasa/cli/initial_project/config.yml: the default pipeline and policies
# it documents) for language zh. The one change: Rasa's JiebaTokenizer instead of WhitespaceTokenizer,
# which Rasa refuses for zh ("does not support the currently specified language") and which would
# not split Chinese anyway; Rasa's documentation names JiebaTokenizer for Chinese.
STOCK_CONFIG = """recipe: default.v1
assistant_id: stock-comparison
language: zh
pipeline:
  - name: JiebaTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: 100
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
policies:
  - name: MemoizationPolicy
  - name: TEDPolicy
    max_history: 5
    epochs: 100
  - name: RulePolicy
"""


def stock_inputs(tmp: Path) -> Path:
    """A stock project in `tmp`: the project's domain and data, `rasa init`'s configuration."""
    project = tmp / "stock-project"
    project.mkdir(parents=True, exist_ok=True)
    (project / "config.yml").write_text(STOCK_CONFIG, encoding="utf-8")
    shutil.copy(ROOT / "bot" / "domain.yml", project / "domain.yml")
    # The whole data folder, rules/ included: without the rules stock Rasa trains no dialogue model.
    shutil.copytree(ROOT / "bot" / "data", project / "data", dirs_exist_ok=True)
    return project


def stock_model(tmp: Path) -> Path:
    """The stock model, trained once per input (config, domain, data, Rasa version) and cached."""
    project = stock_inputs(tmp)
    digest = hashlib.sha256()
    version = subprocess.run([str(RASA_BIN / "python"), "-c", "import rasa; print(rasa.__version__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    digest.update(version.encode())
    for f in sorted(project.rglob("*.yml")):
        digest.update(f.relative_to(project).as_posix().encode() + b"\0" + f.read_bytes())
    cached = CACHE / f"stock-rasa-model-{digest.hexdigest()[:16]}.tar.gz"
    if cached.exists():
        print(f"stock model: cached {cached}")
        return cached
    print(f"stock model: training (DIET, TED … on the same domain and data; minutes) → {cached}")
    started = time.monotonic()
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = f"partial-{cached.name.removesuffix('.tar.gz')}"
    subprocess.run([str(RASA_BIN / "rasa"), "train", "--config", "config.yml", "--domain", "domain.yml",
                    "--data", "data", "--out", str(CACHE), "--fixed-model-name", partial],
                   cwd=project, check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    (CACHE / f"{partial}.tar.gz").rename(cached)
    print(f"stock model: trained in {time.monotonic() - started:.0f} s")
    return cached


def stock_rasa_process(tmp: Path, model: Path, action_url: str, service_token: str) -> Process:
    """`rasa run` as shipped: REST channel, in-memory tracker and lock stores, no patches. It calls the
    same action server, so it carries the token that server requires (a header, as Rasa's own
    endpoint configuration allows)."""
    project = tmp / "stock-project"
    port = free_port()
    (project / "endpoints.yml").write_text(
        f"action_endpoint:\n  url: {action_url}/webhook\n  headers:\n    X-Service-Token: {service_token}\n",
        encoding="utf-8")
    return Process("stock rasa", [str(RASA_BIN / "rasa"), "run", "--model", str(model), "--endpoints",
                                  "endpoints.yml", "--port", str(port), "--interface", "127.0.0.1"],
                   {"RASA_TELEMETRY_ENABLED": "false"}, tmp / "stock-rasa.log", f"http://127.0.0.1:{port}/",
                   cwd=project)


def timed_start(process: Process) -> dict[str, float]:
    """Starts a Rasa process alone (the action server and knowledge service already up) and times it:
    seconds until its HTTP server answers, until its first real answer, and its RSS then."""
    started = time.monotonic()
    process.start()
    process.wait_healthy(600)
    healthy = time.monotonic() - started
    rasa_url = process.health_url.rstrip("/")
    while time.monotonic() < started + 600:
        try:
            if httpx.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": "warm-up", "message": "你好"},
                          timeout=30).json():
                break
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.2)
    else:
        raise TimeoutError(f"no answer from {rasa_url} after 600 s")
    return {"healthy": healthy, "startup": time.monotonic() - started, "rss_start": rss_mb(process.proc.pid)}


def print_comparison(ours: dict, stock: dict) -> None:
    rows = [("throughput (turns/s)", "throughput"), ("p50 (ms)", "p50"), ("p95 (ms)", "p95"), ("p99 (ms)", "p99"),
            ("Rasa start-up: HTTP up (s)", "healthy"), ("Rasa start-up: first answer (s)", "startup"),
            ("Rasa RSS after start (MB)", "rss_start"), ("Rasa RSS peak under load (MB)", "rss_peak"),
            ("Rasa CPU per turn (ms)", "rasa_cpu"), ("errors", "errors")]
    print("\nSide by side (same load, same action server and knowledge service, one after the other):")
    print(f"  {'':<34}{'ours':>10}{'stock':>10}   ours/stock")
    for label, key in rows:
        a, b = ours.get(key, float("nan")), stock.get(key, float("nan"))
        ratio = f"{a / b:.2f}x" if b else "-"
        print(f"  {label:<34}{a:>10.1f}{b:>10.1f}   {ratio}")


# ---- citizens -----------------------------------------------------------------------------------

async def turn(client: httpx.AsyncClient, rasa_url: str, sender: str, text: str, stats: Stats,
               timeout: float) -> float | None:
    started = time.perf_counter()
    try:
        resp = await client.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                 timeout=timeout)
    except httpx.TimeoutException:
        stats.error("timeout")
        return None
    except httpx.HTTPError as exc:
        stats.error(type(exc).__name__)
        return None
    elapsed = time.perf_counter() - started
    if resp.status_code != 200:
        stats.error(f"HTTP {resp.status_code}")
    elif not resp.json():
        stats.error("empty reply")
    elif any("暂时无法访问" in (m.get("text") or "") for m in resp.json()):
        stats.error("knowledge service unavailable (action timeout)")
    stats.latencies.append(elapsed)
    return elapsed


async def citizen(n: int, client: httpx.AsyncClient, rasa_url: str, deadline: float, stats: Stats,
                  timeout: float, think: float) -> None:
    # Users start on different scripts so the mix is even from the first second.
    for script in itertools.islice(itertools.cycle(CONVERSATIONS), n, None):
        sender = f"load-{n}-{uuid.uuid4().hex[:8]}"
        for text in script:
            if time.monotonic() >= deadline:
                return
            await turn(client, rasa_url, sender, text, stats, timeout)
            if think:
                # Reading the answer and typing the next message; jittered so users do not march in step.
                await asyncio.sleep(random.uniform(0.5 * think, 1.5 * think))
        stats.conversations += 1


async def long_conversation(n: int, client: httpx.AsyncClient, rasa_url: str, turns: int, timeout: float,
                            stats: Stats, next_day_at: int = 0, store: Path | None = None,
                            rasa_pid: int | None = None, cpu: list[float] | None = None) -> list[float | None]:
    """With `rasa_pid` and `cpu` (one user only) it also records Rasa's CPU seconds for each turn:
    unlike latency, that hardly changes when other processes load the machine."""
    sender = f"long-{n}-{uuid.uuid4().hex[:8]}"
    latencies = []
    for i, text in enumerate(itertools.islice(itertools.cycle(LONG_CYCLE), turns)):
        if next_day_at and i == next_day_at and store:
            # The citizen comes back the next day (a WeChat user keeps the same sender id): what has
            # been said so far is moved a day back in Rasa's store, so this turn starts a new session.
            await asyncio.to_thread(move_to_yesterday, store, sender)
        before = cpu_seconds(rasa_pid) if cpu is not None else 0.0
        latencies.append(await turn(client, rasa_url, sender, text, stats, timeout))
        if cpu is not None:
            cpu.append(cpu_seconds(rasa_pid) - before)
    return latencies


def move_to_yesterday(store: Path, sender: str) -> None:
    import sqlite3

    with sqlite3.connect(store, timeout=30) as db:
        db.execute("UPDATE events SET timestamp = timestamp - 86400, "
                   "data = json_set(data, '$.timestamp', json_extract(data, '$.timestamp') - 86400) "
                   "WHERE sender_id = ?", (sender,))


async def sample_memory(pids: dict[str, int], peaks: dict[str, float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for name, pid in pids.items():
            peaks[name] = max(peaks.get(name, 0.0), rss_mb(pid))
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except asyncio.TimeoutError:
            pass


CALLS_LINE = re.compile(r"(\w+): (\d+) knowledge-service calls for message (\S+)")


def calls_per_turn(actions_log: Path, offset: int) -> None:
    """Knowledge-service calls per citizen message, from the action server's log lines written since
    `offset` (every action run logs its calls with the message id; a turn may run two actions)."""
    per_message: dict[str, int] = {}
    with actions_log.open(errors="replace") as f:
        f.seek(offset)
        for line in f:
            m = CALLS_LINE.search(line)
            if m and m.group(3) != "-":
                per_message[m.group(3)] = per_message.get(m.group(3), 0) + int(m.group(2))
    if not per_message:
        print("  knowledge-service calls per turn: no action-server log lines found")
        return
    counts = sorted(per_message.values())
    print(f"  knowledge-service calls per turn: mean {statistics.fmean(counts):.2f}, "
          f"p99 {counts[min(len(counts) - 1, int(len(counts) * 0.99))]}, max {counts[-1]} "
          f"over {len(counts)} turns (target: at most 3)")


async def breakdown(knowledge_url: str, users: int, seconds: float) -> None:
    """The knowledge-service calls behind one turn, timed at the same concurrency."""
    understand = {"text": "我想开个饭店，个体户，80平，不卖烟", "focus": None, "answers": {}, "unsure": []}
    in_form = {"text": "这个要多久？", "focus": "route:open-restaurant", "answers": {"entity": "individual"},
               "unsure": [], "current": "area"}
    calls = [("understand goal+facts", "POST", "/api/dialogue/understand", {"json": understand}),
             ("understand in form", "POST", "/api/dialogue/understand", {"json": in_form}),
             ("answer: start route", "POST", "/api/dialogue/answer",
              {"json": {"focus": "route:open-restaurant", "answers": {"area": "small"}, "start_questions": True}}),
             ("answer: tailored plan", "POST", "/api/dialogue/answer",
              {"json": {"focus": "route:open-restaurant", "answers": {
                  "entity": "individual", "area": "small", "sells_tobacco": "no", "signboard": "yes"}}}),
             ("answer: item aspect", "POST", "/api/dialogue/answer",
              {"json": {"focus": "item:passport", "aspect": "fee"}})]
    print(f"\nKnowledge service calls an action makes, {users} concurrent callers, {seconds:.0f} s each:")
    limits = httpx.Limits(max_connections=users)
    async with httpx.AsyncClient(limits=limits) as client:
        for label, method, path, kwargs in calls:
            latencies: list[float] = []
            deadline = time.monotonic() + seconds

            # Awaited within this iteration, so the loop variables it reads cannot move under it.
            async def worker() -> None:
                while time.monotonic() < deadline:  # noqa: B023
                    started = time.perf_counter()
                    resp = await client.request(method, knowledge_url + path, timeout=30, **kwargs)  # noqa: B023
                    resp.raise_for_status()
                    latencies.append(time.perf_counter() - started)  # noqa: B023

            await asyncio.gather(*(worker() for _ in range(users)))
            print(f"  {label:<22} {describe(latencies)}  ({len(latencies) / seconds:.1f} req/s)")


async def run(args: argparse.Namespace, rasa_url: str, knowledge_url: str | None, pids: dict[str, int],
              title: str = "", store: Path | None = None, actions_log: Path | None = None) -> dict[str, float]:
    """Runs the load, prints its figures and returns them (for --compare-stock)."""
    stats = Stats()
    peaks: dict[str, float] = {}
    log_offset = actions_log.stat().st_size if actions_log is not None and actions_log.exists() else 0
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(pids, peaks, stop))
    limits = httpx.Limits(max_connections=args.users, max_keepalive_connections=args.users)
    before = {name: rss_mb(pid) for name, pid in pids.items()}
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    async with httpx.AsyncClient(limits=limits) as client:
        started = time.monotonic()
        rasa_pid = next((pid for name, pid in pids.items() if "rasa" in name), None)
        turn_cpu: list[float] | None = [] if args.users == 1 and rasa_pid else None
        if args.turns_per_conversation:
            runs = await asyncio.gather(*(long_conversation(n, client, rasa_url, args.turns_per_conversation,
                                                            args.timeout, stats, args.next_day_at, store,
                                                            rasa_pid, turn_cpu)
                                          for n in range(args.users)))
        else:
            deadline = started + args.duration
            await asyncio.gather(*(citizen(n, client, rasa_url, deadline, stats, args.timeout, args.think_time)
                                   for n in range(args.users)))
        wall = time.monotonic() - started
    stop.set()
    await sampler
    cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}

    turns = len(stats.latencies) + sum(v for k, v in stats.errors.items() if k in ("timeout",))
    print(f"\n{title}{args.users} concurrent users (think time {args.think_time:g} s), {wall:.1f} s, {turns} turns"
          + (f", {stats.conversations} finished conversations" if not args.turns_per_conversation else ""))
    print(f"  per-turn latency: {describe(stats.latencies)}")
    print(f"  throughput: {len(stats.latencies) / wall:.1f} turns/s")
    print(f"  errors: {sum(stats.errors.values())}" + (f" {stats.errors}" if stats.errors else ""))
    if args.turns_per_conversation:
        n = args.turns_per_conversation
        window = min(10, n // 2)
        first = [t for r in runs for t in r[:window] if t is not None]
        last = [t for r in runs for t in r[-window:] if t is not None]
        print(f"  turns 1-{window}:    {describe(first)}")
        print(f"  turns {n - window + 1}-{n}: {describe(last)}")
        if first and last:
            print(f"  turns {n - window + 1}-{n} / turns 1-{window}: mean {statistics.fmean(last) / statistics.fmean(first):.2f}x"
                  f" (target <= 1.2x)")
        if args.next_day_at:
            back = [t for r in runs for t in r[args.next_day_at:args.next_day_at + window] if t is not None]
            print(f"  turns {args.next_day_at + 1}-{args.next_day_at + window} (back the next day, new session): "
                  f"{describe(back)}")
        # The first turns also pay cold caches (first embedding of each query), so the trend by block
        # of turns is the fairer view of growth with history.
        block = max(1, n // 10)
        means = []
        for start in range(0, n, block):
            values = [t for r in runs for t in r[start:start + block] if t is not None]
            means.append(f"{start + 1}-{min(start + block, n)}: {statistics.fmean(values) * 1000:.0f}" if values else "")
        print("  mean latency (ms) by block of turns: " + ", ".join(m for m in means if m))
        if turn_cpu:
            # /proc counts CPU in ticks (10 ms), so single turns are coarse; blocks average it out.
            blocks = [f"{start + 1}-{min(start + block, n)}: {statistics.fmean(turn_cpu[start:start + block]) * 1000:.0f}"
                      for start in range(0, n, block)]
            print("  Rasa CPU per turn (ms) by block of turns: " + ", ".join(blocks))
            head, tail = statistics.fmean(turn_cpu[:block]), statistics.fmean(turn_cpu[-block:])
            print(f"  Rasa CPU per turn, last {block} / first {block} turns: {tail / head:.2f}x")
    for name in pids:
        print(f"  {name} RSS: before {before[name]:.0f} MB, peak {peaks.get(name, float('nan')):.0f} MB")
    if pids and stats.latencies:
        # Where the time goes: CPU each process spent per answered turn (2 cores: the sum bounds throughput).
        per_turn = {name: cpu[name] / len(stats.latencies) * 1000 for name in pids}
        print("  CPU per turn: " + ", ".join(f"{k} {v:.1f} ms" for k, v in per_turn.items())
              + f" (sum {sum(per_turn.values()):.1f} ms; {os.cpu_count()} cores → at most "
              f"{os.cpu_count() * 1000 / sum(per_turn.values()):.1f} turns/s)")
        print(f"  load average during the run: {os.getloadavg()[0]:.1f} (other processes on the machine count)")
    p99 = percentile(stats.latencies, 99)
    verdict = "met" if p99 <= 1.0 and not stats.errors else "MISSED"
    print(f"  target p99 <= 1 s with no errors: {verdict} (p99 {p99 * 1000:.0f} ms)")
    if args.breakdown and actions_log is not None and actions_log.exists():
        calls_per_turn(actions_log, log_offset)
    if args.breakdown and knowledge_url:
        await breakdown(knowledge_url, args.users, args.breakdown_seconds)
    ms = [v * 1000 for v in stats.latencies]
    rasa = next((name for name in pids if "rasa" in name), None)
    return {"throughput": len(stats.latencies) / wall, "p50": percentile(ms, 50), "p95": percentile(ms, 95),
            "p99": percentile(ms, 99), "errors": float(sum(stats.errors.values())),
            "rss_peak": peaks.get(rasa, float("nan")) if rasa else float("nan"),
            "rasa_cpu": cpu[rasa] / len(ms) * 1000 if rasa and ms else float("nan")}


def compare_with_stock(args: argparse.Namespace, tmp: Path, stack: OwnStack, ours: dict) -> None:
    """Start-up of each Rasa timed alone (ours restarted on its conversation store), then the same
    load against stock Rasa, then the figures side by side."""
    model = stock_model(tmp)
    stack.rasa.stop()
    ours.update(timed_start(stack.rasa))
    stack.rasa.stop()
    stock = stock_rasa_process(tmp, model, stack.actions.health_url.removesuffix("/health"), stack.service_token)
    try:
        figures = timed_start(stock)
        print(f"\nstock Rasa: HTTP up in {figures['healthy']:.1f} s, first answer in {figures['startup']:.1f} s, "
              f"RSS {figures['rss_start']:.0f} MB")
        pids = {"knowledge": stack.knowledge.proc.pid, "actions": stack.actions.proc.pid, "stock rasa": stock.proc.pid}
        figures.update(asyncio.run(run(args, stock.health_url.rstrip("/"), None, pids, title="Stock Rasa 3.6: ")))
    finally:
        stock.stop()
    print_comparison(ours, figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (conversation mode)")
    parser.add_argument("--turns-per-conversation", type=int, default=0,
                        help="long mode: this many turns in one conversation per user")
    parser.add_argument("--timeout", type=float, default=30, help="per-turn client timeout, seconds")
    parser.add_argument("--think-time", type=float, default=0,
                        help="mean seconds a citizen waits before the next message (default 0: worst case)")
    parser.add_argument("--rasa-url", help="use a running Rasa instead of starting a stack")
    parser.add_argument("--knowledge-url", help="with --rasa-url: the knowledge service, for --breakdown")
    parser.add_argument("--rasa-pid", type=int, help="with --rasa-url: Rasa's pid, for memory and CPU figures")
    parser.add_argument("--actions-pid", type=int, help="with --rasa-url: the action server's pid")
    parser.add_argument("--knowledge-pid", type=int, help="with --rasa-url: the knowledge service's pid")
    parser.add_argument("--breakdown", action="store_true",
                        help="also count the knowledge-service calls per turn and time each kind")
    parser.add_argument("--actions-log", help="with --rasa-url and --breakdown: the action server's log (var/log/actions.log)")
    parser.add_argument("--breakdown-seconds", type=float, default=10)
    parser.add_argument("--keep-logs", action="store_true", help="own stack: keep its folder (logs, databases)")
    parser.add_argument("--next-day-at", type=int, default=0,
                        help="long mode, own stack: before this turn the conversation so far is moved a day "
                             "back, so the citizen comes back the next day (a new session)")
    parser.add_argument("--compare-stock", action="store_true",
                        help="also run the same load against stock Rasa 3.6 (default config, DIET + TED) and "
                             "print the ratios")
    args = parser.parse_args()
    if args.users < 1 or args.users > 200 or args.duration <= 0 or args.duration > 3600:
        parser.error("--users must be 1..200 and --duration 0..3600 s (this is a loopback benchmark)")

    if args.rasa_url:
        pids = {name: pid for name, pid in (("knowledge", args.knowledge_pid), ("actions", args.actions_pid),
                                            ("rasa", args.rasa_pid)) if pid}
        asyncio.run(run(args, args.rasa_url.rstrip("/"), args.knowledge_url, pids,
                        actions_log=Path(args.actions_log) if args.actions_log else None))
        return
    with tempfile.TemporaryDirectory(prefix="dialogue-load-") as tmp:
        if args.keep_logs:
            tmp = tempfile.mkdtemp(prefix="dialogue-load-kept-")
            print(f"processes' logs and databases kept in {tmp}")
        stack = OwnStack(Path(tmp))
        try:
            stack.start()
            print("start-up (all three started together, seconds until healthy): "
                  + ", ".join(f"{k} {v:.1f} s" for k, v in stack.startup.items()))
            print(f"  Rasa start-up {stack.startup['rasa']:.1f} s (target <= 60 s); "
                  f"RSS after start: " + ", ".join(f"{k} {rss_mb(p):.0f} MB" for k, p in stack.pids().items()))
            ours = asyncio.run(run(args, stack.rasa_url, stack.knowledge_url, stack.pids(),
                                   title="Ours: " if args.compare_stock else "",
                                   store=Path(tmp) / "conversations.db", actions_log=stack.actions.log))
            if args.compare_stock:
                compare_with_stock(args, Path(tmp), stack, ours)
        finally:
            stack.stop()


if __name__ == "__main__":
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    main()
