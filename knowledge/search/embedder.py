"""Sentence embeddings from a local sentence-transformers folder (e5 prompts), loaded offline.

When the folder holds an ONNX export of its transformer (onnx/model.onnx, written at set-up time),
ONNX Runtime does the arithmetic; a folder without one (say a bge-small-zh checkpoint a deployment
points at) runs on PyTorch, and `python -m knowledge.embedding.onnx_export DIR` adds the export.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING

import numpy as np

from knowledge.embedding.onnx_export import ONNX_FILE, onnx_path

if TYPE_CHECKING:  # imported when a model is loaded: sentence-transformers takes seconds to import
    from sentence_transformers import SentenceTransformer

# The model must never be fetched from a hub: the folder is built at set-up time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
EMBED_THREADS = int(os.environ.get("EMBED_THREADS", "1"))


class Embedder:
    def __init__(self, model_dir: Path, query_prompt: str = "query: ", passage_prompt: str = "passage: ",
                 threads: int = EMBED_THREADS):
        import torch

        # One thread: the service shares two cores with Rasa, and under load two torch threads
        # spent their time waiting for each other (a query took 0.8-2.7 s vs 75-236 ms). ONNX Runtime
        # gets the same one thread; torch then only pools.
        torch.set_num_threads(threads)
        self.model_dir = Path(model_dir)
        # One lock per model, shared by the Embedders of the folder: inference is not made faster by
        # parallel callers on 2 cores, and a fast tokenizer refuses to be borrowed by two at once.
        self._model, self.runtime, self._lock = _load(self.model_dir.resolve(), threads)
        self.dim = self._model.get_embedding_dimension()
        self._query_prompt, self._passage_prompt = query_prompt, passage_prompt
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def fingerprint(self) -> str:
        """Identifies the weights, so cached passage vectors are never reused across models.

        The ONNX export is left out: it computes the same vectors (cosine 0.9999999), so vectors
        cached by either runtime serve the other.
        """
        h = hashlib.sha256()
        for f in sorted(self.model_dir.rglob("*")):
            if f.is_file() and ONNX_FILE.parent.name not in f.relative_to(self.model_dir).parts[:1]:
                h.update(f.name.encode())
                h.update(str(f.stat().st_size).encode())
        return h.hexdigest()[:16]

    def encode_query(self, text: str) -> np.ndarray:
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
            vec = self._encode([self._query_prompt + text])[0]
            self._cache[text] = vec
            if len(self._cache) > 4096:
                self._cache.popitem(last=False)
            return vec

    def encode_passages(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        with self._lock:
            return self._encode([self._passage_prompt + t for t in texts], batch_size, progress)

    def _encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        vecs = self._model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vecs, dtype=np.float32)


@lru_cache(maxsize=None)
def _load(model_dir: Path, threads: int) -> tuple[SentenceTransformer, str, Lock]:
    """The folder's model and the runtime it runs on, loaded once per process: ONNX Runtime spends
    seconds optimising the graph, and a second copy of the weights would only take memory. The
    model is only read once loaded, so every Embedder of the folder can share it."""
    from sentence_transformers import SentenceTransformer

    onnx_file = onnx_path(model_dir)
    if onnx_file.is_file():
        return _onnx_pipeline(model_dir, onnx_file, threads), "onnxruntime", Lock()
    return SentenceTransformer(str(model_dir), device="cpu"), "pytorch", Lock()


def _onnx_pipeline(model_dir: Path, onnx_file: Path, threads: int):
    """The folder's module pipeline (modules.json) with its first module run by ONNX Runtime."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.util.misc import import_from_string

    from knowledge.search.onnx_transformer import OnnxTransformer

    _transformer, *rest = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
    modules = [OnnxTransformer.from_folder(model_dir, onnx_file, threads)]
    modules += [import_from_string(m["type"]).load(str(model_dir), subfolder=m["path"]) for m in rest]
    return SentenceTransformer(modules=modules, device="cpu")
