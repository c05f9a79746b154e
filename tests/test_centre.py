"""One setting renames the centre (centre.py; README, Configuration). A second centre sets CENTRE_NAME,
HOTLINE_PHONE, HOTLINE_HOURS and COMPLAINT_LINE and brings its own guides; then its name is in a chat
answer, a printable notice and the staff pages, its hotline is in the apologies of the action server
and the WeChat channel, and the sample 示例市政务服务中心 and its hotline 0000-12345 are nowhere, not even
in the scripts the pages load.

In process: the knowledge service through TestClient (started from the environment, as
`make run` starts it), the apologies called directly after their modules are read again under the
new environment, as a fresh process would read them.
"""
from __future__ import annotations

import importlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import centre
from knowledge.core.config import get_settings

OTHER = {"CENTRE_NAME": "青山区政务服务中心", "HOTLINE_PHONE": "0571-8765 4321",
         "HOTLINE_HOURS": "周一至周五 8:30-17:00", "COMPLAINT_LINE": "12345热线（青山区）"}
SAMPLE_NAME, SAMPLE_PHONE = "示例市政务服务中心", "0000-12345"
GUIDES = Path(centre.__file__).resolve().parent / "knowledge" / "guides"
ADMIN_PASSWORD = "青山-管理员-口令-9"


def assert_other_centre(text: str, *, named: bool = True) -> None:
    if named:
        assert OTHER["CENTRE_NAME"] in text, text[:2000]
    assert SAMPLE_NAME not in text and SAMPLE_PHONE not in text, text[:2000]


def read_identity_again() -> None:
    """What a process reads at start: centre.py and the modules that copied its values."""
    get_settings.cache_clear()
    importlib.reload(centre)
    import actions.outage
    import actions.settings
    importlib.reload(actions.settings)
    importlib.reload(actions.outage)


@pytest.fixture(scope="module")
def other_centre(tmp_path_factory) -> Iterator[None]:
    tmp = tmp_path_factory.mktemp("other-centre")
    guides = shutil.copytree(GUIDES, tmp / "guides")
    for f in guides.rglob("*.yml"):  # the centre's own guides name its own hall and hotline
        text = f.read_text(encoding="utf-8")
        f.write_text(text.replace(SAMPLE_NAME, OTHER["CENTRE_NAME"]).replace(SAMPLE_PHONE, OTHER["HOTLINE_PHONE"]),
                     encoding="utf-8")
    # The passages that name the centre are encoded once (minutes on a busy machine) and kept in a cache
    # of this test's own beside the service's, which stays as it was.
    shared = get_settings().cache_dir
    cache = shared / "test-other-centre"
    if not cache.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        for f in shared.glob("vectors-*.npz"):
            shutil.copy(f, cache)
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {**OTHER, "GUIDES_DIR": str(guides), "CACHE_DIR": str(cache), "VAR_DIR": str(tmp / "var"),
                            "DATABASE_URL": f"sqlite:///{tmp / 'navigator.db'}", "ADMIN_PASSWORD": ADMIN_PASSWORD}.items():
            mp.setenv(name, value)
        for name in ("REDIS_URL", "SERVICE_TOKEN", "TRACKER_DB_URL"):  # a developer's shell must not leak in
            mp.delenv(name, raising=False)
        read_identity_again()
        try:
            yield
        finally:
            mp.undo()
            read_identity_again()


@pytest.fixture(scope="module")
def service(other_centre) -> Iterator[TestClient]:
    from knowledge.api.main import create_app

    with TestClient(create_app()) as client:
        yield client


def test_the_settings_come_from_the_environment(other_centre):
    settings = get_settings()
    assert (settings.centre_name, settings.hotline_phone) == (OTHER["CENTRE_NAME"], OTHER["HOTLINE_PHONE"])
    assert os.environ["CENTRE_NAME"] == OTHER["CENTRE_NAME"]


def test_a_chat_answer_names_the_centre(service):
    resp = service.post("/api/dialogue/answer", json={"focus": "route:open-restaurant", "answers": {
        "entity": "individual", "area": "small", "sells_tobacco": "no", "signboard": "no"}})
    assert resp.status_code == 200, resp.text
    assert_other_centre("\n".join(m["text"] for m in resp.json()["messages"]))


@pytest.mark.parametrize("what", ["scope", "greet"])
def test_an_answer_outside_the_guides_names_the_centre(service, what):
    resp = service.post("/api/dialogue/say", json={"what": what})
    assert resp.status_code == 200, resp.text
    assert_other_centre("\n".join(m["text"] for m in resp.json()["messages"]))


@pytest.mark.parametrize("path", ["/api/routes/open-restaurant/notice?entity=company", "/api/items/passport/notice"])
def test_a_printable_notice_names_the_centre_and_its_hotline(service, path):
    resp = service.get(path)
    assert resp.status_code == 200
    assert_other_centre(resp.text)
    assert OTHER["HOTLINE_PHONE"] in resp.text and OTHER["HOTLINE_HOURS"] in resp.text


@pytest.mark.parametrize("path", ["/", "/login", "/console", "/editor"])
def test_the_pages_and_their_scripts_name_the_centre(service, path):
    resp = service.get(path)
    assert resp.status_code == 200
    assert_other_centre(resp.text)
    scripts = re.findall(r'<script src="(/static/[^"]+)"', resp.text)
    assert scripts
    for src in scripts:  # the scripts read the name from the page, so they hold no name of their own
        script = service.get(src)
        assert script.status_code == 200
        assert_other_centre(script.text, named=False)


def test_the_apologies_give_the_centres_hotline(other_centre):
    from actions import outage
    from channels import apology

    for said in (outage.unavailable(), outage.failed(), outage.handoff(), apology.dialogue_unavailable()):
        assert OTHER["HOTLINE_PHONE"] in said and OTHER["HOTLINE_HOURS"] in said, said
        assert_other_centre(said, named=False)
    assert OTHER["COMPLAINT_LINE"] in outage.handoff()
