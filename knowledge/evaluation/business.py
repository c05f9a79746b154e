"""Scores how citizens' business names find their guide: the held-out business-phrasings set (issue 15).

    python -m knowledge.evaluation.business [--base-url http://127.0.0.1:8000]
        [--set knowledge/evaluation/business_heldout.yml] [--verbose]

Citizens name their business ("想开个串串店", "搞个民宿"), not the permit. Each question is sent to a
running knowledge service as `GET /api/search?q=…&k=5`. A result is right when its title contains one
of the entry's `expect_title_any` words — words any guide for that business would carry in its title
(餐饮 for a hotpot shop, 药店 or 药品零售 for a pharmacy), so the set stays valid while guides are added
or renamed. Printed: top-1 and top-3 hit rates, how often the engine calls its answer "clear" and how
many of those clear answers are right, a per-industry table, and with --verbose every miss.

A measurement: exit code 0 whatever the figures, 2 when the service cannot be reached.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

DEFAULT_SET = Path(__file__).with_name("business_heldout.yml")


class SetError(ValueError):
    """The phrasings file is malformed; the message says where."""


@dataclass
class Phrasing:
    q: str
    industry: str
    expect_title_any: list[str]


def load_set(path: Path) -> list[Phrasing]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise SetError(f"{path}: expected a mapping with a 'questions' list")
    out, seen = [], set()
    for n, raw in enumerate(data["questions"], 1):
        where = f"question #{n}"
        if not isinstance(raw, dict):
            raise SetError(f"{where}: expected a mapping")
        q, industry, words = raw.get("q"), raw.get("industry"), raw.get("expect_title_any")
        if not isinstance(q, str) or not q.strip():
            raise SetError(f"{where}: 'q' is required")
        if q in seen:
            raise SetError(f"{where}: duplicate question {q!r}")
        seen.add(q)
        if not isinstance(industry, str) or not industry.strip():
            raise SetError(f"{where} ({q}): 'industry' is required")
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            raise SetError(f"{where} ({q}): 'expect_title_any' must be a non-empty list of words")
        out.append(Phrasing(q, industry, words))
    return out


def is_right(title: str, words: list[str]) -> bool:
    return any(w.lower() in title.lower() for w in words)


@dataclass
class Outcome:
    phrasing: Phrasing
    match: str
    titles: list[str]

    @property
    def rank(self) -> int | None:
        """1-based rank of the first right result, or None."""
        for i, t in enumerate(self.titles, 1):
            if is_right(t, self.phrasing.expect_title_any):
                return i
        return None


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100.0 * a / b:.1f}%)" if b else "0/0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--verbose", action="store_true", help="print every miss with the top-3 titles")
    args = parser.parse_args(argv)

    phrasings = load_set(args.set)
    base_url = args.base_url.rstrip("/")
    outcomes = []
    try:
        with httpx.Client(timeout=30.0) as client:
            for p in phrasings:
                r = client.get(f"{base_url}/api/search", params={"q": p.q, "k": 5})
                if r.status_code != 200:  # counted as a miss, and shown, rather than ending the run
                    outcomes.append(Outcome(p, f"HTTP {r.status_code}", []))
                    continue
                body = r.json()
                outcomes.append(Outcome(p, body["match"], [x["title"] for x in body["results"]]))
    except httpx.TransportError as exc:
        print(f"无法连接知识服务（{base_url}: {exc}）。请先用 make run 启动，或用 --base-url 指定地址。",
              file=sys.stderr)
        return 2

    n = len(outcomes)
    top1 = sum(o.rank == 1 for o in outcomes)
    top3 = sum(o.rank is not None and o.rank <= 3 for o in outcomes)
    clear = [o for o in outcomes if o.match == "clear"]
    clear_right = sum(o.rank == 1 for o in clear)
    if args.verbose:
        for o in outcomes:
            if o.rank is None or o.rank > 3 or (o.match == "clear" and o.rank != 1):
                got = " | ".join(o.titles[:3]) or "（无结果）"
                print(f"✗ [{o.phrasing.industry}] 「{o.phrasing.q}」 match={o.match} "
                      f"want {o.phrasing.expect_title_any} → {got}")
        print()
    industries = {p.industry for p in phrasings}
    print(f"{args.set}: {n} business phrasings, {len(industries)} industries, against {base_url}")
    print(f"top-1:                 {_pct(top1, n)}")
    print(f"top-3:                 {_pct(top3, n)}")
    print(f"answered as clear:     {_pct(len(clear), n)}")
    print(f"clear answers right:   {_pct(clear_right, len(clear))}")
    print()
    by_industry: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_industry[o.phrasing.industry].append(o)
    print(f"{'industry':<16} {'top-1':>8} {'top-3':>8}")
    for industry, group in sorted(by_industry.items(), key=lambda kv: sum(o.rank == 1 for o in kv[1]) / len(kv[1])):
        t1 = sum(o.rank == 1 for o in group)
        t3 = sum(o.rank is not None and o.rank <= 3 for o in group)
        print(f"{industry:<16} {t1:>3}/{len(group):<4} {t3:>3}/{len(group):<4}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
