"""Passive-reply latency of the WeChat channel under 20 concurrent citizens, on loopback.

    .venv/service/bin/python -m benchmarks.wechat_latency                  # own stack, 20 users x 10 messages
    .venv/service/bin/python -m benchmarks.wechat_latency --aes --redis    # safe mode, ledger in Redis
    .venv/service/bin/python -m benchmarks.wechat_latency --webhook-url http://127.0.0.1:5005/webhooks/wechat/webhook \\
        --token "$WECHAT_TOKEN" --aes-key "$WECHAT_ENCODING_AES_KEY" --app-id "$WECHAT_APP_ID"

WeChat waits 5 s for a passive reply. Each simulated user sends a bounded number of messages back to
back (no think time: a worst case), signed and, with --aes, encrypted as WeChat's servers do; the
script prints the passive-reply latency percentiles and the share of messages whose answer missed 5 s
(a reply slower than 5 s, or a "success" that defers the answer to the customer-service API).
By default it starts its own stack (tests/stack.py) with no customer-service credentials, so every
answer is passive and the latency measured is the whole dialogue's.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from tests.channels.wechat_sim import (DOC_AES_KEY, DOC_APP_ID, DOC_TOKEN, WeChatServer,
                                       text_xml)
from tests.stack import actions_process, knowledge_process, rasa_process, service_token_for

# What citizens type in a WeChat chat: goals, digits for the offered choices, follow-ups.
SCRIPTS = [
    ["我想开个饭店", "1", "1", "2", "1", "更多", "要带哪些材料", "收费吗", "谢谢", "5"],
    ["办护照", "1", "2", "3", "4", "能网上办吗", "换驾照要带什么", "要多久", "再见", "4"],
    ["孩子出生了怎么上户口", "要带哪些材料", "要多久", "在哪里办", "什么是容缺受理", "大厅几点上班", "谢谢"],
    ["开个药店要办什么证", "1", "跳过", "要带哪些材料", "材料不全能先办吗", "转人工"],
]
MISSED_S = 5.0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def citizen(n: int, server: WeChatServer, client: httpx.AsyncClient, messages: int, aes: bool,
                  latencies: list[float], outcomes: dict[str, int]) -> None:
    openid = f"obench{uuid.uuid4().hex[:20]}"
    script = SCRIPTS[n % len(SCRIPTS)]
    for i in range(messages):
        xml = text_xml(openid, script[i % len(script)])
        query = server.query()
        body = xml
        if aes:
            body, query = server.encrypted(xml, query)
        started = time.perf_counter()
        try:
            resp = await client.post(server.url, params=query, content=body.encode(), timeout=30)
            elapsed = time.perf_counter() - started
        except httpx.HTTPError:
            outcomes["error"] += 1
            continue
        latencies.append(elapsed)
        if resp.status_code != 200:
            outcomes["error"] += 1
        elif resp.text in ("", "success"):
            outcomes["deferred"] += 1
        else:
            server.reply(resp)  # decrypts and checks the signature when encrypted
            outcomes["passive"] += 1


async def load(server: WeChatServer, users: int, messages: int, aes: bool) -> None:
    latencies: list[float] = []
    outcomes = {"passive": 0, "deferred": 0, "error": 0}
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(citizen(n, server, client, messages, aes, latencies, outcomes)
                               for n in range(users)))
        wall = time.perf_counter() - started
    total = sum(outcomes.values())
    missed = sum(1 for t in latencies if t > MISSED_S) + outcomes["deferred"] + outcomes["error"]
    print(f"\nWeChat channel, {users} concurrent users x {messages} messages ({'AES' if aes else 'plain'} mode)")
    print(f"  messages: {total} in {wall:.1f} s ({total / wall:.1f}/s)   passive: {outcomes['passive']}  "
          f"deferred (\"success\"): {outcomes['deferred']}  errors: {outcomes['error']}")
    if latencies:
        print(f"  passive-reply latency: p50 {pct(latencies, 50) * 1000:.0f} ms   p90 {pct(latencies, 90) * 1000:.0f} ms"
              f"   p99 {pct(latencies, 99) * 1000:.0f} ms   max {max(latencies) * 1000:.0f} ms"
              f"   mean {statistics.mean(latencies) * 1000:.0f} ms")
    print(f"  missed 5 s (slower than 5 s, deferred or failed): {missed}/{total} = {missed / max(total, 1):.1%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--messages", type=int, default=10, help="messages per user (bounded load)")
    ap.add_argument("--aes", action="store_true", help="safe mode: encrypted requests and replies")
    ap.add_argument("--redis", action="store_true", help="own stack: keep the ledger in Redis (127.0.0.1:6379)")
    ap.add_argument("--webhook-url", help="use a running Rasa's WeChat webhook instead of starting a stack")
    ap.add_argument("--token", default=DOC_TOKEN)
    ap.add_argument("--aes-key", default=DOC_AES_KEY)
    ap.add_argument("--app-id", default=DOC_APP_ID)
    args = ap.parse_args()
    if args.webhook_url:
        asyncio.run(load(WeChatServer(args.webhook_url, args.token, args.aes_key, args.app_id),
                         args.users, args.messages, args.aes))
        return
    with tempfile.TemporaryDirectory(prefix="wechat-bench-") as tmp:
        workdir = Path(tmp)
        env = {"WECHAT_TOKEN": DOC_TOKEN, "WECHAT_ENCODING_AES_KEY": DOC_AES_KEY, "WECHAT_APP_ID": DOC_APP_ID,
               "WECHAT_APP_SECRET": "", "REDIS_URL": "redis://127.0.0.1:6379/0" if args.redis else "",
               "WECHAT_REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:8]}:"}
        token = {"SERVICE_TOKEN": service_token_for(workdir)}  # one token, as scripts/start.sh shares it
        knowledge = knowledge_process(workdir, **token).start()
        knowledge.wait_healthy()
        knowledge_url = knowledge.health_url.removesuffix("/healthz")
        actions = actions_process(workdir, knowledge_url, **token).start()
        actions.wait_healthy()
        rasa = rasa_process(workdir, actions.health_url.removesuffix("/health"), env={**env, **token}).start()
        try:
            started = time.perf_counter()
            rasa.wait_healthy()
            print(f"Rasa with the WeChat channel up in {time.perf_counter() - started:.0f} s")
            server = WeChatServer(rasa.health_url.rstrip("/") + "/webhooks/wechat/webhook")
            asyncio.run(load(server, args.users, args.messages, args.aes))
            stats = httpx.get(rasa.health_url.rstrip("/") + "/webhooks/wechat/stats", timeout=10).json()
            print(f"  channel counters: {stats}")
        finally:
            for p in (rasa, actions, knowledge):
                p.stop()
            if args.redis:
                import redis
                r = redis.Redis.from_url(env["REDIS_URL"])
                keys = list(r.scan_iter(env["WECHAT_REDIS_PREFIX"] + "*"))
                if keys:
                    r.delete(*keys)


if __name__ == "__main__":
    main()
