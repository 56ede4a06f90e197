"""`duizhao search` through the CLI: JSON contract, batch, errors on stderr, readable output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from duizhao.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
KEYS = {"id", "doc", "title", "role", "section", "dimension", "heading", "text", "rank", "score"}


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input)


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    from duizhao.library import build

    directory = tmp_path_factory.mktemp("idx") / "index"
    build([ROOT / "corpus"], directory, progress=False)
    return directory


def test_json_contract(index):
    result = run("search", "四个意识 两个维护", "--index", str(index), "--json", "-k", "3")
    assert result.exit_code == 0, result.stderr
    hits = json.loads(result.stdout)
    assert len(hits) == 3 and [h["rank"] for h in hits] == [1, 2, 3]
    assert all(KEYS <= set(h) for h in hits)
    assert hits[0]["score"] >= hits[1]["score"] >= hits[2]["score"]


def test_filters_with_chinese_names(index):
    result = run("search", "学习不主动", "--role", "社区党员", "--dimension", "理论学习",
                 "--index", str(index), "--json")
    assert result.exit_code == 0, result.stderr
    hits = json.loads(result.stdout)
    inside = [h for h in hits if not h["outside_filters"]]
    assert inside and all(h["role"] == "community_member" and h["dimension"] == "theory"
                          for h in inside)
    assert len(inside) < len(hits) and "注意：" in result.stderr


def test_no_passage_matches_says_so_and_shows_closest(index):
    # The sample community member's document has no theory passage under 存在问题.
    result = run("search", "学习不主动", "--role", "社区党员", "--dimension", "理论学习",
                 "--section", "存在问题", "--index", str(index), "--json")
    assert result.exit_code == 0, result.stderr
    hits = json.loads(result.stdout)
    assert len(hits) == 5 and all(h["outside_filters"] for h in hits)
    assert "没有段落符合筛选条件" in result.stderr


def test_batch_one_array_per_line(index, tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"query": "八项规定"}\n\n{"query": "学习", "role": "社区党员", "k": 2, '
                     '"dimension": null}\n', "utf-8")
    result = run("search", "--batch", str(batch), "--index", str(index))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert len(first) == 5 and len(second) == 2
    assert all(h["role"] == "community_member" for h in second)


def test_batch_bad_line_no_partial_output(index, tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"query": "八项规定"}\n{"query": 3}\n', "utf-8")
    result = run("search", "--batch", str(batch), "--index", str(index))
    assert result.exit_code == 2 and result.stdout == ""
    assert "2" in result.stderr and "query" in result.stderr


def test_errors_go_to_stderr(index, tmp_path):
    result = run("search", "学习", "--role", "村长", "--index", str(index), "--json")
    assert result.exit_code == 2 and result.stdout == "" and "村长" in result.stderr
    result = run("search", "学习", "--index", str(tmp_path / "none"), "--json")
    assert result.exit_code == 4 and result.stdout == ""
    result = run("search", "学习", "--model", "no-such/model", "--index", str(index))
    assert result.exit_code == 4 and "usem3" in result.stderr and "no-such/model" in result.stderr


def test_readable_output(index):
    result = run("search", "廉洁", "--role", "支部书记", "--section", "整改措施",
                 "--dimension", "廉洁自律", "-k", "4", "--index", str(index))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("注意：") and "1. [" in out and "党支部书记 · 整改措施 · 廉洁自律" in out
    assert "范围外" in out and "\x1b[" not in out  # plain when not a terminal


def test_help_has_example():
    result = run("search", "--help")
    assert result.exit_code == 0 and "duizhao search" in result.stdout


def test_installed_entry_point_json(index):
    proc = subprocess.run([str(Path(sys.executable).parent / "duizhao"), "search", "三会一课",
                           "--index", str(index), "--json", "-k", "2"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)) == 2
