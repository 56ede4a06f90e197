"""The copy check as text for a person: the copied sentences first, each with its source."""

from __future__ import annotations

from duizhao.check import COPIED, CheckReport, SentenceCheck
from duizhao.filenames import shown

SNIPPET = 70


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET else flat[: SNIPPET - 1] + "…"


def _source(check: SentenceCheck) -> str:
    passage = check.source
    if passage is None:
        return ""
    chain = " › ".join(h for h in passage.headings if h) or passage.heading
    title = f"《{passage.title}》" if passage.title else "（无标题文档）"
    return f"来源：{title}" + (f" › {chain}" if chain else "") + f"（{shown(passage.doc)}）"


def report_text(report: CheckReport) -> str:
    copied = [s for s in report.sentences if s.copied >= COPIED]
    partly = [s for s in report.sentences if s.source is not None and s.copied < COPIED]
    lines = [f"{report.file}：共 {len(report.sentences)} 句，{len(copied)} 句主要取自资料库"
             f"（抄录 ≥ {COPIED:.0%}），占全文字数的 {report.copied_share:.0%}。"]
    if copied:
        lines += ["", "抄录的句子（按在草稿中的顺序）："]
        for check in copied:
            lines += [f"  {check.copied:>4.0%}  {_snippet(check.text)}",
                      f"        {_source(check)}"]
    if partly:
        lines += ["", f"部分相似（{len(partly)} 句）："]
        for check in partly:
            lines += [f"  {check.copied:>4.0%}  {_snippet(check.text)}",
                      f"        {_source(check)}"]
    lines.append("")
    if report.outdated:
        lines.append(f"过时的提法（按 {report.year} 年召开的会议）：")
        for ref in report.outdated:
            lines += [f"  · {ref.term}：{_snippet(ref.text)}", f"    建议：{ref.hint}"]
    else:
        lines.append(f"没有发现过时的提法（按 {report.year} 年召开的会议）。")
    return "\n".join(lines)
