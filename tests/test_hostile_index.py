"""Issue 11, the library half: an index from a colleague runs nothing, and no ordinary command
loses the user's documents or label corrections.

Each case was a way to lose data or run code before: a model named by an index loaded without
asking, ``remove --missing`` from another folder, a plain ``build`` dropping documents added
from elsewhere, a rebuild after damage dropping corrections, a taxonomy that orphans them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from encoder_double import FakeEncoder, copy_corpus, corpus_file

from duizhao import library, store
from duizhao.errors import EncoderError, EncoderMismatchError, UsageError
from duizhao.search import Searcher
from duizhao.store import EncoderInfo, open_index, write_index
from duizhao.store.format import manifest_checksum
from duizhao.taxonomy import load_taxonomy

FAKE_CLI = Path(__file__).resolve().parent / "fake_encoder_cli.py"


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(FAKE_CLI), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture()
def index(tmp_path: Path) -> Path:
    copy_corpus(tmp_path / "docs", 3)
    library.build([tmp_path / "docs"], tmp_path / "ix", progress=False, encoder=FakeEncoder())
    return tmp_path / "ix"


def evil_model(folder: Path, marker: Path) -> Path:
    """A model folder whose code, if anything imported it, would leave ``marker`` behind."""
    folder.mkdir()
    (folder / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('pwned')\n", "utf-8")
    (folder / "modules.json").write_text(json.dumps(
        [{"idx": 0, "name": "0", "path": "", "type": "evil.Module"}]), "utf-8")
    (folder / "config.json").write_text('{"auto_map": {"AutoModel": "evil.Module"}}', "utf-8")
    return folder


def test_an_index_naming_a_model_folder_loads_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    model = evil_model(tmp_path / "model", marker)
    index = tmp_path / "colleague"
    write_index(index, [], np.zeros((0, 8), np.float32), EncoderInfo(str(model), 8),
                load_taxonomy(), {})
    with pytest.raises(EncoderMismatchError) as err:
        Searcher.open(index)
    assert "--model" in str(err.value) and str(model) in str(err.value)
    result = subprocess.run([sys.executable, "-m", "duizhao.cli", "search", "理论学习",
                             "--index", str(index)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 4 and "不会自动加载" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not marker.exists()


def test_add_to_such_an_index_needs_the_model_named(tmp_path: Path) -> None:
    index = tmp_path / "colleague"
    write_index(index, [], np.zeros((0, 8), np.float32), EncoderInfo("/somewhere/model", 8),
                load_taxonomy(), {})
    with pytest.raises(EncoderMismatchError, match="--model /somewhere/model"):
        library.add([corpus_file(0)], index, progress=False)


def test_old_sentence_transformers_is_refused_before_loading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sentence_transformers

    from duizhao.embed.st import SentenceTransformerEncoder

    marker = tmp_path / "pwned"
    model = evil_model(tmp_path / "model", marker)
    monkeypatch.setattr(sentence_transformers, "__version__", "5.1.0")
    with pytest.raises(EncoderError, match="sentence-transformers>=6"):
        SentenceTransformerEncoder(str(model))
    assert not marker.exists()


def test_documents_resolve_from_any_folder(index: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = cli("export", "--index", index, cwd=elsewhere)
    docs = {json.loads(line)["doc"] for line in result.stdout.splitlines()}
    assert docs and all(os.path.isabs(d) and Path(d).is_file() for d in docs)


def test_remove_missing_from_another_folder_removes_nothing(index: Path,
                                                            tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    before = len(open_index(index, search=False).documents)
    result = cli("remove", "--missing", "--index", index, cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert len(open_index(index, search=False).documents) == before == 3
    (tmp_path / "docs" / corpus_file(0).name).unlink()
    result = cli("remove", "--missing", "--index", index, cwd=elsewhere)
    assert "已移除" in result.stderr
    assert len(open_index(index, search=False).documents) == 2


def test_plain_build_rebuilds_every_held_document(index: Path, tmp_path: Path) -> None:
    other = tmp_path / "other" / corpus_file(4).name
    other.parent.mkdir()
    shutil.copy(corpus_file(4), other)
    library.add([other], index, progress=False, encoder=FakeEncoder())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = cli("build", "--index", index, "-q", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    docs = {d.doc for d in open_index(index, search=False).documents}
    assert str(other) in docs and len(docs) == 4


def test_plain_build_keeps_documents_whose_files_are_gone(index: Path, tmp_path: Path) -> None:
    gone = tmp_path / "docs" / corpus_file(1).name
    texts = {p.text for p in open_index(index, search=False).passages if p.doc == str(gone)}
    gone.unlink()
    report = library.build(None, index, progress=False, encoder=FakeEncoder())
    after = open_index(index, search=False)
    assert str(gone) in {d.doc for d in after.documents}
    assert texts <= {p.text for p in after.passages}
    assert any("源文件已不存在" in w and "remove --missing" in w for w in report.warnings)


def test_build_of_other_paths_names_what_it_would_drop(index: Path, tmp_path: Path) -> None:
    new = tmp_path / "new"
    new.mkdir()
    shutil.copy(corpus_file(4), new)
    result = cli("build", new, "--index", index, "-q")
    assert result.returncode == 2
    assert "不在本次给出的路径中" in result.stderr and "--replace" in result.stderr
    assert corpus_file(0).name in result.stderr
    assert len(open_index(index, search=False).documents) == 3
    result = cli("build", new, "--index", index, "-q", "--replace")
    assert result.returncode == 0, result.stderr
    assert len(open_index(index, search=False).documents) == 1


def test_corrections_survive_a_rebuild_after_damage(index: Path) -> None:
    passage = open_index(index, search=False).passages[0]
    result = cli("label", passage.id, "--dimension", "廉洁自律", "--index", index)
    assert result.returncode == 0, result.stderr
    version = store.current_version(index)
    (version / ("s0001." + store.VECTORS)).write_bytes(b"damaged")
    result = cli("search", "学习", "--index", index)
    assert result.returncode == 4 and "duizhao build" in result.stderr
    result = cli("build", "--index", index, "-q")
    assert result.returncode == 0, result.stderr
    fixed = {p.id: p for p in open_index(index, search=False).passages}[passage.id]
    assert fixed.dimension.value == "integrity" and fixed.dimension.method == "user"
    assert len(open_index(index, search=False).documents) == 3


def test_a_taxonomy_that_orphans_corrections_is_refused(index: Path, tmp_path: Path) -> None:
    from importlib import resources

    passage = open_index(index, search=False).passages[0]
    default = resources.files("duizhao").joinpath("data/taxonomy.toml").read_text("utf-8")
    extended = tmp_path / "extended.toml"
    extended.write_text(default + '\n[dimensions.innovation]\nname = "改革创新"\n', "utf-8")
    library.build(None, index, taxonomy_path=extended, progress=False, encoder=FakeEncoder())
    library.correct_label(index, passage.id, dimension="改革创新")
    before = store.current_version(index)
    with pytest.raises(UsageError, match="dimension=innovation"):
        library.build(None, index, progress=False, encoder=FakeEncoder())
    assert store.current_version(index) == before
    result = cli("build", "--index", index, "-q")
    assert result.returncode == 2 and "标签更正" in result.stderr
    fixed = {p.id: p for p in open_index(index, search=False).passages}[passage.id]
    assert fixed.dimension.value == "innovation"


def test_docs_lists_role_passages_and_status(index: Path, tmp_path: Path) -> None:
    (tmp_path / "docs" / corpus_file(0).name).unlink()
    changed = tmp_path / "docs" / corpus_file(1).name
    changed.write_text(changed.read_text("utf-8") + "\n四、补充\n一是再加一条。\n", "utf-8")
    result = cli("docs", "--index", index, "--json")
    assert result.returncode == 0, result.stderr
    rows = {Path(r["doc"]).name: r for r in map(json.loads, result.stdout.splitlines())}
    assert rows[corpus_file(0).name]["status"] == "missing"
    assert rows[corpus_file(1).name]["status"] == "changed"
    assert rows[corpus_file(2).name]["status"] == "ok"
    assert all(r["passages"] > 5 and r["role"] for r in rows.values())
    result = cli("docs", "--index", index, cwd=tmp_path)
    assert "源文件不存在" in result.stdout and "docs/" + corpus_file(2).name in result.stdout
    assert "remove --missing" in result.stderr and "duizhao add" in result.stderr


@pytest.mark.parametrize("name", [store.DOCUMENTS, "s0001." + store.PASSAGES, store.TAXONOMY])
def test_an_index_file_linked_to_a_device_is_refused_not_read(index: Path, name: str) -> None:
    """A crafted version whose file is a link to /dev/zero (manifest size 0) hung every command."""
    version = store.current_version(index)
    (version / name).unlink()
    os.symlink("/dev/zero", version / name)
    manifest = json.loads((version / store.MANIFEST).read_text("utf-8"))
    manifest["files"][name]["size"] = 0
    manifest["checksum"] = manifest_checksum(manifest)  # as a crafted index would
    (version / store.MANIFEST).write_text(json.dumps(manifest), "utf-8")
    result = cli("export", "--index", index)
    assert result.returncode == 4 and "不是普通文件" not in result.stdout
    assert "索引已损坏" in result.stderr and name in result.stderr


@pytest.mark.parametrize("name", [store.CORRECTIONS, "basket.json"])
def test_user_files_linked_to_a_device_are_refused_not_read(index: Path, name: str) -> None:
    (index / name).unlink(missing_ok=True)
    os.symlink("/dev/zero", index / name)
    result = cli("docs" if name == store.CORRECTIONS else "draft", *(
        [] if name == store.CORRECTIONS else [index.parent / "稿.docx"]), "--index", index)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert name in result.stderr
    assert os.path.islink(index / name)  # named, left for the user, not replaced


def test_a_damaged_index_whose_document_list_is_a_device_is_rebuilt_not_read(
        index: Path, tmp_path: Path) -> None:
    """The rebuild of a damaged index reads its document list; a link to /dev/zero there
    must be refused like any other non-regular file, not read forever."""
    version = store.current_version(index)
    (version / store.DOCUMENTS).unlink()
    os.symlink("/dev/zero", version / store.DOCUMENTS)
    result = subprocess.run([sys.executable, str(FAKE_CLI), "build", str(tmp_path / "docs"),
                             "--index", str(index), "-q", "--replace"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "旧索引无法读取" in result.stderr
    assert len(open_index(index, search=False).documents) == 3
