"""When two citizens' questions are "the same question", for grouping the knowledge-gap report.

Two questions are the same when one guide (or one alias) would answer both. They are compared by
the cosine of their e5 query vectors, after two changes that the measurements below justify:

1. **Only the content words are embedded.** "狗证在哪里办" and "驾驶证在哪里办" share the sentence
   pattern, and e5 scores the pattern as much as the topic; the question words (在哪里, 怎么办, 要带
   什么 …, the retrieval stopwords of `knowledge.text.tokenizer` plus GENERIC_WORDS) are dropped, so
   "狗证" meets "驾驶证" alone.
2. **The vectors are centred** on the mean vector of the retrieval evaluation questions (citizen
   questions about every kind of service) and normalised again. e5 vectors share a large common
   component, which is why raw cosines bunch at 0.80–0.95 whatever the topic; without it they spread
   over roughly −0.2 … 1.

Measured with `python -m knowledge.reports.similarity` on `question_pairs.yml` (86 hand-labelled
pairs, 41 the same, 45 different — mostly hard negatives with the same pattern or shared words) and,
as an independent check, on all pairs of the 342 evaluation questions (986 pairs aimed at the same
guide, 57,325 not), multilingual-e5-small:

| similarity                               | ROC AUC, pairs | best F1, pairs (at) | ROC AUC, eval questions |
|------------------------------------------|----------------|---------------------|-------------------------|
| raw cosine, whole question               | 0.726          | 0.694 (0.919)       |                         |
| centred cosine, whole question           | 0.746          | 0.718 (0.427)       |                         |
| raw cosine, content words                | 0.808          | 0.724 (0.911)       |                         |
| **centred cosine, content words**        | **0.843**      | **0.773 (0.506)**   | **0.967**               |
| … + 0.1 × character-bigram Jaccard       | 0.838          | 0.778 (0.506)       |                         |
| centred whole q. + 0.2 × token Jaccard   | 0.744          | 0.716 (0.586)       |                         |

Lexical overlap does not help (hard negatives share words by construction, paraphrases often share
none: 养宠物要办狗证吗 / 养狗登记怎么办), so it is not used. Choosing the threshold on random halves of
the pairs and scoring on the other half (200 splits) gives 0.517 ± 0.071 and a held-out F1 of 0.71.

THRESHOLD = 0.50, the F1 optimum's neighbourhood: on the pairs precision 0.69, recall 0.83, F1 0.76;
on the evaluation questions precision 0.91 (questions about different guides are rarely merged) and
recall 0.27 (different *aspects* of one guide — its materials vs its fees — often stay apart, which
in a gap report only means two rows). What it still merges are the hardest negatives: 社保卡 / 身份证
丢了怎么补办, 港澳通行证续签 / 护照续签, 结婚 / 离婚手续. Grouping compares a question with the
*average* of a group (see `gaps.py`), so one such pair does not chain two topics together, and every
group lists its other wordings so the editor sees a mixed group at once.

The threshold belongs to this model: with another EMBEDDING_MODEL_DIR, run the command again.
"""
from __future__ import annotations

import argparse
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

from knowledge.search.embedder import Embedder
from knowledge.search.vector_cache import VectorCache
from knowledge.text.normalize import normalize
from knowledge.text.tokenizer import Tokenizer

THRESHOLD = 0.50
PAIRS_FILE = Path(__file__).with_name("question_pairs.yml")
REFERENCE_FILE = Path(__file__).resolve().parents[1] / "evaluation" / "questions.yml"
# Question words that the retrieval stopwords keep but that say nothing about WHICH service is meant.
GENERIC_WORDS = frozenset("带 哪 在哪 条件 申请 申领 领取 领 啥 需要 本市 能 吗 交 弄".split())
MAX_CHARS = 200  # like the dialogue's query limit: the need is stated in the first sentences
CONTENT_CACHE = 50_000
BATCH = 16  # encode in small batches, releasing the model between them so citizens' searches go first


def content_of(text: str, tokenizer: Tokenizer) -> str:
    """The content words of a question, joined: "养宠物要办狗证吗" → "养宠物办狗证"."""
    text = normalize(text)[:MAX_CHARS]
    words = [w for w in tokenizer.words(text) if w not in GENERIC_WORDS]
    # Search-mode cutting yields compounds and their parts ("驾驶", "驾驶证"); keep the compounds.
    words = [w for w in words if not any(w != other and w in other for other in words)]
    return "".join(dict.fromkeys(words)) or text


class QuestionVectors:
    """Centred unit vectors of questions' content words, cached per content text (in memory and on disk)."""

    def __init__(self, embedder: Embedder, cache_path: Path | None = None,
                 reference: Sequence[str] | None = None):
        self.embedder = embedder
        self._cache = VectorCache(cache_path, embedder.dim)
        self._reference = reference
        self._mean: np.ndarray | None = None
        self._lock = threading.Lock()  # two reports at once must not both encode the same texts
        # jieba costs about 0.3 ms a question; the content words only change with the tokenizer's dictionary.
        self._contents: dict[str, str] = {}
        self._contents_of: Tokenizer | None = None

    def vectors(self, questions: Sequence[str], tokenizer: Tokenizer) -> np.ndarray:
        """(len(questions), dim) float32, each row centred and of unit length."""
        with self._lock:
            raw = self._raw(self._content_words(questions, tokenizer))
            if self._mean is None:
                ref = self._reference if self._reference is not None else reference_questions()
                self._mean = self._raw(self._content_words(ref, tokenizer)).mean(axis=0) if ref else \
                    np.zeros(self.embedder.dim, dtype=np.float32)
            self._cache.save()
        centred = raw - self._mean
        norms = np.linalg.norm(centred, axis=1, keepdims=True)
        return (centred / np.where(norms == 0, 1, norms)).astype(np.float32)

    def _content_words(self, questions: Sequence[str], tokenizer: Tokenizer) -> list[str]:
        if tokenizer is not self._contents_of or len(self._contents) > CONTENT_CACHE:
            self._contents, self._contents_of = {}, tokenizer
        out = []
        for q in questions:
            c = self._contents.get(q)
            if c is None:
                c = self._contents[q] = content_of(q, tokenizer)
            out.append(c)
        return out

    def _raw(self, contents: list[str]) -> np.ndarray:
        if not contents:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        found, missing = self._cache.lookup(contents)
        todo = list(dict.fromkeys(contents[i] for i in missing))
        fresh: dict[str, np.ndarray] = {}
        for start in range(0, len(todo), BATCH):
            chunk = todo[start:start + BATCH]
            fresh.update(zip(chunk, encode_queries(self.embedder, chunk)))
        if todo:
            self._cache.store(todo, np.stack([fresh[t] for t in todo]))
        return np.stack([fresh[c] if v is None else v for c, v in zip(contents, found)]).astype(np.float32)


def encode_queries(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """e5 query vectors of several texts in one model call.

    The Embedder offers only one query at a time (about 45 ms each on one thread; in a batch about
    12 ms), and its one-query cache is meant for citizens' searches, so this reaches into its batch
    encoder, under its lock like every other use of the model.
    """
    with embedder._lock:
        return embedder._encode([embedder._query_prompt + t for t in texts])


def reference_questions() -> list[str]:
    """Citizen questions about every kind of service: what the centring subtracts is what they share."""
    entries = yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8")) or []
    return [e["q"] for e in entries]


# ---- measurement (python -m knowledge.reports.similarity) ----

def _auc(pos: np.ndarray, neg: np.ndarray) -> float:
    neg = np.sort(neg)
    below = np.searchsorted(neg, pos, side="left")
    ties = np.searchsorted(neg, pos, side="right") - below
    return float(np.mean(below + 0.5 * ties) / len(neg))


def _precision_recall(scores: np.ndarray, same: np.ndarray, t: float) -> tuple[float, float, float]:
    pred = scores >= t
    tp, fp, fn = int((pred & same).sum()), int((pred & ~same).sum()), int((~pred & same).sum())
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return p, r, 2 * tp / max(1, 2 * tp + fp + fn)


def measure(model_dir: Path, threshold: float = THRESHOLD) -> None:
    from knowledge.catalogue import Catalogue
    from knowledge.search.documents import user_words

    pairs = yaml.safe_load(PAIRS_FILE.read_text(encoding="utf-8"))["pairs"]
    tokenizer = Tokenizer(user_words(Catalogue.from_folder().all()))
    qv = QuestionVectors(Embedder(model_dir))
    a = qv.vectors([p["a"] for p in pairs], tokenizer)
    b = qv.vectors([p["b"] for p in pairs], tokenizer)
    scores = np.einsum("ij,ij->i", a, b)
    same = np.array([bool(p["same"]) for p in pairs])
    best = max((_precision_recall(scores, same, t)[2], t) for t in np.unique(scores))
    p, r, f = _precision_recall(scores, same, threshold)
    print(f"labelled pairs: {len(pairs)} ({same.sum()} same, {(~same).sum()} different)")
    print(f"  ROC AUC {_auc(scores[same], scores[~same]):.3f}; best F1 {best[0]:.3f} at {best[1]:.3f}")
    print(f"  at {threshold}: precision {p:.3f}, recall {r:.3f}, F1 {f:.3f}")
    rng = np.random.default_rng(0)
    chosen, held = [], []
    for _ in range(200):
        half = rng.random(len(pairs)) < 0.5
        t = max(np.unique(scores[half]), key=lambda t: _precision_recall(scores[half], same[half], t)[2])
        chosen.append(t)
        held.append(_precision_recall(scores[~half], same[~half], t)[2])
    print(f"  threshold chosen on random halves: {np.mean(chosen):.3f} ± {np.std(chosen):.3f}, "
          f"F1 on the other half {np.mean(held):.3f}")
    for (x, y, s, label) in sorted(zip((p["a"] for p in pairs), (p["b"] for p in pairs), scores, same),
                                   key=lambda z: -z[2]):
        if (s >= threshold) != label:
            print(f"    {'merged' if s >= threshold else 'apart '} {s:.3f}  {x} / {y}")

    entries = yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8"))
    ev = qv.vectors([e["q"] for e in entries], tokenizer)
    sims = ev @ ev.T
    i, j = np.triu_indices(len(entries), 1)
    targets = [set(e["expect"]) for e in entries]
    same_guide = np.array([bool(targets[x] & targets[y]) for x, y in zip(i, j)])
    s = sims[i, j]
    p, r, _ = _precision_recall(s, same_guide, threshold)
    print(f"evaluation questions: {len(entries)}, {same_guide.sum()} pairs aimed at the same guide, "
          f"{(~same_guide).sum()} not")
    print(f"  ROC AUC {_auc(s[same_guide], s[~same_guide]):.3f}; at {threshold}: precision {p:.3f}, recall {r:.3f}")


def main(argv: list[str] | None = None) -> None:
    from knowledge.core.config import get_settings

    parser = argparse.ArgumentParser(description="Measure question similarity on the labelled pairs.")
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    args = parser.parse_args(argv)
    measure(get_settings().embedding_model_dir, args.threshold)


if __name__ == "__main__":
    main()
