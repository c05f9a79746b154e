"""Prints top-1, top-3 and MRR for lexical-only, dense-only and hybrid retrieval in one run.

    python -m knowledge.evaluation.retrieval [--questions FILE] [--guides DIR] [--by-style] [--misses]

The questions were written without looking at the guides' aliases, as citizens type them:
colloquial, Traditional characters, pinyin typos and voice-to-text run-ons. A question with
`expect: []` is one the base has no guide for; the run reports how the engine judged those.
"""
from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from knowledge.catalogue import SAMPLE_GUIDES, Catalogue
from knowledge.core.config import get_settings
from knowledge.search.embedder import Embedder
from knowledge.search.engine import Mode, SearchEngine
from knowledge.search.vector_cache import VectorCache

QUESTIONS = Path(__file__).parent / "questions.yml"


def evaluate(engine: SearchEngine, questions: list[dict], mode: Mode) -> dict:
    per_style: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
    misses = []
    # How often the engine calls a match "clear" (the dialogue then answers without asking back),
    # and how often such a clear call is right: a confident wrong answer is the costly mistake.
    clear = clear_right = 0
    # Questions the base has no guide for (expect: []): the right call is "none" or, at worst,
    # choices to pick from; "clear" answers confidently with a wrong guide.
    beyond: dict[str, int] = defaultdict(int)
    for q in questions:
        outcome = engine.search(q["q"], k=10, mode=mode)
        if not q["expect"]:
            beyond[outcome.match.value] += 1
            continue
        ids = [h.doc.guide_id for h in outcome.hits]
        rank = next((i + 1 for i, gid in enumerate(ids) if gid in q["expect"]), None)
        if outcome.match == "clear":
            clear += 1
            clear_right += rank == 1
        per_style[q.get("style", "-")].append((rank == 1, bool(rank and rank <= 3), 1 / rank if rank else 0.0))
        if rank != 1:
            misses.append((q["q"], q["expect"], ids[:3]))
    rows = [r for rs in per_style.values() for r in rs]
    return {"all": _summary(rows), "styles": {s: _summary(r) for s, r in per_style.items()}, "misses": misses,
            "clear_rate": clear / max(1, len(rows)), "clear_precision": clear_right / clear if clear else 0.0,
            "beyond": dict(beyond)}


def _summary(rows: list[tuple[int, int, float]]) -> tuple[float, float, float, int]:
    n = len(rows) or 1
    return (sum(r[0] for r in rows) / n, sum(r[1] for r in rows) / n, sum(r[2] for r in rows) / n, len(rows))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=Path, default=QUESTIONS)
    ap.add_argument("--guides", type=Path, default=SAMPLE_GUIDES)
    ap.add_argument("--by-style", action="store_true")
    ap.add_argument("--misses", action="store_true", help="list the hybrid misses")
    args = ap.parse_args()

    settings = get_settings()
    questions = yaml.safe_load(args.questions.read_text(encoding="utf-8"))
    catalogue = Catalogue.from_folder(args.guides)
    embedder = Embedder(settings.embedding_model_dir)
    engine = SearchEngine(embedder, VectorCache(settings.cache_dir / f"vectors-{embedder.fingerprint}.npz", embedder.dim))
    engine.rebuild(catalogue.all())

    console = Console()
    in_scope = sum(1 for q in questions if q["expect"])
    table = Table(title=f"检索评测：{in_scope} 个问题，{len(catalogue.all())} 份指南")
    for col in ("mode", "top-1", "top-3", "MRR", "clear", "clear precision"):
        table.add_column(col, justify="right")
    results = {m: evaluate(engine, questions, m) for m in (Mode.lexical, Mode.dense, Mode.hybrid)}
    for mode, res in results.items():
        t1, t3, mrr, _ = res["all"]
        judged = mode == Mode.hybrid  # only the hybrid engine judges clarity (it needs both rankers)
        table.add_row(mode.value, f"{t1:.1%}", f"{t3:.1%}", f"{mrr:.3f}",
                      f"{res['clear_rate']:.1%}" if judged else "-",
                      f"{res['clear_precision']:.1%}" if judged else "-")
    console.print(table)
    beyond = results[Mode.hybrid]["beyond"]
    if beyond:
        n = sum(beyond.values())
        console.print(f"{n} questions the base has no guide for: "
                      + ", ".join(f"{m} {beyond.get(m, 0) / n:.0%}" for m in ("none", "ambiguous", "clear"))
                      + " (clear = a confident wrong answer)")
    if args.by_style:
        st = Table(title="hybrid, by question style")
        for col in ("style", "n", "top-1", "top-3", "MRR"):
            st.add_column(col, justify="right")
        for style, (t1, t3, mrr, n) in sorted(results[Mode.hybrid]["styles"].items()):
            st.add_row(style, str(n), f"{t1:.1%}", f"{t3:.1%}", f"{mrr:.3f}")
        console.print(st)
    if args.misses:
        for q, expect, got in results[Mode.hybrid]["misses"]:
            console.print(f"[red]✗[/] {q}  expect={expect}  got={got}")


if __name__ == "__main__":
    main()
