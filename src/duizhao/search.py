"""Search: hybrid (dense + keyword, fused by relative score fusion), dense only, keyword only.

Hybrid fuses the two lists by relative score fusion (``fusion.zscore_fusion``): the union of
both lists' top rows, each scored exactly by both systems, standardised per system over that
pool and summed with equal weights. ``FUSION = "rrf"`` switches to Reciprocal Rank Fusion (the
evaluation reports both). Each list is fetched at depth ``max(50, 5 × wanted)``, inside the
filters.

Filters are exact: they are applied inside the FAISS search and before the BM25 top-k, so a
passage outside the filters never appears as a normal hit. When fewer passages than asked for
match, the result says so in ``note`` and is topped up with the closest passages from outside
the filters, marked ``outside_filters=True`` (relaxing role first, then section, then
dimension), so a search never silently returns nothing. Near-copies are de-duplicated: a hit
whose text equals, or whose vector has cosine > ``DUP_COSINE`` with, one already kept is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from duizhao import ranking
from duizhao.background import Background, peek_encoder, warm_encoder, warm_jieba
from duizhao.embed import encoder_to_load
from duizhao.errors import EncoderMismatchError, UsageError
from duizhao.fusion import rrf, zscore_fusion
from duizhao.markers import simplified_title
from duizhao.models import Passage
from duizhao.query import QueryPlan
from duizhao.taxonomy import Kind, Taxonomy

DEPTH_MIN = 100
DEPTH_FACTOR = 5
DUP_COSINE = 0.95
MODES = ("hybrid", "dense", "keyword")
# How hybrid fuses the lists ("zscore" or "rrf") and with what weights (equal: nothing fitted;
# see fusion.py and eval/results.md).
FUSION = "zscore"
DENSE_WEIGHT = 0.75
KEYWORD_WEIGHT = 1.0
# Order in which filters are relaxed to top up a short result: role first (the least about
# content), then section, then dimension.
RELAX_ORDER: tuple[tuple[Kind, ...], ...] = (
    ("role",), ("role", "section"), ("role", "dimension"), ("role", "section", "dimension"))


@dataclass(frozen=True)
class Filters:
    """Label filters; ``None`` means any. Values are taxonomy keys once resolved."""

    role: str | None = None
    dimension: str | None = None
    section: str | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.role, self.dimension, self.section))

    def without(self, kinds: Sequence[str]) -> Filters:
        values = {k: None if k in kinds else getattr(self, k)
                  for k in ("role", "dimension", "section")}
        return Filters(**values)

    def describe(self, taxonomy: Taxonomy | None = None) -> str:
        parts = []
        for kind in ("role", "section", "dimension"):
            value = getattr(self, kind)
            if value is not None:
                name = taxonomy.name(kind, value) if taxonomy else value
                parts.append(f"{kind}={value}" if name == value else f"{kind}={value}（{name}）")
        return "，".join(parts) if parts else "无"


@dataclass
class SearchHit:
    passage: Passage
    rank: int
    score: float
    outside_filters: bool = False

    def to_json(self) -> dict[str, Any]:
        """CONTRACT passage keys first, then ``rank`` and ``score`` (and our extras)."""
        out = self.passage.to_json()
        out["rank"] = self.rank
        out["score"] = round(float(self.score), 6)
        out["outside_filters"] = self.outside_filters
        return out


@dataclass
class SearchResult:
    query: str
    hits: list[SearchHit]
    filters: Filters
    mode: str
    matching: int  # passages that satisfy the filters
    note: str | None = None
    terms: list[str] = field(default_factory=list)  # query keywords, for highlighting
    understood: QueryPlan | None = None  # how the request was read (query.py)


class Searcher:
    """Searches one index. Build it with ``Searcher.open(index_dir)`` or from in-memory parts."""

    def __init__(self, passages: Sequence[Passage], vectors: Any, encoder: Any,
                 taxonomy: Taxonomy, dense: Any = None, keyword: Any = None,
                 tokens: list[list[str]] | None = None,
                 thesaurus: str | Path | None = None, labels: np.ndarray | None = None,
                 deleted: np.ndarray | None = None, doc_codes: np.ndarray | None = None) -> None:
        """``passages``/``vectors`` by row; an opened index also passes its label codes
        (``labels``, taxonomy key positions), tombstones and document codes, so nothing is
        computed from every passage record."""
        from duizhao import tokenize as tok
        from duizhao.thesaurus import user_thesaurus_paths

        self.passages = passages
        self.vectors = (np.ascontiguousarray(vectors, dtype=np.float32)
                        if isinstance(vectors, np.ndarray) else vectors)
        self.taxonomy = taxonomy
        self._encoder = encoder if isinstance(encoder, Background) else None
        self._encoder_value = None if isinstance(encoder, Background) else encoder
        if dense is None:
            from duizhao.dense import DenseIndex

            dense = DenseIndex.build(self.vectors)
        if keyword is None:
            from duizhao.keyword import KeywordIndex

            keyword = KeywordIndex.build(tokens if tokens is not None
                                         else [tok.tokenize(p.text) for p in passages])
        self.dense = dense
        self.keyword = keyword
        self._tokenize = tok.tokenize
        self._codes = {kind: self._label_codes(kind, labels, col) for col, kind in
                       enumerate(("role", "section", "dimension"))}
        self._live = None if deleted is None or not deleted.any() else ~deleted
        self._by_id_map: dict[str, int] | None = None
        self._doc_rows: dict[int, list[int]] | None = None
        self._doc_codes = doc_codes
        self._documents_using: dict[tuple[tuple[str, ...], int], np.ndarray] = {}
        self._titles: dict[int, str] = {}  # row → point title, filled as rows are ranked
        self.reader = ranking.QueryReader(taxonomy, user_thesaurus_paths(thesaurus))

    @classmethod
    def open(cls, index_dir: Path, model: str | None = None,
             thesaurus: str | Path | None = None, brief: bool = False) -> Searcher:
        """Open an index for searching; the encoder and jieba load in parallel with the files.
        ``brief``: for a query or two (one ``duizhao search``): open fast, search a little
        slower (``store.open_index``)."""
        from duizhao import store
        from duizhao.embed import load_encoder

        stored = peek_encoder(Path(index_dir))
        encoder: Background[Any] | None = None
        if stored is not None:
            wanted = encoder_to_load(stored, model)
            encoder = Background(lambda: warm_encoder(load_encoder(wanted)))
        jieba = Background(warm_jieba)
        loaded = store.open_index(Path(index_dir), brief=brief)
        wanted = encoder_to_load(loaded.encoder.name, model)  # the checked manifest decides
        store.check_tokenizer(loaded.manifest, Path(index_dir))
        if encoder is None or stored != loaded.encoder.name:
            encoder = Background(lambda: warm_encoder(load_encoder(wanted)))
        jieba.get()
        searcher = cls(loaded.passages.physical(), loaded.vectors.physical(), encoder,
                       loaded.taxonomy, loaded.dense, loaded.keyword, thesaurus=thesaurus,
                       labels=loaded.labels, deleted=loaded.deleted,
                       doc_codes=_doc_codes(loaded))
        searcher.encoder_name = loaded.encoder.name
        searcher.index_dim = loaded.encoder.dim
        return searcher

    encoder_name: str = ""
    index_dim: int = 0
    fusion: str = FUSION

    # ------------------------------------------------------------ public

    @property
    def size(self) -> int:
        """Rows (tombstoned ones included: row numbers are the indexes')."""
        return len(self.passages)

    @property
    def _by_id(self) -> dict[str, int]:
        if self._by_id_map is None:  # built on first use: a plain search never needs it
            live = range(self.size) if self._live is None else np.flatnonzero(self._live)
            self._by_id_map = {self.passages[int(i)].id: int(i) for i in live}
        return self._by_id_map

    @property
    def encoder(self) -> Any:
        if self._encoder_value is None:
            assert self._encoder is not None
            self._encoder_value = self._encoder.get()
        return self._encoder_value

    def resolve(self, filters: Filters) -> Filters:
        """Filters with Chinese names and aliases mapped to taxonomy keys."""
        return Filters(
            role=self.taxonomy.resolve("role", filters.role),
            dimension=self.taxonomy.resolve("dimension", filters.dimension),
            section=self.taxonomy.resolve("section", filters.section),
        )

    def search(self, query: str, filters: Filters | None = None, k: int = 5,
               mode: str = "hybrid", offset: int = 0) -> SearchResult:
        """The best ``k`` passages for ``query`` within ``filters`` (page ``offset``)."""
        if not query or not query.strip():
            raise UsageError("检索词为空。请输入要查找的内容。", "The query is empty.")
        if mode not in MODES:
            raise UsageError(f"未知的检索方式：{mode}。可用：{'、'.join(MODES)}",
                             f"Unknown mode '{mode}'. Use one of: {', '.join(MODES)}.")
        if k < 1 or offset < 0:
            raise UsageError(f"k 须 ≥ 1，offset 须 ≥ 0（k={k}, offset={offset}）。",
                             f"k must be ≥ 1 and offset ≥ 0 (k={k}, offset={offset}).")
        filters = self.resolve(filters or Filters())
        mask = self._mask(filters)
        matching = self.size if mask is None else int(np.count_nonzero(mask))
        want = offset + k
        dense = mode != "keyword"  # the reader makes the query vector (ranking.py)
        terms = self.reader.prepare(query, [k for k in ("role", "section", "dimension")
                                            if getattr(filters, k)], self._tokenize,
                                    self._query_vector if dense else None,
                                    self.encoder if dense else None)
        qvec = terms.vector
        inside = self._ranked(qvec, terms, mode, mask, want, [])
        hits = [SearchHit(self.passages[r], 0, s) for r, s in inside[offset:want]]
        note = None
        if len(inside) < want and self.size:
            note = self._short_note(filters, matching, len(inside), mode)
            if filters.active:
                kept = [r for r, _ in inside]
                skip = max(0, offset - len(inside))
                extra = self._outside(qvec, terms, mode, filters, mask, skip + want - len(inside),
                                      kept)
                hits += [SearchHit(self.passages[r], 0, s, outside_filters=True)
                         for r, s in extra[skip:skip + k - len(hits)]]
                if extra:
                    note += " 其后的结果来自筛选范围之外（已标注“范围外”）。"
        for rank, hit in enumerate(hits, start=offset + 1):
            hit.rank = rank
        return SearchResult(query, hits, filters, mode, matching, note,
                            terms.terms if mode != "dense" else [], terms.plan)

    def context(self, passage_id: str, radius: int = 2) -> list[Passage]:
        """The passage with up to ``radius`` neighbours either side in its document, in order."""
        row = self._by_id.get(passage_id)
        if row is None:
            raise UsageError(f"索引中没有编号为 {passage_id} 的段落。",
                             f"No passage with id {passage_id} in the index.")
        codes = self._document_codes()
        if self._doc_rows is None:  # built on first use: the CLI search never needs it
            by_doc: dict[int, list[int]] = {}
            for i in (range(self.size) if self._live is None else np.flatnonzero(self._live)):
                by_doc.setdefault(int(codes[i]), []).append(int(i))
            self._doc_rows = by_doc
        rows = sorted(self._doc_rows[int(codes[row])],
                      key=lambda r: (self.passages[r].ordinal, self.passages[r].start))
        at = rows.index(row)
        return [self.passages[r] for r in rows[max(0, at - radius): at + radius + 1]]

    # ------------------------------------------------------------ internals

    def _label_codes(self, kind: str, labels: np.ndarray | None,
                     col: int) -> tuple[dict[str, int], np.ndarray]:
        if labels is not None:
            keys = self.taxonomy.keys(kind)  # type: ignore[arg-type]
            return {k: i for i, k in enumerate(keys)}, np.asarray(labels[:, col])
        values = [getattr(p, kind).value for p in self.passages]
        codes: dict[str, int] = {}
        arr = np.fromiter((codes.setdefault(v, len(codes)) for v in values), dtype=np.int32,
                          count=len(values))
        return codes, arr

    def has_label(self, kind: str, key: str, rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` carry label ``key`` of ``kind`` (for the soft priors)."""
        codes, arr = self._codes[kind]
        code = codes.get(key)
        return arr[rows] == code if code is not None else np.zeros(len(rows), dtype=bool)

    def passage_texts(self, rows: np.ndarray) -> list[str]:
        return [self._text(r) for r in rows]

    def point_titles(self, rows: np.ndarray) -> list[str]:
        """Each row's point title (``markers.simplified_title``): stored in the index since
        it was written with titles, else worked out from the text once per row."""
        stored = getattr(self.passages, "titles", None)
        titles = stored(rows) if stored is not None else None
        if titles is not None:
            return titles
        cache = self._titles
        for r in rows.tolist():
            if r not in cache:
                cache[r] = simplified_title(self._text(r))
        return [cache[r] for r in rows.tolist()]

    def text_lengths(self, rows: np.ndarray) -> np.ndarray:
        stored = getattr(self.passages, "lengths", None)
        lengths = stored(rows) if stored is not None else None
        if lengths is not None:
            return lengths
        return np.fromiter((len(self._text(r)) for r in rows), dtype=np.int64, count=len(rows))

    def from_documents_using(self, words: tuple[str, ...], minimum: int,
                             rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` belong to documents whose passages use ``words`` at least
        ``minimum`` times in all (counted once per passage and word, from the keyword index)."""
        codes = self._document_codes()
        key = (words, minimum)
        if key not in self._documents_using:
            hits = sum((self.keyword.scores([w]) > 0).astype(np.int64) for w in words)
            self._documents_using[key] = np.bincount(codes, weights=hits) >= minimum
        return self._documents_using[key][codes[rows]]

    def keyword_passages(self, text: str, k: int) -> list[Passage]:
        """The ``k`` passages plain BM25 ranks first for ``text``'s words: no reading of the
        request, no priors. What the copy check wants of a draft sentence (check/), and
        a fraction of a full search's cost."""
        from duizhao.simplified import to_simplified

        _, rows = self.keyword.search(self._tokenize(to_simplified(text)), k, self._live)
        return [self.passages[int(r)] for r in rows]

    def _text(self, row: int) -> str:
        reader = getattr(self.passages, "text", None)
        return reader(int(row)) if reader is not None else self.passages[int(row)].text

    def _document_codes(self) -> np.ndarray:
        if self._doc_codes is None:
            names: dict[str, int] = {}
            self._doc_codes = np.fromiter((names.setdefault(p.doc, len(names))
                                           for p in self.passages), dtype=np.int64,
                                          count=self.size)
        return self._doc_codes

    def _mask(self, filters: Filters) -> np.ndarray | None:
        """Rows within ``filters`` (and not tombstoned); ``None`` = every row."""
        if not filters.active:
            return None if self._live is None else self._live.copy()
        mask = np.ones(self.size, dtype=bool) if self._live is None else self._live.copy()
        for kind in ("role", "section", "dimension"):
            value = getattr(filters, kind)
            if value is None:
                continue
            codes, arr = self._codes[kind]
            code = codes.get(value)
            if code is None:
                return np.zeros(self.size, dtype=bool)
            mask &= arr == code
        return mask

    def _query_vector(self, query: str) -> np.ndarray:
        vector = np.asarray(self.encoder.encode([query]), dtype=np.float32)[0]
        if vector.shape[0] != self.vectors.shape[1] and self.size:
            name, got, have = self.encoder.name, vector.shape[0], self.vectors.shape[1]
            raise EncoderMismatchError(
                f"编码器 {name} 输出 {got} 维，索引为 {have} 维。"
                f"请用 duizhao build --model {name} 重建。",
                f"Encoder {name} gives {got} dims, the index has {have}. "
                f"Rebuild with duizhao build --model {name}.")
        return vector

    def _ranked(self, qvec: np.ndarray | None, terms: ranking.PreparedQuery, mode: str,
                mask: np.ndarray | None, want: int, exclude: list[int]) -> list[tuple[int, float]]:
        """Rows within ``mask`` best first, near-copies removed, at most ``want``."""
        if mask is not None and exclude:
            mask = mask.copy()
            mask[exclude] = False
        depth = max(DEPTH_MIN, DEPTH_FACTOR * want)
        lists: list[list[int]] = []
        scored: list[tuple[int, float]] = []
        pools = [mask, *ranking.preferred_masks(terms, mask, lambda **labels: self._mask(
            Filters(**labels)))]  # the request's implied labels add candidates, never filter
        if mode in ("dense", "hybrid"):
            assert qvec is not None
            # score fusion re-scores every row it keeps exactly (_fuse); the list's own
            # scores matter for dense mode and rank fusion only
            rescore = mode == "dense" or self.fusion == "rrf"
            scores, rows = ranking.merged([  # implied labels only add candidates: ANN will do
                self.dense.search(qvec, depth, m, rescore=rescore,
                                  **({} if i == 0 else {"exact_max": 2_000, "supplement": True}))
                for i, m in enumerate(pools)])
            lists.append(rows.tolist())
            scored = list(zip(rows.tolist(), scores.tolist(), strict=True))
        keyword_all = np.empty(0)
        basis = mode == "hybrid" and self.fusion != "rrf" and mask is not None
        keyword_basis = None
        if mode in ("keyword", "hybrid"):
            keyword_all = ranking.keyword_scores(self.keyword, terms)  # once, reused below
            tops = self.keyword.top_each(keyword_all, depth, [*pools, *([None] if basis else [])])
            if basis:
                keyword_basis = tops.pop()[1]
            scores, rows = ranking.merged(tops)
            lists.append(rows.tolist())
            scored = list(zip(rows.tolist(), scores.tolist(), strict=True))
        if mode == "hybrid" and self.fusion == "rrf":
            scored = rrf(lists, [DENSE_WEIGHT, KEYWORD_WEIGHT])
        elif mode == "hybrid":
            assert qvec is not None
            scored = self._fuse(qvec, keyword_all, lists, depth, keyword_basis)
        scored = ranking.rerank(scored, terms, self, words_first=mode == "keyword")
        return self._dedupe(scored, want, exclude)

    def _fuse(self, qvec: np.ndarray, keyword_all: np.ndarray, lists: list[list[int]],
              depth: int, keyword_top: np.ndarray | None) -> list[tuple[int, float]]:
        """Score fusion of the (filtered) lists, standardised on the query's unfiltered top rows
        (``keyword_top``: the keyword side's, given when a filter is set).

        Without filters those rows are the lists themselves, so nothing is searched twice.
        """
        pool = np.array(sorted(set(lists[0]) | set(lists[1])), dtype=np.int64)
        if pool.size == 0:
            return []
        basis = pool
        if keyword_top is not None:
            _, dense_top = self.dense.search(qvec, depth, None, rescore=False)
            basis = np.array(sorted(set(dense_top.tolist()) | set(keyword_top.tolist())),
                             dtype=np.int64)
        dense_pool = self.vectors[pool] @ qvec
        dense_basis = dense_pool if basis is pool else self.vectors[basis] @ qvec
        return zscore_fusion(
            pool, [dense_pool, keyword_all[pool]], [DENSE_WEIGHT, KEYWORD_WEIGHT],
            reference=[dense_basis, keyword_all[basis]])

    def _dedupe(self, scored: list[tuple[int, float]], want: int,
                kept_before: list[int]) -> list[tuple[int, float]]:
        kept: list[tuple[int, float]] = []
        kept_rows = list(kept_before)
        texts = {"".join(self._text(r).split()) for r in kept_rows}
        for row, score in scored:
            if len(kept) >= want:
                break
            text = "".join(self._text(row).split())
            if text in texts:
                continue
            if kept_rows and float(np.max(self.vectors[kept_rows] @ self.vectors[row])) \
                    > DUP_COSINE:
                continue
            kept.append((row, score))
            kept_rows.append(row)
            texts.add(text)
        return kept

    def _outside(self, qvec: np.ndarray | None, terms: ranking.PreparedQuery, mode: str,
                 filters: Filters, mask: np.ndarray | None, need: int,
                 kept: list[int]) -> list[tuple[int, float]]:
        """Closest passages outside ``filters``, relaxing role first, then the others."""
        out: list[tuple[int, float]] = []
        taken = list(kept)
        for kinds in RELAX_ORDER:
            if len(out) >= need:
                break
            relaxed = filters.without(kinds)
            if relaxed == filters:
                continue
            wider = self._mask(relaxed)
            wider = self._everything() if wider is None else wider.copy()
            if mask is not None:
                wider &= ~mask
            more = self._ranked(qvec, terms, mode, wider, need - len(out), taken)
            out += more
            taken += [r for r, _ in more]
        return out

    def _everything(self) -> np.ndarray:
        return np.ones(self.size, dtype=bool) if self._live is None else self._live.copy()

    def _short_note(self, filters: Filters, matching: int, found: int, mode: str) -> str:
        where = filters.describe(self.taxonomy)
        if filters.active and matching == 0:
            return f"没有段落符合筛选条件（{where}）。"
        if mode == "keyword" and found < matching:
            return (f"只有 {found} 段含有这些关键词"
                    f"（筛选条件：{where}；符合条件的共 {matching} 段）。")
        return (f"只有 {matching} 段符合筛选条件（{where}）" +
                (f"，去重后 {found} 段" if found < matching else "") + "。")


def _doc_codes(loaded: Any) -> np.ndarray:
    """One code per physical row for its document, from the segments' small arrays."""
    codes: list[np.ndarray] = []
    names: dict[str, int] = {}
    for seg in loaded.segments:
        remap = np.asarray([names.setdefault(d, len(names)) for d in seg.docs], dtype=np.int64)
        codes.append(remap[np.asarray(seg.doc_codes)] if len(seg.docs) else
                     np.zeros(0, np.int64))
    return np.concatenate(codes) if codes else np.zeros(0, np.int64)
