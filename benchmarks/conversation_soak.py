"""Soak test of the conversation store: many distinct conversations, Rasa's memory sampled as they pile up.

    .venv/service/bin/python -m benchmarks.conversation_soak                      # 20,000 conversations
    .venv/service/bin/python -m benchmarks.conversation_soak --conversations 5000 --turns 2

It starts its own stack (tests/stack.py: Rasa with bot/endpoints.yml's SQL tracker store on a
temporary SQLite database) and runs a bounded number of conversations, each with a new sender id,
`--users` at a time with no think time. After every 1,000 conversations it prints Rasa's RSS; the
claim is that it stays flat: within 10% of its value after the first 1,000 conversations (start-up
and first-use allocations are done by then). Stock Rasa's default in-memory tracker store would keep
every conversation in the process instead.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from benchmarks.dialogue_load import OwnStack, describe, rss_mb

# First messages of real conversations, and a follow-up for --turns 2 and more.
OPENINGS = ["办护照", "我想开个饭店", "换驾照要带什么", "孩子出生了怎么上户口", "什么是容缺受理", "开个药店要办什么证",
            "大厅几点上班", "你好"]
FOLLOW_UPS = ["要带哪些材料", "要多久", "收费吗", "在哪里办"]
CHECKPOINT = 1000


async def soak(rasa_url: str, rasa_pid: int, conversations: int, turns: int, users: int,
               db: Path | None) -> None:
    counter = itertools.count()
    done = 0
    latencies: list[float] = []
    errors = 0
    samples: list[tuple[int, float]] = []
    started = time.monotonic()

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal done, errors
        while (n := next(counter)) < conversations:
            sender = f"soak-{n}-{uuid.uuid4().hex[:6]}"
            messages = [OPENINGS[n % len(OPENINGS)], *FOLLOW_UPS][:turns]
            for text in messages:
                t0 = time.perf_counter()
                try:
                    resp = await client.post(f"{rasa_url}/webhooks/rest/webhook",
                                             json={"sender": sender, "message": text}, timeout=60)
                    if resp.status_code != 200 or not resp.json():
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - t0)
            done += 1
            if done % CHECKPOINT == 0:
                rss = rss_mb(rasa_pid)
                samples.append((done, rss))
                size = f", database {db.stat().st_size / 2**20:.0f} MB" if db and db.exists() else ""
                recent = latencies[-CHECKPOINT * turns:]
                print(f"  {done:>6} conversations  {time.monotonic() - started:6.0f} s  Rasa RSS {rss:6.0f} MB  "
                      f"latency {describe(recent)}{size}", flush=True)

    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(users)))
    wall = time.monotonic() - started
    print(f"\n{done} conversations x {turns} turns, {users} at a time, in {wall:.0f} s "
          f"({len(latencies) / wall:.1f} turns/s), errors {errors}")
    print(f"  latency over the whole run: {describe(latencies)}")
    if db and db.exists():
        with sqlite3.connect(db) as conn:
            (senders,) = conn.execute("SELECT count(DISTINCT sender_id) FROM events").fetchone()
        print(f"  conversations stored in SQLite: {senders}")
    if len(samples) >= 2:
        base = samples[0][1]
        worst = max(rss for _, rss in samples[1:])
        growth = (worst - base) / base
        verdict = "flat" if growth <= 0.10 else "GROWING"
        print(f"  Rasa RSS after {samples[0][0]} conversations {base:.0f} MB, highest after that {worst:.0f} MB "
              f"({growth:+.1%}): {verdict} (target within 10%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=20000)
    parser.add_argument("--turns", type=int, default=1, help="turns per conversation (1-5)")
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args()
    if not (CHECKPOINT * 2 <= args.conversations <= 100000 and 1 <= args.turns <= 5 and 1 <= args.users <= 100):
        parser.error("--conversations 2000..100000, --turns 1..5, --users 1..100 (a bounded loopback soak)")
    with tempfile.TemporaryDirectory(prefix="conversation-soak-") as tmp:
        stack = OwnStack(Path(tmp))
        try:
            stack.start()
            pid = stack.pids()["rasa"]
            print(f"stack up; Rasa RSS {rss_mb(pid):.0f} MB; tracker store: bot/endpoints.yml "
                  f"(SQLite in {tmp}); load average {os.getloadavg()[0]:.1f}")
            asyncio.run(soak(stack.rasa_url, pid, args.conversations, args.turns, args.users,
                             Path(tmp) / "conversations.db"))
            print(f"  load average at the end: {os.getloadavg()[0]:.1f} (other processes on the machine count)")
        finally:
            stack.stop()


if __name__ == "__main__":
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    main()
