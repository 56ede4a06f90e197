"""``duizhao shell`` end to end over a real index of corpus/: piped input and a pseudo-terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from docx_fixtures import read_draft

from duizhao.library import build
from duizhao.store import open_index

ROOT = Path(__file__).resolve().parents[1]
ENTRY = Path(sys.executable).parent / "duizhao"
COMMAND = [str(ENTRY)] if ENTRY.exists() else [sys.executable, "-m", "duizhao.cli"]


TRANSCRIPT = ROOT / "docs" / "shell-transcript.md"
TRANSCRIPT_DIR = "/tmp/demo"  # where the transcript was recorded; /save names it


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """corpus/ built from the repository root, so passages name their doc "corpus/…"."""
    index = tmp_path_factory.mktemp("shell") / "index"
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        build([Path("corpus")], index, progress=False)
    finally:
        os.chdir(cwd)
    return index


def shell_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "DUIZHAO_HISTORY": str(tmp_path / "history"),
            "PROMPT_TOOLKIT_NO_CPR": "1", "NO_COLOR": "1"}


def test_piped_session_filters_opens_picks_and_saves_docx(corpus_index: Path,
                                                           tmp_path: Path) -> None:
    draft = tmp_path / "草稿.docx"
    script = "\n".join([
        "/role 支部书记",
        "/dim 理论学习",
        "/section 问题",
        "理论学习不深入",
        "/open 1",
        "/pick 1",
        "/section 整改措施",
        "/dim theory",
        "加强理论学习",
        "/pick 1",
        "/basket",
        f"/save {draft}",
        "/quit",
        "这一行在 /quit 之后，不应被执行",
    ]) + "\n"
    run = subprocess.run([*COMMAND, "shell", "--index", str(corpus_index)], input=script,
                         capture_output=True, text=True, encoding="utf-8", cwd=tmp_path,
                         env=shell_env(tmp_path), timeout=120)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "\x1b[" not in out  # plain text on a pipe: no colours, no cursor moves
    assert "对照[党支部书记·理论学习·存在问题]> 理论学习不深入" in out
    assert "▶" in out and "已保存 2 条" in out
    assert "不应被执行" not in out.split("/quit")[-1]

    passages = {p.text.strip(): p for p in open_index(corpus_index).passages}
    entries = read_draft(draft)
    assert all(text in passages for _, _, text, _ in entries)
    found = [(section, dimension, passages[text], source)
             for section, dimension, text, source in entries]
    assert [(f[0], f[1]) for f in found] == [("一、存在问题", "（一）理论学习"),
                                              ("二、整改措施", "（一）理论学习")]
    for (_, _, passage, source), section_key in zip(found, ("problem", "measure"), strict=True):
        assert (passage.role.value, passage.section.value, passage.dimension.value) == \
            ("branch_secretary", section_key, "theory")
        assert passage.doc in source and passage.heading in source
    # the passage /open showed is the one picked first, marked among its neighbours
    opened = out.split("> /open 1\n", 1)[1].split("> /pick 1", 1)[0]
    marked = [line for line in opened.splitlines() if line.lstrip().startswith("▶")]
    assert len(marked) == 1
    assert " ".join(found[0][2].text.split()) in marked[0]


def test_piped_bad_label_lists_values_and_goes_on(corpus_index: Path, tmp_path: Path) -> None:
    run = subprocess.run([*COMMAND, "shell", "--index", str(corpus_index)],
                         input="/dim 思想建设\n/k abc\n学习\n", capture_output=True, text=True,
                         encoding="utf-8", env=shell_env(tmp_path), timeout=120)
    assert run.returncode == 0, run.stderr
    assert "未知的维度 dimension：“思想建设”" in run.stdout and "integrity（廉洁自律）" in run.stdout
    assert "k 须为 1–100" in run.stdout
    assert " 1. [" in run.stdout  # the query after the mistakes still ran


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    run = subprocess.run([*COMMAND, "shell", "--index", str(tmp_path / "nope")], input="",
                         capture_output=True, text=True, encoding="utf-8",
                         env=shell_env(tmp_path), timeout=120)
    assert run.returncode == 4 and "Traceback" not in run.stderr
    assert "nope" in run.stderr and run.stdout == ""


def test_terminal_session_shows_filters_in_prompt(corpus_index: Path, tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(COMMAND[0], [*COMMAND[1:], "shell", "--index", str(corpus_index)],
                          env=shell_env(tmp_path), encoding="utf-8", timeout=60,
                          dimensions=(40, 160))
    try:
        child.expect("已载入索引")
        child.expect_exact("对照[全部]>")
        child.sendline("/role 支部书记")
        child.expect_exact("对照[党支部书记]>")
        child.sendline("/dim 理论学习")
        child.expect_exact("对照[党支部书记·理论学习]>")
        child.sendline("学习不深入")
        child.expect(r" 1\. \[")
        child.expect_exact("对照[党支部书记·理论学习]>")
        child.sendline("/quit")
        child.expect("再见")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    history = (tmp_path / "history").read_text("utf-8")  # persisted for the next session
    assert "+学习不深入" in history and "+/role 支部书记" in history


def test_transcript_in_docs_is_what_the_shell_prints(corpus_index: Path, tmp_path: Path) -> None:
    """docs/shell-transcript.md replayed: same answers, same saved draft (docs can't go stale).

    If search or labelling changed on purpose, re-record the transcript as the doc says.
    """
    doc = TRANSCRIPT.read_text("utf-8")
    console = doc.split("```console\n", 1)[1].split("```", 1)[0].splitlines()
    draft = doc.split("```markdown\n", 1)[1].split("```", 1)[0]
    start = next(i for i, line in enumerate(console) if line.startswith("对照["))
    typed = [line.split("]> ", 1)[1] for line in console[start:]
             if line.startswith("对照[") and "]> " in line]
    run = subprocess.run([*COMMAND, "shell", "--index", str(corpus_index)],
                         input="\n".join(typed) + "\n", capture_output=True, text=True,
                         encoding="utf-8", cwd=tmp_path, env=shell_env(tmp_path), timeout=120)
    assert run.returncode == 0, run.stderr
    expected = "\n".join(console[start:]) + "\n"
    assert run.stdout.replace(str(tmp_path), TRANSCRIPT_DIR) == expected
    assert (tmp_path / "草稿.md").read_text("utf-8") == draft
