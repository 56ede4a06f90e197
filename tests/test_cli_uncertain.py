"""Unknown and unsure labels through the CLI: build names them, stats lists them, label fixes them,
and a role filter never matches a document whose role is unknown."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from duizhao.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
EXCERPT = ("力不够，满足于读原文、记笔记，学用结合不紧。二是学习的主动性不强。参加集中学习多，个人自学少。"
           "三是服务群众不够主动。到社区走访少。\n"
           "二、原因剖析\n一是理论学习的自觉性不强。\n二是宗旨意识有所淡化。\n")


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    tmp = tmp_path_factory.mktemp("uncertain")
    docs = tmp / "docs"
    docs.mkdir()
    shutil.copy(ROOT / "corpus/003_369052e5566db757.txt", docs / "member.txt")
    (docs / "excerpt.txt").write_text(EXCERPT, "utf-8")
    index = tmp / "index"
    result = run("build", str(docs), "--index", str(index), "-q")
    return index, docs, result


def test_build_names_the_document_whose_role_is_unknown(built: tuple[Path, Path, object]) -> None:
    index, docs, result = built
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    err = result.stderr  # type: ignore[attr-defined]
    assert f"{docs / 'excerpt.txt'}（未知）→ duizhao label --doc {docs / 'excerpt.txt'}" in err
    assert "member.txt" not in err and "--role" in err


def test_role_filter_never_matches_unknown(built: tuple[Path, Path, object]) -> None:
    index, docs, _ = built
    result = run("search", "学习主动性不强 自学少", "--role", "社区党员", "-k", "20", "--json",
                 "--index", str(index))
    assert result.exit_code == 0, result.stderr
    hits = json.loads(result.stdout)
    inside = [h for h in hits if not h.get("outside_filters")]
    assert inside and {h["role"] for h in inside} == {"community_member"}
    assert all(h["outside_filters"] for h in hits if h["doc"].endswith("excerpt.txt"))
    unknown = run("search", "学习", "--role", "未知", "--json", "--index", str(index))
    rows = json.loads(unknown.stdout)
    assert rows and all(h["doc"].endswith("excerpt.txt") for h in rows
                        if not h.get("outside_filters"))


def test_stats_lists_unsure_labels_with_short_ids_and_label_fixes_them(
        built: tuple[Path, Path, object]) -> None:
    index, docs, _ = built
    listed = run("stats", "--uncertain", "--json", "--index", str(index))
    assert listed.exit_code == 0, listed.stderr
    rows = json.loads(listed.stdout)
    roles = [r for r in rows if r["kind"] == "role"]
    assert [(r["id"], r["value"]) for r in roles] == [(str(docs / "excerpt.txt"), "unknown")]
    passage_rows = [r for r in rows if r["kind"] != "role"]
    assert passage_rows and all(len(r["id"]) == 8 and r["confidence"] < 0.5 for r in passage_rows)
    text = run("stats", "--uncertain", "--index", str(index))
    assert f"→ duizhao label {passage_rows[0]['id']} --{passage_rows[0]['kind']}" in text.stdout
    fix = run("label", passage_rows[0]["id"], f"--{passage_rows[0]['kind']}",
              "廉洁自律" if passage_rows[0]["kind"] == "dimension" else "原因剖析",
              "--index", str(index))
    assert fix.exit_code == 0, fix.stderr
    role_fix = run("label", "--doc", str(docs / "excerpt.txt"), "--role", "社区党员",
                   "--index", str(index))
    assert role_fix.exit_code == 0, role_fix.stderr
    again = json.loads(run("stats", "--uncertain", "--json", "--index", str(index)).stdout)
    assert not [r for r in again if r["kind"] == "role"]
    assert passage_rows[0]["id"] not in {r["id"] for r in again if r["kind"] == passage_rows[0]["kind"]}
    rebuilt = run("build", str(docs), "--index", str(index), "-q")
    assert rebuilt.exit_code == 0 and "excerpt.txt" not in rebuilt.stderr  # the fix is kept
