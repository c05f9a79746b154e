"""Import throughput: a generated 2,000-row 实施清单 (materials in a second sheet) and 200 Word guides,
read into import drafts, then published in one action and searchable; with peak memory.

    .venv/service/bin/python -m benchmarks.import_throughput [--rows 2000] [--docs 200]

Runs the real service state (SQLite in a temporary folder, the real embedding model and index) without
HTTP: the background job's own code runs on this thread, and publishing is the reviewer's one-action
publish. The passage-vector cache is a fresh empty folder, so every imported guide is embedded: the
"vector cache cold" case. Targets: drafts for 2,000 rows in ≤ 60 s; publish and index in ≤ 5 min.
"""
from __future__ import annotations

import argparse
import io
import resource
import tempfile
import time
import zipfile
from pathlib import Path

from knowledge.api.main import build_state
from knowledge.core.config import Settings
from knowledge.importing import review  # the background step's own code, called directly
from knowledge.store import imports as import_store
from tests.knowledge.importing.import_documents import guide, guide_docx, implementation_list_xlsx, numbered

ROOT = Path(__file__).resolve().parents[1]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_job(state, name: str, files: list[tuple[str, bytes]]) -> tuple[str, float]:
    with state.sessions() as session:
        job = state.imports.create(session, "benchmark", files)
        session.commit()
        job_id = job.id
    started = time.perf_counter()
    state.imports.run(job_id)  # the background job's code, on this thread
    took = time.perf_counter() - started
    with state.sessions() as session:
        job = import_store.get_job(session, job_id)
        print(f"  {name}: {job.status}, {job.drafts_count} drafts, {job.message}")
    return job_id, took


def publish(state, job_id: str) -> tuple[float, int, list[str]]:
    with state.sessions() as session:
        drafts = import_store.drafts_of(session, job_id, "pending")
        started = time.perf_counter()
        with state.publisher.lock:
            taken = review.take(session, state.publisher, "benchmark", drafts, publish=True)
        took = time.perf_counter() - started
    return took, len(taken.published), taken.published


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--docs", type=int, default=200)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="import-bench-"))
    (tmp / "cache").mkdir()
    settings = Settings(database_url=f"sqlite:///{tmp / 'db.sqlite'}", var_dir=tmp, cache_dir=tmp / "cache",
                        admin_password="导入基准的管理员-长口令-蓝鲸7")
    t = time.perf_counter()
    state = build_state(settings)
    print(f"service state ready in {time.perf_counter() - t:.1f}s (sample base indexed, vector cache empty); "
          f"peak RSS {peak_mb():.0f} MB")

    t = time.perf_counter()
    sheet = implementation_list_xlsx([numbered(n) for n in range(1, args.rows + 1)], materials="sheet",
                                     blank_rows=False)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in range(args.docs):
            zf.writestr(f"指南/{n:03d}.docx", guide_docx(guide(name=f"示例文档事项{n:03d}号许可", code=f"SAMPLE-DOC-{n:04d}")))
    docs = buf.getvalue()
    print(f"generated in {time.perf_counter() - t:.1f}s: {args.rows}-row spreadsheet ({len(sheet) / 1e6:.1f} MB, "
          f"{args.rows * 4} materials in a second sheet), {args.docs} Word guides ({len(docs) / 1e6:.1f} MB zip)")

    print("reading into drafts:")
    sheet_job, sheet_s = run_job(state, "spreadsheet", [("实施清单.xlsx", sheet)])
    print(f"  spreadsheet: {sheet_s:.1f}s, {args.rows / sheet_s:.0f} rows/s (target: {args.rows} rows ≤ 60 s); "
          f"peak RSS {peak_mb():.0f} MB")
    docs_job, docs_s = run_job(state, "Word guides", [("指南.zip", docs)])
    print(f"  Word guides: {docs_s:.1f}s, {args.docs / docs_s:.1f} documents/s; peak RSS {peak_mb():.0f} MB")

    print("publishing in one action (index updated incrementally, vector cache cold):")
    total_published = 0
    names = []
    publish_s = 0.0
    for job_id, label in ((sheet_job, "spreadsheet"), (docs_job, "Word guides")):
        took, count, ids = publish(state, job_id)
        publish_s += took
        total_published += count
        names += ids[:1] + ids[-1:]
        print(f"  {label}: {count} published in {took:.1f}s ({count / took:.0f} guides/s)")
    t = time.perf_counter()
    found = 0
    for gid in names:
        title = state.catalogue.items[gid].name
        outcome = state.engine.search(title, k=3)
        found += int(bool(outcome.hits) and outcome.hits[0].doc.guide_id == gid)
    print(f"  searchable: {found}/{len(names)} spot-checked guides are the top hits by name "
          f"({(time.perf_counter() - t) * 1000:.0f} ms)")
    print(f"total publish and index: {publish_s:.1f}s for {total_published} guides (target ≤ 300 s); "
          f"peak RSS {peak_mb():.0f} MB")
    state.imports.shutdown()


if __name__ == "__main__":
    main()
