"""Identity check: the same ~10k-passage index answers a fixed query set with the same ids.

Why: the scale work (issue 12) changes how the index is stored and searched (memory-mapped
arrays, lazy passages, segments, a selective exact path for filters) but must not change
what a search returns below the ANN threshold. Run ``--save FILE`` on the code before the
change and ``--check FILE`` after; both build the index through the real ``library.build``
path from the same synthetic corpus with the hashing encoder (deterministic, no model).

    python benchmarks/bench_identity.py --save /tmp/scale-identity.json
    python benchmarks/bench_identity.py --check /tmp/scale-identity.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ingest_memory import HashEncoder  # noqa: E402
from synth_corpus import write_corpus  # noqa: E402

import duizhao.embed  # noqa: E402
from duizhao import library  # noqa: E402
from duizhao.search import Filters, Searcher  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FILTERS = [Filters(), Filters(role="community_member", dimension="theory"),
           Filters(role="department_head", section="problem", dimension="style"),
           Filters(section="measure")]
MODES = ("hybrid", "dense", "keyword")


def results(workdir: Path, documents: int) -> dict[str, Any]:
    """Build the corpus into a fresh index and run every query × filter × mode."""
    shutil.rmtree(workdir, ignore_errors=True)
    docs = workdir / "docs"
    write_corpus(docs, documents)
    index = workdir / "index"
    encoder = HashEncoder()
    duizhao.embed.load_encoder = lambda name_or_path=None: encoder  # type: ignore[assignment]
    library.build([docs], index, progress=False, encoder=encoder)
    searcher = Searcher.open(index, model=encoder.name)
    queries = [json.loads(line)["query"] for line in
               (ROOT / "eval" / "queries.jsonl").read_text("utf-8").splitlines() if line]
    out: dict[str, Any] = {"passages": searcher.size, "results": {}}
    for query in queries[:60]:
        for f_no, filters in enumerate(FILTERS):
            for mode in MODES:
                hits = searcher.search(query, filters, k=10, mode=mode).hits
                out["results"][f"{query}|{f_no}|{mode}"] = [
                    [h.passage.id, h.outside_filters] for h in hits]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path)
    group.add_argument("--check", type=Path)
    parser.add_argument("--documents", type=int, default=620)  # ≈ 10k passages
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/scale-identity"))
    args = parser.parse_args()
    got = results(args.workdir, args.documents)
    shutil.rmtree(args.workdir, ignore_errors=True)
    if args.save:
        args.save.write_text(json.dumps(got, ensure_ascii=False), "utf-8")
        print(f"saved {len(got['results'])} result lists over {got['passages']} passages")
        return
    want = json.loads(args.check.read_text("utf-8"))
    differ = [key for key, ids in want["results"].items() if got["results"].get(key) != ids]
    print(f"{got['passages']} passages (saved: {want['passages']}); "
          f"{len(want['results']) - len(differ)}/{len(want['results'])} result lists identical")
    for key in differ[:10]:
        print("  differs:", key)
    raise SystemExit(1 if differ or got["passages"] != want["passages"] else 0)


if __name__ == "__main__":
    main()
