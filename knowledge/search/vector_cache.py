"""Passage vectors keyed by (model, text) hash, so re-indexing only encodes what changed."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np


class VectorCache:
    def __init__(self, path: Path | None, dim: int):
        self.path, self.dim = path, dim
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        if path and path.exists():
            with np.load(path) as data:
                self._vectors = dict(zip(data["keys"].tolist(), data["vectors"]))

    @staticmethod
    def key(text: str) -> str:
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()

    def lookup(self, texts: list[str]) -> tuple[list[np.ndarray | None], list[int]]:
        """Cached vectors (None where missing) and the positions that still need encoding."""
        found = [self._vectors.get(self.key(t)) for t in texts]
        return found, [i for i, v in enumerate(found) if v is None]

    def store(self, texts: list[str], vectors: np.ndarray) -> None:
        for t, v in zip(texts, vectors):
            self._vectors[self.key(t)] = v
        self._dirty = self._dirty or len(texts) > 0

    def save(self) -> None:
        if not (self.path and self._dirty):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors), dtype="U24")
        vecs = np.stack(list(self._vectors.values())) if self._vectors else np.zeros((0, self.dim), np.float32)
        # Write then rename: a crash mid-write must not leave a truncated cache behind.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".npz")
        os.close(fd)
        np.savez(tmp, keys=keys, vectors=vecs)
        os.replace(tmp, self.path)
        self._dirty = False
