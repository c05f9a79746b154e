"""The search engine: an immutable index snapshot per knowledge-base version, swapped atomically.

A query is normalised (Traditional → Simplified), ranked by BM25 and by dense vectors, and the two
rankings are fused by reciprocal rank. The engine also judges how clear the answer is, because the
dialogue must choose between answering, offering choices and admitting it does not know; e5 cosine
scores bunch together, so the judgement uses ranks and margins, not a fixed similarity threshold.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from threading import Lock

import numpy as np
from pydantic import BaseModel

from knowledge.schema import Guide
from knowledge.search.dense import DenseIndex
from knowledge.search.documents import Document, answers_for, document_for, user_words
from knowledge.search.embedder import Embedder
from knowledge.search.expansion import expansions
from knowledge.search.fusion import reciprocal_rank_fusion
from knowledge.search.lexical import LexicalIndex
from knowledge.search.vector_cache import VectorCache
from knowledge.text.normalize import normalize, without_measure_words
from knowledge.text.tokenizer import STOPWORDS, Tokenizer, plain_words

MAX_QUERY_CHARS = 500
DEPTH = 50  # candidates taken from each ranker before fusion
# Reciprocal rank fusion of BM25, dense and exact-name rankings (tuned on the evaluation set).
FUSION_K = 10
FUSION_WEIGHTS = [1.0, 1.0, 1.0]
ROUTE_REACH = 3  # how far down the fused list a route may be lifted from
# ... and from how far when the question asks for several of its steps at once: each step then
# outranks the route on its own words ("要上户口还要给娃办医保" → 户口, 医保, then 新生儿出生一件事).
SEVERAL_STEPS_REACH = 5
# A question that joins two requests ("通水通电，还要拉根宽带"); two steps ranked for one request
# ("出生医学证明怎么办" also finds the birth's 户口登记) are not several steps asked for.
JOINED_REQUESTS = re.compile(r"还要|还得|还想|还有|还需|以及|顺便|同时|并且|另外|再加|再办|和|跟|、")
# e5 similarities bunch, so a match is judged by how far the best guide stands out from the tenth
# (measured on both question sets: right answers p5 0.017, questions with no guide p50 0.019).
SPREAD_AT, MIN_SPREAD = 9, 0.015
LEXICAL_LEAD = 1.5  # the best BM25 score over the second's that singles a guide out
# An industry (电瓶车店 → 个体工商户开业) answers for a business, so its words count only in a question
# about one: "电瓶车怎么上牌" is about registering the vehicle, and an industry's short list of names
# would otherwise outrank the guide on BM25's length normalisation.
BUSINESS_CUE = re.compile(r"开|店|铺|馆|行|摊|坊|厂|档|吧|院|城|庄|园|中心|机构|地方|经营|生意|营业|门面|门店|执照|资质|加盟|创业|承包|卖|做|干|搞|弄|整|盘|办个|办家")
# A business being closed or handed on ("服装店不开了 要把执照注销", "奶茶店转给我") is no business to open:
# industries, which all lead to the routes that open one, lend it nothing.
CLOSING_CUE = re.compile(r"注销|不开了|不干了|不做了|不想干了|关门|关店|关掉|歇业|停业|倒闭|转让|转给|盘出去|清算|解散")
# A name right after a verb that opens a business ("开书吧", "摆摊"; not 办, which applies for a permit)
# names the business itself ("\0" marks the name).
_OPENED = re.compile(r"(?:开|搞|弄|整|盘|摆)\0")
# "What do I have to do" wording asks for the whole route, not one permit in it.
ROUTE_CUE = re.compile(r"哪些(审批|手续|证|许可|部门)|办(什么|啥|哪些)(证|手续|审批)|几个部门|要跑|一起办|都要办")


class Match(str, Enum):
    clear = "clear"  # one guide is clearly meant
    ambiguous = "ambiguous"  # several fit: offer choices
    none = "none"  # nothing in the knowledge base fits


class Mode(str, Enum):
    hybrid = "hybrid"
    lexical = "lexical"
    dense = "dense"


@dataclass
class Hit:
    doc: Document
    score: float
    lexical_rank: int | None
    dense_rank: int | None


class SearchResult(BaseModel):
    """A hit as it leaves the engine: the search API returns it, the dialogue offers it as a choice."""
    id: str
    kind: str
    title: str
    department: str
    score: float

    @classmethod
    def of(cls, hit: Hit) -> "SearchResult":
        return cls(id=hit.doc.guide_id, kind=hit.doc.kind, title=hit.doc.title, department=hit.doc.department,
                   score=hit.score)


@dataclass
class Outcome:
    query: str
    hits: list[Hit]
    match: Match
    timings_ms: dict[str, float] = field(default_factory=dict)


class IndexUpdateError(RuntimeError):
    """Publishing could not be indexed; the previous snapshot is still the one serving."""


@dataclass
class Snapshot:
    guides: list[Guide]
    docs: list[Document]
    tokenizer: Tokenizer
    lexical: LexicalIndex
    dense: DenseIndex
    built_in_s: float
    # normalised title/alias -> document positions, for the "named it outright" signal
    names: dict[str, list[int]]
    # route position -> positions of the items among its steps
    route_steps: dict[int, set[int]] = field(default_factory=dict)
    longest_name: int = 0
    # Documents that answer for another: an industry's match is its route's (-1: route not live).
    borrowers: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    lenders: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # Names only industries have (串串店): they name their route unless the business is being closed.
    lent_names: frozenset[str] = frozenset()
    # Words of titles and aliases, cut whole ("一年级", not its "一年") -> document positions.
    topic_words: dict[str, frozenset[int]] = field(default_factory=dict)


class SearchEngine:
    def __init__(self, embedder: Embedder, vector_cache: VectorCache | None = None):
        self.embedder = embedder
        self.vectors = vector_cache or VectorCache(None, embedder.dim)
        self._snapshot: Snapshot | None = None
        self._build_lock = Lock()

    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            raise RuntimeError("search index not built yet")
        return self._snapshot

    def rebuild(self, guides: list[Guide], progress: bool = False) -> Snapshot:
        """Build a new snapshot from published guides and swap it in; the old one serves until then."""
        with self._build_lock:
            started = time.perf_counter()
            docs = [document_for(g) for g in guides]
            tokenizer = Tokenizer(user_words(guides))
            lexical = LexicalIndex([tokenizer.tokens(d.lexical_text) for d in docs])
            snap = self._assemble(guides, docs, tokenizer, lexical, None, progress, started)
            self._snapshot = snap  # a single reference assignment: readers see old or new, never half
            return snap

    def update(self, upserts: list[Guide], removed: Iterable[str] = (), swap: bool = True) -> Snapshot:
        """A new snapshot with some guides published, replaced or withdrawn; only they are re-indexed.

        The current snapshot keeps serving while this runs and whenever it fails (IndexUpdateError).
        With swap=False the caller swaps it in later, e.g. once the publication is committed.
        """
        with self._build_lock:
            started = time.perf_counter()
            old = self.snapshot
            try:
                changed = {g.id: g for g in upserts}
                gone = set(removed) - set(changed)
                guides: list[Guide] = []
                corpus: list[int | None] = []  # old document position to reuse, or None to index anew
                for i, g in enumerate(old.guides):
                    if g.id in gone:
                        continue
                    fresh = changed.pop(g.id, None)
                    guides.append(fresh or g)
                    corpus.append(None if fresh else i)
                for g in changed.values():
                    guides.append(g)
                    corpus.append(None)
                # New titles and aliases join the shared dictionary; a word added here only affects how
                # text is cut from now on, and the next full rebuild (a restart) re-cuts everything.
                old.tokenizer.add_words(user_words(upserts))
                docs = [old.docs[c] if c is not None else document_for(g) for c, g in zip(corpus, guides)]
                lexical = old.lexical.rebuilt([c if c is not None else old.tokenizer.tokens(d.lexical_text)
                                               for c, d in zip(corpus, docs)])
                snap = self._assemble(guides, docs, old.tokenizer, lexical, old.dense, False, started)
            except Exception as exc:  # noqa: BLE001 — whatever broke, the old index must keep serving
                raise IndexUpdateError(f"{type(exc).__name__}: {exc}") from exc
            if swap:
                self._snapshot = snap
            return snap

    def swap(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot

    def _assemble(self, guides: list[Guide], docs: list[Document], tokenizer: Tokenizer, lexical: LexicalIndex,
                  like: DenseIndex | None, progress: bool, started: float) -> Snapshot:
        position = {d.guide_id: i for i, d in enumerate(docs)}
        # Where a match on each document counts: itself, or for an industry its route. Rankers then
        # only ever return items, routes and FAQ entries, and an industry needs no code to be found.
        stands = [position.get(answers_for(g), -1) for g in guides]
        passages = [p for i, d in enumerate(docs) if stands[i] >= 0 for p in d.passages]
        owners = np.array([stands[i] for i, d in enumerate(docs) if stands[i] >= 0 for _ in d.passages],
                          dtype=np.int64)
        dense = DenseIndex(self._vectors_for(passages, progress), owners, like=like)
        names: dict[str, list[int]] = {}
        lent: set[str] = set()
        own: set[str] = set()
        topic_words: dict[str, set[int]] = {}
        for i, (g, d) in enumerate(zip(guides, docs)):
            if stands[i] < 0:
                continue
            for n in [d.title, *getattr(g, "aliases", [])]:
                n = normalize(n)
                (lent if stands[i] != i else own).add(n)
                if len(n) >= 2 and stands[i] not in names.get(n, ()):
                    names.setdefault(n, []).append(stands[i])
                for w in plain_words(n):
                    if len(w) >= 2 and w not in STOPWORDS:
                        topic_words.setdefault(w, set()).add(stands[i])
        borrowers = np.array([i for i, t in enumerate(stands) if t != i], dtype=np.int64)
        lenders = np.array([stands[i] for i in borrowers], dtype=np.int64)
        route_steps = {
            position[g.id]: {position[s.item] for s in g.steps if s.item in position}
            for g in guides if g.kind == "route"
        }
        return Snapshot(list(guides), docs, tokenizer, lexical, dense, time.perf_counter() - started, names,
                        route_steps, max(map(len, names), default=0), borrowers, lenders, frozenset(lent - own),
                        {w: frozenset(ds) for w, ds in topic_words.items()})

    def _vectors_for(self, passages: list[str], progress: bool) -> np.ndarray:
        found, missing = self.vectors.lookup(passages)
        fresh: dict[str, np.ndarray] = {}
        if missing:
            todo = list(dict.fromkeys(passages[i] for i in missing))  # a repeated text is encoded once
            fresh = dict(zip(todo, self.embedder.encode_passages(todo, progress=progress)))
            self.vectors.store(todo, np.stack([fresh[t] for t in todo]))
            self.vectors.save()
        if not passages:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([fresh[p] if v is None else v for p, v in zip(passages, found)])

    def search(self, query: str, k: int = 5, mode: Mode = Mode.hybrid) -> Outcome:
        snap = self.snapshot
        t0 = time.perf_counter()
        text = normalize(query)[:MAX_QUERY_CHARS]
        timings: dict[str, float] = {}
        lex_rank: list[int] = []
        lex_scores = np.zeros(len(snap.docs), dtype=np.float32)
        closing = CLOSING_CUE.search(text) is not None
        if mode != Mode.dense:
            tokens = [t for piece in [text, *expansions(text)] for t in snap.tokenizer.tokens(piece)]
            lex_scores = _fold(snap.lexical.scores(tokens), snap,
                               lend=BUSINESS_CUE.search(text) is not None and not closing)
            top = (np.argpartition(-lex_scores, min(DEPTH, len(lex_scores) - 1))[:DEPTH] if len(lex_scores)
                   else np.zeros(0, dtype=np.int64))
            lex_rank = [int(i) for i in sorted(top, key=lambda i: -lex_scores[i]) if lex_scores[i] > 0]
            timings["lexical"] = (time.perf_counter() - t0) * 1000
        dense_rank: list[int] = []
        dense_sims: list[float] = []
        if mode != Mode.lexical and text:
            t1 = time.perf_counter()
            qv = self.embedder.encode_query(text)
            timings["embed"] = (time.perf_counter() - t1) * 1000
            t2 = time.perf_counter()
            dense_rank, dense_sims = snap.dense.search(qv, DEPTH)
            timings["dense"] = (time.perf_counter() - t2) * 1000
        name_rank, opened = self._names_and_opened(text, snap, not closing) if mode == Mode.hybrid else ([], set())
        if mode == Mode.lexical:
            fused = {d: float(lex_scores[d]) for d in lex_rank}
        elif mode == Mode.dense:
            fused = {d: 1.0 / (r + 1) for r, d in enumerate(dense_rank)}
        else:
            fused = reciprocal_rank_fusion([lex_rank, dense_rank, name_rank], k=FUSION_K, weights=FUSION_WEIGHTS)
        order = sorted(fused, key=lambda d: -fused[d])
        lpos = {d: r for r, d in enumerate(lex_rank)}
        dpos = {d: r for r, d in enumerate(dense_rank)}
        if mode == Mode.hybrid:
            order, asked_together = self._prefer_routes(order[: max(k, 10)], text, snap, dpos, lpos)
            if name_rank and name_rank[0] in opened and name_rank[0] in order \
                    and snap.docs[name_rank[0]].kind == "route":
                # "开家书吧，顺便卖卖手冲咖啡": the business opened is the goal, whatever else ranks higher.
                order.insert(0, order.pop(order.index(name_rank[0])))
        else:
            asked_together = set()
        order = order[:k]
        hits = [Hit(snap.docs[d], round(fused[d], 4), lpos.get(d), dpos.get(d)) for d in order]
        timings["total"] = (time.perf_counter() - t0) * 1000
        match = (Match.clear if order and order[0] in asked_together
                 else self._judge(text, hits, lex_scores, snap, name_rank, dense_sims, order))
        return Outcome(query=text, hits=hits, match=match, timings_ms=timings)

    @staticmethod
    def _prefer_routes(order: list[int], text: str, snap: Snapshot, dense_pos: dict[int, int],
                       lexical_pos: dict[int, int]) -> tuple[list[int], set[int]]:
        """Lift a route above its own step items when the query states a goal, not a specific item.

        "开个歌厅要办什么" ranks 娱乐场所经营许可 (one step) close to 开办娱乐场所 (the route); the route
        answers the question and contains the item. An item the query names outright keeps its place,
        unless the query asks for several of the route's steps at once: such a route is returned too,
        and is a clear answer when it comes first (its steps are what was asked for).
        """
        order = list(order)
        asked_together: set[int] = set()
        for r_pos, route in enumerate(order[:SEVERAL_STEPS_REACH]):
            steps = snap.route_steps.get(route)
            if not steps:
                continue
            above = [i for i, d in enumerate(order[:r_pos]) if d in steps]
            if not above:
                continue
            if SearchEngine._asks_for_several_steps(order, above, text, lexical_pos, snap):
                order.insert(above[0], order.pop(r_pos))
                asked_together.add(route)
                continue
            if r_pos >= ROUTE_REACH:
                continue
            # "开药店要先办药品经营许可证吗" names both the goal and one permit on its way, and
            # "出生证、户口、医保能一起办吗" asks for the set: the route's answer includes the permit.
            if SearchEngine._names_in(route, text, snap) or ROUTE_CUE.search(text):
                order.insert(above[0], order.pop(r_pos))
                continue
            # The dense ranker reads the goal better than word overlap ("开个歌厅" ≈ 开办娱乐场所), so
            # it must agree that the route beats each step item it would jump over.
            route_dense = dense_pos.get(route, 10**6)
            agree = all(route_dense < dense_pos.get(order[i], 10**6) for i in above)
            if agree and not any(SearchEngine._names_in(order[i], text, snap) for i in above):
                order.insert(above[0], order.pop(r_pos))
        return order, asked_together

    @staticmethod
    def _asks_for_several_steps(order: list[int], above: list[int], text: str, lexical_pos: dict[int, int],
                                snap: Snapshot) -> bool:
        """Two of the route's steps lead the ranking on their own words, and the question joins
        requests that each ask for a different one of them: "媳妇生了，要上户口还要给娃办医保" asks
        for the route, not for its first step; "成立了清算小组要去哪登记，还要登报通知债主吗" asks
        twice about one step."""
        worded = [order[i] for i in above if lexical_pos.get(order[i], DEPTH) < SEVERAL_STEPS_REACH]
        if len(worded) < 2 or JOINED_REQUESTS.search(text) is None:
            return False
        asked = set()
        for request in JOINED_REQUESTS.split(text):
            scores = snap.lexical.scores(snap.tokenizer.tokens(request)) if request.strip() else None
            if scores is not None and max(scores[d] for d in worded) > 0:
                asked.add(max(worded, key=lambda d: scores[d]))
        return len(asked) >= 2

    @staticmethod
    def _names_and_opened(text: str, snap: Snapshot, opening: bool = True) -> tuple[list[int], set[int]]:
        """Guides whose title or alias the query contains, the business opened first, then the longest
        name; and which of them follow an opening verb.

        Measure words are dropped first, so "开个歌厅" and "开一家药店" meet the aliases 开歌厅, 开药店.
        Looks up the query's substrings rather than scanning every name: 100k guides have 100k names.
        """
        best: dict[int, int] = {}
        opened: set[int] = set()
        for variant in {text, without_measure_words(text)}:
            for name in _substrings(variant, snap.longest_name):
                docs = snap.names.get(name, ()) if opening or name not in snap.lent_names else ()
                for d in docs:
                    best[d] = max(best.get(d, 0), len(name))
                if docs and _OPENED.search(variant.replace(name, "\0")):
                    opened.update(docs)
        # "开家书吧，顺便卖卖手冲咖啡": the business the citizen opens is the object of the opening verb;
        # what it also sells is named later, however long that name is.
        return sorted(best, key=lambda d: (d not in opened, -best[d], d)), opened

    def topics(self, query: str) -> set[str]:
        """Ids of the guides whose title or an alias has a word of the query ("社保怎么交" → every 社保
        guide): what the query is about by name, whatever the rankers make of it. A follow-up with no
        such word ("可以加急吗") can only be about the guide already being discussed."""
        snap = self.snapshot
        words = snap.tokenizer.words(query[:MAX_QUERY_CHARS])
        return {snap.docs[d].guide_id for w in words for d in snap.topic_words.get(w, ())}

    @staticmethod
    def _names_in(doc: int, text: str, snap: Snapshot) -> bool:
        return any(doc in snap.names.get(n, ())
                   for variant in {text, without_measure_words(text)}
                   for n in _substrings(variant, snap.longest_name, shortest=3))

    @staticmethod
    def _judge(text: str, hits: list[Hit], lex_scores: np.ndarray, snap: Snapshot, named: list[int],
               dense_sims: list[float], order: list[int]) -> Match:
        if not hits or not text or (float(lex_scores.max(initial=0.0)) <= 0.0 and not named):
            # No content word of the query occurs in any guide: dense similarity alone always finds
            # a "nearest" guide, so it cannot be trusted to mean there is one.
            return Match.none
        top = hits[0]
        if named and snap.docs[named[0]] is top.doc:
            return Match.clear  # the citizen used this guide's own name or alias
        # Only BM25's own first can lead it; the partition over every document is skipped otherwise.
        lexical_lead = top.lexical_rank == 0 and SearchEngine._lexical_lead(lex_scores)
        if lexical_lead and top.dense_rank == 0:
            # Both rankers agree and the words single it out: a typo ("个提户营业执照") flattens the
            # embedding's similarities, which then say nothing against it.
            return Match.clear
        if len(dense_sims) > SPREAD_AT and dense_sims[0] - dense_sims[SPREAD_AT] < MIN_SPREAD:
            # The nearest guides are all about equally near: the question is about none of them in
            # particular ("台胞证到期换发" sits as close to 驾驶证换证 as to ten others).
            return Match.ambiguous
        if top.lexical_rank == 0 and top.dense_rank == 0:
            return Match.clear  # both rankers agree
        # The route was lifted over its own step that both rankers put first ("小孩上小学报名").
        lifted_over_agreed_step = len(hits) > 1 and hits[1].lexical_rank == 0 and hits[1].dense_rank == 0
        if SearchEngine._route_before_its_steps(order, snap, ROUTE_CUE.search(text) is not None
                                                or lifted_over_agreed_step) \
                and top.lexical_rank is not None and top.dense_rank is not None \
                and max(top.lexical_rank, top.dense_rank) <= 2:
            # "我想弄个量贩式KTV": the runners-up are the route's own permits, so choosing among them
            # is no choice: the route answers the goal and lists them. A question for the set of
            # procedures ("宝宝出生要办啥手续") needs only the next one to be the route's.
            return Match.clear
        if lexical_lead and len(hits) > 1 and top.dense_rank is not None and top.dense_rank <= 2:
            return Match.clear
        return Match.ambiguous


    @staticmethod
    def _lexical_lead(lex_scores: np.ndarray) -> bool:
        second = float(np.partition(lex_scores, -2)[-2]) if len(lex_scores) > 1 else 0.0
        return float(lex_scores.max()) >= LEXICAL_LEAD * second

    @staticmethod
    def _route_before_its_steps(order: list[int], snap: Snapshot, one_is_enough: bool) -> bool:
        steps = snap.route_steps.get(order[0], set()) if order else set()
        behind = order[1:2] if one_is_enough else order[1:3]
        return bool(steps) and bool(behind) and all(d in steps for d in behind)


def _fold(scores: np.ndarray, snap: Snapshot, lend: bool = True) -> np.ndarray:
    """BM25 scores with each industry's score moved onto its route (the better of the two counts);
    with lend=False industries count for nothing."""
    if not len(snap.borrowers):
        return scores
    out = scores.copy()
    out[snap.borrowers] = 0.0
    if lend:
        live = snap.lenders >= 0
        np.maximum.at(out, snap.lenders[live], scores[snap.borrowers[live]])
    return out


def _substrings(text: str, longest: int, shortest: int = 2):
    for size in range(shortest, min(longest, len(text)) + 1):
        for start in range(len(text) - size + 1):
            yield text[start : start + size]
