"""Held-out NLU evaluation: intent F1 of the served model on bot/tests/nlu_heldout.yml.

The held-out set is never used for training (colloquial, Traditional, typo'd and run-on messages
written separately from bot/data/nlu.yml). This script trains nothing by default: it evaluates the
model `make test` prepared with `rasa test nlu` and prints per-intent and overall figures.

    .venv/service/bin/python -m benchmarks.nlu_heldout
    .venv/service/bin/python -m benchmarks.nlu_heldout --compare-diet   # ~5-10 min on 2 cores

--compare-diet trains, in a temporary directory, the served pipeline and a DIET pipeline on the
same training data and prints both side by side (train time, model load time, parse latency,
held-out F1): the figures behind the pipeline choice in docs/nlu-pipeline.md.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RASA_BIN = ROOT / ".venv" / "rasa" / "bin"
MODEL = ROOT / ".build" / "rasa-models" / "navigator.tar.gz"
HELDOUT = ROOT / "bot" / "tests" / "nlu_heldout.yml"
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}

# Same tokenisation and sparse features as config.yml, with DIET instead of logistic regression;
# the policies are the served ones so the comparison isolates the NLU classifier.
DIET_CONFIG = """\
recipe: default.v1
assistant_id: approval-navigator-diet-benchmark
language: zh
pipeline:
  - name: bot.components.traditional_to_simplified.TraditionalToSimplified
  - name: JiebaTokenizer
    dictionary_path: .build/jieba
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 3
  - name: DIETClassifier
    epochs: {epochs}
    random_seed: 42
    entity_recognition: false
  - name: FallbackClassifier
    threshold: 0.35
    ambiguity_threshold: 0.05
policies:
  - name: RulePolicy
    core_fallback_threshold: 0.3
    core_fallback_action_name: action_default_fallback
    enable_fallback_prediction: true
    restrict_rules: true
"""

# Loads a model the way `rasa run` does and times it, then times parsing every held-out message.
PROBE = r"""
import asyncio, json, sys, time
import yaml
t0 = time.perf_counter()
from rasa.core.agent import Agent
t1 = time.perf_counter()
agent = Agent.load(sys.argv[1])
t2 = time.perf_counter()
texts = []
for block in yaml.safe_load(open(sys.argv[2], encoding="utf-8"))["nlu"]:
    texts += [l[2:].strip() for l in block["examples"].splitlines() if l.startswith("- ")]
async def parse_all():
    await agent.parse_message(texts[0])  # first call builds lazy caches; not a citizen's latency
    started = time.perf_counter()
    for t in texts:
        await agent.parse_message(t)
    return (time.perf_counter() - started) / len(texts)
per_message = asyncio.run(parse_all())
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "parse_ms": per_message * 1000, "n": len(texts)}))
"""


def rasa(*args: str, timeout: float = 3600) -> subprocess.CompletedProcess:
    result = subprocess.run([str(RASA_BIN / "rasa"), *args], cwd=ROOT, env=ENV, capture_output=True,
                            text=True, timeout=timeout)
    if result.returncode != 0:
        sys.exit(f"rasa {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def evaluate(model: Path, out: Path) -> dict:
    rasa("test", "nlu", "--nlu", str(HELDOUT), "--model", str(model), "--out", str(out), "--no-plot")
    return json.loads((out / "intent_report.json").read_text(encoding="utf-8"))


def probe(model: Path) -> dict:
    result = subprocess.run([str(RASA_BIN / "python"), "-c", PROBE, str(model), str(HELDOUT)], cwd=ROOT,
                            env=ENV, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        sys.exit(f"model probe failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def train(config: Path, out: Path, name: str) -> tuple[Path, float]:
    started = time.perf_counter()
    rasa("train", "--config", str(config), "--domain", "bot/domain.yml", "--data", "bot/data",
         "--out", str(out), "--fixed-model-name", name)
    return out / f"{name}.tar.gz", time.perf_counter() - started


def overall(report: dict) -> dict:
    return {"accuracy": report["accuracy"], "macro_f1": report["macro avg"]["f1-score"],
            "weighted_f1": report["weighted avg"]["f1-score"],
            "support": report["weighted avg"]["support"]}


def print_report(report: dict, title: str) -> None:
    print(f"\n{title}")
    print(f"{'intent':<18}{'support':>8}{'precision':>11}{'recall':>8}{'F1':>7}  most confused with")
    intents = sorted(k for k, v in report.items() if isinstance(v, dict) and "support" in v and " avg" not in k)
    for intent in intents:
        r = report[intent]
        confused = ", ".join(f"{k} ({v})" for k, v in list((r.get("confused_with") or {}).items())[:2])
        print(f"{intent:<18}{r['support']:>8}{r['precision']:>11.3f}{r['recall']:>8.3f}{r['f1-score']:>7.3f}  {confused}")
    o = overall(report)
    print(f"{'accuracy':<18}{o['support']:>8}{o['accuracy']:>26.3f}")
    print(f"{'macro F1':<18}{'':>8}{o['macro_f1']:>33.3f}")
    print(f"{'weighted F1':<18}{'':>8}{o['weighted_f1']:>33.3f}")


def compare(epochs: int, tmp: Path) -> None:
    diet_config = tmp / "config-diet.yml"
    diet_config.write_text(DIET_CONFIG.format(epochs=epochs), encoding="utf-8")
    rows = {}
    for name, config in (("served (LogReg)", ROOT / "config.yml"), (f"DIET ({epochs} epochs)", diet_config)):
        print(f"training {name} …", flush=True)
        model, train_s = train(config, tmp / "models", name.split()[0].lower())
        report = evaluate(model, tmp / f"eval-{name.split()[0].lower()}")
        rows[name] = {"train_s": train_s, **probe(model), **overall(report),
                      "size_mb": model.stat().st_size / 1e6, "report": report}
    print_report(rows[f"DIET ({epochs} epochs)"]["report"], f"Held-out intents, DIET ({epochs} epochs)")
    names = list(rows)
    print(f"\n{'':<26}" + "".join(f"{n:>22}" for n in names))
    for label, key, fmt in [("train time (s)", "train_s", "{:.1f}"), ("model load time (s)", "load_s", "{:.1f}"),
                            ("rasa import time (s)", "import_s", "{:.1f}"),
                            ("parse latency (ms/msg)", "parse_ms", "{:.1f}"), ("model size (MB)", "size_mb", "{:.1f}"),
                            ("held-out accuracy", "accuracy", "{:.3f}"), ("held-out macro F1", "macro_f1", "{:.3f}"),
                            ("held-out weighted F1", "weighted_f1", "{:.3f}")]:
        print(f"{label:<26}" + "".join(f"{fmt.format(rows[n][key]):>22}" for n in names))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--compare-diet", action="store_true", help="also train a DIET pipeline and compare")
    parser.add_argument("--epochs", type=int, default=100, help="DIET epochs for --compare-diet")
    args = parser.parse_args()
    if not args.model.exists():
        sys.exit(f"no model at {args.model}: run `make prepare` first")
    with tempfile.TemporaryDirectory(prefix="nlu-heldout-") as tmp:
        tmp = Path(tmp)
        report = evaluate(args.model, tmp / "served")
        print_report(report, f"Held-out intents ({HELDOUT.relative_to(ROOT)}), model {args.model.name}")
        if args.compare_diet:
            compare(args.epochs, tmp)


if __name__ == "__main__":
    main()
