"""One real knowledge service in process for the knowledge package's tests (the editing workflow, the editor's
routes): the app in FastAPI's TestClient (its own SQLite database seeded from the sample guides, the real
embedding model and index, no server started), and the same app's state for calling the workflow functions
directly. It runs as another centre than the sample one, so that what names the centre shows the setting read."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from knowledge.api.main import create_app
from knowledge.api.state import AppState
from knowledge.core.config import Settings
from tests.stack import password_for

ADMIN = "编辑测试-管理员-口令-7"
BASE = "http://testserver"
ROLES = {"editor3": "editor", "reviewer3": "reviewer", "staff3": "staff"}
CENTRE = "另一市政务服务中心"


@dataclass
class Service:
    client: TestClient
    state: AppState
    workdir: Path  # holds the service's own vector cache folder, `cache`
    headers: dict[str, dict[str, str]]  # username → the Authorization header of its sign-in

    def as_(self, username: str) -> dict[str, str]:
        return self.headers[username]


@pytest.fixture(scope="session")
def service(tmp_path_factory) -> Service:
    tmp = tmp_path_factory.mktemp("editing")
    # A copy of the passage-vector cache of its own (as the staff stack has), so a test can break it
    # (tests.stack.broken_vector_cache) and an index update fails for real.
    cache = tmp / "cache"
    cache.mkdir()
    for f in Path(os.environ.get("CACHE_DIR", Path.home() / ".cache" / "approval-navigator")).glob("vectors-*.npz"):
        shutil.copy(f, cache)
    settings = Settings(database_url=f"sqlite:///{tmp / 'navigator.db'}", var_dir=tmp / "var", admin_password=ADMIN,
                        service_token=None, redis_url=None, public_base_url=BASE, cache_dir=cache, centre_name=CENTRE)
    with TestClient(create_app(settings), base_url=BASE) as client:
        headers = {"admin": _sign_in(client, "admin", ADMIN)}
        for username, role in ROLES.items():
            resp = client.post("/api/users", headers=headers["admin"],
                               json={"username": username, "password": password_for(username), "role": role})
            assert resp.status_code == 201, resp.text
            headers[username] = _sign_in(client, username, password_for(username))
        yield Service(client, client.app.state.navigator, tmp, headers)


def _sign_in(client: TestClient, username: str, password: str) -> dict[str, str]:
    resp = client.post("/api/auth/login", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    client.cookies.clear()  # every request says who it is explicitly
    return {"Authorization": f"Bearer {resp.json()['token']}"}


@pytest.fixture
def session(service):
    with service.state.sessions() as session:
        yield session


@pytest.fixture(scope="session")
def sample_engine(tmp_path_factory):
    """The search engine on the sample base with the real embedding model: built once for every test
    that only reads its rankings."""
    from knowledge.catalogue import Catalogue
    from knowledge.core.config import get_settings
    from knowledge.search.embedder import Embedder
    from knowledge.search.engine import SearchEngine
    from tests.knowledge.search.test_live_index import warm_cache

    embedder = Embedder(get_settings().embedding_model_dir)
    engine = SearchEngine(embedder, warm_cache(embedder, tmp_path_factory.mktemp("sample-engine")))
    engine.rebuild(Catalogue.from_folder(get_settings().guides_dir).all())
    return engine
