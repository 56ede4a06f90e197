"""`duizhao draft`: the basket to a file from the command line, never over a file unasked."""

from __future__ import annotations

from pathlib import Path

import docx
from docx_fixtures import read_draft
from typer.testing import CliRunner

from duizhao.basket import Basket, basket_path, load_basket, store_basket
from duizhao.cli import app
from duizhao.draft import Labels
from duizhao.models import Label, Passage, passage_id
from duizhao.taxonomy import load_taxonomy

runner = CliRunner()


def passage(text: str, section: str, dimension: str) -> Passage:
    return Passage(id=passage_id(text), doc="corpus/004_d29e0af6fa98f9af.txt",
                   title="党支部对照检查材料", role=Label("branch_secretary"),
                   section=Label(section), dimension=Label(dimension), heading="一、存在的问题",
                   text=text, headings=("一、存在的问题",))


def test_draft_command(tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    out = tmp_path / "稿.docx"
    result = runner.invoke(app, ["draft", str(out), "--index", str(index)])
    assert result.exit_code == 2 and "篮子为空" in result.stderr and not out.exists()

    basket = Basket(Labels.from_taxonomy(load_taxonomy()))
    basket.add(passage("（二）学用脱节。理论联系实际不够。", "problem", "theory"))
    basket.add(passage("一是加强理论学习。每周自学两次。", "measure", "theory"))
    store_basket(basket, basket_path(index))
    result = runner.invoke(app, ["draft", str(out), "--index", str(index), "--title", "我的材料",
                                 "--unit", "某支部", "--name", "张三", "--date", "2025年1月20日"])
    assert result.exit_code == 0, result.stderr
    assert "已写出草稿" in result.stderr and result.stdout == ""
    texts = [p.text for p in docx.Document(str(out)).paragraphs]
    assert texts[:2] == ["我的材料", "某支部\u3000张三"] and texts[-1] == "2025年1月20日"
    assert [e[2] for e in read_draft(out)] == ["1.学用脱节。理论联系实际不够。",
                                               "1.加强理论学习。每周自学两次。"]
    assert all(e[3].startswith("来源：《党支部对照检查材料》") for e in read_draft(out))
    kept, _ = load_basket(basket_path(index))
    assert kept.info.title == "我的材料" and not kept.unsaved

    before = out.read_bytes()
    result = runner.invoke(app, ["draft", str(out), "--index", str(index), "--clean"])
    assert result.exit_code == 2 and "已存在" in result.stderr
    assert out.read_bytes() == before
    result = runner.invoke(app, ["draft", str(out), "--index", str(index), "--clean", "--force"])
    assert result.exit_code == 0, result.stderr
    assert all(e[3] == "" for e in read_draft(out))
    assert docx.Document(str(out)).paragraphs[0].text == "我的材料"  # the title was kept
