"""jieba tokenisation for retrieval, with a user dictionary built from the guides' titles and aliases.

Tokens are jieba's search-mode words (compounds and their parts) plus character bigrams of each
Chinese run: the bigrams let a typo ("营业职照") still meet most of the right word ("营业").
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from weakref import WeakValueDictionary

import jieba
from pypinyin import Style, lazy_pinyin

from knowledge.text.normalize import normalize

jieba.setLogLevel(60)  # jieba prints its dictionary-loading chatter to stderr otherwise

# Function words and generic request words: present in nearly every question, they carry no
# information about which guide is meant and would only add noise to BM25.
STOPWORDS = frozenset(
    """
    的 了 吗 呢 吧 啊 呀 嘛 哦 么 啥 和 与 及 或 在 是 有 要 想 我 你 您 他 她 它 我们 你们 这 那 个 一个 一下
    怎么 怎样 如何 什么 哪些 哪个 哪里 哪儿 多少 需要 需 要求 请问 请 问 问下 问一下 咨询 一般 可以 能 能不能
    办 办理 办事 手续 流程 材料 资料 证件 怎么办 怎么弄 怎么搞 怎么整 咋办 咋弄 咋整 咋搞 啥样 去 到 给 把 让 就 都 也 还 又 再 先 后 然后 就是 这个 那个
    想要 打算 准备 应该 得 着 过 被 对 从 为 以 上 下 里 中 吧 么 嗯 哈 好 好的 谢谢 你好 您好 一 下 些 点 多
    """.split()
)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[\u4e00-\u9fff]|[a-z0-9]")


class Tokenizer:
    def __init__(self, user_words: Iterable[str] = ()):
        self._dictionary = _Dictionary.base()
        self.add_words(user_words)

    def add_words(self, user_words: Iterable[str]) -> None:
        words = sorted(w for w in map(normalize, user_words) if 1 < len(w) <= 20 and " " not in w)
        if words:
            # A new dictionary, never a change to the one in use: a piece being cut meanwhile is cut
            # (and remembered) with the old one, and a word published later never meets a stale cut.
            self._dictionary = self._dictionary.with_words(words)

    def words(self, text: str) -> list[str]:
        """Content words of normalised text, in order (search mode: compounds and their parts)."""
        return self._dictionary.words(normalize(text))

    def tokens(self, text: str) -> list[str]:
        """Retrieval tokens: content words, character bigrams and pinyin bigrams (prefixed apart).

        Bigrams run over stretches of adjacent content words, so "营业职照" (a typo) still yields
        "营业", while "我想" and "怎么" never become tokens. Pinyin bigrams catch the typos of
        pinyin input methods, which are homophones: "护找" and "护照" are both "hu zhao".

        Whitespace-separated pieces are tokenised apart (and remembered): jieba never joins words
        across whitespace, so the tokens are the same as for the whole text, in another order,
        which BM25 does not see.
        """
        dictionary = self._dictionary  # held while cutting, and one dictionary for the whole text
        return [t for piece in normalize(text).split() for t in _piece_tokens(dictionary.key, piece)]


def plain_words(text: str) -> list[str]:
    """jieba's own cut of a text, with its dictionary alone (no guide words), as `jieba.lcut` cuts it; from
    the dictionary this module reads once, where `jieba.lcut` would read a second copy of it."""
    return _jieba_dictionary().lcut(text)


def forget_cuts() -> None:
    """Forget every remembered cut (for measuring how long a new question takes to tokenise)."""
    _piece_tokens.cache_clear()
    _pinyin_bigrams.cache_clear()


class _Dictionary:
    """One state of jieba's dictionary: its own words and the words added to them, never changed once made.

    `key` names the state by the words added to jieba's own, in the order of the calls that added
    them: equal keys mean equal dictionaries, so Tokenizers built from the same guides (each start of
    the service, each app a test builds) share what they cut.
    """

    def __init__(self, jieba_tokenizer: jieba.Tokenizer, key: str):
        self.jieba, self.key = jieba_tokenizer, key
        _DICTIONARIES[key] = self

    @classmethod
    def base(cls) -> "_Dictionary":
        return _DICTIONARIES.get("") or cls(_jieba_dictionary(), "")  # read only: with_words copies it

    def with_words(self, words: list[str]) -> "_Dictionary":
        key = hashlib.blake2b("\n".join([self.key, *words]).encode(), digest_size=16).hexdigest()
        known = _DICTIONARIES.get(key)
        if known is not None:
            return known
        copy = _copy(self.jieba)
        for word in words:
            # A high frequency makes jieba keep the whole title ("食品经营许可") together.
            copy.add_word(word, freq=50_000)
        return _Dictionary(copy, key)

    def words(self, normalised: str) -> list[str]:
        return [w for w in self.jieba.cut_for_search(normalised) if _is_content(w)]


# The dictionaries some Tokenizer still uses, by key; a remembered cut keeps only the key.
_DICTIONARIES: WeakValueDictionary[str, _Dictionary] = WeakValueDictionary()


@lru_cache(maxsize=1)
def _jieba_dictionary() -> jieba.Tokenizer:
    """jieba's own dictionary, read once per process: it takes a second even from jieba's cache file,
    while a copy takes a few milliseconds."""
    reader = jieba.Tokenizer()
    reader.initialize()
    return reader


def _copy(source: jieba.Tokenizer) -> jieba.Tokenizer:
    copy = jieba.Tokenizer(source.dictionary)
    copy.FREQ, copy.total, copy.initialized = dict(source.FREQ), source.total, True
    return copy


# A catalogue repeats itself: district guides copy the provincial template's materials and summaries,
# so most pieces of text have been cut before. Bounded: a piece holds ~1 kB of tokens.
@lru_cache(maxsize=65_536)
def _piece_tokens(key: str, text: str) -> tuple[str, ...]:
    dictionary = _DICTIONARIES[key]  # alive: the caller holds it
    runs, run = [], ""
    for w in dictionary.jieba.cut(text):
        if _is_content(w):
            run += w
        elif run:
            runs.append(run)
            run = ""
    runs.append(run)
    chunks = [c for r in runs for c in _CJK_RUN.findall(r)]
    bigrams = ["§" + c[i : i + 2] for c in chunks for i in range(len(c) - 1)]
    pinyin = [p for c in chunks for p in _pinyin_bigrams(c)]
    return (*dictionary.words(normalize(text)), *bigrams, *pinyin)


@lru_cache(maxsize=65_536)
def _pinyin_bigrams(chunk: str) -> tuple[str, ...]:
    sounds = lazy_pinyin(chunk, style=Style.NORMAL)
    return tuple("ᵖ" + sounds[i] + sounds[i + 1] for i in range(len(sounds) - 1))


def _is_content(word: str) -> bool:
    return bool(_WORD.match(word)) and word not in STOPWORDS
