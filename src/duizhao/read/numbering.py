"""Word automatic numbering (numbering.xml) → the number text a reader sees, e.g. "（一）".

Chinese 对照检查材料 written in Word/WPS often number "一、" and "（一）" automatically, so the
numbers are not in the paragraph text. Without them the .docx reads differently from the same
document saved as .txt and the segmenter loses its headings, so we replay Word's counters:

- counters belong to the abstract definition (``w:abstractNum``): every ``w:num`` that points
  at it continues the same sequence, as Word does;
- a ``w:num`` with ``w:lvlOverride/w:startOverride`` restarts that level the first time the num
  is used at that level (Word's "restart numbering" / "set numbering value");
- using a level restarts the deeper ones (``w:lvlRestart`` can narrow or disable that);
- ``w:numStyleLink`` indirection to a numbering style is followed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_LEVELS = 9
# Word accepts start values up to 32767; a file can say w:start="999999999999", and letter
# formats repeat the letter n/26 times, so larger values are clamped to Word's range.
MAX_START = 32767

_ZH_DIGITS = "零一二三四五六七八九"
_ZH_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_HEAVENLY = "甲乙丙丁戊己庚辛壬癸"
_EARTHLY = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_PAREN = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
_FULLSTOP = "⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛"


def _chinese(n: int, digits: str = _ZH_DIGITS, units: str = "十百千") -> str:
    """Chinese counting: 1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 105 → 一百零五."""
    if n == 0:
        return digits[0]
    if n < 0 or n >= 100_000:
        return str(n)
    if n >= 10_000:
        high, low = divmod(n, 10_000)
        rest = _chinese(low, digits, units) if low else ""
        zero = digits[0] if 0 < low < 1000 else ""
        return _chinese(high, digits, units) + "万" + zero + rest
    parts: list[str] = []
    text = str(n)
    pending_zero = False
    for i, ch in enumerate(text):
        d = int(ch)
        place = len(text) - 1 - i
        if d == 0:
            pending_zero = bool(parts)
            continue
        if pending_zero:
            parts.append(digits[0])
            pending_zero = False
        unit = units[place - 1] if place else ""
        if d == 1 and place == 1 and i == 0:
            parts.append(unit)  # 十一, not 一十一
        else:
            parts.append(digits[d] + unit)
    return "".join(parts)


def _roman(n: int) -> str:
    if n <= 0 or n >= 4000:
        return str(n)
    out = []
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                       (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                       (4, "IV"), (1, "I")):
        count, n = divmod(n, value)
        out.append(sym * count)
    return "".join(out)


def _letter(n: int) -> str:
    # Word repeats the letter: 27 → AA, 28 → BB (up to 780, then it counts on in digits).
    if n <= 0 or n > 780:
        return str(n)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _table(chars: str, n: int) -> str:
    return chars[n - 1] if 1 <= n <= len(chars) else str(n)


_FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "upperRoman": _roman,
    "lowerRoman": lambda n: _roman(n).lower(),
    "upperLetter": _letter,
    "lowerLetter": lambda n: _letter(n).lower(),
    "chineseCounting": _chinese,
    "chineseCountingThousand": _chinese,
    "taiwaneseCounting": _chinese,
    "taiwaneseCountingThousand": _chinese,
    "japaneseCounting": _chinese,
    "chineseLegalSimplified": lambda n: _chinese(n, _ZH_LEGAL, "拾佰仟"),
    "ideographLegalTraditional": lambda n: _chinese(n, _ZH_LEGAL, "拾佰仟"),
    "ideographDigital": lambda n: "".join("〇一二三四五六七八九"[int(c)] for c in str(n)),
    "ideographTraditional": lambda n: _HEAVENLY[(n - 1) % 10] if n > 0 else str(n),
    "ideographZodiac": lambda n: _EARTHLY[(n - 1) % 12] if n > 0 else str(n),
    "decimalEnclosedCircle": lambda n: _table(_CIRCLED, n),
    "decimalEnclosedCircleChinese": lambda n: _table(_CIRCLED, n),
    "decimalEnclosedParen": lambda n: _table(_PAREN, n),
    "decimalEnclosedFullstop": lambda n: _table(_FULLSTOP, n),
    "decimalFullWidth": lambda n: "".join(chr(0xFF10 + int(c)) for c in str(n)),
    "decimalFullWidth2": lambda n: "".join(chr(0xFF10 + int(c)) for c in str(n)),
    "decimalHalfWidth": str,
}


def format_number(value: int, fmt: str) -> str:
    """One counter value in a Word numFmt; unknown formats fall back to decimal."""
    if fmt in ("none", "bullet"):
        return ""
    return _FORMATS.get(fmt, str)(value)


@dataclass(frozen=True)
class Level:
    """One level of a list definition (``w:lvl``)."""

    start: int = 0  # ECMA-376: an omitted w:start means zero
    fmt: str = "decimal"
    text: str = ""
    restart: int | None = None  # w:lvlRestart; None = restart after any shallower level
    legal: bool = False  # w:isLgl: show every level's number as decimal
    suffix: str = "tab"  # tab | space | nothing
    style: str | None = None  # w:pStyle: the paragraph style linked to this level


def _val(el: Any, name: str) -> str | None:
    child = el.find(W + name) if el is not None else None
    return None if child is None else child.get(W + "val")


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _start(value: str | None, default: int) -> int:
    return min(max(_int(value, default), 0), MAX_START)


def _parse_level(lvl: Any, base: Level | None = None) -> Level:
    base = base or Level()
    restart = _val(lvl, "lvlRestart")
    text = _val(lvl, "lvlText")
    legal = lvl.find(W + "isLgl")
    return Level(
        start=_start(_val(lvl, "start"), base.start),
        fmt=_val(lvl, "numFmt") or base.fmt,
        text=base.text if text is None else text,
        restart=_int(restart, 0) if restart is not None else base.restart,
        legal=(legal is not None and legal.get(W + "val") not in ("0", "false", "off"))
        or base.legal,
        suffix=_val(lvl, "suff") or base.suffix,
        style=_val(lvl, "pStyle") or base.style,
    )


@dataclass
class _Num:
    abstract: str
    levels: list[Level]
    start_overrides: dict[int, int]


class Numbering:
    """Counters for one document, advanced paragraph by paragraph in body order."""

    def __init__(self, root: Any | None, style_num: Callable[[str], str | None]) -> None:
        """``root`` is the numbering.xml element (or None); ``style_num`` maps a numbering
        style id to the numId in its paragraph properties (for ``w:numStyleLink``)."""
        abstracts: dict[str, Any] = {}
        nums: dict[str, Any] = {}
        if root is not None:
            for el in root.findall(W + "abstractNum"):
                abstracts[el.get(W + "abstractNumId")] = el
            for el in root.findall(W + "num"):
                nums[el.get(W + "numId")] = el
        self._nums: dict[str, _Num] = {}
        for num_id, el in nums.items():
            abstract_id = _val(el, "abstractNumId")
            abstract = abstracts.get(abstract_id or "")
            link = _val(abstract, "numStyleLink") if abstract is not None else None
            if link:  # the list's real definition is behind a numbering style
                target = nums.get(style_num(link) or "")
                if target is not None and _val(target, "abstractNumId") in abstracts:
                    abstract_id = _val(target, "abstractNumId")
                    abstract = abstracts[abstract_id or ""]
            if abstract is None or abstract_id is None:
                continue
            levels = [Level() for _ in range(_LEVELS)]
            for lvl in abstract.findall(W + "lvl"):
                i = _int(lvl.get(W + "ilvl"), 0)
                if 0 <= i < _LEVELS:
                    levels[i] = _parse_level(lvl)
            overrides: dict[int, int] = {}
            for ov in el.findall(W + "lvlOverride"):
                i = _int(ov.get(W + "ilvl"), 0)
                if not 0 <= i < _LEVELS:
                    continue
                lvl = ov.find(W + "lvl")
                if lvl is not None:
                    levels[i] = _parse_level(lvl, levels[i])
                start = _val(ov, "startOverride")
                if start is not None:
                    overrides[i] = _start(start, 1)
                    levels[i] = replace(levels[i], start=overrides[i])
            self._nums[num_id] = _Num(abstract_id, levels, overrides)
        self._counters: dict[str, list[int | None]] = {}
        self._seen: set[tuple[str, int]] = set()

    def __bool__(self) -> bool:
        return bool(self._nums)

    def level_for_style(self, num_id: str, style_id: str) -> int | None:
        """The level linked to a paragraph style (``w:lvl/w:pStyle``), for style numbering."""
        num = self._nums.get(num_id)
        if num is None:
            return None
        for i, level in enumerate(num.levels):
            if level.style == style_id:
                return i
        return None

    def next_label(self, num_id: str, ilvl: int) -> tuple[str, str] | None:
        """Advance the counters for one numbered paragraph; returns (number text, suffix kind),
        or None when the paragraph shows no number (unknown list, bullet)."""
        num = self._nums.get(num_id)
        if num is None or not 0 <= ilvl < _LEVELS:
            return None
        counters = self._counters.setdefault(num.abstract, [None] * _LEVELS)
        level = num.levels[ilvl]
        if (num_id, ilvl) not in self._seen:
            self._seen.add((num_id, ilvl))
            if ilvl in num.start_overrides:
                counters[ilvl] = None
        current = counters[ilvl]
        counters[ilvl] = level.start if current is None else current + 1
        for deeper in range(ilvl + 1, _LEVELS):
            restart = num.levels[deeper].restart
            threshold = deeper if restart is None else restart
            if ilvl < threshold:
                counters[deeper] = None
        if level.fmt == "bullet":
            return None
        text = level.text
        for ref in range(_LEVELS):
            mark = f"%{ref + 1}"
            if mark not in text:
                continue
            ref_level = num.levels[ref]
            value = counters[ref]
            value = ref_level.start if value is None else value
            fmt = "decimal" if level.legal and ref_level.fmt != "none" else ref_level.fmt
            text = text.replace(mark, format_number(value, fmt))
        return text, level.suffix
