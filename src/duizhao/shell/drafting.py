"""The shell's basket and draft commands: pick, drop, move, note, outline, title, save, check.

Mixed into ``ShellSession`` (``session.py`` keeps the search side). Placing is by slot: a
section (存在问题 …) and a dimension (理论学习 …), given by their names, keys or aliases.
``/save`` never replaces a file silently: at a terminal it asks, on a pipe it writes the next
free name (``草稿（2）.docx``) and says so; ``覆盖`` on the line overwrites on purpose.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from duizhao.basket import Basket
from duizhao.draft import check_target, free_name, write_draft
from duizhao.errors import UsageError
from duizhao.search import Filters
from duizhao.shell import render

if TYPE_CHECKING:
    from duizhao.search import SearchHit
    from duizhao.taxonomy import Taxonomy

CLEAN_FLAGS = ("无来源", "净稿", "clean", "--clean")
FORCE_FLAGS = ("覆盖", "force", "--force")
CLEAR_WORDS = ("无", "-", "清除")
YES = ("y", "yes", "是", "好", "确定", "覆盖")
NO = ("n", "no", "否", "另存")


@dataclass
class Question:
    """A question awaiting the next line; ``cancelled`` is what Ctrl-C at it says;
    ``on_eof`` the answer Ctrl-D gives (``None``: Ctrl-D cancels, like Ctrl-C)."""

    prompt: str
    answer: Callable[[str], str]
    cancelled: str = "已取消。"
    on_eof: str | None = None


class DraftingCommands:
    """Commands over ``self.basket``; the attributes below are ``ShellSession``'s."""

    basket: Basket
    taxonomy: Taxonomy
    searcher: Any
    filters: Filters
    mode: str
    cwd: Path | None
    interactive: bool
    pending: Question | None
    basket_file: Path | None
    done: bool

    def _hit(self, number: int) -> SearchHit:
        raise NotImplementedError

    def handle(self, line: str) -> str:
        raise NotImplementedError

    # -- picking and placing -------------------------------------------------------------
    def _pick(self, args: str) -> str:
        from duizhao.shell.session import parse_numbers

        hits = [(n, self._hit(n)) for n in parse_numbers(args, "结果")]
        added = [str(n) for n, hit in hits if self.basket.add(hit.passage)]
        kept = [str(n) for n, _ in hits if str(n) not in added]
        lines = []
        if added:
            lines.append(f"已放入篮子：第 {'、'.join(added)} 条。")
        if kept:
            lines.append(f"第 {'、'.join(kept)} 条已在篮子中。")
        lines.append(f"篮子共 {len(self.basket)} 条。/basket 查看，/save 文件.docx 保存。")
        return "\n".join(lines)

    def _basket(self, args: str) -> str:
        return render.basket_list(self.basket, self.taxonomy)

    def _drop(self, args: str) -> str:
        from duizhao.shell.session import parse_numbers

        numbers = parse_numbers(args, "篮子")
        self.basket.drop(numbers)
        return f"已移除第 {'、'.join(map(str, numbers))} 条，篮子剩 {len(self.basket)} 条。"

    def _slot(self, words: list[str]) -> tuple[str | None, str | None, int]:
        """Section and dimension named by the leading words; how many words that took."""
        section = dimension = None
        used = 0
        for word in words[:2]:
            try:
                key = self.taxonomy.resolve("section", word)
                if key is None or section is not None:
                    break
                section = key
            except UsageError:
                try:
                    key = self.taxonomy.resolve("dimension", word)
                except UsageError:
                    break
                if key is None or dimension is not None:
                    break
                dimension = key
            used += 1
        return section, dimension, used

    def _slot_name(self, section: str, dimension: str) -> str:
        return (f"{self.taxonomy.name('section', section)} › "
                f"{self.taxonomy.name('dimension', dimension)}")

    def _move(self, args: str) -> str:
        words = args.split()
        if len(words) < 2:
            raise UsageError("用法：/move N 维度|部分，例如 /move 3 工作作风 或 /move 3 整改措施。",
                             "Usage: /move N DIMENSION|SECTION")
        from duizhao.shell.session import parse_numbers

        number = parse_numbers(words[0], "篮子")[0]
        section, dimension, used = self._slot(words[1:])
        if used != len(words) - 1 or (section is None and dimension is None):
            raise self._bad_slot(words[1 + used] if used < len(words) - 1 else words[1])
        item = self.basket.move(number, section, dimension)
        return (f"第 {number} 条已放到 {self._slot_name(item.section, item.dimension)}。\n"
                + render.basket_list(self.basket, self.taxonomy))

    def _note(self, args: str) -> str:
        words = args.split()
        section, dimension, used = self._slot(words)
        text = " ".join(words[used:]).strip()
        if not text:
            raise UsageError("用法：/note [部分] [维度] 文字，例如 /note 存在问题 工作作风 本人……",
                             "Usage: /note [SECTION] [DIMENSION] TEXT")
        section = section or self.filters.section
        if section is None:
            raise UsageError("请指明放在哪个部分，例如 /note 整改措施 理论学习 文字，"
                             "或先用 /section 设定部分。", "Name a section for the note.")
        dimension = dimension or self.filters.dimension or "other"
        self.basket.add_note(text, section, dimension)
        return (f"已加入自写段落：{self._slot_name(section, dimension)}。"
                f"篮子共 {len(self.basket)} 条。")

    def _bad_slot(self, word: str) -> UsageError:
        names = [self.taxonomy.name("section", k) for k in self.taxonomy.keys("section")]
        names += [self.taxonomy.name("dimension", k) for k in self.taxonomy.keys("dimension")]
        return UsageError(f"“{word}” 不是部分或维度。可用：{'、'.join(names)}",
                          f"'{word}' is not a section or dimension.")

    def _outline(self, args: str) -> str:
        offers: dict[tuple[str, str], tuple[int, str]] = {}
        for section, dimension in self.basket.empty_slots():
            filters = Filters(role=self.filters.role, section=section, dimension=dimension)
            result = self.searcher.search(self.taxonomy.name("dimension", dimension),
                                          filters=filters, k=1, mode=self.mode)
            inside = [h for h in result.hits if not h.outside_filters]
            offers[(section, dimension)] = (result.matching,
                                            inside[0].passage.text if inside else "")
        return render.outline(self.basket, self.taxonomy, offers, self.filters.role)

    # -- the draft's title, byline and date --------------------------------------------------
    def _title(self, args: str) -> str:
        if args:
            self.basket.info = replace(self.basket.info, title=args)
        return render.draft_info(self.basket.info)

    def _author(self, args: str) -> str:
        words = args.split()
        if not words:
            return render.draft_info(self.basket.info)
        if words[0] in CLEAR_WORDS:
            unit, name = "", ""
        else:
            unit, name = " ".join(words[:-1]), words[-1]
        self.basket.info = replace(self.basket.info, unit=unit, name=name)
        return render.draft_info(self.basket.info)

    def _date(self, args: str) -> str:
        if args in ("今天", "today"):
            today = datetime.date.today()
            args = f"{today.year}年{today.month}月{today.day}日"
        if args:
            self.basket.info = replace(self.basket.info,
                                       date="" if args in CLEAR_WORDS else args)
        return render.draft_info(self.basket.info)

    # -- saving and checking -----------------------------------------------------------------
    def _path(self, name: str) -> Path:
        path = Path(name.strip("\"'“”")).expanduser()
        if self.cwd is not None and not path.is_absolute():
            path = self.cwd / path
        return path

    def _save(self, args: str) -> str:
        words = args.split()
        clean = any(w in CLEAN_FLAGS for w in words)
        force = any(w in FORCE_FLAGS for w in words)
        name = " ".join(w for w in words if w not in CLEAN_FLAGS + FORCE_FLAGS)
        if not name:
            raise UsageError("请给出文件名，例如 /save 草稿.docx 或 /save 草稿.md。",
                             "Give a file name, e.g. /save draft.docx.")
        if not self.basket:
            raise UsageError("篮子为空，没有可保存的内容。先用 /pick N 挑选结果。",
                             "The basket is empty; pick results with /pick N first.")
        path = self._path(name)
        check_target(path)
        if not path.exists() or force:
            return self._write(path, clean, overwrite=force)
        other = free_name(path)
        if not self.interactive:
            return (f"{path.name} 已存在，未覆盖；改存为 {other.name}。"
                    f"要覆盖请用 /save {path.name} 覆盖。\n" + self._write(other, clean))

        def answer(reply: str) -> str:
            if reply.lower() in YES:
                return self._write(path, clean, overwrite=True)
            if reply.lower() in NO:
                return self._write(other, clean)
            said = f"已取消保存，{path.name} 未改动。"
            return said + (f"\n{self.handle(reply)}" if reply.startswith(("/", "／")) else "")

        self.pending = Question(f"覆盖 {path.name}？y 覆盖 / n 另存为 {other.name} / 其他取消：",
                                answer, f"已取消保存，{path.name} 未改动。")
        return f"{path} 已存在。"

    def _write(self, path: Path, clean: bool, overwrite: bool = False) -> str:
        write_draft(self.basket.draft(), path, sources=not clean, overwrite=overwrite)
        self.basket.mark_saved()
        where = ("净稿，不含来源" if clean else
                 "来源在每段的批注中" if path.suffix.lower() == ".docx" else "来源在脚注中")
        said = f"已保存 {len(self.basket)} 条到 {path}（{where}）。"
        empty = render.empty_slots(self.basket, self.taxonomy)
        return said + (f"\n{empty}" if empty else "")

    def _check(self, args: str) -> str:
        from duizhao.check import check_draft
        from duizhao.check.report import report_text

        words = args.split()
        year = datetime.date.today().year
        if words and words[-1].isdigit() and len(words[-1]) == 4:
            year = int(words.pop())
        if not words:
            raise UsageError("用法：/check 草稿.docx [会议年份]", "Usage: /check DRAFT [YEAR]")
        path = self._path(" ".join(words))
        return report_text(check_draft(path, self.searcher, year))

    # -- leaving -----------------------------------------------------------------------------
    def _quit(self, args: str) -> str:
        kept = ("下次启动 duizhao shell 自动恢复，也可用 duizhao draft 文件.docx 直接生成草稿"
                if self.basket_file is not None else "本次篮子未能存盘")
        if not self.basket.unsaved:
            self.done = True
            return "再见。"
        count = len(self.basket)
        if not self.interactive:
            self.done = True
            return f"再见。篮子里的 {count} 条还没有保存成文件；篮子已保留（{kept}）。"

        def answer(reply: str) -> str:
            if reply.lower() in YES:
                self.done = True
                return f"再见。篮子已保留（{kept}）。"
            said = "好的，继续。/save 文件.docx 保存草稿。"
            return said + (f"\n{self.handle(reply)}" if reply.startswith(("/", "／")) else "")

        self.pending = Question("仍要退出吗？y 退出 / 其他留下：", answer, "好的，继续。",
                                on_eof="y")  # Ctrl-D twice leaves
        return f"篮子里的 {count} 条还没有保存成文件（/save 文件.docx）。"
