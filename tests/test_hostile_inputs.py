"""Issue 11, the input half: whatever a careless or hostile user hands `build`/`add`.

One folder holds every hostile input, each built for real (a FIFO by os.mkfifo, symlink loops,
GBK file names written as bytes, a Strict OOXML .docx, a zip bomb, a huge numbering start, a
Word-encrypted .docx, UTF-16 with and without BOM, a 1.8 MB one-line file, a pathological
markdown line, PDFs with and without a text layer, an encrypted PDF …) next to good documents.
`duizhao build` runs on it once, in a subprocess whose timeout bounds any hang (a FIFO used to
block forever), with the test encoder double (reading is what is tested here) and OCR off.
Each case then asserts: a Chinese message naming the file and the fix, exit code 3, the other
files indexed. The OCR extra is tested on its own, on a real scanned page.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile_fixtures import (
    CHARS_PER_LINE,
    encrypted_docx,
    huge_numbering_docx,
    image_only_pdf,
    strict_docx,
    wrap,
    write_pdf,
    zip_bomb_docx,
)

from duizhao.errors import ReadError
from duizhao.filenames import display_name, locate
from duizhao.read import read_document
from duizhao.read.limits import MAX_LINE_CHARS, MAX_PASSAGE_CHARS

ROOT = Path(__file__).resolve().parents[1]
CORPUS = sorted((ROOT / "corpus").glob("*.txt"))
FAKE_CLI = Path(__file__).resolve().parent / "fake_encoder_cli.py"
TIMEOUT = 600  # bounds a hang; a working build of this folder takes seconds

GBK_FILE = "张三对照检查.txt".encode("gbk")
GBK_FOLDER = "材料".encode("gbk")
GBK_IN_FOLDER = "李四.md".encode("gbk")
UNDECODABLE = b"caf\xe9\xff.txt"  # neither UTF-8 nor GB18030
ESCAPES = "evil\x1b[2J\x1b]0;pwned\x07.txt"
ESCAPES_DOC = "bad\x1b[31mred.doc"


def cli(*args: str | bytes | Path, drop_root: bool = False,
        ocr: bool = True) -> subprocess.CompletedProcess[bytes]:
    """The CLI in a subprocess (test encoder); ``drop_root`` makes root obey file permissions,
    ``ocr=False`` sets DUIZHAO_OCR=0 (scanned PDFs are then named as needing OCR)."""
    command: list[str | bytes | Path] = [sys.executable, FAKE_CLI, *args]
    if drop_root and os.geteuid() == 0:
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    env = {**os.environ, "DUIZHAO_OCR": "1" if ocr else "0"}
    return subprocess.run(command, capture_output=True, timeout=TIMEOUT, env=env)


def one_line_text(size: int) -> str:
    """Seed documents run together into one line of about ``size`` bytes, no sentence twice."""
    text = "".join(p.read_text("utf-8").replace("\n", "") for p in CORPUS)
    copies = size // len(text.encode()) + 1
    return "".join(text.replace("。", f"（{i}）。") for i in range(copies))[: size // 3]


PATHOLOGICAL_MD = ("**理论 " * 8000 + "[" * 30000 + "![a](" * 6000 + "<!--" * 6000 + "`" * 6000
                   + "_学_" * 6000 + " " * 30000 + "| - " * 6000 + "<http:" * 5000 + "x")

PDF_PARAGRAPHS = [
    "一、存在的主要问题",
    "（一）理论学习方面。学习党的创新理论不够深入系统，满足于读原文、记笔记，"
    "没有做到学深悟透、融会贯通，运用理论指导实践的能力还不够强。",
    "（二）工作作风方面。深入基层调查研究不够，联系服务群众不够紧密，"
    "有时满足于听汇报、看材料，对群众反映的问题跟踪解决不够及时。",
    "二、原因剖析",
    "理想信念的“总开关”拧得还不够紧，党性修养有所放松，"
    "对自身要求不够严格，自我革命精神有待加强，斗争本领还需提升。",
]


def pdf_pages() -> list[list[tuple[float, str]]]:
    """The paragraphs laid out over three pages; the second paragraph runs across a page."""
    lines = [line for p in PDF_PARAGRAPHS
             for line in (wrap(p, 0) if len(p) < 12 else wrap(p))]
    return [lines[:4], lines[4:8], lines[8:]]


@dataclass
class Run:
    folder: Path
    index: Path
    result: subprocess.CompletedProcess[bytes]
    stderr: str
    passages: list[dict[str, object]]

    def docs(self) -> set[str]:
        return {str(p["doc"]) for p in self.passages} | {
            d for p in self.passages for d in p.get("also_in", [])}  # type: ignore[union-attr]

    def texts(self, doc_suffix: str) -> list[str]:
        """Passages of a document, those kept once for several documents included."""
        return [str(p["text"]) for p in self.passages
                if any(str(d).endswith(doc_suffix)
                       for d in [p["doc"], *p.get("also_in", [])])]  # type: ignore[misc]

    def message_for(self, name: str) -> str:
        lines = [line for line in self.stderr.splitlines() if name in line]
        assert lines, f"{name!r} not named on stderr:\n{self.stderr}"
        return "\n".join(lines)


def make_hostile_folder(folder: Path) -> None:
    folder.mkdir()
    shutil.copy(CORPUS[2], folder / "good.txt")
    raw = os.fsencode(folder)
    with open(raw + b"/" + GBK_FILE, "wb") as out:
        out.write(CORPUS[1].read_bytes())
    os.mkdir(raw + b"/" + GBK_FOLDER)
    with open(raw + b"/" + GBK_FOLDER + b"/" + GBK_IN_FOLDER, "wb") as out:
        out.write(CORPUS[3].read_bytes())
    with open(raw + b"/" + UNDECODABLE, "wb") as out:
        out.write("一、存在问题\n理论学习不够系统，学用结合不够紧密。\n".encode())
    (folder / ESCAPES).write_text("一、存在问题\n调查研究不够深入，解决问题不够及时。\n", "utf-8")
    (folder / ESCAPES_DOC).write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / "colours.txt").write_text(  # terminal output pasted into a file
        "一、存在问题\n\x1b[31m理论学习\x1b[0m不够深入，\x1b]0;pwned\x07学用脱节。\x0c\n", "utf-8")
    os.mkfifo(folder / "fifo.txt")
    os.symlink("/dev/zero", folder / "zero.txt")
    os.symlink("loop2.txt", folder / "loop1.txt")
    os.symlink("loop1.txt", folder / "loop2.txt")
    os.symlink("nowhere.txt", folder / "broken.txt")
    (folder / "sub").mkdir()
    os.symlink("..", folder / "sub" / "up")
    (folder / "locked").mkdir()
    (folder / "locked" / "secret.txt").write_text("一、存在问题\n看不到的内容。\n", "utf-8")
    os.chmod(folder / "locked", 0)
    for name, data in {"old.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
                       "notes.wps": b"\xd0\xcf\x11\xe0", "rich.rtf": b"{\\rtf1 x}",
                       "photo.jpg": b"\xff\xd8\xff\xe0", "bundle.zip": b"PK\x05\x06" + bytes(18),
                       "renamed.docx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000),
                       "damaged.pdf": b"%PDF-1.7\n1 0 obj <</Type /Catalog>> garbage"}.items():
        (folder / name).write_bytes(data)
    with (folder / "huge.txt").open("wb") as out:  # sparse: 129 MB on paper, nothing on disk
        out.truncate(129 * 2**20)
    deep = folder.joinpath("deep", *["d"] * 70)
    deep.mkdir(parents=True)
    (deep / "bottom.txt").write_text("一、存在问题\n层级太深的文件。\n", "utf-8")
    strict_docx(folder / "strict.docx")
    zip_bomb_docx(folder / "bomb.docx")
    huge_numbering_docx(folder / "numbering.docx")
    encrypted_docx(folder / "encrypted.docx")
    text = "（一）政治素质方面。一是政治敏锐性不强。\n二是斗争精神不足。\n"
    (folder / "utf16bom.txt").write_bytes(text.encode("utf-16"))
    (folder / "utf16le.txt").write_bytes(("一、存在问题\n" + text).encode("utf-16-le"))
    (folder / "utf16be.txt").write_bytes(("二、原因剖析\n" + text).encode("utf-16-be"))
    (folder / "oneline.txt").write_text(one_line_text(1_800_000), "utf-8")
    (folder / "pathological.md").write_text(
        "# 一、存在问题\n" + PATHOLOGICAL_MD + "\n理论学习不够深入。\n", "utf-8")
    write_pdf(folder / "report.pdf", pdf_pages(), header="某某党支部对照检查材料",
              footer=lambda n, total: f"— {n} —", running_footer="内部资料 注意保存")
    image_only_pdf(folder / "scan.pdf")
    write_pdf(folder / "locked.pdf", [wrap("机密内容")], password="密码")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    base = tmp_path_factory.mktemp("hostile")
    folder = base / "docs"
    make_hostile_folder(folder)
    index = base / "index"
    try:
        result = cli("build", folder, "--index", index, "-q", drop_root=True, ocr=False)
    finally:
        os.chmod(folder / "locked", 0o755)
    exported = cli("export", "--index", index)
    assert exported.returncode == 0, exported.stderr.decode()
    passages = [json.loads(line) for line in exported.stdout.decode("utf-8").splitlines()]
    return Run(folder, index, result, result.stderr.decode("utf-8"), passages)


# ---------------------------------------------------------------- the run as a whole


def test_build_exits_3_and_prints_no_data(run: Run) -> None:
    assert run.result.returncode == 3, run.stderr
    assert run.result.stdout == b""
    assert "未能读取（其余文件已编入索引）" in run.stderr
    assert "Traceback" not in run.stderr


def test_no_terminal_control_sequence_reaches_the_terminal(run: Run) -> None:
    assert not any(ch in run.stderr for ch in "\x1b\x07\x9b")
    # the files with escape sequences in their names are named, escaped
    assert "bad\\x1b[31mred.doc" in run.stderr
    assert "evil\\x1b[2J\\x1b]0;pwned\\x07.txt" in run.docs() or any(
        "evil\\x1b[2J" in d for d in run.docs())
    assert not any(ch in json.dumps(run.passages, ensure_ascii=False) for ch in "\x1b\x07\x0c")
    assert any("理论学习不够深入，学用脱节。" in t for t in run.texts("colours.txt"))


# ---------------------------------------------------------------- skipped, each named

SKIPPED = {
    "fifo.txt": ["命名管道", "已跳过"],
    "zero.txt": ["设备文件", "已跳过"],
    "loop1.txt": ["符号链接循环", "修正该链接"],
    "loop2.txt": ["符号链接循环"],
    "broken.txt": ["符号链接指向的文件不存在", "链接目标"],
    "sub/up": ["符号链接循环"],
    "old.doc": ["不支持的文件格式 .doc", "另存为 .docx"],
    "notes.wps": ["不支持的文件格式 .wps", "另存为 .docx"],
    "rich.rtf": ["不支持的文件格式 .rtf", "另存为 .docx"],
    "photo.jpg": ["不支持的文件格式 .jpg", "OCR"],
    "bundle.zip": ["不支持的文件格式 .zip", "解压"],
    "bomb.docx": ["解压后超过 32 MB", "另存为 .docx"],
    "encrypted.docx": ["设有打开密码", "清除密码"],
    "renamed.docx": ["旧版 Word 97-2003", "另存为 .docx"],
    "scan.pdf": ["没有文字层", "OCR"],
    "locked.pdf": ["设有打开密码", "不加密的 PDF"],
    "damaged.pdf": ["已损坏", "另存"],
    "huge.txt": ["文件过大", "上限 128 MB", "拆分"],
}


@pytest.mark.parametrize("name", sorted(SKIPPED))
def test_each_skipped_file_is_named_with_reason_and_fix(run: Run, name: str) -> None:
    message = run.message_for(f"docs/{name}：")
    for phrase in SKIPPED[name]:
        assert phrase in message, message
    assert not any(name in doc for doc in run.docs())


def test_too_deep_folders_are_named(run: Run) -> None:
    message = run.message_for("文件夹层级超过")
    assert "docs/deep/d/d/" in message and "已跳过" in message
    assert not any("bottom.txt" in doc for doc in run.docs())


def test_unreadable_sub_folder_is_named(run: Run) -> None:
    message = run.message_for("docs/locked：")
    assert "无法读取文件夹" in message and "没有权限" in message and "权限" in message


# ---------------------------------------------------------------- read, and indexed

READ = ["good.txt", "colours.txt", "张三对照检查.txt", "材料/李四.md", "caf\\xe9\\xff.txt", "strict.docx",
        "numbering.docx", "utf16bom.txt", "utf16le.txt", "utf16be.txt", "oneline.txt",
        "pathological.md", "report.pdf"]


@pytest.mark.parametrize("name", READ)
def test_readable_files_are_indexed(run: Run, name: str) -> None:
    assert any(doc.endswith("docs/" + name) for doc in run.docs()), sorted(run.docs())
    assert f"docs/{name}：" not in run.stderr


def test_gbk_names_are_shown_decoded_and_find_their_file(run: Run) -> None:
    for raw, shown in [(GBK_FILE, "张三对照检查.txt"), (GBK_FOLDER + b"/" + GBK_IN_FOLDER,
                                                        "材料/李四.md"), (UNDECODABLE, "caf\\xe9\\xff.txt")]:
        doc = next(d for d in run.docs() if d.endswith("docs/" + shown))
        found = locate(doc)
        assert found is not None and os.fsencode(found).endswith(b"/docs/" + raw)
        assert display_name(found) == doc


def test_remove_missing_keeps_documents_with_odd_names(run: Run, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(run.index, index)
    result = cli("remove", "--missing", "--index", index)
    assert result.returncode == 0, result.stderr.decode()
    assert "移除 0 个文档" in result.stderr.decode("utf-8")


def test_utf16_files_read_like_utf8(run: Run) -> None:
    for name in ("utf16bom.txt", "utf16le.txt", "utf16be.txt"):
        assert any("政治敏锐性不强" in t for t in run.texts(name)), name


def test_long_lines_and_passages_are_capped_with_a_note(run: Run) -> None:
    assert max(len(str(p["text"])) for p in run.passages) <= MAX_PASSAGE_CHARS
    note = run.message_for("oneline.txt 有")
    assert f"超过 {MAX_LINE_CHARS} 字" in note and "没有丢失" in note
    source = (run.folder / "oneline.txt").read_text("utf-8")
    kept = "".join(run.texts("oneline.txt"))
    # nothing dropped beyond the headings the segmenter lifts out of the text
    assert len(kept) > 0.9 * len(source)


def test_pathological_markdown_is_read(run: Run) -> None:
    assert any("理论学习不够深入" in t for t in run.texts("pathological.md"))


def test_strict_and_huge_numbering_docx_are_read(run: Run) -> None:
    assert any("学习不够深入" in t for t in run.texts("strict.docx"))
    assert any("调查研究不够" in t for t in run.texts("numbering.docx"))


def test_pdf_is_indexed_without_page_furniture(run: Run) -> None:
    texts = run.texts("report.pdf")
    joined = "".join(texts)
    assert "运用理论指导实践的能力还不够强" in joined
    assert "某某党支部" not in joined and "内部资料" not in joined and "—" not in joined


# ---------------------------------------------------------------- readers, directly


def test_strict_docx_reads_like_its_transitional_twin(tmp_path: Path) -> None:
    expected = strict_docx(tmp_path / "strict.docx")
    assert read_document(tmp_path / "strict.docx").text == expected


def test_huge_numbering_start_is_clamped(tmp_path: Path) -> None:
    huge_numbering_docx(tmp_path / "n.docx")
    lines = read_document(tmp_path / "n.docx").text.split("\n")
    assert len(lines) == 5 and all(len(line) < 80 for line in lines)
    assert lines[0].startswith("三万二千七百六十七") or lines[0][0].isdigit()


@pytest.mark.parametrize("footer", ["— {n} —", "- {n} -", "第 {n} 页 共 {total} 页", "{n}",
                                    "{n}/{total}", "第{n}页"])
def test_pdf_reading_order_furniture_and_paragraphs(tmp_path: Path, footer: str) -> None:
    path = tmp_path / "r.pdf"
    write_pdf(path, pdf_pages(), header="中共某某支部委员会 2024 年度组织生活会对照检查材料",
              footer=lambda n, total: footer.format(n=n, total=total), reverse=True)
    source = read_document(path)
    assert source.text.split("\n") == PDF_PARAGRAPHS
    assert source.format == "pdf"


def test_pdf_lines_are_wrapped_at_the_margin_in_the_fixture() -> None:
    # the fixture really breaks paragraphs into lines (else the join test proves nothing)
    pages = pdf_pages()
    assert sum(len(p) for p in pages) > len(PDF_PARAGRAPHS) + 3
    assert max(len(t) for page in pages for _, t in page) == CHARS_PER_LINE


def test_pdf_chinese_text_layer_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "one.pdf"
    write_pdf(path, [wrap("理论学习不够深入", 0)])
    assert read_document(path).text == "理论学习不够深入"


def test_a_pdf_of_thousands_of_pages_is_read_up_to_the_cap(tmp_path: Path) -> None:
    from duizhao.read.pdf import MAX_PAGES

    path = tmp_path / "book.pdf"
    write_pdf(path, [[(72.0, f"第{n}条要求。")] for n in range(MAX_PAGES + 50)])
    source = read_document(path)
    assert source.text.startswith("第0条要求。\n第1条要求。")
    assert f"第{MAX_PAGES - 1}条要求。" in source.text and f"第{MAX_PAGES}条要求。" not in source.text
    assert any(f"只读取了前 {MAX_PAGES} 页" in note for note in source.notes)


def test_an_empty_pdf_is_named_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.pdf"
    write_pdf(path, [[], []])
    with pytest.raises(ReadError) as err:
        read_document(path)
    assert "文件为空" in str(err.value) and "blank.pdf" in str(err.value)


def test_scanned_pdf_is_read_by_ocr_with_a_note(tmp_path: Path) -> None:
    image_only_pdf(tmp_path / "scan.pdf")
    source = read_document(tmp_path / "scan.pdf")
    assert "理论学习不够深" in source.text and "满足于读原文" in source.text
    assert any("OCR" in note and "请核对" in note for note in source.notes)


def test_without_ocr_a_scan_names_the_extra(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    image_only_pdf(tmp_path / "scan.pdf")
    monkeypatch.setenv("DUIZHAO_OCR", "0")
    with pytest.raises(ReadError) as err:
        read_document(tmp_path / "scan.pdf")
    assert "没有文字层" in str(err.value) and "duizhao[ocr]" in str(err.value)


def test_scanned_pages_in_a_text_pdf_are_noted(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUIZHAO_OCR", "0")
    scan = tmp_path / "scan.pdf"
    image_only_pdf(scan)
    text = tmp_path / "text.pdf"
    write_pdf(text, [wrap(PDF_PARAGRAPHS[1]), [], wrap(PDF_PARAGRAPHS[2])])  # page 2 is blank
    import pypdfium2 as pdfium

    mixed = pdfium.PdfDocument(str(text))
    mixed.import_pages(pdfium.PdfDocument(str(scan)), index=1)  # a scanned page 2
    mixed.save(str(tmp_path / "mixed.pdf"))
    source = read_document(tmp_path / "mixed.pdf")
    assert source.text.split("\n") == PDF_PARAGRAPHS[1:3]
    assert len(source.notes) == 1  # the blank page is not called a scan
    assert "第 2 页" in source.notes[0] and "OCR" in source.notes[0]


# ---------------------------------------------------------------- add, explicit paths, index


def test_add_names_bad_files_adds_the_rest_and_keeps_the_index(run: Run, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(run.index, index)
    before = cli("export", "--index", index).stdout.decode().splitlines()
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    new = os.fsencode(tmp_path) + b"/" + "王五.txt".encode("gbk")
    with open(new, "wb") as out:
        out.write(CORPUS[0].read_bytes())
    result = cli("add", fifo, new, run.folder / "bomb.docx", "--index", index, "-q")
    stderr = result.stderr.decode("utf-8")
    assert result.returncode == 3, stderr
    assert "pipe.txt：不是普通文件" in stderr and "bomb.docx：" in stderr
    assert "已加入 1 个文档" in stderr
    after = [json.loads(line) for line in cli("export", "--index", index).stdout.splitlines()]
    ids = {p["id"] for p in after}
    assert {json.loads(line)["id"] for line in before} <= ids and len(after) > len(before)
    assert any(p["doc"].endswith("王五.txt") for p in after)


def test_explicit_special_files_are_named(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.txt")
    shutil.copy(CORPUS[0], tmp_path / "good.txt")
    result = cli("build", tmp_path / "fifo.txt", "/dev/null", tmp_path / "good.txt",
                 "--index", tmp_path / "index", "-q")
    stderr = result.stderr.decode("utf-8")
    assert result.returncode == 3, stderr
    assert "fifo.txt：不是普通文件（命名管道（FIFO））" in stderr
    assert "/dev/null：不支持的文件格式" in stderr or "/dev/null：不是普通文件" in stderr


def test_nothing_readable_leaves_the_index_as_it_was(run: Run, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(run.index, index)
    before = cli("export", "--index", index).stdout
    os.mkfifo(tmp_path / "only.txt")
    result = cli("build", tmp_path / "only.txt", run.folder / "bomb.docx", "--index", index,
                 "--replace")
    assert result.returncode == 3
    assert "没有可编入索引的文档，索引未改动" in result.stderr.decode("utf-8")
    assert cli("export", "--index", index).stdout == before


# ---------------------------------------------------------------- a query that is not UTF-8


def test_gbk_query_argument_is_read_as_gbk(run: Run) -> None:
    result = cli("search", "理论学习".encode("gbk"), "--index", run.index, "--json", "-k", "2")
    assert result.returncode == 0, result.stderr.decode()
    assert "按 GBK 读作“理论学习”" in result.stderr.decode("utf-8")
    assert len(json.loads(result.stdout)) == 2


def test_undecodable_query_argument_is_refused(run: Run) -> None:
    result = cli("search", b"\xff\xfe\xfd", "--index", run.index)
    assert result.returncode == 2
    assert "检索内容不是有效的文字编码" in result.stderr.decode("utf-8")
    assert result.stdout == b""
