"""``duizhao shell`` end to end over a real index of corpus/: piped input and a pseudo-terminal."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
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


@pytest.fixture
def index(corpus_index: Path, tmp_path: Path) -> Path:
    """A copy of the corpus index per test: each test's basket (index/basket.json) is its own."""
    copy = tmp_path / "index"
    shutil.copytree(corpus_index, copy, symlinks=True)
    return copy


def shell_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "DUIZHAO_HISTORY": str(tmp_path / "history"),
            "PROMPT_TOOLKIT_NO_CPR": "1", "NO_COLOR": "1", **extra}


def test_scripted_session_saves_a_gongwen_draft(index: Path, tmp_path: Path) -> None:
    """Must-show 1: a draft saved from a scripted session, reopened with python-docx."""
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    draft = tmp_path / "草稿.docx"
    script = "\n".join([
        "/role 支部书记", "/section 问题", "/dim 理论学习", "学用脱节 理论联系实际不够",
        "/open 1", "/pick 1 2 3",
        "/dim 工作作风", "联系群众不够", "/pick 1",
        "/section 原因", "/dim 理论学习", "理论学习不够", "/pick 1",
        "/section 整改措施", "加强理论学习", "/pick 1",
        "/note 整改措施 工作作风 每月到联系社区走访一次，听取群众意见。",
        "/title 2024年度组织生活会个人对照检查材料", "/author 某某社区党支部 张三",
        "/date 2025年1月20日", f"/save {draft}", "/quit",
        "这一行在 /quit 之后，不应被执行",
    ]) + "\n"
    run = subprocess.run([*COMMAND, "shell", "--index", str(index)], input=script,
                         capture_output=True, text=True, encoding="utf-8", cwd=tmp_path,
                         env=shell_env(tmp_path), timeout=120)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "\x1b[" not in out  # plain text on a pipe: no colours, no cursor moves
    assert "对照[党支部书记·理论学习·存在问题]> 学用脱节 理论联系实际不够" in out
    assert "▶" in out and "已保存 7 条" in out and "来源在每段的批注中" in out
    assert "不应被执行" not in out.split("/quit")[-1]

    document = docx.Document(str(draft))
    section = document.sections[0]
    size = section._sectPr.find(qn("w:pgSz"))
    assert (size.get(qn("w:w")), size.get(qn("w:h"))) == ("11906", "16838")  # A4
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin,
                                  section.left_margin, section.right_margin)] == [37, 35, 28, 26]
    fonts = {}
    for name in ("Normal", "公文标题", "一级标题", "二级标题"):
        style = document.styles[name]
        rfonts = style.element.find(f".//{qn('w:rFonts')}")
        fonts[name] = (rfonts.get(qn("w:eastAsia")), style.font.size)
    assert fonts == {"Normal": ("仿宋_GB2312", Pt(16)), "公文标题": ("方正小标宋简体", Pt(22)),
                     "一级标题": ("黑体", Pt(16)), "二级标题": ("楷体_GB2312", Pt(16))}
    assert document.paragraphs[0].text == "2024年度组织生活会个人对照检查材料"
    assert document.paragraphs[0].style.name == "公文标题"

    passages = {p.id: p for p in open_index(index).passages}
    entries = read_draft(draft)
    assert [(s, d) for s, d, _, _ in entries] == [
        ("一、存在的问题", "（一）理论学习方面")] * 3 + [
        ("一、存在的问题", "（二）工作作风方面"),
        ("二、原因剖析", "（一）理论学习方面"),
        ("三、整改措施", "（一）理论学习方面"),
        ("三、整改措施", "（二）工作作风方面")]
    numbers = [text.split(".", 1)[0] for _, _, text, _ in entries]
    assert numbers == ["1", "2", "3", "1", "1", "1", "1"]  # renumbered per sub-heading
    for _, _, text, _ in entries:  # the sources' own ordinals are gone
        assert not text.split(".", 1)[1].startswith(("（", "一是", "二是", "三是", "(", "1"))
    picked = [p for p in json.loads((index / "basket.json").read_text("utf-8"))["items"]
              if "passage" in p]
    assert len(picked) == 6
    for _, _, text, source in entries[:6]:
        match = [p for p in picked if p["passage"]["title"] in source]
        assert match and source.startswith("来源：《") and "›" in source
        assert "来源" not in text
    assert entries[6][3] == "" and entries[6][2] == "1.每月到联系社区走访一次，听取群众意见。"
    body = [p.text for p in document.paragraphs]
    assert not any(t.startswith("来源") or "corpus/" in t for t in body)  # no note between
    first = next(p for p in document.paragraphs if p.text.startswith("1."))
    title = next(r for r in first.runs if r.text)
    assert title.bold and title.text.endswith("。")  # the point's title, bold
    assert {p.doc for p in passages.values()} >= {p["passage"]["doc"] for p in picked}


def test_piped_bad_label_lists_values_and_goes_on(index: Path, tmp_path: Path) -> None:
    run = subprocess.run([*COMMAND, "shell", "--index", str(index)],
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


def test_terminal_session_shows_filters_in_prompt(index: Path, tmp_path: Path) -> None:
    import pexpect

    child = pexpect.spawn(COMMAND[0], [*COMMAND[1:], "shell", "--index", str(index)],
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


def spawn(index: Path, tmp_path: Path, **env: str):  # type: ignore[no-untyped-def]
    import pexpect

    return pexpect.spawn(COMMAND[0], [*COMMAND[1:], "shell", "--index", str(index)],
                         env=shell_env(tmp_path, **env), timeout=60, dimensions=(40, 160),
                         cwd=str(tmp_path))


def expect(child, text: str) -> None:  # type: ignore[no-untyped-def]
    child.expect_exact(text.encode("utf-8"))


def send(child, line: str | bytes) -> None:  # type: ignore[no-untyped-def]
    child.send((line.encode("utf-8") if isinstance(line, str) else line) + b"\r")


def basket_texts(index: Path) -> list[str]:
    items = json.loads((index / "basket.json").read_text("utf-8"))["items"]
    return [i["passage"]["text"] if "passage" in i else i["note"] for i in items]


def test_basket_survives_quit_ctrl_c_and_a_bad_line_at_a_terminal(index: Path,
                                                                   tmp_path: Path) -> None:
    """Must-show 2, terminal side: a real pty, SIGINT from the terminal's Ctrl-C."""
    import pexpect

    child = spawn(index, tmp_path)
    try:
        expect(child, "]>")
        send(child, "/role 支部书记")
        expect(child, "对照[党支部书记]>")
        send(child, "理论学习不深入")
        expect(child, " 1. [")
        expect(child, "]>")
        send(child, "/pick 1")
        expect(child, "篮子共 1 条")
        expect(child, "]>")
        send(child, "/quit")  # unsaved picks: asks first
        expect(child, "还没有保存成文件")
        expect(child, "仍要退出吗？")
        send(child, "y")
        expect(child, "篮子已保留")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    picked = basket_texts(index)
    assert len(picked) == 1

    # Again, with every query made slow, so Ctrl-C lands while one runs.
    child = spawn(index, tmp_path, DUIZHAO_TEST_PAUSE_AT="shell_query:30")
    try:
        expect(child, "已恢复上次的篮子：1 条")
        expect(child, "]>")
        send(child, "学用脱节")
        time.sleep(1.5)
        child.sendintr()  # Ctrl-C: the query stops, the session goes on
        expect(child, "已取消（Ctrl-C）。篮子未受影响。")
        expect(child, "]>")
        send(child, b"/dim \xc0\xed\xc2\xdb")  # 理论 in GBK: not UTF-8
        expect(child, "不是 UTF-8 文本")
        expect(child, "]>")
        child.sendintr()  # at the prompt: drops the line, nothing else
        expect(child, "]>")
        send(child, "/basket")
        expect(child, "篮子共 1 条")
        expect(child, "]>")
        child.sendeof()  # Ctrl-D asks like /quit; Ctrl-D again leaves
        expect(child, "仍要退出吗？")
        child.sendeof()
        expect(child, "再见")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert basket_texts(index) == picked
    assert "+学用脱节" in (tmp_path / "history").read_text("utf-8")


def test_save_at_a_terminal_asks_before_replacing_a_file(index: Path, tmp_path: Path) -> None:
    """Must-show 2: an existing file stays unchanged unless the user confirms."""
    import pexpect

    existing = tmp_path / "草稿.docx"
    existing.write_bytes(b"the user's own draft")
    child = spawn(index, tmp_path)
    try:
        expect(child, "]>")
        send(child, "理论学习")
        expect(child, " 1. [")
        expect(child, "]>")
        send(child, "/pick 1")
        expect(child, "]>")
        send(child, "/save 草稿.docx")
        expect(child, "覆盖 草稿.docx？")
        send(child, "不")
        expect(child, "已取消保存，草稿.docx 未改动")
        expect(child, "]>")
        assert existing.read_bytes() == b"the user's own draft"
        send(child, "/save 草稿.docx")
        expect(child, "覆盖 草稿.docx？")
        child.sendintr()
        expect(child, "草稿.docx 未改动")
        expect(child, "]>")
        send(child, "/save 草稿.docx")
        expect(child, "覆盖 草稿.docx？")
        child.sendeof()  # Ctrl-D at this question cancels too (it never overwrites)
        expect(child, "草稿.docx 未改动")
        expect(child, "]>")
        assert existing.read_bytes() == b"the user's own draft"
        send(child, "/save 草稿.docx")
        expect(child, "覆盖 草稿.docx？")
        send(child, "y")
        expect(child, "已保存 1 条")
        expect(child, "]>")
        send(child, "/quit")
        expect(child, "再见")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert existing.read_bytes()[:2] == b"PK"  # confirmed: now the draft


def test_piped_session_keeps_the_basket_through_a_bad_line_and_sigint(index: Path,
                                                                      tmp_path: Path) -> None:
    """Must-show 2, pipe side: a GBK line is a message; SIGINT ends the run, basket kept;
    /save over an existing file writes a new name instead."""
    (tmp_path / "稿.md").write_text("旧稿", "utf-8")
    proc = subprocess.Popen([*COMMAND, "shell", "--index", str(index)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                            env=shell_env(tmp_path, DUIZHAO_TEST_PAUSE_AT="shell_query:30"))
    assert proc.stdin is not None
    proc.stdin.write("/pick 1\n/dim 理论学习\n".encode() + b"/role \xd6\xa7\xb2\xbf\n"
                     + "/note 存在问题 理论学习 我的话。\n/save 稿.md\n理论学习\n".encode())
    proc.stdin.flush()
    deadline = time.time() + 60
    while not (index / "basket.json").exists() or "稿（2）.md" not in "".join(
            p.name for p in tmp_path.iterdir()):
        assert time.time() < deadline and proc.poll() is None
        time.sleep(0.2)
    time.sleep(1.0)  # the query "理论学习" is now pausing
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    stdout = out.decode("utf-8")
    assert "不是 UTF-8 文本" in stdout and "没有第 1 条结果" in stdout
    assert "稿.md 已存在，未覆盖；改存为 稿（2）.md" in stdout
    assert (tmp_path / "稿.md").read_text("utf-8") == "旧稿"
    assert "已中断。篮子已保留（1 条）" in err.decode("utf-8")
    assert basket_texts(index) == ["我的话。"]
    assert "Traceback" not in err.decode("utf-8")


def test_transcript_in_docs_is_what_the_shell_prints(index: Path, tmp_path: Path) -> None:
    """docs/shell-transcript.md replayed: same answers, same saved draft (docs can't go stale).

    If search or labelling changed on purpose, re-record the transcript as the doc says.
    """
    doc = TRANSCRIPT.read_text("utf-8")
    console = doc.split("```console\n", 1)[1].split("```", 1)[0].splitlines()
    draft = doc.split("```markdown\n", 1)[1].split("```", 1)[0]
    start = next(i for i, line in enumerate(console) if line.startswith("对照["))
    typed = [line.split("]> ", 1)[1] for line in console[start:]
             if line.startswith("对照[") and "]> " in line]
    run = subprocess.run([*COMMAND, "shell", "--index", str(index)],
                         input="\n".join(typed) + "\n", capture_output=True, text=True,
                         encoding="utf-8", cwd=tmp_path, env=shell_env(tmp_path), timeout=120)
    assert run.returncode == 0, run.stderr
    expected = "\n".join(console[start:]) + "\n"
    # documents are stored under absolute names and shown relative to where the shell runs
    # (the transcript was recorded beside corpus/); this test runs elsewhere
    here = {str(tmp_path): TRANSCRIPT_DIR, str(ROOT) + "/": ""}

    def relocated(text: str) -> str:
        for old, new in here.items():
            text = text.replace(old, new)
        return text

    assert relocated(run.stdout) == expected
    assert relocated((tmp_path / "草稿.md").read_text("utf-8")) == draft
