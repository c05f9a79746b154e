"""Retrieval tokens: content words, character bigrams for typos, pinyin bigrams for homophones."""
from __future__ import annotations

from knowledge.text.tokenizer import Tokenizer


def test_stop_words_are_not_tokens():
    tokens = Tokenizer().tokens("请问我想办理护照需要什么材料")
    assert "护照" in tokens
    assert not {"请问", "我", "想", "办理", "需要", "什么", "材料"} & set(tokens)


def test_typo_still_shares_a_bigram_and_a_homophone_shares_pinyin():
    tok = Tokenizer()
    assert "§营业" in tok.tokens("营业职照")
    assert set(tok.tokens("护找")) & set(tok.tokens("护照")) == {"ᵖhuzhao"}


def test_traditional_input_gives_simplified_tokens():
    tok = Tokenizer()
    assert tok.tokens("營業執照") == tok.tokens("营业执照")


def test_a_new_word_changes_how_remembered_text_is_cut():
    # Pieces of text are remembered once cut; a word published later must not be cut stale.
    tok = Tokenizer()
    assert "鲜花饼坊" not in tok.tokens("开鲜花饼坊 手续")
    tok.add_words(["鲜花饼坊"])
    assert "鲜花饼坊" in tok.tokens("开鲜花饼坊 手续")


def test_whitespace_pieces_count_as_often_as_they_occur():
    # A guide's names are repeated three times in its lexical text to weigh more in BM25.
    tok = Tokenizer(["食品经营许可"])
    once = tok.tokens("食品经营许可")
    assert len(tok.tokens("食品经营许可 食品经营许可 食品经营许可")) == 3 * len(once)
