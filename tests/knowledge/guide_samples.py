"""Small but complete guides for the editor and publishing tests, each with an id unique to the test run."""
from __future__ import annotations

import io
import uuid
import zipfile
import zlib
from collections.abc import Mapping

import httpx


def unique_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def zip_of(files: Mapping[str, str | bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    """A zip of files named by their path inside it (a guide folder's items/x.yml …, an upload's documents);
    ZIP_DEFLATED where packing matters (a zip bomb is small only when deflated)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def department_phone(department: str) -> str:
    """A sample phone number of the department's own: the catalogue refuses one number shared by two
    departments, and tests publish guides of several departments into one shared stack."""
    return f"0000-19{zlib.crc32(department.encode()) % 100000:05d}（示例号码）"


def new_item(guide_id: str, name: str, aliases: list[str] | None = None, **overrides) -> dict:
    department = overrides.get("department", "示例市测试管理局")
    data = {
        "id": guide_id,
        "kind": "item",
        "name": name,
        "code": f"SAMPLE-TEST-{guide_id.upper()}",
        "type": "行政许可",
        "department": department,
        "audience": ["个人", "法人"],
        "aliases": aliases or [],
        "summary": f"{name}的示例办事指南（测试用）。",
        "time_limit": {"statutory_days": 20, "promised_days": 5, "promised_sample": True},
        "place": {"address": "示例市示例大道 100 号（示例地址）", "window": "综合窗口 9 号（示例）",
                  "hours": "工作日 9:00-12:00，13:30-17:30（示例）", "phone": department_phone(department)},
        "result": {"name": f"{name}决定书"},
        "materials": [{"name": "申请书"}, {"name": "身份证明", "key": "身份证"}],
        "steps": ["申请", "受理", "审查", "决定"],
    }
    data.update(overrides)
    return data


def new_route(guide_id: str, name: str, steps: list[dict], **overrides) -> dict:
    data = {"id": guide_id, "kind": "route", "name": name, "summary": f"{name}（测试用路线）。", "steps": steps}
    data.update(overrides)
    return data


def create(client: httpx.Client, data: dict) -> dict:
    resp = client.post("/api/editor/guides", json={"kind": data["kind"], "data": data})
    assert resp.status_code == 201, resp.text
    return resp.json()


def save(client: httpx.Client, guide_id: str, base_version: int, data: dict) -> dict:
    resp = client.put(f"/api/editor/guides/{guide_id}/draft", json={"base_version": base_version, "data": data})
    assert resp.status_code == 200, resp.text
    return resp.json()


def publish(client: httpx.Client, guide_id: str, version: int) -> dict:
    resp = client.post(f"/api/editor/guides/{guide_id}/publish", json={"version": version})
    assert resp.status_code == 200, resp.text
    return resp.json()


def top_hit(client: httpx.Client, query: str) -> str | None:
    results = client.get("/api/search", params={"q": query, "k": 3}).json()["results"]
    return results[0]["id"] if results else None


def titles_found(client: httpx.Client, query: str, guide_id: str) -> list[str]:
    """The titles search shows for `guide_id` (which version is indexed), empty if it is not found."""
    results = client.get("/api/search", params={"q": query, "k": 10}).json()["results"]
    return [r["title"] for r in results if r["id"] == guide_id]
