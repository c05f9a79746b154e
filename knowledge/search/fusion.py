"""Reciprocal rank fusion: combines rankings without calibrating their scores against each other."""
from __future__ import annotations

from collections import defaultdict


def reciprocal_rank_fusion(rankings: list[list[int]], k: int = 60, weights: list[float] | None = None) -> dict[int, float]:
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = defaultdict(float)
    for ranking, w in zip(rankings, weights):
        for rank, doc in enumerate(ranking):
            fused[doc] += w / (k + rank + 1)
    return dict(fused)
