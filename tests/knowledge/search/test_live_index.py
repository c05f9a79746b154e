"""Incremental index updates: publishing one guide re-indexes only it, and the result ranks exactly
as a full rebuild would; a failed update leaves the serving snapshot untouched."""
from __future__ import annotations

import shutil
import time

import pytest

from knowledge.catalogue import Catalogue
from knowledge.core.config import get_settings
from knowledge.schema import guide_adapter
from knowledge.search.embedder import Embedder
from knowledge.search.engine import IndexUpdateError, SearchEngine
from knowledge.search.vector_cache import VectorCache

QUERIES = ["我想开个饭店", "办护照要带什么", "狗证在哪里办", "犬只登记", "开个歌厅要办哪些证", "结婚登记",
           "营业执照", "公司注销", "宠物狗登记证", "养狗"]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(get_settings().embedding_model_dir)


@pytest.fixture(scope="module")
def sample() -> Catalogue:
    return Catalogue.from_folder(get_settings().guides_dir)


def dog_licence(sample: Catalogue):
    """A new item written from an existing one, as an editor would."""
    data = sample.items["passport"].model_dump(mode="json")
    data.update(id="dog-registration", code="示例-犬只登记", name="养犬登记", aliases=["办狗证", "宠物狗登记证", "养狗登记"],
                department="示例市公安局（示例）", summary="在城区饲养犬只的，应当为犬只办理养犬登记。")
    return guide_adapter.validate_python(data)


def warm_cache(embedder: Embedder, folder) -> VectorCache:
    """A private copy of the service's passage-vector cache, so the test encodes only what is new."""
    shared = get_settings().cache_dir / f"vectors-{embedder.fingerprint}.npz"
    folder.mkdir(parents=True, exist_ok=True)
    if shared.exists():
        shutil.copy(shared, folder / "vectors.npz")
    return VectorCache(folder / "vectors.npz", embedder.dim)


def ranking(engine: SearchEngine) -> list[list[str]]:
    return [[h.doc.guide_id for h in engine.search(q, k=5).hits] for q in QUERIES]


def test_update_ranks_like_a_full_rebuild(embedder, sample, tmp_path):
    cache = warm_cache(embedder, tmp_path)
    live = SearchEngine(embedder, cache)
    live.rebuild(sample.all())
    new = dog_licence(sample)
    withdrawn = "marriage-registration"

    started = time.perf_counter()
    snap = live.update([new], [withdrawn])
    took = time.perf_counter() - started
    assert took < 2.0, f"an incremental update took {took:.2f}s"
    assert snap is live.snapshot
    ids = [d.guide_id for d in snap.docs]
    assert "dog-registration" in ids and withdrawn not in ids

    fresh = SearchEngine(embedder, cache)
    fresh.rebuild([g for g in sample.all() if g.id != withdrawn] + [new])
    assert ranking(live) == ranking(fresh)
    assert live.search("我想办狗证", k=3).hits[0].doc.guide_id == "dog-registration"


def test_editing_a_guide_changes_what_it_is_found_by(embedder, sample, tmp_path):
    live = SearchEngine(embedder, warm_cache(embedder, tmp_path))
    live.rebuild(sample.all())
    route = sample.routes["open-restaurant"]
    assert "开个苍蝇馆子" not in route.aliases
    edited = route.model_copy(update={"aliases": [*route.aliases, "开个苍蝇馆子"]})
    live.update([edited])
    outcome = live.search("开个苍蝇馆子", k=3)
    assert outcome.hits[0].doc.guide_id == "open-restaurant"
    assert len(live.snapshot.docs) == len(sample.all())


def test_a_failed_update_keeps_the_old_snapshot_serving(embedder, sample, tmp_path):
    cache_dir = tmp_path / "cache"
    live = SearchEngine(embedder, warm_cache(embedder, cache_dir))
    live.rebuild(sample.all())
    before = live.snapshot
    # The disk under the vector cache goes away (here: its folder becomes a file).
    for f in cache_dir.iterdir():
        f.unlink()
    cache_dir.rmdir()
    cache_dir.write_text("not a folder")
    with pytest.raises(IndexUpdateError):
        live.update([dog_licence(sample)])
    assert live.snapshot is before
    assert all(h.doc.guide_id != "dog-registration" for h in live.search("办狗证").hits)
