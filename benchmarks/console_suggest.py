"""Latency of the hotline console's suggestions (GET /api/console/suggest) against a running service.

    .venv/service/bin/python -m benchmarks.console_suggest               # http://127.0.0.1:8000, 300 requests
    .venv/service/bin/python -m benchmarks.console_suggest http://127.0.0.1:18000 -n 500 --username staff1

One staff member at a time, as at the hotline desk: requests are sent one after another. Each is a
distinct caller phrasing (a goal said in a caller's words, with a greeting and a question around it),
so every request pays for its own query embedding, as a fresh call does; every third request also
carries a chosen route and situation answers, as when staff tick the caller's answers, so it costs a
plan as well. It prints p50 / p95 / p99 of the service's own `server_ms` and of the round trip seen
here, and how many requests stayed inside the 200 ms budget.

Sign-in: --username (default admin) and --password (default: $CONSOLE_PASSWORD, else $ADMIN_PASSWORD).
Only loopback addresses are accepted, and the run is bounded (--requests ≤ 5000, --max-seconds).
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import time
from urllib.parse import urlparse

import httpx

BUDGET_MS = 200
MAX_REQUESTS = 5000
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# What callers say, in their own words (not the guides' names).
GOALS = [
    "我想开个饭店", "想开一家小餐馆", "开个奶茶店", "我要开便利店", "准备开个小超市卖烟酒", "开个药店",
    "想开一家诊所", "开个私立幼儿园", "开个KTV", "开宾馆", "想注册一个公司", "个体户营业执照怎么弄",
    "公司要注销", "公司改名字", "换法人", "孩子出生了上户口", "出生证明丢了", "护照过期了",
    "驾照到期换证", "公积金怎么提取", "买二手房过户", "办退休", "招外国员工", "孩子上小学报名",
    "开物流运输公司", "食品经营许可证", "消防验收", "门头招牌审批", "刻公章", "第一次领发票",
    "材料不全能先受理吗", "告知承诺制是什么", "大厅几点上班", "结果能寄到家吗",
]
OPENINGS = ["", "您好，", "喂，请问", "我问一下，", "那个，", "你好，我想咨询，", "麻烦问下，", "同志你好，"]
QUESTIONS = ["", "要办哪些手续", "，要带什么材料", "，去哪里办", "，多久能办好", "，收费吗"]
ROUTES = ["open-restaurant", "start-company", "open-clinic", "open-convenience-store", "company-change"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def phrasings(n: int, seed: int) -> list[str]:
    combos = [f"{o}{g}{q}" for g, o, q in itertools.product(GOALS, OPENINGS, QUESTIONS)]
    random.Random(seed).shuffle(combos)
    return combos[:n] if n <= len(combos) else [*combos, *combos[: n - len(combos)]]


def row(name: str, values: list[float]) -> str:
    return (f"{name:<22} p50 {percentile(values, 50):7.1f}   p95 {percentile(values, 95):7.1f}   "
            f"p99 {percentile(values, 99):7.1f}   max {max(values):7.1f}   mean {statistics.fmean(values):7.1f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url", nargs="?", default="http://127.0.0.1:8000", help="the knowledge service (loopback only)")
    ap.add_argument("-n", "--requests", type=int, default=300)
    ap.add_argument("--username", default="admin")
    ap.add_argument("--password", default=os.environ.get("CONSOLE_PASSWORD") or os.environ.get("ADMIN_PASSWORD"))
    ap.add_argument("--max-seconds", type=float, default=300, help="stop early after this long")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    host = urlparse(args.url).hostname
    if host not in LOOPBACK:
        sys.exit(f"refusing {args.url}: this benchmark only talks to a service on this machine (127.0.0.1)")
    if not 1 <= args.requests <= MAX_REQUESTS:
        sys.exit(f"--requests must be between 1 and {MAX_REQUESTS}")
    if not args.password:
        sys.exit("no password: pass --password, or set CONSOLE_PASSWORD or ADMIN_PASSWORD")

    with httpx.Client(base_url=args.url.rstrip("/"), timeout=10) as client:
        login = client.post("/api/auth/login", json={"username": args.username, "password": args.password})
        if login.status_code != 200:
            sys.exit(f"sign-in as {args.username} failed: {login.status_code} {login.text[:200]}")
        routes = {}
        for route_id in ROUTES:
            resp = client.get(f"/api/routes/{route_id}")
            if resp.status_code == 200:
                routes[route_id] = resp.json()["questions"]
        rng = random.Random(args.seed)
        texts = phrasings(args.requests, args.seed)
        client.get("/api/console/suggest", params={"text": "预热"})  # first-request costs are not the console's

        server, round_trip, search, errors, planned = [], [], [], 0, 0
        started = time.monotonic()
        for i, text in enumerate(texts):
            if time.monotonic() - started > args.max_seconds:
                print(f"stopped after {args.max_seconds:.0f} s ({i} requests)")
                break
            params = {"text": text}
            if i % 3 == 2 and routes:
                route_id = rng.choice(sorted(routes))
                params["route"] = route_id
                params["answers"] = json.dumps({q["id"]: rng.choice(q["options"])["value"]
                                                for q in routes[route_id] if not q.get("when")})
                planned += 1
            t0 = time.perf_counter()
            try:
                resp = client.get("/api/console/suggest", params=params)
            except httpx.HTTPError as exc:
                errors += 1
                print(f"error: {exc!r}", file=sys.stderr)
                continue
            elapsed = (time.perf_counter() - t0) * 1000
            if resp.status_code != 200:
                errors += 1
                print(f"HTTP {resp.status_code} for {params}: {resp.text[:200]}", file=sys.stderr)
                continue
            body = resp.json()
            round_trip.append(elapsed)
            server.append(body["server_ms"])
            if body["search_ms"] is not None:
                search.append(body["search_ms"])

    if not server:
        print("no successful requests")
        return 1
    inside = sum(1 for v in server if v <= BUDGET_MS)
    print(f"console suggest: {len(server)} requests ({len(set(texts[:len(server)]))} distinct phrasings, "
          f"{planned} with a route and answers), {errors} errors, against {args.url}")
    print(row("server_ms", server))
    print(row("search_ms (in server)", search))
    print(row("round trip ms", round_trip))
    print(f"within {BUDGET_MS} ms server time: {inside}/{len(server)} ({100 * inside / len(server):.1f}%)")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
