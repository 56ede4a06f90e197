"""BM25 keyword index: same scores as bm25s, filters before top-k, save/load without pickle."""

from __future__ import annotations

import numpy as np
import pytest

from duizhao.keyword import KeywordIndex
from duizhao.tokenize import tokenize

DOCS = [
    "牢固树立四个意识，坚定四个自信，做到两个维护。",
    "严格落实三会一课制度，按时参加主题党日活动。",
    "遵守中央八项规定精神，廉洁自律，一岗双责落实不够。",
    "学习主动性不足，缺乏钻研精神，理论联系实际不够。",
    "意识形态工作抓得不紧，全面从严治党主体责任落实不到位。",
]
TOKENS = [tokenize(d) for d in DOCS]


def test_scores_equal_bm25s_lucene():
    bm25s = pytest.importorskip("bm25s")
    index = KeywordIndex.build(TOKENS)
    vocab = {t: i for i, t in enumerate(index.vocab)}
    ref = bm25s.BM25(method="lucene", k1=index.k1, b=index.b)
    ids = [[vocab[t] for t in tokens] for tokens in TOKENS]
    ref.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
    query = tokenize("四个意识 理论联系实际 钻研精神")
    qids = [vocab[t] for t in dict.fromkeys(query) if t in vocab]
    assert np.allclose(index.scores(query), ref.get_scores(qids), atol=1e-5)


def test_domain_phrase_query_finds_its_passage():
    index = KeywordIndex.build(TOKENS)
    for query, row in [("四个意识", 0), ("三会一课", 1), ("八项规定", 2), ("一岗双责", 2),
                       ("意识形态", 4)]:
        _, rows = index.search(tokenize(query), 1)
        assert rows[0] == row, query


def test_filter_applies_before_top_k():
    index = KeywordIndex.build(TOKENS)
    mask = np.array([False, False, False, True, True])
    scores, rows = index.search(tokenize("四个意识 学习 意识形态"), 5, mask)
    assert set(rows) <= {3, 4} and len(rows) >= 1
    assert np.all(np.diff(scores) <= 0)


def test_only_matching_rows_and_unknown_terms():
    index = KeywordIndex.build(TOKENS)
    assert len(index.search(["不存在的词"], 5)[1]) == 0
    _, rows = index.search(tokenize("三会一课"), 5)
    assert list(rows) == [1]


def test_extended_equals_built_at_once():
    whole = KeywordIndex.build(TOKENS)
    grown = KeywordIndex.build(TOKENS[:2]).extended(TOKENS[2:])
    query = tokenize("四个意识 廉洁自律 主体责任")
    assert np.allclose(whole.scores(query), grown.scores(query))


def test_save_load_roundtrip_without_pickle(tmp_path):
    index = KeywordIndex.build(TOKENS)
    names = index.save(tmp_path)
    for name in names:
        if name.endswith(".npy"):
            np.load(tmp_path / name, allow_pickle=False)  # would raise on object arrays
    loaded = KeywordIndex.load(tmp_path)
    query = tokenize("八项规定 两个维护")
    assert np.array_equal(loaded.search(query, 3)[1], index.search(query, 3)[1])


def test_postings_carry_their_document_lengths_and_blocks_without_them_score_the_same(tmp_path):
    """Each posting stores its document's length (read in order when a term is scored);
    a block saved before that existed gathers the lengths and gives the same scores."""
    index = KeywordIndex.build(TOKENS)
    part = index.parts[0]
    assert np.array_equal(part.post_len, part.doc_len[part.rows])
    index.save(tmp_path)
    with_lengths = KeywordIndex.load(tmp_path)
    without = KeywordIndex.load(tmp_path, post_len=(False,))
    assert with_lengths.parts[0].post_len is not None and without.parts[0].post_len is None
    query = tokenize("四个意识 廉洁自律 主体责任 八项规定")
    weights = {t: w for t, w in zip(query, [1.0, 0.4, 0.7, 1.0, 0.3, 0.5, 1.0, 1.0],
                                    strict=False)}
    assert np.array_equal(with_lengths.weighted_scores(weights), without.weighted_scores(weights))
    assert with_lengths.weighted_scores(weights).max() > 0


def test_an_opened_index_reads_postings_span_by_span_and_scores_the_same(tmp_path):
    """Opened for searching, postings are read per term with pread (nothing of them stays in
    the process) and score exactly as the arrays in memory."""
    from duizhao.errors import IndexCorruptError
    from duizhao.keyword import FileSpans

    index = KeywordIndex.build(TOKENS)
    index.save(tmp_path)
    opened = KeywordIndex.load(tmp_path, mmap=True)
    part = opened.parts[0]
    assert isinstance(part.rows, FileSpans) and isinstance(part.post_len, FileSpans)
    assert np.array_equal(part.rows[2:7], index.parts[0].rows[2:7])
    query = tokenize("四个意识 廉洁自律 主体责任 八项规定 两个维护")
    assert np.array_equal(opened.scores(query), index.scores(query))
    with open(tmp_path / "keyword_tf.npy", "r+b") as f:  # cut short after it was opened
        f.truncate(200)
    with pytest.raises(IndexCorruptError, match="关键词索引文件被截短"):
        opened.parts[0].tf[0:len(opened.parts[0].tf)]


def test_top_each_equals_a_full_sort_for_every_mask_ties_by_row(monkeypatch):
    """One pass serves several masks: a broad mask is answered from the best candidates, a
    narrow one from all of them; either way the answer is a full sort's, equal scores by row."""
    import duizhao.keyword as keyword

    monkeypatch.setattr(keyword, "HEAD_MIN", 30)  # so the head is a small part of the rows
    monkeypatch.setattr(keyword, "HEAD_FACTOR", 1)
    rng = np.random.default_rng(7)
    n = 2000
    scores = np.round(rng.random(n), 2).astype(np.float32)  # many exact ties
    scores[rng.random(n) < 0.2] = 0  # rows holding no query term are never candidates
    index = KeywordIndex([keyword.Postings([], np.zeros(1, np.int64), np.zeros(0, np.int32),
                                           np.zeros(0, np.float32), np.ones(n, np.float32))])
    masks = [None, rng.random(n) < 0.5, rng.random(n) < 0.01, np.zeros(n, dtype=bool)]
    for k in (1, 10, 25):
        for mask, (got_scores, got_rows) in zip(masks, index.top_each(scores, k, masks),
                                                strict=True):
            allowed = scores > 0 if mask is None else (scores > 0) & mask
            rows = np.flatnonzero(allowed)
            want = rows[np.lexsort((rows, -scores[rows]))][:k]
            assert got_rows.tolist() == want.tolist()
            assert np.array_equal(got_scores, scores[want])


def test_common_terms_kept_in_memory_score_as_read_and_stay_within_the_budget(tmp_path,
                                                                            monkeypatch):
    """A term posting to many rows keeps its BM25 parts between queries (the genre's common
    words come back in most requests): the scores equal the uncached ones, bit for bit, over
    two blocks, and the kept arrays never exceed the byte budget."""
    import duizhao.keyword as keyword

    index = KeywordIndex.build(TOKENS * 40).extended(TOKENS * 30)  # two blocks
    query = tokenize("四个意识 廉洁自律 主体责任 八项规定 两个维护 不够")
    weights = dict(zip(query, [1.0, 0.4, 0.7, 1.0, 0.3, 0.5, 0.9, 0.2, 1.0, 0.6], strict=False))
    monkeypatch.setattr(keyword, "HOT_DF", 10**9)  # nothing kept
    cold = index.weighted_scores(weights)
    assert not index._hot and cold.max() > 0
    monkeypatch.setattr(keyword, "HOT_DF", 30)  # every term of 40 or 30 rows is kept
    first = index.weighted_scores(weights)
    kept = len(index._hot)
    assert kept >= 2 * 5  # several terms, in both blocks
    assert np.array_equal(first, cold) and np.array_equal(index.weighted_scores(weights), cold)
    budget = 3 * (40 * 12)  # room for about three of the first block's terms
    monkeypatch.setattr(keyword, "HOT_BYTES", budget)
    index = KeywordIndex.build(TOKENS * 40).extended(TOKENS * 30)
    for _ in range(2):
        assert np.array_equal(index.weighted_scores(weights), cold)
        held = sum(a.nbytes + s.nbytes for a, s in index._hot.values())
        assert 0 < held <= budget and len(index._hot) < kept
