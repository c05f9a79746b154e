"""GET /api/editor/schema in process on the real app (the knowledge tests' service, tests/knowledge/conftest.py):
who may read it, and that it is the models' schema."""
from __future__ import annotations

import centre
from knowledge.schema import Item


def test_editors_read_the_models_schema(service):
    resp = service.client.get("/api/editor/schema", headers=service.as_("editor3"))
    assert resp.status_code == 200
    kinds = resp.json()["kinds"]
    assert {k: v["title"] for k, v in kinds.items()} == {"item": "事项", "route": "一件事", "faq": "问答",
                                                        "industry": "行业"}
    assert kinds["item"]["schema"] == Item.model_json_schema()
    # The service runs as another centre than the sample one: the blank names the centre it was set to.
    assert service.state.settings.centre_name != centre.NAME
    assert kinds["item"]["blank"]["place"]["address"] == f"{service.state.settings.centre_name}（示例地址）"
    assert resp.headers["cache-control"] == "no-store"


def test_signed_out_and_hotline_staff_are_refused(service):
    assert service.client.get("/api/editor/schema").status_code == 401
    resp = service.client.get("/api/editor/schema", headers=service.as_("staff3"))
    assert resp.status_code == 403
    assert "无权" in resp.json()["detail"]
