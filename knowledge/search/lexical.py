"""BM25 over jieba tokens (bm25s: sparse matrices, fast enough for 100k guides).

Each document's tokens are kept as vocabulary ids, so publishing one guide re-tokenises only that
guide: the index is rebuilt from the stored ids of the others (BM25's document frequencies change
with every document, so the matrix itself has to be rebuilt; tokenising is the slow part).
"""
from __future__ import annotations

from collections.abc import Sequence

import bm25s
import numpy as np
from bm25s.tokenization import Tokenized

# bm25s cannot index an empty document; a placeholder token keeps positions aligned.
EMPTY = "∅"


class LexicalIndex:
    def __init__(self, corpus_tokens: Sequence[list[str] | np.ndarray], vocab: dict[str, int] | None = None):
        """corpus_tokens: per document, its tokens, or (with `vocab`) their ids from an earlier index."""
        self.vocab: dict[str, int] = dict(vocab or {})
        self.doc_ids: list[np.ndarray] = [
            doc if isinstance(doc, np.ndarray) else self._ids(doc or [EMPTY]) for doc in corpus_tokens
        ]
        self.size = len(self.doc_ids)
        self._bm25 = bm25s.BM25()
        if self.size:
            self._bm25.index(Tokenized(ids=[d.tolist() for d in self.doc_ids], vocab=self.vocab), show_progress=False)

    def _ids(self, tokens: list[str]) -> np.ndarray:
        vocab = self.vocab
        return np.fromiter((vocab.setdefault(t, len(vocab)) for t in tokens), dtype=np.int32, count=len(tokens))

    def rebuilt(self, corpus: Sequence[int | list[str]]) -> "LexicalIndex":
        """A new index: an int reuses that document of this index, a token list is a new document."""
        return LexicalIndex([self.doc_ids[c] if isinstance(c, int) else c for c in corpus], self.vocab)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        known = [t for t in query_tokens if t in self.vocab]
        if not known or not self.size:
            return np.zeros(self.size, dtype=np.float32)
        return self._bm25.get_scores(known)
