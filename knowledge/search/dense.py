"""faiss inner-product index over passage vectors; a guide scores as its best passage."""
from __future__ import annotations

import faiss
import numpy as np


class DenseIndex:
    def __init__(self, vectors: np.ndarray, owners: np.ndarray):
        """vectors: (n_passages, dim) unit vectors; owners[i] is the document position of passage i."""
        self.owners = owners
        self._index = faiss.IndexFlatIP(vectors.shape[1])
        if len(vectors):
            self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, query: np.ndarray, depth: int) -> tuple[list[int], list[float]]:
        """Documents best first (deduplicated by owner) and their cosine similarities."""
        if self._index.ntotal == 0:
            return [], []
        sims, ids = self._index.search(query.reshape(1, -1), min(depth * 4, self._index.ntotal))
        docs: list[int] = []
        scores: list[float] = []
        seen: set[int] = set()
        for sim, pid in zip(sims[0], ids[0]):
            if pid < 0:
                continue
            doc = int(self.owners[pid])
            if doc not in seen:
                seen.add(doc)
                docs.append(doc)
                scores.append(float(sim))
                if len(docs) == depth:
                    break
        return docs, scores
