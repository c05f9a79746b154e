"""GET /api/editor/schema in process (FastAPI TestClient) on the real app: who may read it, and that it
is the models' schema."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from knowledge.api.main import create_app
from knowledge.core.config import Settings
from knowledge.schema import Item

PASSWORD = "格式-测试-口令-1"
ACCOUNTS = {"editor3": "editor", "staff3": "staff"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("guide-schema")
    settings = Settings(database_url=f"sqlite:///{tmp / 'db.sqlite'}", var_dir=tmp, admin_password=PASSWORD,
                        centre_name="另一市政务服务中心")
    with TestClient(create_app(settings)) as c:
        assert c.post("/api/auth/login", json={"username": "admin", "password": PASSWORD}).status_code == 200
        for username, role in ACCOUNTS.items():
            resp = c.post("/api/users", json={"username": username, "password": PASSWORD, "role": role})
            assert resp.status_code == 201, resp.text
        c.cookies.clear()
        yield c


def bearer(client: TestClient, username: str) -> dict:
    resp = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {resp.json()['token']}"}


def test_editors_read_the_models_schema(client):
    resp = client.get("/api/editor/schema", headers=bearer(client, "editor3"))
    assert resp.status_code == 200
    kinds = resp.json()["kinds"]
    assert {k: v["title"] for k, v in kinds.items()} == {"item": "事项", "route": "一件事", "faq": "问答",
                                                        "industry": "行业"}
    assert kinds["item"]["schema"] == Item.model_json_schema()
    assert kinds["item"]["blank"]["place"]["address"] == "另一市政务服务中心（示例地址）"
    assert resp.headers["cache-control"] == "no-store"


def test_signed_out_and_hotline_staff_are_refused(client):
    assert client.get("/api/editor/schema").status_code == 401
    resp = client.get("/api/editor/schema", headers=bearer(client, "staff3"))
    assert resp.status_code == 403
    assert "无权" in resp.json()["detail"]
