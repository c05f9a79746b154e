"""Greedy grouping of similar questions, most frequent first.

Each question, in order of how often it was asked, joins the group it is most similar to on average
(the mean cosine with the group's members, kept as a running sum of their vectors) if that average
reaches the threshold; otherwise it starts a new group whose first member — the most asked wording —
represents it. Comparing with the average rather than with the nearest member keeps a chain of
near-misses (社保卡补办 ~ 身份证补办 ~ 户口本补办) from collecting unrelated needs in one group,
and it needs one matrix-vector product per question: a few thousand questions group in well under
a second.
"""
from __future__ import annotations

import numpy as np


def group(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Row indices of `vectors` (unit rows, already in priority order) grouped; groups in creation order."""
    n, dim = vectors.shape
    sums = np.zeros((max(n, 1), dim), dtype=np.float32)  # one row per group: the sum of its members
    sizes = np.zeros(max(n, 1), dtype=np.float32)
    members: list[list[int]] = []
    for i in range(n):
        g = len(members)
        if g:
            mean_sim = (sums[:g] @ vectors[i]) / sizes[:g]
            best = int(np.argmax(mean_sim))
            if mean_sim[best] >= threshold:
                members[best].append(i)
                sums[best] += vectors[i]
                sizes[best] += 1
                continue
        members.append([i])
        sums[g] = vectors[i]
        sizes[g] = 1
    return members
