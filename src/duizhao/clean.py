"""Cleaning between reading and segmenting: the text a user copied, without what is not text.

Real materials arrive wrapped in things that are not part of them, and the segmenter should
never see those things:

- text pasted out of a PDF: lines broken every 30–40 characters even inside a word
  (``对照检\\n查材料``), page numbers (``— 3 —``, ``- 3 -``, ``第 3 页``) and a running header
  repeated on every page;
- stray spaces between Chinese characters (``对 待工作``), from PDFs and careless typing;
- a website's chrome: breadcrumbs (``首页 > 范文大全 > …``), ``网友分享 时间:…`` lines, a site's
  slogan line, ``上一篇/下一篇/相关推荐`` lists at the end, and ``（某某网）`` watermarks inside
  paragraphs.

``clean`` returns a new ``SourceText`` whose text is the cleaned text; the segmenter's offsets
index it, so every passage still maps back to the text it came from (and ``text`` shown to the
user is the cleaned copy: joined lines, no page numbers). Heading hints (Markdown ``#``, Word
heading styles) follow their lines. Cleaning only removes: it never rewrites a character.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from duizhao.models import SourceText

_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\u2018-\u201d\u2014\u2026"
# Spaces with Chinese (or full-width punctuation) on one side and not ASCII on both sides.
_STRAY_SPACE = re.compile(rf"(?<=[{_CJK}])[ \t\u3000\u00a0]+(?=\S)|(?<=\S)[ \t\u3000\u00a0]+"
                          rf"(?=[{_CJK}])")
_PAGE_NUMBER = re.compile(
    r"^[-—–－~·•\s]*(?:第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?|\d{1,3}(?:\s*/\s*\d{1,3})?"
    r"|[Pp]age\s*\d{1,3})[-—–－~·•\s]*$")
_BREADCRUMB = re.compile(r"^(?:当前位置|您现在的位置|您的位置|现在位置|所在位置)\s*[:：]"
                         r"|(?:首页|主页).{0,40}[>＞›»/]")
_META = re.compile(r"(网友分享|网友投稿|发布时间|发布日期|更新时间"
                   r"|(?:来源|时间|作者|编辑|浏览|阅读|字数|点击|日期)\s*[:：]\s*\S)")
_SLOGAN = re.compile(r"^\S{1,10}(?:网|站|文库|平台)\s*(?:——|—|·|｜|\||丨|-)")
_TAIL_START = re.compile(r"^(?:上一篇|下一篇|相关推荐|相关文章|相关阅读|猜你喜欢|热门推荐|推荐阅读|"
                         r"延伸阅读|精彩推荐|热门文章|最新文章|免责声明|版权声明|本文标签|标签\s*[:：]|"
                         r"返回顶部|打印本页|关闭窗口|分享到)")
_WATERMARK = re.compile(
    r"[（(](?:本文)?(?:来源|转自|摘自|由)?[:：]?[^（）()\n。，,:：]{2,12}(?<!互联|物联|局域|因特)网"
    r"(?:原创|整理|分享|网友分享|投稿|首发)*[）)]|[（(]?(?:https?://|www\.)[A-Za-z0-9./_-]+[）)]?")
_TERMINAL = set("。！？；：…”\"）)!?;:」』.")
_BLOCK_MARKER = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[）)]|"
    r"\d{1,2}\s*[.．、](?!\d)|第[一二三四五六七八九十]{1,3}[，,、：:]|"
    r"(?:首先|其次|再次|最后|此外|同时|另外)[，,：:]|[①②③④⑤⑥⑦⑧⑨⑩])")
_TITLE_END = ("材料", "提纲", "发言", "检查", "剖析", "报告", "清单", "讲话", "发言稿")
PDF_MIN_LINES = 4
PDF_UNTERMINATED_SHARE = 0.5  # share of long lines not ending a sentence in a PDF paste
PDF_MAX_WIDTH = 60  # a PDF's lines hold at most this many characters
FULL_LINE = 0.75  # a line ending a sentence this close to the page width may go on
LONG_LINE = 0.6  # a line stopping mid-sentence this long was broken by the page, not the writer
_INLINE_START = re.compile(r"^(?:第?[一二三四五六七八九十]{1,3}是|其[一二三四五六七八九十][，,、])")
_CLOSING = ("以上", "总之", "今后", "我将", "我们将", "班子将")
BROKEN_MIN = 20  # a line stopping mid-sentence at least this long may have been broken
_CJK_CHAR = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def clean(source: SourceText) -> SourceText:
    """``source`` with chrome, page furniture and stray spaces removed, PDF lines re-joined."""
    lines = [_STRAY_SPACE.sub("", line) for line in source.text.split("\n")]
    keep = _chrome_free(lines)
    keep = _without_page_furniture(lines, keep)
    lines = [_WATERMARK.sub("", line) if i in keep else line for i, line in enumerate(lines)]
    order = sorted(keep)
    pdf = _looks_like_pdf(lines, order)
    groups = _pdf_paragraphs(lines, order) if pdf else [[i] for i in order]
    if not pdf and source.format in ("txt", "md"):
        groups = _rejoin_broken(lines, groups, source.heading_levels)
    out: list[str] = []
    hints: dict[int, int] = {}
    for group in groups:
        if group[0] in source.heading_levels:
            hints[len(out)] = source.heading_levels[group[0]]
        out.append("".join(lines[i].strip() if len(group) > 1 else lines[i] for i in group))
    text = "\n".join(out)
    if text == source.text and hints == source.heading_levels:
        return source
    return replace(source, text=text, heading_levels=hints)


def _visible(line: str) -> str:
    return "".join(line.split())


def _chrome_free(lines: list[str]) -> set[int]:
    """Line numbers that are not website chrome (breadcrumbs, meta lines, slogans, tail lists)."""
    keep: set[int] = set()
    in_tail = False
    for i, line in enumerate(lines):
        plain = _visible(line)
        if not plain:
            keep.add(i)
            continue
        short = len(plain) <= 80 and "。" not in plain
        if _TAIL_START.match(plain):
            in_tail = True
            continue
        if in_tail and (short or plain[0] in "·•-*【[" or plain[0].isdigit()):
            continue
        in_tail = False
        if short and (_BREADCRUMB.search(plain) or _META.search(plain) or _SLOGAN.match(plain)):
            continue
        keep.add(i)
    return keep


def _without_page_furniture(lines: list[str], keep: set[int]) -> set[int]:
    """Drop page numbers, and running headers: short lines repeated next to page numbers."""
    pages = {i for i in keep if _visible(lines[i]) and _PAGE_NUMBER.match(lines[i])}
    if not pages and len(keep) < 3:
        return keep
    counts = Counter(_visible(lines[i]) for i in keep if _visible(lines[i]))
    first = next((i for i in sorted(keep) if _visible(lines[i])), -1)
    headers: set[int] = set()
    for i in keep - pages:
        plain = _visible(lines[i])
        if not plain or counts[plain] < 2 or len(plain) > 50 or plain[-1] in _TERMINAL:
            continue
        near_page = any(j in pages for j in _neighbours(lines, i))
        if (near_page or counts[plain] >= 3) and not (i == first and not near_page):
            headers.add(i)
    return keep - pages - headers


def _neighbours(lines: list[str], i: int) -> list[int]:
    """The nearest non-blank line numbers before and after line ``i``."""
    out = []
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(lines) and not lines[j].strip():
            j += step
        if 0 <= j < len(lines):
            out.append(j)
    return out


def _looks_like_pdf(lines: list[str], order: list[int]) -> bool:
    """Most long lines stop mid-sentence and all are about one page width: a PDF paste."""
    long = [_visible(lines[i]) for i in order if len(_visible(lines[i])) >= 15]
    if len(long) < PDF_MIN_LINES:
        return False
    unterminated = sum(1 for line in long if line[-1] not in _TERMINAL)
    widths = sorted(len(line) for line in long)
    return (unterminated >= PDF_UNTERMINATED_SHARE * len(long)
            and widths[int(len(widths) * 0.75)] <= PDF_MAX_WIDTH)


def _pdf_paragraphs(lines: list[str], order: list[int]) -> list[list[int]]:
    """Group a PDF paste's lines into paragraphs: a line the page broke continues on the next.

    A line shorter than the page is the end of its paragraph (or a heading, or the title); a
    full line continues, unless it ends a sentence and the next line opens a numbered block.
    Blank lines in a PDF paste are page debris, not paragraph breaks.
    """
    body = [i for i in order if lines[i].strip()]
    widths = sorted(len(_visible(lines[i])) for i in body if len(_visible(lines[i])) >= 15)
    width = widths[int(len(widths) * 0.75)] if widths else PDF_MAX_WIDTH
    groups: list[list[int]] = []
    for n, i in enumerate(body):
        if groups and _continues(lines[groups[-1][-1]], lines[i], width,
                                 first=len(groups) == 1 and len(groups[0]) == 1 and n == 1):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _rejoin_broken(lines: list[str], groups: list[list[int]],
                   headings: dict[int, int]) -> list[list[int]]:
    """Outside a whole PDF paste, re-join the odd prose line broken mid-sentence.

    A few lines of a document pasted from a PDF or a web page often keep the page's break
    (``…常常以案件多、警情\n多为由把学习往后放…``); each half would become a passage. A line is
    joined to the one before when that one is prose (it holds a sentence end, or commas and no
    opening marker — a heading holds neither), stops mid-sentence on a Chinese character, and
    the line itself opens no new point.
    """
    out: list[list[int]] = []
    for group in groups:
        if out and group[0] not in headings and out[-1][-1] not in headings and _broken(
                _visible(lines[out[-1][-1]]), _visible(lines[group[0]])):
            out[-1].extend(group)
        else:
            out.append(group)
    return out


def _broken(before: str, after: str) -> bool:
    if len(before) < BROKEN_MIN or not after or not _CJK_CHAR.match(before[-1]):
        return False
    if _BLOCK_MARKER.match(after) or _INLINE_START.match(after) or after.startswith(_CLOSING):
        return False
    if not _CJK_CHAR.match(after[0]):
        return False
    tail = re.split(r"[。；;！？]", before)[-1]
    if _BLOCK_MARKER.match(tail) or _INLINE_START.match(tail):
        return False  # the line ends with the next point's title: its body follows
    prose = bool(re.search(r"[。；;！？]", before)) or (
        bool(re.search(r"[，,]", before)) and not _BLOCK_MARKER.match(before))
    return prose


def _continues(previous: str, line: str, width: int, first: bool) -> bool:
    before, after = _visible(previous), _visible(line)
    if first and not re.search(r"[，,。；;]", before) and before.endswith(_TITLE_END):
        return False  # the title line
    opens = bool(_BLOCK_MARKER.match(after) or _INLINE_START.match(after))
    if before[-1] in _TERMINAL:
        return len(before) >= FULL_LINE * width and not opens and not after.startswith(_CLOSING)
    return len(before) >= LONG_LINE * width and not (opens and len(before) < 0.9 * width)
