"""Starts the real processes for tests: knowledge service, action server and Rasa, on free ports.

Every process is the one `make run` starts, with its own temporary database and ports, so a
developer's running assistant is never touched.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RASA_VENV = ROOT / ".venv" / "rasa" / "bin"
SERVICE_VENV = ROOT / ".venv" / "service" / "bin"
RASA_MODEL = ROOT / ".build" / "rasa-models" / "navigator.tar.gz"
ADMIN_PASSWORD = "admin-口令-123"
SERVICE_TOKEN = "test-service-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    health_url: str
    proc: subprocess.Popen | None = None
    cwd: Path = ROOT

    def start(self) -> "Process":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(self.argv, cwd=self.cwd, env={**os.environ, **self.env},
                                     stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        return self

    def wait_healthy(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}); log: {self.log}\n"
                                   + self.log.read_text(errors="replace")[-3000:])
            try:
                if httpx.get(self.health_url, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{self.name} not healthy after {timeout}s; log: {self.log}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def password_for(username: str) -> str:
    """The password tests give an account: never containing the username (the password policy refuses
    that), and strong enough for zxcvbn."""
    return "口令-" + hashlib.sha256(username.encode()).hexdigest()[:8]


def service_token_for(workdir: Path) -> str:
    """The stack's service token, made the way scripts/start.sh makes it: by the knowledge service's
    own module, into the stack's VAR_DIR (workdir/var), once."""
    out = subprocess.run([str(SERVICE_VENV / "python"), "-m", "knowledge.core.secrets", "service-token"],
                         cwd=ROOT, env={**os.environ, "VAR_DIR": str(workdir / "var"), "SERVICE_TOKEN": ""},
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def knowledge_process(workdir: Path, port: int | None = None, **env: str) -> Process:
    port = port or free_port()
    return Process(
        "knowledge", [str(SERVICE_VENV / "uvicorn"), "knowledge.api.main:app", "--host", "127.0.0.1",
                      "--port", str(port), "--log-level", "warning"],
        {"DATABASE_URL": f"sqlite:///{workdir / 'navigator.db'}", "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
         "API_PORT": str(port), "ADMIN_PASSWORD": ADMIN_PASSWORD, "VAR_DIR": str(workdir / "var"),
         # Rasa's conversations (default_tracker_store), as scripts/start.sh points the service at them.
         "TRACKER_DB_URL": f"sqlite:///{workdir / 'conversations.db'}", **env},
        workdir / "knowledge.log", f"http://127.0.0.1:{port}/healthz")


def actions_process(workdir: Path, knowledge_url: str, port: int | None = None, **env: str) -> Process:
    """The action server as scripts/start.sh runs it: loopback only, answering only calls with SERVICE_TOKEN."""
    port = port or free_port()
    return Process(
        "actions", [str(RASA_VENV / "python"), "-m", "actions.server", "--port", str(port)],
        {"KNOWLEDGE_URL": knowledge_url, "PUBLIC_BASE_URL": knowledge_url, "SERVICE_TOKEN": SERVICE_TOKEN, **env},
        workdir / "actions.log", f"http://127.0.0.1:{port}/health")


def default_action_endpoint() -> dict:
    """bot/endpoints.yml's action endpoint (what `make run` uses); tests give it their own URL and token."""
    import yaml

    return yaml.safe_load((ROOT / "bot" / "endpoints.yml").read_text(encoding="utf-8"))["action_endpoint"]


def default_tracker_store(workdir: Path) -> str:
    """bot/endpoints.yml's tracker store (what `make run` uses), with its database in `workdir`:
    Rasa processes started on the same workdir share the conversations, and a restarted one resumes them."""
    import yaml

    store = yaml.safe_load((ROOT / "bot" / "endpoints.yml").read_text(encoding="utf-8"))["tracker_store"]
    store["db"] = str(workdir / "conversations.db")
    return yaml.safe_dump({"tracker_store": store}, allow_unicode=True)


def rasa_process(workdir: Path, action_url: str, port: int | None = None, endpoints_extra: str = "",
                 env: dict[str, str] | None = None, service_token: str | None = None) -> Process:
    # The header Rasa sends must be the token the action server was given (env), however it is passed.
    service_token = service_token or (env or {}).get("SERVICE_TOKEN") or SERVICE_TOKEN
    port = port or free_port()
    endpoints = workdir / f"endpoints-{port}.yml"
    endpoints.write_text(f"action_endpoint:\n  url: {action_url}/webhook\n"
                         f"  headers:\n    X-Service-Token: {service_token}\n"
                         f"  enable_selective_domain: {default_action_endpoint()['enable_selective_domain']}\n"
                         + ("" if "tracker_store:" in endpoints_extra else default_tracker_store(workdir))
                         + endpoints_extra)
    return Process(
        "rasa", [str(RASA_VENV / "python"), "-m", "bot.server", "run", "--model", str(RASA_MODEL),
                 "--endpoints", str(endpoints),
                 # No --interface: bot/server.py's default (127.0.0.1) is what tests/security checks.
                 "--credentials", "bot/credentials.yml", "--port", str(port)],
        env or {}, workdir / f"rasa-{port}.log", f"http://127.0.0.1:{port}/")


@dataclass
class Stack:
    workdir: Path
    knowledge: Process | None = None
    actions: Process | None = None
    rasa: Process | None = None
    extra: list[Process] = field(default_factory=list)
    knowledge_env: dict[str, str] = field(default_factory=dict)  # extra settings for the knowledge service
    service_token: str = ""  # what the dialogue side sends as X-Service-Token (set by start)
    rasa_env: dict[str, str] = field(default_factory=dict)  # extra settings for Rasa

    @property
    def knowledge_url(self) -> str:
        return self.knowledge.health_url.removesuffix("/healthz")

    @property
    def rasa_url(self) -> str:
        return self.rasa.health_url.rstrip("/")

    @property
    def actions_url(self) -> str:
        return self.actions.health_url.removesuffix("/health")

    def start(self, with_rasa: bool = True) -> "Stack":
        # Every process gets the token generated into VAR_DIR, as scripts/start.sh does, so the dialogue
        # tests that read handoff and rating events also prove the action server sends it.
        self.service_token = service_token_for(self.workdir)
        token = {"SERVICE_TOKEN": self.service_token}
        self.knowledge = knowledge_process(self.workdir, **{**token, **self.knowledge_env})
        rasa_port = free_port()
        self.knowledge.env["RASA_URL"] = f"http://127.0.0.1:{rasa_port}"
        self.knowledge.start()
        if with_rasa:
            self.actions = actions_process(self.workdir, self.knowledge_url, **token).start()
            self.rasa = rasa_process(self.workdir, self.actions_url, port=rasa_port,
                                     env={**token, **self.rasa_env}, service_token=self.service_token).start()
        for p in (self.knowledge, self.actions, self.rasa):
            if p:
                p.wait_healthy()
        return self

    def post_event(self, timeout: float = 30, **event) -> httpx.Response:
        """POST /api/conversations/events as the action server does (with the service token)."""
        return httpx.post(f"{self.knowledge_url}/api/conversations/events", json=event, timeout=timeout,
                          headers={"X-Service-Token": self.service_token})

    def stop(self) -> None:
        for p in [*self.extra, self.rasa, self.actions, self.knowledge]:
            if p:
                p.stop()


def login(base_url: str, username: str, password: str, timeout: float = 60) -> httpx.Client:
    """An HTTP client signed in as `username` (session cookie set); use it in `with` or close it."""
    resp = httpx.post(f"{base_url}/api/auth/login", json={"username": username, "password": password},
                      timeout=timeout)
    if resp.status_code != 200:
        raise AssertionError(f"login as {username} failed: {resp.status_code} {resp.text}")
    return httpx.Client(base_url=base_url, timeout=timeout, cookies={"navigator_session": resp.json()["token"]})


def say(rasa_url: str, sender: str, message: str, timeout: float = 30) -> list[dict]:
    """One turn on Rasa's REST channel; returns the bot's messages."""
    resp = httpx.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                      timeout=timeout)
    resp.raise_for_status()
    return resp.json()


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


@contextmanager
def broken_vector_cache(workdir: Path) -> Iterator[None]:
    """The service's passage-vector cache folder replaced by a plain file, so saving new vectors (and
    with it an index update) fails for real, as on a full disk; put back afterwards.
    staff_stack gives its knowledge service a cache folder of its own inside `workdir`."""
    cache = workdir / "cache"
    assert cache.is_dir() and any(cache.glob("vectors-*.npz")), "the service should use its own vector cache"
    aside = workdir / "cache-aside"
    cache.rename(aside)
    cache.write_text("a file where the vector cache folder should be")
    try:
        yield
    finally:
        cache.unlink()
        aside.rename(cache)


@contextmanager
def nginx_serving(conf: Path, prefix: Path, base_url: str) -> Iterator[subprocess.Popen]:
    """Debian's nginx with a rendered deploy/nginx.conf.template, until base_url/healthz answers
    through it (the tests that check what the public site lets through)."""
    proc = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(prefix), "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        proc.wait(10)
