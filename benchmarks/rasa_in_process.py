"""Rasa's own CPU per turn, without the machine's noise as far as possible: the dialogue benchmark's
conversations, one after the other, through Rasa's Agent in this process (bot.server's patches,
the served model, the SQLite tracker store), against a real action server and knowledge service
(started here, tests/stack.py). Runs in the Rasa venv:

    .venv/rasa/bin/python -m benchmarks.rasa_in_process                  # patched, 12 rounds of 45 turns
    .venv/rasa/bin/python -m benchmarks.rasa_in_process --stock          # unpatched Rasa 3.6
    .venv/rasa/bin/python -m benchmarks.rasa_in_process --count-calls    # Python function calls per turn

It prints the main thread's CPU per turn, minimum and median over the rounds (on a shared machine
the minimum moves least), and with --count-calls the number of Python function calls per turn
(cProfile's count: the same on every run, so a change to Rasa's work shows without any noise;
time is not measured then). The HTTP server (Sanic, ~0.3 ms a request) is not included; for the
whole process under concurrent load use benchmarks/dialogue_load.py with --rasa-pid.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from benchmarks.dialogue_load import CONVERSATIONS  # noqa: E402
from tests.stack import RASA_MODEL, actions_process, knowledge_process, service_token_for  # noqa: E402


async def converse(agent, rounds: int, on_round=None) -> int:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    turns = 0
    for r in range(rounds):
        for n, script in enumerate(CONVERSATIONS):
            for text in script:
                await agent.handle_message(UserMessage(text, CollectingOutputChannel(), f"round{r}-{n}"))
                turns += 1
        if on_round:
            on_round()
    return turns


async def measure(args: argparse.Namespace, workdir: Path, action_url: str, token: str) -> None:
    import rasa.utils.log_utils as log_utils
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    from bot import server

    if not args.stock:
        server.patch_rasa()
    log_utils.configure_structlog(logging.INFO)  # as `rasa run` configures it
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(f"action_endpoint:\n  url: {action_url}/webhook\n  headers:\n    X-Service-Token: {token}\n"
                         f"  enable_selective_domain: true\ntracker_store:\n"
                         f"  type: bot.tracker_store.SessionWindowSQLTrackerStore\n  dialect: sqlite\n"
                         f"  db: {workdir}/conversations.db\n", encoding="utf-8")
    agent = await load_agent(model_path=str(RASA_MODEL), endpoints=AvailableEndpoints.read_endpoints(str(endpoints)))
    gc.collect()
    gc.freeze()  # as bot.server's freeze_the_loaded_model does after loading
    await converse(agent, 2)  # warm-up: caches, connections
    if args.count_calls:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        turns = await converse(agent, 2)
        profile.disable()
        print(f"Python function calls per turn: {pstats.Stats(profile).total_calls / turns:,.0f} ({turns} turns)")
        return
    per_round: list[float] = []
    started = [time.thread_time()]

    def on_round() -> None:
        now = time.thread_time()
        per_round.append((now - started[0]) / sum(len(c) for c in CONVERSATIONS) * 1000)
        started[0] = now

    turns = await converse(agent, args.rounds, on_round)
    print(f"{'stock' if args.stock else 'patched'} Rasa, {turns} turns: CPU per turn min {min(per_round):.2f} ms, "
          f"median {statistics.median(per_round):.2f} ms (main thread, {args.rounds} rounds)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=12, help="rounds of the benchmark's conversations")
    parser.add_argument("--stock", action="store_true", help="unpatched Rasa 3.6 (the reference)")
    parser.add_argument("--count-calls", action="store_true", help="count Python function calls instead of timing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rasa-in-process-") as tmp:
        workdir = Path(tmp)
        token = service_token_for(workdir)
        knowledge = knowledge_process(workdir, SERVICE_TOKEN=token).start()
        actions = None
        try:
            knowledge.wait_healthy()
            url = knowledge.health_url.removesuffix("/healthz")
            actions = actions_process(workdir, url, SERVICE_TOKEN=token).start()
            actions.wait_healthy()
            asyncio.run(measure(args, workdir, actions.health_url.removesuffix("/health"), token))
        finally:
            for process in (actions, knowledge):
                if process:
                    process.stop()


if __name__ == "__main__":
    main()
