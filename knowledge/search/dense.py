"""faiss inner-product index over passage vectors; a guide scores as its best passage."""
from __future__ import annotations

import faiss
import numpy as np


# Exact search up to this many passages (the sample base has about 1,100). Beyond it a flat scan
# reads every vector for each query: 546k passages (a 100k-item base) took 115 ms p50 on two cores,
# so large bases use an inverted-file index that scans only the cells nearest the query (about 2 ms).
EXACT_LIMIT = 50_000
NPROBE = 64


class DenseIndex:
    def __init__(self, vectors: np.ndarray, owners: np.ndarray, like: "DenseIndex | None" = None):
        """vectors: (n_passages, dim) unit vectors; owners[i] is the document position of passage i.

        `like`: an earlier index of the same base; its trained cells are reused, because publishing
        one guide barely moves the centroids and training them again takes seconds at 100k guides.
        """
        self.owners = owners
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        self._quantizer = None
        self._index: faiss.Index
        if n <= EXACT_LIMIT:
            self._index = faiss.IndexFlatIP(dim)
        elif like is not None and like._quantizer is not None:
            self._index = faiss.clone_index(like._index)
            self._index.reset()  # keeps the trained centroids, drops the vectors
            self._quantizer = faiss.downcast_index(self._index.quantizer)
            self._index.nprobe = NPROBE
        else:
            nlist = int(4 * np.sqrt(n))
            self._quantizer = faiss.IndexFlatIP(dim)  # kept referenced: the IVF index does not own it
            ivf = faiss.IndexIVFFlat(self._quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
            # 40 points per centroid trains as well as all of them, in a fraction of the time.
            train = vectors[np.random.default_rng(0).choice(n, min(n, 40 * nlist), replace=False)]
            ivf.train(train)
            ivf.nprobe = NPROBE
            self._index = ivf
        if n:
            self._index.add(vectors)

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
