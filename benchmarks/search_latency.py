"""Search latency and index build time: the shipped sample base, then a generated base of 100,000 items.

    .venv/service/bin/python -m benchmarks.search_latency [--items 100000] [--queries 400] [--sample-only]

Every query is distinct and the embedder's query cache is emptied before each base, so each
measured search pays for its query embedding, as a citizen's fresh question does. Passage vectors
of the generated base are cached in their own file under ~/.cache/approval-navigator (the service's
own cache file stays small, since the service loads it whole at start-up); the first run encodes
every new passage and takes long on two cores, later runs only rebuild the indexes.

The generated base is what a province-wide catalogue looks like: each sample item implemented by
many districts and split into sub-items (新办/延续/变更 …). District guides copy the provincial
template, so summaries and aliases repeat across districts while names and departments differ.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path

import faiss
import numpy as np
import yaml
from rich.console import Console
from rich.progress import Progress, TextColumn
from rich.table import Table

from knowledge.catalogue import SAMPLE_GUIDES, Catalogue
from knowledge.core.config import get_settings
from knowledge.schema import Guide, Item
from knowledge.search.dense import DenseIndex
from knowledge.search.engine import SearchEngine
from knowledge.search.embedder import EMBED_THREADS, Embedder
from knowledge.search.vector_cache import VectorCache
from knowledge.text.normalize import normalize
from knowledge.text.tokenizer import forget_cuts

QUESTIONS = Path(__file__).resolve().parents[1] / "knowledge" / "evaluation" / "questions.yml"
console = Console()

# Place names are built from syllables so that every district name is distinct and plausible.
FIRST = "东西南北中新青龙凤金银玉石云山河湖海江松柏桃梨兴安宁永长平和华瑞丰泰"
SECOND = "城阳山川湖桥岗口港塘坪林源溪湾洲乐昌盛福康"
SUFFIX = ["区", "县", "市", "新区", "开发区"]
VARIANTS = ["新办", "延续", "变更", "注销", "补证", "换证", "迁入", "迁出", "增项", "年度报告", "信息更正",
            "跨区通办", "分支机构", "告知承诺", "加急"]


def rss_mb() -> tuple[float, float]:
    """Current and peak resident memory of this process, from /proc (no psutil in the venv)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def districts(n: int) -> list[str]:
    names = [f"{a}{b}{s}" for s in SUFFIX for a in FIRST for b in SECOND if a != b]
    return names[:n]


def generate_items(base: list[Item], count: int) -> list[Item]:
    """count items: every sample item × variant in each district, district after district.

    Each generated item depends only on its (district, variant, base item) and draws from its own
    random stream, so adding a guide to the sample base leaves the others' text, and so their
    cached passage vectors, unchanged (an hour of encoding on two cores).
    """
    per_district = len(base) * len(VARIANTS)
    places = districts(-(-count // per_district))
    out: list[Item] = []
    for p, place in enumerate(places):
        for v, variant in enumerate(VARIANTS):
            for item in base:
                if len(out) == count:
                    return out
                rng = random.Random(f"{place}/{variant}/{item.id}")
                aliases = [*item.aliases[:3], f"{item.aliases[0] if item.aliases else item.name}{variant}"]
                out.append(item.model_copy(update={
                    "id": f"g{p:03d}{v:02d}-{item.id}"[:64],
                    "name": f"{place}{item.name}（{variant}）",
                    "department": item.department.replace("示例市", f"示例省{place}"),
                    "aliases": rng.sample(aliases, k=min(len(aliases), rng.randint(1, 4))),
                    "summary": f"{item.summary or item.name}（{variant}）",
                }))
    return out


def distinct_queries(questions: list[str], items: list[Item], n_generated: int, seed: int) -> list[str]:
    """Evaluation questions plus questions naming generated items, all distinct."""
    rng = random.Random(seed)
    forms = ["{}怎么办理", "{}需要什么材料", "请问{}在哪个窗口办", "{}要多久能办好", "我想办{}", "{}收费吗"]
    extra = []
    for item in rng.sample(items, min(n_generated, len(items))):
        name = item.aliases[0] if item.aliases and rng.random() < 0.5 else item.name
        extra.append(rng.choice(forms).format(name))
    return list(dict.fromkeys([*questions, *extra]))


def time_build(engine: SearchEngine, guides: list[Guide], label: str) -> float:
    passages = [p for g in guides for p in _passages(g)]
    _, missing = engine.vectors.lookup(passages)
    unique_missing = len({passages[i] for i in missing})
    console.print(f"[bold]{label}[/]: {len(guides):,} guides, {len(passages):,} passages, "
                  f"{len(missing):,} not in the vector cache ({unique_missing:,} distinct texts) → encoding them")
    encode_s = encode_missing(engine, [passages[i] for i in missing]) if missing else 0.0
    started = time.perf_counter()
    engine.rebuild(guides)
    took = time.perf_counter() - started
    console.print(f"  SearchEngine.rebuild: {took:.1f} s with every vector cached"
                  + (f"; cold build = {encode_s:.0f} s encoding + {took:.0f} s = {encode_s + took:.0f} s"
                     if missing else ""))
    return took


def encode_missing(engine: SearchEngine, texts: list[str], chunk: int = 4096) -> float:
    """Encodes the passages the cache lacks, in checkpointed chunks, before SearchEngine.rebuild.

    rebuild() would encode them too, but all in one call that saves nothing until the end (an
    interrupted hour is lost) and that encodes a text once per occurrence, while a district
    catalogue repeats most texts; here each distinct text is encoded once and saved as it goes.
    """
    todo = sorted(set(texts), key=len)  # similar lengths in a batch: less padding
    # Every core for the bulk job: the service's embedder keeps to one thread beside Rasa.
    bulk = Embedder(engine.embedder.model_dir, threads=os.cpu_count() or 1)
    started = time.perf_counter()
    with Progress(*Progress.get_default_columns(), TextColumn("{task.fields[rate]}"), console=console) as bar:
        task = bar.add_task("encoding passages", total=len(todo), rate="")
        for i in range(0, len(todo), chunk):
            part = todo[i:i + chunk]
            engine.vectors.store(part, bulk.encode_passages(part))
            engine.vectors.save()
            done = i + len(part)
            bar.update(task, completed=done, rate=f"{done / (time.perf_counter() - started):.0f} passages/s")
    took = time.perf_counter() - started
    del bulk
    import torch

    torch.set_num_threads(EMBED_THREADS)  # process-wide: back to the service's setting for the timings
    console.print(f"  encoded {len(todo):,} distinct passages in {took:.0f} s ({len(todo) / took:.0f} passages/s)")
    return took


def _passages(guide: Guide) -> tuple[str, ...]:
    from knowledge.search.documents import document_for

    return document_for(guide).passages


def measure(engine: SearchEngine, queries: list[str]) -> dict[str, list[float]]:
    engine.embedder._cache.clear()  # a fresh question is not in the query cache: measure its embedding
    for q in ("预热一下", "warm up"):  # first-call allocations are not a citizen's latency
        engine.search(q)
    stages: dict[str, list[float]] = {"wall": [], "total": [], "lexical": [], "embed": [], "dense": [], "rest": []}
    snap = engine.snapshot
    named_ms, tokens_ms, bm25_ms = [], [], []
    fresh_tokens = forget_cuts  # a new question's words are not remembered
    for q in queries:
        fresh_tokens()
        t0 = time.perf_counter()
        out = engine.search(q, k=5)
        stages["wall"].append((time.perf_counter() - t0) * 1000)
        t = out.timings_ms
        for key in ("total", "lexical", "embed", "dense"):
            stages[key].append(t.get(key, 0.0))
        stages["rest"].append(t["total"] - t.get("lexical", 0) - t.get("embed", 0) - t.get("dense", 0))
        # The lexical stage split into tokenising and BM25 scoring, and the exact-name scan on its own.
        text = normalize(q)
        fresh_tokens()
        t1 = time.perf_counter()
        toks = snap.tokenizer.tokens(text)
        t2 = time.perf_counter()
        snap.lexical.scores(toks)
        t3 = time.perf_counter()
        SearchEngine._names_and_opened(text, snap)
        t4 = time.perf_counter()
        tokens_ms.append((t2 - t1) * 1000)
        bm25_ms.append((t3 - t2) * 1000)
        named_ms.append((t4 - t3) * 1000)
    stages["· tokenise"] = tokens_ms
    stages["· bm25 scores"] = bm25_ms
    stages["· exact-name scan"] = named_ms
    return stages


def dense_recall(engine: SearchEngine, guides: list[Guide], queries: list[str], depth: int = 50) -> None:
    """How many of the exact (flat) top documents the serving index finds, when it is approximate.

    District copies share passages, so hundreds of guides can tie at the 50th place; a found
    guide counts when it is as similar as the exact 50th, whichever of the tied ones it is.
    """
    index = engine.snapshot.dense
    if isinstance(index._index, faiss.IndexFlat):
        return
    passages = [p for g in guides for p in _passages(g)]
    found, _ = engine.vectors.lookup(passages)
    exact = DenseIndex.__new__(DenseIndex)  # the same search code over an exact index of the same vectors
    exact.owners, exact._index = index.owners, faiss.IndexFlatIP(engine.embedder.dim)
    exact._index.add(np.stack(found))
    recalls = []
    for q in queries:
        qv = engine.embedder.encode_query(normalize(q))
        truth, truth_sims = exact.search(qv, depth)
        got, got_sims = index.search(qv, depth)
        bar = truth_sims[-1] - 1e-5
        recalls.append(sum(s >= bar for s in got_sims) / max(1, len(truth)))
    console.print(f"dense recall@{depth} of the approximate index against exact search (ties counted): "
                  f"mean {statistics.fmean(recalls):.3f}, min {min(recalls):.2f} ({len(queries)} queries)")


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(values, p)) if values else 0.0


def report(label: str, stages: dict[str, list[float]], n: int) -> None:
    table = Table(title=f"{label}: {n} distinct queries (ms)")
    for col in ("stage", "p50", "p90", "p99", "max", "mean"):
        table.add_column(col, justify="right")
    names = {"wall": "search() wall", "total": "engine total", "lexical": "lexical (tokenise+BM25+top-k)",
             "embed": "query embedding", "dense": "faiss search", "rest": "names+fusion+judge"}
    for key, values in stages.items():
        table.add_row(names.get(key, key), *(f"{v:.1f}" for v in (pct(values, 50), pct(values, 90), pct(values, 99),
                                                                   max(values), statistics.fmean(values))))
    console.print(table)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=400, help="queries per base (evaluation set + generated)")
    ap.add_argument("--sample-only", action="store_true")
    args = ap.parse_args()

    settings = get_settings()
    load = os.getloadavg()
    console.print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
                  "(other processes slow every figure below)")
    t = time.perf_counter()
    embedder = Embedder(settings.embedding_model_dir)
    console.print(f"embedding model loaded in {time.perf_counter() - t:.1f} s ({embedder.runtime}, "
                  f"{EMBED_THREADS} thread(s) as in the service); RSS {rss_mb()[0]:.0f} MB")
    questions = [q["q"] for q in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))]

    catalogue = Catalogue.from_folder(SAMPLE_GUIDES)
    sample_engine = SearchEngine(embedder, VectorCache(settings.cache_dir / f"vectors-{embedder.fingerprint}.npz",
                                                       embedder.dim))
    time_build(sample_engine, catalogue.all(), "sample base")
    queries = distinct_queries(questions, list(catalogue.items.values()), 0, seed=1)[: args.queries]
    report("sample base", measure(sample_engine, queries), len(queries))
    console.print(f"RSS {rss_mb()[0]:.0f} MB (peak {rss_mb()[1]:.0f} MB)")
    if args.sample_only:
        return
    del sample_engine

    t = time.perf_counter()
    generated = generate_items(list(catalogue.items.values()), args.items)
    guides: list[Guide] = [*generated, *catalogue.routes.values(), *catalogue.faqs.values()]
    console.print(f"\ngenerated {len(generated):,} items in {time.perf_counter() - t:.1f} s")
    cache = VectorCache(settings.cache_dir / f"benchmark-vectors-{embedder.fingerprint}.npz", embedder.dim)
    big = SearchEngine(embedder, cache)
    time_build(big, guides, f"generated base ({len(generated):,} items)")
    console.print(f"RSS after build {rss_mb()[0]:.0f} MB (peak {rss_mb()[1]:.0f} MB)")
    n_eval = args.queries // 2
    queries = distinct_queries(questions[:n_eval], generated, args.queries - min(n_eval, len(questions)), seed=2)
    stages = measure(big, queries)
    dense_recall(big, guides, queries[:100])
    report(f"generated base ({len(generated):,} items)", stages, len(queries))
    p99 = pct(stages["wall"], 99)
    verdict = "[green]met[/]" if p99 <= 50 else "[red]missed[/]"
    console.print(f"RSS {rss_mb()[0]:.0f} MB (peak {rss_mb()[1]:.0f} MB); p99 {p99:.1f} ms at "
                  f"{len(generated):,} items, target ≤ 50 ms: {verdict}")


if __name__ == "__main__":
    main()
