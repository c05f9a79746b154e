"""Splits a py-spy profile of one of the three processes into the stages of a dialogue turn.

    py-spy record --pid PID --rate 100 --nonblocking --format raw --duration 35 -o rasa.txt
    .venv/service/bin/python benchmarks/profile_stages.py rasa rasa.txt 24

Run py-spy on each process (knowledge service, action server, Rasa) while
`benchmarks/dialogue_load.py --rasa-url … --rasa-pid … --actions-pid … --knowledge-pid …` loads them;
the last argument is the process's CPU-ms per turn that run printed. Samples of an idle process
(its event loop waiting, worker threads waiting for work, Rasa's background threads) are left out;
each busy sample goes to the first stage whose frames it contains, and the stage's share of the busy
samples times the CPU-ms per turn is its CPU-ms per turn. py-spy is not a dependency of the project:
install it anywhere (`python -m venv /tmp/tools && /tmp/tools/bin/pip install py-spy`).
docs/latency.md has the tables this printed.
"""
from __future__ import annotations

import argparse
import collections

# (stage, frames that must all occur in the sample's stack), first match wins.
STAGES: dict[str, list[tuple[str, list[str]]]] = {
    "rasa": [
        ("tracker store: load (retrieve, session check)", ["fetch_tracker_and_update_session"]),
        ("tracker store: load (retrieve, session check)", ["get_tracker ("]),
        ("tracker store: save", ["save_tracker ("]),
        ("lock store", ["lock_store.py"]),
        ("NLU: featurisers (jieba, count vectors)", ["parse_message (", "featurizer"]),
        ("NLU: featurisers (jieba, count vectors)", ["parse_message (", "tokenizer"]),
        ("NLU: featurisers (jieba, count vectors)", ["parse_message (", "traditional_to_simplified"]),
        ("NLU: classifier (logistic regression, fallback)", ["parse_message (", "classifier"]),
        ("NLU: graph runner and the rest", ["parse_message ("]),
        ("policies: RulePolicy states of the history", ["_predict_next_with_tracker", "_prediction_states"]),
        ("policies: RulePolicy rule matching and the rest", ["_predict_next_with_tracker", "rule_policy.py"]),
        ("policies: graph runner and the rest", ["_predict_next_with_tracker"]),
        ("action calls: reply check (jsonschema)", ["_validate_action_result"]),
        ("action calls: request body (tracker state, domain)", ["_action_call_format"]),
        ("action calls: HTTP client (aiohttp, JSON)", ["rasa/utils/endpoints.py"]),
        ("action calls: applying the reply (events, forms)", ["rasa/core/actions/action.py", "_run_prediction_loop"]),
        ("action calls: applying the reply (events, forms)", ["rasa/core/actions/loops.py"]),
        ("processor: tracker copies, logging events, the rest", ["rasa/core/processor.py"]),
        ("HTTP server (Sanic), channel, event loop", [""]),
    ],
    "actions": [
        ("HTTP client to the knowledge service (aiohttp, JSON)", ["aiohttp/"]),
        ("request JSON parsing (Sanic)", ["sanic/request.py"]),
        ("our actions' own code", ["(actions/navigate.py"]),
        ("our actions' own code", ["(actions/situation.py"]),
        ("our actions' own code", ["(actions/feedback.py"]),
        ("our actions' own code", ["(actions/handoff.py"]),
        ("our actions' own code", ["(actions/knowledge_client.py"]),
        ("rasa-sdk: tracker from JSON, dispatcher, events", ["rasa_sdk/"]),
        ("HTTP server (Sanic), event loop", [""]),
    ],
    "knowledge": [
        ("understand: search: tokenise + BM25", ["SearchEngine.search", "LexicalIndex"]),
        ("understand: search: tokenise + BM25", ["SearchEngine.search", "Tokenizer"]),
        ("understand: search: tokenise + BM25", ["SearchEngine.search", "_fold"]),
        ("understand: search: embedding (ONNX Runtime)", ["SearchEngine.search", "encode_query"]),
        ("understand: search: faiss", ["SearchEngine.search", "DenseIndex"]),
        ("understand: search: names, fusion, judgement", ["SearchEngine.search"]),
        ("understand: situation reading, goal, steps", ["understand (knowledge/api/routes/dialogue.py"]),
        ("answer: planning and wording", ["answer (knowledge/api/routes/dialogue.py"]),
        ("say: wording", ["say (knowledge/api/routes/dialogue.py"]),
        ("conversation events (gap, handoff, rating)", ["post_event"]),
        ("FastAPI/pydantic request and response, uvicorn", [""]),
    ],
}
# Stacks that are waiting, not working: background threads anywhere, or a waiting innermost frame.
IDLE_ANYWHERE = ["_purge_regularly"]
IDLE_LAST = ["Condition.wait", "Queue.get (queue.py", "wait (threading.py", "select (selectors.py", "_run_once",
             "serve (sanic/server/runners.py", "Runner.run (asyncio/runners.py",
             "_worker (concurrent/futures/thread.py", "WorkerThread.run (anyio"]


def split(process: str, path: str) -> tuple[collections.Counter, int]:
    shares: collections.Counter = collections.Counter()
    busy = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            stack, _, count = line.rstrip().rpartition(" ")
            innermost = stack.rsplit(";", 1)[-1]
            if any(s in stack for s in IDLE_ANYWHERE) or any(s in innermost for s in IDLE_LAST):
                continue
            busy += int(count)
            for stage, frames in STAGES[process]:
                if all(frame in stack for frame in frames):
                    shares[stage] += int(count)
                    break
    return shares, busy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("process", choices=sorted(STAGES))
    ap.add_argument("profile", help="py-spy record --format raw output")
    ap.add_argument("cpu_ms_per_turn", type=float, help="the process's CPU-ms per turn in the same run")
    args = ap.parse_args()
    shares, busy = split(args.process, args.profile)
    print(f"{args.process}: {busy} busy samples, {args.cpu_ms_per_turn:.1f} CPU-ms per turn")
    for stage in dict.fromkeys(name for name, _ in STAGES[args.process]):
        share = shares[stage] / busy if busy else 0.0
        print(f"  {stage:<55} {share:6.1%} {share * args.cpu_ms_per_turn:6.1f} ms")


if __name__ == "__main__":
    main()
