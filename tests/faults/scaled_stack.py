"""The scaled layout for the fault tests, built from the same pieces as scripts/start-scaled.sh:
two Rasa replicas started with deploy/endpoints.scaled.yml (PostgreSQL tracker store, Redis lock
store), WeChat state in Redis, the knowledge service on PostgreSQL, one action server.

PostgreSQL and Redis are the machine's shared servers, reached through TcpProxy so a test can take
them away without stopping them. Databases and Redis keys are this session's own (random names),
dropped and deleted afterwards.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import redis

from tests.channels.wechat_sim import DOC_AES_KEY, DOC_APP_ID, DOC_TOKEN, WeChatServer
from tests.faults.tcp_proxy import TcpProxy
from tests.stack import (RASA_MODEL, RASA_VENV, Process, actions_process, free_port, knowledge_process,
                         service_token_for)

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
LOCK_REDIS_DB = 1
HOTLINE = "0000-54321（测试号码）"
ROOT = Path(__file__).resolve().parents[2]


def admin_connection() -> psycopg.Connection:
    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True,
                           connect_timeout=5)


@dataclass
class ScaledStack:
    workdir: Path
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    replicas: list[Process] = field(default_factory=list)
    knowledge: Process | None = None
    actions: Process | None = None
    pg: TcpProxy | None = None
    redis: TcpProxy | None = None

    @property
    def tracker_db(self) -> str:
        return f"faults_rasa_{self.tag}"

    @property
    def guides_db(self) -> str:
        return f"faults_guides_{self.tag}"

    @property
    def lock_prefix(self) -> str:
        return f"faults{self.tag}"  # Rasa accepts letters and digits only

    @property
    def wechat_prefix(self) -> str:
        return f"faults-wechat-{self.tag}:"

    def url(self, i: int) -> str:
        return self.replicas[i].health_url.rstrip("/")

    @property
    def knowledge_url(self) -> str:
        return self.knowledge.health_url.removesuffix("/healthz")

    def wechat(self, i: int) -> WeChatServer:
        return WeChatServer(self.url(i) + "/webhooks/wechat/webhook")

    def wechat_stats(self, i: int) -> dict:
        return httpx.get(self.url(i) + "/webhooks/wechat/stats", timeout=10).json()

    def rasa_log(self, i: int) -> str:
        return self.replicas[i].log.read_text(errors="replace")

    # -- life cycle ----------------------------------------------------------------------------------

    def start(self) -> "ScaledStack":
        with admin_connection() as conn:
            for db in (self.tracker_db, self.guides_db):
                conn.execute(f'CREATE DATABASE "{db}"')
        self.pg = TcpProxy(PG_HOST, PG_PORT).start()
        self.redis = TcpProxy(REDIS_HOST, REDIS_PORT).start()
        rasa_ports = [free_port(), free_port()]
        # One token for all processes, made as scripts/start-scaled.sh makes it.
        self.service_token = service_token_for(self.workdir)
        self.knowledge = knowledge_process(
            self.workdir, SERVICE_TOKEN=self.service_token,
            DATABASE_URL=f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.pg.port}/{self.guides_db}",
            RASA_URL=f"http://127.0.0.1:{rasa_ports[0]}", HOTLINE_PHONE=HOTLINE,
            ADMIN_PASSWORD="admin-口令-123", VAR_DIR=str(self.workdir / "var"))
        self.knowledge.start()
        self.actions = actions_process(self.workdir, self.knowledge_url)
        self.actions.env["HOTLINE_PHONE"] = HOTLINE
        self.actions.env["SERVICE_TOKEN"] = self.service_token
        self.actions.start()
        action_url = self.actions.health_url.removesuffix("/health")
        self.replicas = [self._rasa(port, action_url) for port in rasa_ports]
        self.replicas[0].start()
        for p in (self.knowledge, self.actions, self.replicas[0]):
            p.wait_healthy()
        # The second replica once the first has created the tracker table, as start-scaled.sh does.
        self.replicas[1].start().wait_healthy()
        return self

    def _rasa(self, port: int, action_url: str) -> Process:
        env = {
            "RASA_TELEMETRY_ENABLED": "false", "ACTION_ENDPOINT_URL": f"{action_url}/webhook",
            "TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": str(self.pg.port), "TRACKER_DB_NAME": self.tracker_db,
            "TRACKER_DB_USER": PG_USER, "LOCK_REDIS_HOST": "127.0.0.1", "LOCK_REDIS_PORT": str(self.redis.port),
            "LOCK_REDIS_DB": str(LOCK_REDIS_DB), "LOCK_REDIS_PREFIX": self.lock_prefix, "TICKET_LOCK_LIFETIME": "20",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis.port}/0", "WECHAT_REDIS_PREFIX": self.wechat_prefix,
            "WECHAT_TOKEN": DOC_TOKEN, "WECHAT_ENCODING_AES_KEY": DOC_AES_KEY, "WECHAT_APP_ID": DOC_APP_ID,
            "WECHAT_APP_SECRET": "", "HOTLINE_PHONE": HOTLINE, "SERVICE_TOKEN": self.service_token,
        }
        return Process(
            f"rasa-{port}", [str(RASA_VENV / "python"), "-m", "bot.server", "run", "--model", str(RASA_MODEL),
                             "--endpoints", str(ROOT / "deploy" / "endpoints.scaled.yml"),
                             "--credentials", "bot/credentials.yml", "--port", str(port), "--interface", "127.0.0.1"],
            env, self.workdir / f"rasa-{port}.log", f"http://127.0.0.1:{port}/")

    def stop(self) -> None:
        for p in [*self.replicas, self.actions, self.knowledge]:
            if p:
                p.stop()
        for proxy in (self.pg, self.redis):
            if proxy:
                proxy.stop()
        with admin_connection() as conn:
            for db in (self.tracker_db, self.guides_db):
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        for db, pattern in ((0, f"{self.wechat_prefix}*"), (LOCK_REDIS_DB, f"{self.lock_prefix}:*")):
            r = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db)
            keys = list(r.scan_iter(pattern))
            if keys:
                r.delete(*keys)
