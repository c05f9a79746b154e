"""The bot's code runs in the Rasa venv (Rasa needs Python < 3.11), so each of these tests runs one case of
a cases script there (tests/bot/*_cases.py) in a process of its own and reads how it ended.

Those processes mostly import Rasa and TensorFlow (5-15 s of CPU each), and the in-process tests keep only
one of the machine's two cores busy. So the runs of the selected cases of the fast layer start as soon as the
tests are collected, one after another on a background thread, and the tests that read them are moved to the
end of the session: by then their cases have run on the other core. Each test still waits for its own run
and asserts on it as before.
"""
from __future__ import annotations

import os
import subprocess
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from tests.stack import RASA_VENV, ROOT

CASE_TIMEOUT_S = 300


class CaseRuns:
    """Runs of `python tests/bot/SCRIPT CASE` in the Rasa venv, one at a time, in the order started."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rasa-cases")
        self._runs: dict[tuple[str, str], Future[subprocess.CompletedProcess]] = {}
        self._running: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def start(self, script: str, case: str) -> None:
        if (script, case) not in self._runs:
            self._runs[script, case] = self._pool.submit(self._run, script, case)

    def result(self, script: str, case: str) -> subprocess.CompletedProcess:
        self.start(script, case)
        return self._runs[script, case].result()

    def stop(self) -> None:
        """Drops the runs not started yet and ends the one running (a session stopped early)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            if self._running is not None and self._running.poll() is None:
                self._running.kill()

    def _run(self, script: str, case: str) -> subprocess.CompletedProcess:
        with self._lock:
            process = self._running = subprocess.Popen(
                [str(RASA_VENV / "python"), str(ROOT / "tests" / "bot" / script), case], cwd=ROOT,
                env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"}, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = process.communicate(timeout=CASE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)


RUNS = CaseRuns()


def _case_of(item: pytest.Item) -> tuple[str, str] | None:
    """(cases script, case) of a test that reads a run (uses `case_run`), else None."""
    if "case_run" not in getattr(item, "fixturenames", ()):
        return None
    return item.module.CASES_SCRIPT, item.callspec.params["case"]


@pytest.hookimpl(trylast=True)  # after any other plugin has deselected or reordered
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: _case_of(item) is not None)  # stable: the rest keep their order


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    for item in session.items:
        case = _case_of(item)
        # Not those of `stack` tests: in the whole suite they would take CPU from the first servers' tests,
        # some of which time their answers; each of those runs when its test asks for it.
        if case and not item.get_closest_marker("stack"):
            RUNS.start(*case)


def pytest_sessionfinish() -> None:
    RUNS.stop()


@pytest.fixture
def case_run(request: pytest.FixtureRequest) -> subprocess.CompletedProcess:
    """The finished run of this test's `case` of its module's CASES_SCRIPT."""
    return RUNS.result(request.module.CASES_SCRIPT, request.node.callspec.params["case"])
