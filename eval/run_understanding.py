"""Query-understanding evaluation: how often the request reader gets role, section, dimension
and workplace right, by kind of request.

Usage (from the repository root)::

    python eval/run_understanding.py                    # all requests
    python eval/run_understanding.py --split tune       # only the tuning half (while tuning)
    python eval/run_understanding.py --verbose          # also list every error

Each line of ``eval/understanding.jsonl`` is a request as a user would type it, with the labels
a careful colleague reads from it (written by hand, not from the program's output). The reader
is ``QueryReader(load_taxonomy()).plan(request)``, as search uses it.

Scoring: a label is right when the recognised key equals the gold key; a null gold label is
right only when nothing is recognised. The section a request names no part of is read by
default (``problem``), and that default counts as recognised. A "confident wrong" label is a
wrong one recognised with confidence ≥ 0.7 (the reader sounded sure and was not); a label
recognised where the gold is null counts as wrong. A workplace is read at one of two
confidences: named (0.8) or only suggested (所长, 家长: 0.5).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from duizhao.query import QueryPlan
from duizhao.ranking import QueryReader
from duizhao.taxonomy import load_taxonomy

DEFAULT_FILE = Path(__file__).with_name("understanding.jsonl")
FIELDS = ("role", "section", "dimension", "workplace")
KINDS = ("set_phrase", "description", "paraphrase", "role_request")
CONFIDENT = 0.7  # a wrong label at least this sure counts as "confident wrong"


@dataclass(frozen=True)
class Request:
    """One labelled request of the set."""

    id: str
    kind: str
    split: str
    request: str
    gold: dict[str, str | None]


@dataclass(frozen=True)
class Reading:
    """What the reader made of one field of one request."""

    key: str | None
    confidence: float
    cue: str


@dataclass(frozen=True)
class Outcome:
    """One field of one request: gold against what was read."""

    request: Request
    field: str
    got: Reading

    @property
    def gold(self) -> str | None:
        return self.request.gold[self.field]

    @property
    def correct(self) -> bool:
        return self.got.key == self.gold

    @property
    def confident_wrong(self) -> bool:
        return (not self.correct and self.got.key is not None
                and self.got.confidence >= CONFIDENT)


def load_requests(path: Path) -> list[Request]:
    """The labelled requests in ``path`` (JSON lines)."""
    out: list[Request] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        out.append(Request(row["id"], row["kind"], row["split"], row["request"],
                           {f: row[f] for f in FIELDS}))
    return out


def readings(plan: QueryPlan | None) -> dict[str, Reading]:
    """Each field as the plan has it (nothing recognised when understanding is off)."""
    none = Reading(None, 0.0, "")
    if plan is None:
        return {f: none for f in FIELDS}
    out: dict[str, Reading] = {}
    for kind in ("role", "section", "dimension"):
        found = plan.get(kind)
        out[kind] = none if found is None else Reading(found.key, found.confidence, found.cue)
    if plan.workplace is None:
        out["workplace"] = none
    else:
        out["workplace"] = Reading(plan.workplace.key, plan.workplace_confidence,
                                   plan.workplace.name)
    return out


def evaluate(requests: Iterable[Request], reader: QueryReader) -> list[Outcome]:
    """Every field of every request, read by ``reader``."""
    outcomes: list[Outcome] = []
    for request in requests:
        got = readings(reader.plan(request.request))
        outcomes += [Outcome(request, f, got[f]) for f in FIELDS]
    return outcomes


def _pct(numerator: int, denominator: int) -> str:
    return "–" if denominator == 0 else f"{100 * numerator / denominator:.0f}%"


def tables(outcomes: Sequence[Outcome]) -> str:
    """Markdown: accuracy and confident-wrong counts per kind and overall."""
    groups = [(k, [o for o in outcomes if o.request.kind == k]) for k in KINDS]
    groups = [(k, g) for k, g in groups if g] + [("**all**", list(outcomes))]
    head = "| kind | n | " + " | ".join(FIELDS) + " |"
    rule = "|---|---:|" + "---:|" * len(FIELDS)
    accuracy = ["Accuracy (null gold right only when nothing is recognised)", "", head, rule]
    wrong = [f"Confident wrong (wrong label with confidence ≥ {CONFIDENT})", "", head, rule]
    for kind, group in groups:
        n = len({o.request.id for o in group})
        by_field = {f: [o for o in group if o.field == f] for f in FIELDS}
        acc = [_pct(sum(o.correct for o in by_field[f]), len(by_field[f])) for f in FIELDS]
        cw = [str(sum(o.confident_wrong for o in by_field[f])) for f in FIELDS]
        accuracy.append(f"| {kind} | {n} | " + " | ".join(acc) + " |")
        wrong.append(f"| {kind} | {n} | " + " | ".join(cw) + " |")
    return "\n".join(accuracy + [""] + wrong)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def errors(outcomes: Sequence[Outcome]) -> str:
    """Markdown: every wrong field, grouped by field, with what was read and why."""
    lines: list[str] = []
    for field in FIELDS:
        wrong = [o for o in outcomes if o.field == field and not o.correct]
        lines += [f"### {field} errors ({len(wrong)})", ""]
        if not wrong:
            lines.append("(none)")
            lines.append("")
            continue
        lines += ["| id | kind | request | gold | got | conf | cue |",
                  "|---|---|---|---|---|---:|---|"]
        for o in wrong:
            mark = " **!**" if o.confident_wrong else ""
            lines.append(f"| {o.request.id} | {o.request.kind} | {_cell(o.request.request)} | "
                         f"{o.gold or '∅'} | {o.got.key or '∅'}{mark} | "
                         f"{o.got.confidence:.2f} | {_cell(o.got.cue)} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--split", choices=("tune", "heldout", "all"), default="all")
    parser.add_argument("--verbose", action="store_true", help="list every error")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="labelled requests")
    args = parser.parse_args(argv)
    requests = [r for r in load_requests(args.file)
                if args.split == "all" or r.split == args.split]
    outcomes = evaluate(requests, QueryReader(load_taxonomy()))
    print(f"## Query understanding — split {args.split}, {len(requests)} requests\n")
    print(tables(outcomes))
    if args.verbose:
        print("\n## Errors (**!** = confident wrong)\n")
        print(errors(outcomes))


if __name__ == "__main__":
    main()
