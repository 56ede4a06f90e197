"""Plumbing tests of the shell's state machine, completion and plain front end.

A small in-memory searcher stands in for the index (these tests are about command parsing,
paging, numbering and the basket, not about search quality); tests/test_shell.py drives the
real ``duizhao shell`` over a real index.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from duizhao.models import Label, Passage, passage_id
from duizhao.search import Filters, SearchHit, SearchResult
from duizhao.shell.complete import ShellCompleter
from duizhao.shell.frontend import history_path, run_plain
from duizhao.shell.session import ShellSession, parse_numbers
from duizhao.taxonomy import load_taxonomy

TAX = load_taxonomy()
CHAIN = ("一、存在的主要问题", "（一）理论学习方面")


def passage(n: int, role: str, section: str, dimension: str, doc: str = "corpus/a.txt") -> Passage:
    text = f"第{n}条：{dimension} {section} 学习 材料。"
    return Passage(id=passage_id(text), doc=doc, title="对照检查材料", role=Label(role),
                   section=Label(section), dimension=Label(dimension), heading=CHAIN[-1],
                   text=text, headings=CHAIN, ordinal=n)


PASSAGES = [passage(i, "branch_secretary", "problem", "theory") for i in range(6)] + [
    passage(6, "branch_secretary", "measure", "theory"),
    passage(7, "community_member", "problem", "style", doc="corpus/b.txt"),
]


@dataclass
class ListSearcher:
    """Filters exactly, ranks in list order, pages by offset: enough to test the session."""

    passages: list[Passage]
    calls: list[tuple[str, Filters, int, str, int]] = field(default_factory=list)

    def search(self, query: str, filters: Filters | None = None, k: int = 5,
               mode: str = "hybrid", offset: int = 0) -> SearchResult:
        filters = filters or Filters()
        self.calls.append((query, filters, k, mode, offset))
        ok = [p for p in self.passages
              if all(getattr(filters, kind) in (None, getattr(p, kind).value)
                     for kind in ("role", "section", "dimension"))]
        hits = [SearchHit(p, offset + i + 1, 1.0 / (offset + i + 1))
                for i, p in enumerate(ok[offset:offset + k])]
        return SearchResult(query=query, hits=hits, filters=filters, mode=mode,
                            matching=len(ok), note=None)

    def keyword_passages(self, text: str, k: int) -> list[Passage]:
        """The copy check's candidates: here every passage, in list order."""
        return self.passages[:k]

    def context(self, passage_id: str, radius: int = 2) -> list[Passage]:
        i = next(i for i, p in enumerate(self.passages) if p.id == passage_id)
        doc = self.passages[i].doc
        return [p for p in self.passages[max(0, i - radius): i + radius + 1] if p.doc == doc]


@pytest.fixture
def shell(tmp_path: Path) -> ShellSession:
    return ShellSession(ListSearcher(list(PASSAGES)), TAX, cwd=tmp_path)


def test_filters_by_chinese_name_key_and_alias_and_clearing(shell: ShellSession) -> None:
    out = shell.handle("/role 支部书记")
    assert shell.filters.role == "branch_secretary" and "党支部书记" in out
    shell.handle("/dimension theory")
    shell.handle("/section 问题")
    assert shell.filters == Filters("branch_secretary", "theory", "problem")
    assert shell.prompt() == "对照[党支部书记·理论学习·存在问题]> "
    shell.handle("/role 全部")
    assert shell.filters.role is None
    shell.handle("/dim")
    assert shell.filters.dimension is None
    shell.handle("/clear")
    assert shell.filters == Filters() and shell.prompt() == "对照[全部]> "


def test_bad_label_lists_valid_values_and_session_goes_on(shell: ShellSession) -> None:
    shell.handle("/dim 理论学习")
    out = shell.handle("/dim 思想建设")
    assert out.startswith("错误：")
    assert "theory（理论学习）" in out and "integrity（廉洁自律）" in out
    assert shell.filters.dimension == "theory" and not shell.done


def test_query_uses_filters_k_mode_and_more_continues_numbering(shell: ShellSession) -> None:
    searcher = shell.searcher
    assert isinstance(searcher, ListSearcher)
    shell.handle("/role 书记")
    shell.handle("/k 2")
    shell.handle("/mode 关键词")
    out = shell.handle("学习不深入")
    assert searcher.calls[-1] == ("学习不深入", Filters(role="branch_secretary"), 2, "keyword", 0)
    assert " 1. [" in out and " 2. [" in out and " 3. [" not in out
    shell.handle("/role 社区党员")  # a later filter change does not disturb /more
    out = shell.handle("/more")
    assert searcher.calls[-1][1:] == (Filters(role="branch_secretary"), 2, "keyword", 2)
    assert " 3. [" in out and " 4. [" in out and "第 3–4 条" in out
    assert [h.passage.ordinal for h in shell.shown] == [0, 1, 2, 3]


def test_more_without_query_and_at_the_end(shell: ShellSession) -> None:
    assert "还没有查询" in shell.handle("/more")
    shell.handle("/k 10")
    shell.handle("学习")
    assert "没有更多结果了" in shell.handle("/more")


def test_open_marks_the_result_among_its_neighbours(shell: ShellSession) -> None:
    shell.handle("学习")
    out = shell.handle("/open 3")
    lines = out.splitlines()
    assert "（一）理论学习方面" in lines[1]
    marked = [line for line in lines if line.lstrip().startswith("▶")]
    assert len(marked) == 1 and "第2条" in marked[0]
    assert sum("第" in line and "条：" in line for line in lines) == 5  # radius 2 each side
    assert "可用编号：1–5" in shell.handle("/open 9")


def test_pick_basket_drop_save(shell: ShellSession, tmp_path: Path) -> None:
    shell.handle("学习")
    assert "已放入篮子：第 1、3 条" in shell.handle("/pick 1 3")
    assert "第 1 条已在篮子中" in shell.handle("/pick 1-2")
    assert len(shell.basket) == 3
    assert "篮子共 3 条" in shell.handle("/basket")
    assert "可用编号" in shell.handle("/drop 1 7") and len(shell.basket) == 3
    shell.handle("/drop 1")
    assert [p.ordinal for p in shell.basket.picks] == [2, 1]
    out = shell.handle("/save 草稿.md")
    assert "已保存 2 条" in out and "来源在脚注中" in out
    assert "处空缺——存在问题缺政治素质" in out  # empty slots are named
    assert not shell.basket.unsaved
    text = (tmp_path / "草稿.md").read_text("utf-8")
    assert text.index("第2条") < text.index("第1条")  # same slot: pick order
    assert ".docx 或 .md" in shell.handle("/save 草稿.txt")
    shell.handle("/drop 2")
    assert shell.basket.unsaved


def test_save_over_an_existing_file_on_a_pipe_writes_a_new_name(shell: ShellSession,
                                                                tmp_path: Path) -> None:
    (tmp_path / "稿.md").write_text("我的旧稿", "utf-8")
    shell.handle("学习")
    shell.handle("/pick 1")
    out = shell.handle("/save 稿.md")
    assert "稿.md 已存在，未覆盖；改存为 稿（2）.md" in out
    assert (tmp_path / "稿.md").read_text("utf-8") == "我的旧稿"
    assert "第0条" in (tmp_path / "稿（2）.md").read_text("utf-8")
    assert "已保存" in shell.handle("/save 稿.md 覆盖")  # on purpose
    assert "第0条" in (tmp_path / "稿.md").read_text("utf-8")
    clean = shell.handle("/save 净稿.md 无来源")
    assert "净稿，不含来源" in clean and "来源" not in (tmp_path / "净稿.md").read_text("utf-8")


def test_save_over_an_existing_file_at_a_terminal_asks(tmp_path: Path) -> None:
    shell = ShellSession(ListSearcher(list(PASSAGES)), TAX, cwd=tmp_path, interactive=True)
    (tmp_path / "稿.md").write_text("我的旧稿", "utf-8")
    shell.handle("学习")
    shell.handle("/pick 1")
    assert "稿.md 已存在" in shell.handle("/save 稿.md")
    assert shell.prompt().startswith("覆盖 稿.md？")
    assert "已取消保存，稿.md 未改动" in shell.handle("算了")
    assert (tmp_path / "稿.md").read_text("utf-8") == "我的旧稿"
    shell.handle("/save 稿.md")
    assert "稿（2）.md" in shell.handle("n")
    assert (tmp_path / "稿.md").read_text("utf-8") == "我的旧稿"
    shell.handle("/save 稿.md")
    assert "稿.md 未改动" in shell.cancel_question()  # Ctrl-C at the question
    shell.handle("/save 稿.md")
    out = shell.handle("/basket")  # a command instead of an answer: cancel, then run it
    assert "已取消保存" in out and "篮子共 1 条" in out
    shell.handle("/save 稿.md")
    assert "已保存 1 条" in shell.handle("y")
    assert "第0条" in (tmp_path / "稿.md").read_text("utf-8")


def test_quit_with_unsaved_picks(tmp_path: Path) -> None:
    piped = ShellSession(ListSearcher(list(PASSAGES)), TAX, cwd=tmp_path,
                         basket_file=tmp_path / "basket.json")
    piped.handle("学习")
    piped.handle("/pick 1")
    out = piped.handle("/quit")
    assert piped.done and "还没有保存成文件" in out and "下次启动" in out
    at_terminal = ShellSession(ListSearcher(list(PASSAGES)), TAX, cwd=tmp_path,
                               basket_file=tmp_path / "basket.json", interactive=True)
    assert "已恢复上次的篮子：1 条" in at_terminal.notes[0]
    assert "还没有保存成文件" in at_terminal.handle("/quit") and not at_terminal.done
    assert "继续" in at_terminal.handle("n") and not at_terminal.done
    at_terminal.handle("/quit")
    assert "再见" in at_terminal.handle("y") and at_terminal.done


def test_basket_is_stored_after_every_change_and_restored(tmp_path: Path) -> None:
    store = tmp_path / "basket.json"
    first = ShellSession(ListSearcher(list(PASSAGES)), TAX, cwd=tmp_path, basket_file=store)
    first.handle("学习")
    first.handle("/pick 2")
    assert store.exists() and len(json.loads(store.read_text("utf-8"))["items"]) == 1
    first.handle("/note 整改措施 理论学习 我的整改打算。")
    first.handle("/title 我的对照检查材料")
    again = ShellSession(ListSearcher([]), TAX, cwd=tmp_path, basket_file=store)
    assert [i.text for i in again.basket.ordered()] == [PASSAGES[1].text, "我的整改打算。"]
    assert again.basket.info.title == "我的对照检查材料"  # the index need not hold them


def test_move_note_outline_and_titles(shell: ShellSession) -> None:
    shell.handle("学习")
    shell.handle("/pick 1")
    out = shell.handle("/move 1 整改措施 工作作风")
    assert "已放到 整改措施 › 工作作风" in out
    assert "不是部分或维度" in shell.handle("/move 1 天气")
    assert "用法：/move" in shell.handle("/move 1")
    assert "请指明放在哪个部分" in shell.handle("/note 只有文字")
    shell.handle("/section 原因")
    assert "原因剖析 › 其他" in shell.handle("/note 我自己写的一段。")
    assert "存在问题 › 理论学习" in shell.handle("/note 问题 理论 学习不够。")
    assert [(i.section, i.dimension) for i in shell.basket.ordered()] == [
        ("problem", "theory"), ("cause", "other"), ("measure", "style")]
    grid = shell.handle("/outline").splitlines()
    assert grid[1].split() == ["理论学习", "政治素质", "能力本领", "担当作为", "工作作风", "廉洁自律"]
    assert grid[2].startswith("存在问题") and "✓1" in grid[2]
    assert "空 · 库0" in grid[2]  # the library has nothing for 存在问题·政治素质
    assert grid[4].startswith("整改措施") and "✓1" in grid[4]
    assert any(line.startswith("另有：原因剖析 › 其他 1 段") for line in grid)
    shell.handle("/title 2024年度个人对照检查材料")
    shell.handle("/author 某某社区党支部 张三")
    info = shell.handle("/date 2025年1月20日")
    assert "署名：某某社区党支部\u3000张三" in info and "日期：2025年1月20日" in info
    shell.handle("/date 无")
    assert shell.basket.info.date == "" and shell.basket.info.title.startswith("2024")


def test_check_in_the_shell(shell: ShellSession, tmp_path: Path) -> None:
    (tmp_path / "稿.txt").write_text(PASSAGES[0].text + "我们认真开展了党史学习教育。\n", "utf-8")
    out = shell.handle("/check 稿.txt 2025")
    assert "共 2 句，1 句主要取自资料库" in out and "来源：《对照检查材料》" in out
    assert "党史学习教育" in out.split("过时的提法（按 2025 年召开的会议）", 1)[1]
    assert "没有发现过时的提法" in shell.handle("/check 稿.txt 2022")
    assert "用法：/check" in shell.handle("/check")


def test_a_line_that_was_not_utf8_is_a_message(shell: ShellSession) -> None:
    out = io.StringIO()
    run_plain(shell, [b"/role \xd6\xa7\xb2\xbf\n", "学习\n".encode(), b"/quit\n"], out)
    text = out.getvalue()
    assert "不是 UTF-8" in text and shell.filters.role is None
    assert " 1. [" in text and shell.done  # the session went on
    assert "不是 UTF-8" in shell.handle("学\udcff习")  # a terminal hands on surrogates


def test_commands_errors_and_quit(shell: ShellSession) -> None:
    out = shell.handle("/frobnicate")
    assert "未知命令" in out and "/pick" in out and "/save" in out
    assert "k 须为 1–100" in shell.handle("/k 0")
    assert "未知的检索方式" in shell.handle("/mode fuzzy")
    shell.handle("、mode dense")  # a Chinese IME types 、 for /
    assert shell.mode == "dense"
    assert "/open N" in shell.handle("/help")
    assert shell.handle("   ") == ""
    assert not shell.done
    shell.handle("/quit")
    assert shell.done


@pytest.mark.parametrize("line", ["退出", " exit ", "QUIT"])
def test_a_bare_leave_word_quits_instead_of_searching(tmp_path: Path, line: str) -> None:
    searcher = ListSearcher(list(PASSAGES))
    session = ShellSession(searcher, TAX, cwd=tmp_path)
    assert "再见" in session.handle(line) and session.done
    kept = ShellSession(searcher, TAX, cwd=tmp_path, interactive=True)
    kept.handle("学习")
    kept.handle("/pick 1")
    assert "还没有保存成文件" in kept.handle(line) and not kept.done  # asks, as /quit does
    assert "继续" in kept.handle("n") and not kept.done
    searched = kept.handle("退出了")  # a longer line is still a search
    assert "“退出了” · 混合检" in searched and kept.pending is None and not kept.done


def test_parse_numbers() -> None:
    assert parse_numbers("1 3", "结果") == [1, 3]
    assert parse_numbers("2-4，1、3", "结果") == [2, 3, 4, 1]
    with pytest.raises(Exception, match="而不是 “x”"):
        parse_numbers("x", "结果")


def test_plain_front_end_echoes_and_stops_at_quit(shell: ShellSession) -> None:
    out = io.StringIO()
    run_plain(shell, io.StringIO("/role 书记\n\n学习\n/quit\n/role 社区\n"), out)
    text = out.getvalue()
    assert "对照[全部]> /role 书记\n" in text
    assert "对照[党支部书记]> 学习\n" in text
    assert shell.filters.role == "branch_secretary"  # nothing after /quit was read


def completions(text: str) -> list[str]:
    completer = ShellCompleter(TAX)
    return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]


def test_completion_of_commands_and_labels() -> None:
    assert completions("/ro") == ["/role"]
    assert "/dimension" in completions("/di")
    assert "支部书记" in completions("/role 支")
    assert completions("/dim the") == ["theory", "other"]  # prefix matches first
    assert "理论学习" in completions("/dim 理论")
    assert "整改措施" in completions("/section 整改")
    assert completions("/mode k") == ["keyword"]
    assert completions("学习") == []


def test_history_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DUIZHAO_HISTORY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert history_path() == tmp_path / "xdg" / "duizhao" / "history"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert history_path() == tmp_path / ".local" / "share" / "duizhao" / "history"
    monkeypatch.setenv("DUIZHAO_HISTORY", str(tmp_path / "h"))
    assert history_path() == tmp_path / "h"
