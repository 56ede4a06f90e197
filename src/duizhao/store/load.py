"""Reading an index: resolve ``CURRENT`` once, verify every file, load with no pickle."""

from __future__ import annotations

import json
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from duizhao.errors import DuizhaoError, IndexCorruptError, IndexMissingError
from duizhao.models import Passage
from duizhao.store.format import (
    _REBUILD,
    _REBUILD_EN,
    _VERSION_RE,
    CURRENT,
    DOCUMENTS,
    MANIFEST,
    PASSAGES,
    REQUIRED,
    TAXONOMY,
    TOKENS,
    VECTORS,
    DocumentRecord,
    EncoderInfo,
    Manifest,
    _corrupt,
    _expect,
    _str_list,
    file_sha256,
)
from duizhao.store.overlay import apply_corrections, orphaned, read_corrections
from duizhao.taxonomy import Taxonomy, taxonomy_from_json

if TYPE_CHECKING:
    from duizhao.dense import DenseIndex
    from duizhao.keyword import KeywordIndex


@dataclass
class LoadedIndex:
    """One version of an index, fully loaded and checked."""

    directory: Path
    manifest: Manifest
    passages: list[Passage]
    vectors: np.ndarray
    taxonomy: Taxonomy
    documents: list[DocumentRecord]
    corrections: dict[str, dict[str, str]]  # the user's, from index/corrections.json
    version_dir: Path
    dense: DenseIndex | None = None
    keyword: KeywordIndex | None = None
    orphaned: list[tuple[str, str, str]] = field(default_factory=list)  # not applied

    @property
    def encoder(self) -> EncoderInfo:
        return self.manifest.encoder

    def tokens(self) -> list[list[str]]:
        """The keyword tokens of every passage, in passage order (kept so ``add`` need not
        re-tokenize what is already there)."""
        return _read_tokens(self.version_dir / TOKENS, len(self.passages))



def current_version(directory: Path) -> Path:
    """The live version directory, or ``IndexMissingError`` when there is none."""
    pointer = directory / CURRENT
    if not pointer.is_file():
        raise IndexMissingError(
            f"没有找到索引：{directory}。请先运行 duizhao build（或用 --index 指定索引目录）。",
            f"No index found at {directory}. Run `duizhao build` first "
            "(or point --index at an index directory).")
    try:
        name = pointer.read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise _corrupt(directory, f"{CURRENT}: {exc}") from exc
    if not _VERSION_RE.match(name) or not (directory / name).is_dir():
        raise _corrupt(directory, f"{CURRENT} names a missing version '{name[:80]}'")
    return directory / name


def open_index(directory: Path, search: bool = True) -> LoadedIndex:
    """Load and check the live version; ``search=False`` skips the dense and keyword indexes.

    A writer may swap versions while we read; if files vanish under us and ``CURRENT`` has
    moved on, read the new version instead.
    """
    directory = Path(directory)
    for attempt in range(3):
        version = current_version(directory)
        try:
            return _load_version(directory, version, search)
        except (FileNotFoundError, IndexCorruptError) as exc:
            if attempt == 2 or current_version(directory) == version:
                if isinstance(exc, FileNotFoundError):
                    missing = Path(exc.filename or "?").name
                    raise _corrupt(directory, f"{missing} is missing") from exc
                raise
    raise AssertionError("unreachable")


def _load_version(directory: Path, version: Path, search: bool) -> LoadedIndex:
    try:
        manifest = Manifest.from_json(json.loads((version / MANIFEST).read_text("utf-8")))
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _corrupt(directory, f"{MANIFEST}: {exc}") from exc
    missing = [name for name in REQUIRED if name not in manifest.files]
    _expect(not missing, MANIFEST, f"does not list {', '.join(missing)}")
    for name, entry in manifest.files.items():
        _verify_file(version / name, entry, directory)
    n = manifest.counts.get("passages", -1)
    try:
        taxonomy = taxonomy_from_json((version / TAXONOMY).read_text("utf-8"), str(version))
    except (DuizhaoError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise _corrupt(directory, f"{TAXONOMY}: {exc}") from exc
    passages = _read_passages(version / PASSAGES, taxonomy)
    _expect(len(passages) == n, PASSAGES, f"{len(passages)} passages, manifest says {n}")
    vectors = _read_vectors(version / VECTORS, n, manifest.encoder.dim)
    documents = [DocumentRecord.from_json(d) for d in _read_json(version / DOCUMENTS, list)]
    corrections = read_corrections(directory, legacy_version=version)
    passages = [apply_corrections(p, corrections, taxonomy) for p in passages]
    loaded = LoadedIndex(directory, manifest, passages, vectors, taxonomy, documents,
                         corrections, version, orphaned=orphaned(corrections, taxonomy))
    if search:
        loaded.dense, loaded.keyword = _load_search(version, n, directory)
    return loaded


def _verify_file(path: Path, entry: dict[str, Any], directory: Path) -> None:
    try:
        info = path.lstat()  # never follow a link: one to /dev/zero would hang the read
    except FileNotFoundError as exc:
        raise _corrupt(directory, f"{path.name} is missing") from exc
    if not stat.S_ISREG(info.st_mode):
        raise _corrupt(directory, f"{path.name} is not a regular file")
    size = info.st_size
    if size != entry["size"]:
        raise _corrupt(directory, f"{path.name} has {size} bytes, manifest says {entry['size']}")
    if file_sha256(path) != entry["sha256"]:
        raise _corrupt(directory, f"{path.name} does not match its checksum")


def _read_passages(path: Path, taxonomy: Taxonomy) -> list[Passage]:
    passages: list[Passage] = []
    keys = {kind: set(taxonomy.keys(kind)) for kind in ("role", "section", "dimension")}
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                data = json.loads(line)
                _expect(isinstance(data, dict), PASSAGES, "line is not an object")
                passage = Passage.from_json(data)
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
                raise IndexCorruptError(
                    f"索引已损坏：{PASSAGES} 第 {number} 行无法解析（{exc}）。{_REBUILD}",
                    f"Index is corrupt: {PASSAGES} line {number} is invalid ({exc}). "
                    f"{_REBUILD_EN}") from exc
            for kind, allowed in keys.items():
                value = getattr(passage, kind).value
                _expect(value in allowed, PASSAGES, f"line {number}: unknown {kind} '{value}'")
            passages.append(passage)
    _expect(len({p.id for p in passages}) == len(passages), PASSAGES, "duplicate passage ids")
    return passages


def _read_vectors(path: Path, n: int, dim: int) -> np.ndarray:
    try:
        vectors = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise IndexCorruptError(f"索引已损坏：{VECTORS} 无法读取（{exc}）。{_REBUILD}",
                                f"Index is corrupt: cannot read {VECTORS} ({exc}). "
                                f"{_REBUILD_EN}") from exc
    _expect(isinstance(vectors, np.ndarray) and vectors.dtype == np.float32
            and vectors.shape == (n, dim), VECTORS,
            f"shape {getattr(vectors, 'shape', '?')} {getattr(vectors, 'dtype', '?')}, "
            f"expected ({n}, {dim}) float32")
    _expect(bool(np.isfinite(vectors).all()), VECTORS, "holds NaN or infinite values")
    return vectors


def _read_json(path: Path, kind: type) -> Any:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise IndexCorruptError(f"索引已损坏：{path.name} 无法解析（{exc}）。{_REBUILD}",
                                f"Index is corrupt: {path.name} is not valid JSON ({exc}). "
                                f"{_REBUILD_EN}") from exc
    _expect(isinstance(data, kind), path.name, f"expected a JSON {kind.__name__}")
    return data


def _read_tokens(path: Path, n: int) -> list[list[str]]:
    out: list[list[str]] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                tokens = json.loads(line)
            except ValueError as exc:
                raise IndexCorruptError(f"索引已损坏：{TOKENS} 无法解析。{_REBUILD}",
                                        f"Index is corrupt: {TOKENS} is invalid. "
                                        f"{_REBUILD_EN}") from exc
            _expect(_str_list(tokens), TOKENS, "each line must be a list of strings")
            out.append([sys.intern(t) for t in tokens])
    _expect(len(out) == n, TOKENS, f"{len(out)} lines, expected {n}")
    return out


def _load_search(version: Path, n: int, directory: Path) -> tuple[DenseIndex, KeywordIndex]:
    from duizhao.dense import DenseIndex
    from duizhao.keyword import KeywordIndex

    try:
        dense = DenseIndex.load(version)
        keyword = KeywordIndex.load(version)
    except DuizhaoError:
        raise
    except Exception as exc:  # faiss/bm25s raise assorted types on a bad file
        raise _corrupt(directory, f"dense/keyword index: {exc}") from exc
    size = getattr(dense, "size", n)
    _expect(size == n, "dense index", f"{size} vectors, expected {n}")
    return dense, keyword

