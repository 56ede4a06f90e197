"""jieba tokens for BM25: domain phrases stay whole, stopwords and punctuation go."""

from __future__ import annotations

import pytest

from duizhao.tokenize import stopwords, tokenize

PHRASES = ["四个意识", "两个维护", "两个确立", "四个自信", "三会一课", "八项规定", "以人民为中心",
           "主题党日", "全面从严治党", "一岗双责", "学懂弄通做实", "意识形态"]


@pytest.mark.parametrize("phrase", PHRASES)
def test_domain_phrase_is_one_token(phrase):
    tokens = tokenize(f"要坚持{phrase}，不断提高认识。")
    assert phrase in tokens


def test_phrases_in_running_text():
    text = "牢固树立“四个意识”，坚定“四个自信”，做到“两个维护”，落实“三会一课”制度。"
    tokens = tokenize(text)
    for phrase in ("四个意识", "四个自信", "两个维护", "三会一课"):
        assert phrase in tokens
    # search mode also gives sub-words, so a query for 意识 still reaches 四个意识
    assert "意识" in tokens


def test_stopwords_punctuation_and_case():
    tokens = tokenize("我们的 Word 文档，是（一）理论学习方面的问题！！")
    assert "的" not in tokens and "我们" not in tokens
    assert not any(t in "，（）！" for t in tokens)
    assert "word" in tokens and "理论学习" in tokens
    assert "的" in stopwords()


def test_query_and_passage_tokens_meet():
    passage = tokenize("学习主动性不足，缺乏钻研精神")
    query = tokenize("学习不主动 钻研精神")
    assert set(query) & set(passage) >= {"学习", "钻研精神"}


def test_empty_text():
    assert tokenize("") == [] and tokenize("，。！ ") == []
