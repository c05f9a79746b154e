"""BM25 over jieba tokens (bm25s: sparse matrices, fast enough for 100k guides)."""
from __future__ import annotations

import bm25s
import numpy as np


class LexicalIndex:
    def __init__(self, corpus_tokens: list[list[str]]):
        self.size = len(corpus_tokens)
        self._bm25 = bm25s.BM25()
        # bm25s cannot index an empty document; a placeholder token keeps positions aligned.
        self._bm25.index([toks or ["∅"] for toks in corpus_tokens], show_progress=False)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        if not query_tokens:
            return np.zeros(self.size, dtype=np.float32)
        return self._bm25.get_scores(query_tokens)
