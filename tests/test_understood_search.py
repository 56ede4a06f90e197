"""Search with understanding: weighted expansion, soft priors (never filters), traditional ↔
simplified on both sides, and the understanding carried to --json, readable output and shell."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from encoder_double import FakeEncoder
from typer.testing import CliRunner

from duizhao.cli import app
from duizhao.ingest import ingest_paths
from duizhao.keyword import KeywordIndex
from duizhao.models import Label, Passage, passage_id
from duizhao.ranking import PLAIN, PreparedQuery, keyword_scores, with_priors
from duizhao.search import Filters, Searcher
from duizhao.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parents[1]
TAX = load_taxonomy()
runner = CliRunner()


def make(text: str, section: str, dimension: str, role: str = "community_member") -> Passage:
    return Passage(id=passage_id(text), doc="corpus/x.txt", title="对照检查材料",
                   role=Label(role), section=Label(section), dimension=Label(dimension),
                   heading="", text=text)


def test_weighted_terms_score_as_the_weighted_sum() -> None:
    index = KeywordIndex.build([["服务", "态度"], ["群众", "观念"], ["服务", "群众"], ["学习"]])
    query = PreparedQuery("q", None, "q", ["服务", "群众"], {"服务": 1.0, "群众": 0.4})
    expected = index.scores(["服务"]) + 0.4 * index.scores(["群众"])
    assert np.allclose(keyword_scores(index, query), expected)


def test_prior_lifts_labelled_candidates_but_never_drops_or_overrules_a_far_better_one() -> None:
    scored = [(0, 9.0), (1, 2.0), (2, 1.9), (3, 1.8), (4, 1.0)]
    query = PreparedQuery("q", None, "q", [], priors=[("section", "measure", 0.6)])

    class Rows:
        def has_label(self, kind: str, key: str, rows: np.ndarray) -> np.ndarray:
            return np.isin(rows, [3, 4])

        def text_lengths(self, rows: np.ndarray) -> np.ndarray:
            return np.full(len(rows), 100)

        def from_documents_using(self, words, minimum, rows):  # type: ignore[no-untyped-def]
            return np.zeros(len(rows), dtype=bool)

    out = with_priors(scored, query, Rows())
    assert [r for r, _ in out][0] == 0  # far better and unlabelled: still first
    assert sorted(r for r, _ in out) == [0, 1, 2, 3, 4]  # nothing dropped
    assert [r for r, _ in out].index(3) < [r for r, _ in out].index(1)  # close call: lifted


OWN = [
    make("一是接待群众时态度生硬，说话语气不耐烦，有一次还跟来办事的居民吵了起来。", "problem", "style"),
    make("一是改进服务态度，对来办事的群众做到耐心细致、有问必答。", "measure", "style"),
    make("二是深入基层调查研究，多到群众中去听取意见。", "measure", "style"),
    make("一是加强理论学习，读原著学原文悟原理，每天安排固定时间自学。", "measure", "theory"),
    make("二是理论联系实际不够，学用脱节，学了不会用在推动工作上。", "problem", "theory"),
    make("三是艰苦奋斗精神淡化，花钱大手大脚，办公用品用得不节省。", "problem", "integrity"),
    make("四是严守八项规定精神，勤俭节约，能省的开支一律不花。", "measure", "integrity"),
]
# a library is more than a handful of points: the sample corpus around them
PASSAGES = OWN + ingest_paths([ROOT / "corpus"], TAX).passages


@pytest.fixture(scope="module")
def small() -> Searcher:
    encoder = FakeEncoder()
    return Searcher(PASSAGES, encoder.encode([p.text for p in PASSAGES]), encoder, TAX)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_priors_are_a_boost_not_a_filter(small: Searcher, mode: str) -> None:
    request = "下一步怎么改：接待群众时态度生硬，说话语气不耐烦，跟来办事的居民吵了起来"
    result = small.search(request, k=len(PASSAGES), mode=mode)
    assert result.understood is not None and result.understood.get("section").key == "measure"
    assert result.matching == len(PASSAGES)
    assert all(not h.outside_filters for h in result.hits)
    small.reader.tuning = replace(small.reader.tuning, priors=False)
    try:
        plain = small.search(request, k=len(PASSAGES), mode=mode)
    finally:
        small.reader.tuning = type(small.reader.tuning)()
    after = [h.passage.id for h in result.hits]
    before = [h.passage.id for h in plain.hits]
    if mode == "keyword":  # every passage holding a query word, with or without the label
        assert set(before) <= set(after)
    # The problem passage the request copies leads without priors; with them it surely stays
    # first when its lead (in deviations of the candidates' scores) exceeds the most the
    # priors can lift another passage.
    assert plain.hits[0].passage is PASSAGES[0]
    scores = np.array([h.score for h in plain.hits])
    lead = (scores[0] - scores[1]) / scores.std()
    terms = small.reader.prepare(request, [], small._tokenize)
    assert terms.max_lift > 0
    if lead > terms.max_lift:
        assert result.hits[0].passage is PASSAGES[0]
    else:  # measure passages close enough may pass it; it is never dropped
        assert PASSAGES[0].id in after[:5]

    def measures(hits):  # type: ignore[no-untyped-def]
        return sum(h.passage.section.value == "measure" for h in hits[:5])

    assert measures(result.hits) > measures(plain.hits)  # close calls go to the part asked for


def test_expansion_reaches_passages_in_the_genres_words(small: Searcher) -> None:
    small.reader.tuning = PLAIN
    try:
        plain = small.search("花钱大手大脚", k=3, mode="keyword")
    finally:
        small.reader.tuning = type(small.reader.tuning)()
    understood = small.search("花钱大手大脚", k=3, mode="keyword")
    assert PASSAGES[6] not in [h.passage for h in plain.hits]  # 勤俭节约: no shared word
    assert PASSAGES[6] in [h.passage for h in understood.hits]
    assert understood.hits[0].passage is PASSAGES[5]  # the request's own words still lead


def test_filters_stay_exact_with_understanding(small: Searcher) -> None:
    result = small.search("我是社区党员，下一步怎么改花钱大手大脚", Filters(section="problem"), k=3)
    inside = [h for h in result.hits if not h.outside_filters]
    assert inside and all(h.passage.section.value == "problem" for h in inside)
    assert result.understood.get("section") is None  # the filter decides, no guess shown


TRAD_DOC = ("一、存在的問題\n（一）工作作風方面\n一是形式主義仍有表現，熱衷於拍照留痕，迎檢材料層層加碼。\n"
            "二是為民服務宗旨意識淡化，聯繫群眾不夠緊密。\n")
SIMP_DOC = ("一、存在的问题\n（一）理论学习方面\n一是理论学习不深入，学用脱节，满足于读文件、记笔记。\n"
            "（二）廉洁自律方面\n一是艰苦奋斗精神有所淡化，花钱大手大脚。\n")


@pytest.fixture(scope="module")
def two_scripts(tmp_path_factory) -> Path:
    from duizhao.library import build

    folder = tmp_path_factory.mktemp("scripts")
    (folder / "繁体.txt").write_text(TRAD_DOC, encoding="utf-8")
    (folder / "简体.txt").write_text(SIMP_DOC, encoding="utf-8")
    index = folder / "index"
    build([folder / "繁体.txt", folder / "简体.txt"], index, progress=False)
    return index


@pytest.mark.parametrize("mode", ["keyword", "dense"])
def test_traditional_and_simplified_meet_both_ways(two_scripts: Path, mode: str) -> None:
    searcher = Searcher.open(two_scripts)
    found = searcher.search("形式主义 拍照留痕", k=1, mode=mode).hits[0].passage
    assert found.text.startswith("一是形式主義")  # shown as written
    found = searcher.search("理論學習不深入 學用脫節", k=1, mode=mode).hits[0].passage
    assert found.text.startswith("一是理论学习不深入")


def test_embeddings_are_made_from_the_simplified_form(two_scripts: Path) -> None:
    from duizhao.embed import load_encoder
    from duizhao.simplified import to_simplified

    searcher = Searcher.open(two_scripts)
    row = next(i for i, p in enumerate(searcher.passages) if "形式主義" in p.text)
    expected = load_encoder(None).encode([to_simplified(searcher.passages[row].text)])[0]
    assert float(searcher.vectors[row] @ expected) > 0.999


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory) -> Path:
    from duizhao.library import build

    directory = tmp_path_factory.mktemp("idx") / "index"
    build([ROOT / "corpus"], directory, progress=False)
    return directory


REQUEST = "我是支部书记，想写下一步怎么加强理论学习"


def test_json_hits_carry_the_understanding(corpus_index: Path) -> None:
    result = runner.invoke(app, ["search", REQUEST, "--index", str(corpus_index), "--json"])
    assert result.exit_code == 0, result.stderr
    hits = json.loads(result.stdout)
    assert isinstance(hits, list) and len(hits) == 5
    understood = hits[0]["understood"]
    assert all(h["understood"] == understood for h in hits)
    assert understood["role"]["key"] == "branch_secretary"
    assert understood["section"]["key"] == "measure"
    assert understood["text"] == "加强理论学习"
    assert understood["explanation"].startswith("理解为：角色=党支部书记，部分=整改措施")
    assert "理解为：角色=党支部书记" in result.stderr  # said to the person too, not on stdout
    # the priors at work: the best carries every implied label, the rest at least the
    # role said outright (surest) or the part asked for
    assert (hits[0]["role"], hits[0]["section"], hits[0]["dimension"]) == (
        "branch_secretary", "measure", "theory")
    assert all(h["role"] == "branch_secretary" or h["section"] == "measure" for h in hits)


def test_batch_lines_carry_the_understanding(corpus_index: Path, tmp_path: Path) -> None:
    batch = tmp_path / "q.jsonl"
    batch.write_text(json.dumps({"query": REQUEST, "k": 2}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    result = runner.invoke(app, ["search", "--batch", str(batch), "--index", str(corpus_index)])
    assert result.exit_code == 0, result.stderr
    [line] = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(line) == 2 and line[0]["understood"]["section"]["key"] == "measure"


def test_readable_output_starts_with_the_understanding(corpus_index: Path) -> None:
    result = runner.invoke(app, ["search", REQUEST, "--index", str(corpus_index), "-k", "2"])
    assert result.exit_code == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("理解为：角色=党支部书记，部分=整改措施") and "检索：加强理论学习" in first
    plain = runner.invoke(app, ["search", "学用脱节", "--index", str(corpus_index), "-k", "1",
                                "--dimension", "理论学习", "--section", "存在问题"])
    assert not plain.stdout.startswith("理解为")  # nothing beyond the plain words: no line


def test_shell_shows_the_understanding_above_the_results(corpus_index: Path,
                                                         tmp_path: Path) -> None:
    from duizhao.shell.session import ShellSession

    searcher = Searcher.open(corpus_index)
    shell = ShellSession(searcher, searcher.taxonomy, cwd=tmp_path)
    out = shell.handle(REQUEST).splitlines()
    assert out[1].startswith("理解为：角色=党支部书记，部分=整改措施")
    assert out[2].startswith(" 1. [")
    assert "理解为" not in shell.handle("/more")  # said once, not on every page


def test_user_thesaurus_option_on_search(corpus_index: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('[[entry]]\ndimension = "theory"\neveryday = ["啃大部头"]\n'
                    'formal = ["原著原文"]\nweight = 0.9\n', encoding="utf-8")
    result = runner.invoke(app, ["search", "不爱啃大部头", "--index", str(corpus_index),
                                 "--json", "--thesaurus", str(mine)])
    assert result.exit_code == 0, result.stderr
    expansions = json.loads(result.stdout)[0]["understood"]["expansions"]
    assert [e["phrase"] for e in expansions] == ["原著原文"]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[entry]]\ndimension = "theory"\n', encoding="utf-8")
    failed = runner.invoke(app, ["search", "学习", "--index", str(corpus_index),
                                 "--thesaurus", str(bad)])
    assert failed.exit_code == 2 and "同义词表" in failed.stderr and failed.stdout == ""


@pytest.mark.parametrize("seed", range(20))
def test_all_priors_together_lift_at_most_max_lift_deviations(seed: int) -> None:
    from duizhao.ranking import log_odds

    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 60))
    scores = rng.normal(size=n) * rng.uniform(0.1, 10.0)
    labelled = rng.random(n) < 0.5

    class Rows:  # a random half carries every label and comes from the workplace named
        def has_label(self, kind: str, key: str, rows: np.ndarray) -> np.ndarray:
            return labelled[rows]

        def text_lengths(self, rows: np.ndarray) -> np.ndarray:
            return np.full(len(rows), 100)

        def from_documents_using(self, words, minimum, rows):  # type: ignore[no-untyped-def]
            return labelled[rows]

    # labels said outright (confidence at and above the cap) with large weights
    query = PreparedQuery("q", None, "q", [], priors=[(k, "x", 2.0 * log_odds(0.99)) for k in
                                                      ("role", "section", "dimension")],
                          workplace=(("医院",), 3, 2.0 * log_odds(0.95)))
    assert query.max_lift == pytest.approx(8 * log_odds(0.95))  # confidence capped at 0.95
    order = [r for r, _ in with_priors(list(enumerate(scores.tolist())), query, Rows())]
    assert sorted(order) == list(range(n))  # nothing dropped
    unit = scores.std()
    at = {row: i for i, row in enumerate(order)}
    for a in range(n):
        for b in range(n):
            if scores[a] - scores[b] > query.max_lift * unit:
                assert at[a] < at[b]  # ahead by more than the largest lift: stays ahead
            if labelled[a] == labelled[b] and scores[a] > scores[b]:
                assert at[a] < at[b]  # same labels: the order of the scores


def test_a_document_from_another_kind_of_workplace_sinks() -> None:
    """"我是医院…": a hospital's passage rises, a school's sinks below a passage tied to no
    workplace at the same score, and a document showing both places is not sunk."""
    from duizhao.ranking import log_odds

    hospital, school = ("医院", "病人"), ("学校", "学生")
    places = {0: (), 1: (hospital,), 2: (school,), 3: (hospital, school)}

    class Rows:
        def has_label(self, kind: str, key: str, rows: np.ndarray) -> np.ndarray:
            return np.zeros(len(rows), dtype=bool)

        def text_lengths(self, rows: np.ndarray) -> np.ndarray:
            return np.full(len(rows), 100)

        def from_documents_using(self, words, minimum, rows):  # type: ignore[no-untyped-def]
            return np.array([words in places[int(r)] for r in rows])

    places[4] = ()
    scored = [(2, 5.0), (0, 4.9), (3, 4.8), (1, 4.7), (4, 0.0)]
    odds = log_odds(0.8)
    query = PreparedQuery("q", None, "q", [], workplace=(hospital, 3, 1.0 * odds),
                          elsewhere=((school,), 1.0 * odds))
    order = [r for r, _ in with_priors(scored, query, Rows())]
    assert order.index(1) < order.index(0) < order.index(2)  # hospital, none, school
    assert order.index(3) < order.index(0)  # both places: counts as the hospital
    unsunk = PreparedQuery("q", None, "q", [], workplace=(hospital, 3, 1.0 * odds))
    plain = [r for r, _ in with_priors(scored, unsunk, Rows())]
    assert plain.index(2) < plain.index(0)  # without the sink the school's stays ahead


def test_a_stray_line_sinks_below_real_points() -> None:
    class Rows:
        def has_label(self, kind: str, key: str, rows: np.ndarray) -> np.ndarray:
            return np.zeros(len(rows), dtype=bool)

        def text_lengths(self, rows: np.ndarray) -> np.ndarray:
            return np.where(rows == 0, 8, 100)  # row 0 is a stray heading

        def from_documents_using(self, words, minimum, rows):  # type: ignore[no-untyped-def]
            return np.zeros(len(rows), dtype=bool)

    scored = [(0, 10.0), (1, 9.9), (2, 9.0), (3, 1.0), (4, 0.0)]
    query = PreparedQuery("q", None, "q", [], short_penalty=2.0)
    order = [r for r, _ in with_priors(scored, query, Rows())]
    assert order[:3] == [1, 2, 0] and sorted(order) == [0, 1, 2, 3, 4]


class _Texts:
    """Rows with texts and no labels (for the title match and the keyword bands)."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    def has_label(self, kind: str, key: str, rows: np.ndarray) -> np.ndarray:
        return np.zeros(len(rows), dtype=bool)

    def text_lengths(self, rows: np.ndarray) -> np.ndarray:
        return np.full(len(rows), 100)

    def from_documents_using(self, words, minimum, rows):  # type: ignore[no-untyped-def]
        return np.zeros(len(rows), dtype=bool)

    def passage_texts(self, rows: np.ndarray) -> list[str]:
        return [self.texts[r] for r in rows]

    def point_titles(self, rows: np.ndarray) -> list[str]:
        from duizhao.markers import simplified_title

        return [simplified_title(self.texts[r]) for r in rows]


def test_a_point_whose_title_says_the_request_rises() -> None:
    from duizhao.ranking import rerank, title_match

    texts = ["一是学习的系统性不够。平时学习多靠集中安排，个人自学计划性不强，偶有浮于表面。",
             "二是理论学习浮于表面。参加集中学习人到心不到，笔记多是会后补抄，学得不深不透。",
             "三是学用结合不紧。学到的东西用不到工作上。"]
    scored = [(0, 2.0), (1, 1.9), (2, 0.5)]
    query = PreparedQuery("q", None, "q", ["浮于表面"], {"浮于表面": 1.0},
                          title_terms={"浮于表面": 1.0}, title_weight=1.0)
    shares = title_match(scored, query, _Texts(texts))
    assert shares is not None and shares.tolist() == [0.0, 1.0, 0.0]  # only row 1's title
    assert [r for r, _ in rerank(scored, query, _Texts(texts))] == [1, 0, 2]
    off = PreparedQuery("q", None, "q", ["浮于表面"], {"浮于表面": 1.0},
                        title_terms={"浮于表面": 1.0}, title_weight=0.0)
    assert title_match(scored, off, _Texts(texts)) is None
    assert [r for r, _ in rerank(scored, off, _Texts(texts))] == [0, 1, 2]


def test_title_terms_leave_out_the_words_that_named_the_dimension() -> None:
    from duizhao import tokenize as tok
    from duizhao.ranking import QueryReader

    query = QueryReader(TAX).prepare("我是社区党员，找几条理论学习方面的整改措施", [],
                                     tok.tokenize)
    assert query.plan is not None and query.plan.get("dimension").key == "theory"
    assert "理论" not in query.title_terms and "学习" not in query.title_terms


def test_keyword_search_keeps_passages_holding_more_of_the_words_ahead() -> None:
    from duizhao.ranking import rerank, word_bands

    texts = ["增强四个意识、做到两个维护的自觉性不够。", "对两个确立认识不深。",
             "对四个意识理解不深。", "学习不深。"]
    scored = [(1, 9.0), (3, 8.0), (2, 5.0), (0, 4.0)]  # labels lifted the first two
    query = PreparedQuery("q", None, "q", [], own_terms=["四个意识", "两个维护", "两个"])
    bands = word_bands([r for r, _ in scored], query, _Texts(texts))
    assert bands.tolist()[3] == 4 and bands.tolist()[1] == 0  # all the words / none
    order = [r for r, _ in rerank(scored, query, _Texts(texts), words_first=True)]
    assert order[0] == 0 and order[-1] == 3  # all words first, none last
    assert [r for r, _ in rerank(scored, query, _Texts(texts))] == [1, 3, 2, 0]  # hybrid
