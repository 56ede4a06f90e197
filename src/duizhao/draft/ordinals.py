"""The sources' own numbering, taken off a passage so the draft can number its points afresh.

A picked passage starts the way it stood in its document: "（一）理论学习不深入…", "二是…",
"3. …", "第一，…", "首先，…". Left in, those ordinals clash with the draft's own headings
("（一）理论学习方面" followed by "（一）理论学习不深入"), so every leading ordinal is removed and
the point is numbered by its place in the draft. Ordinals inside the text (a point's own
"一是…二是…") are the author's wording and stay.
"""

from __future__ import annotations

import re

_CN = "一二三四五六七八九十"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑"
# One leading ordinal with the punctuation and spaces after it. Digits must not run on into a
# number ("1.5万元"); "第一" must be followed by a pause ("第一书记" is a title, not an ordinal).
_LEADING = re.compile(
    rf"""^\s*(?:
        [（(]\s*(?:[{_CN}]{{1,3}}|\d{{1,2}})\s*[）)]\s*[、.．，,]?     # （一） (1)
      | [{_CN}]{{1,3}}\s*[、.．](?!\d)                                # 一、
      | \d{{1,2}}\s*(?:[、．]|\.(?!\d))                              # 1、 1. 1．
      | [{_CIRCLED}]                                                  # ① ⑴ ⒈
      | 第[{_CN}]{{1,3}}\s*[，,、：:]                                  # 第一，
      | 其[{_CN}]\s*[，,、：:]                                         # 其一，
      | [{_CN}]{{1,3}}是(?=[^是])\s*[，,：:]?                          # 一是 / 二是，
      | (?:首先|其次|再次|最后)\s*[，,、：:]                            # 首先，
    )\s*""",
    re.X,
)
# A point's title: its first sentence, when more text follows it.
_SENTENCE_END = re.compile(r"[。！？!?](?:[”’」』）)]*)")


def strip_ordinals(text: str) -> str:
    """The passage without the ordinals it started with ("（一）一是…" loses both)."""
    out = text.strip()
    for _ in range(3):  # "（二）1. 首先，…" at most; never loops on its own output
        stripped = _LEADING.sub("", out, count=1)
        if stripped == out or not stripped:
            break
        out = stripped
    return out


def split_title(paragraph: str) -> tuple[str, str]:
    """(title, rest): the first sentence and what follows; ("", paragraph) for one sentence."""
    match = _SENTENCE_END.search(paragraph)
    if match is None or not paragraph[match.end():].strip():
        return "", paragraph
    return paragraph[: match.end()], paragraph[match.end():]
