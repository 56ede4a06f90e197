"""The label taxonomy: keys, Chinese names, aliases and cue words, loaded from a TOML data file.

Domain knowledge lives in ``data/taxonomy.toml``; a user extends it (a new dimension for next
year's theme) by passing their own file. Everything is validated here, in one place, so a
typo in a user's file is a clear message rather than a wrong label later.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from duizhao.errors import UsageError
from duizhao.userfiles import read_user_text

Kind = Literal["role", "section", "dimension"]
KINDS: tuple[Kind, ...] = ("role", "section", "dimension")
_TABLES = {"role": "roles", "section": "sections", "dimension": "dimensions"}
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
UNKNOWN_ROLE = "unknown"  # the role when nothing says who wrote a document (CONTRACT)
_UNKNOWN_SPEC = {"name": "未知", "aliases": ["未知角色", "角色未知"]}
KIND_NAMES = {"role": "角色 role", "section": "部分 section", "dimension": "维度 dimension"}


@dataclass(frozen=True)
class LabelDef:
    """One label value: its key, Chinese name, aliases, and the cues that recognise it."""

    key: str
    name: str
    aliases: tuple[str, ...] = ()
    cues: dict[str, float] = field(default_factory=dict)  # roles: phrase → weight
    headings: tuple[re.Pattern[str], ...] = ()  # sections: heading regexes
    heading_words: tuple[str, ...] = ()  # dimensions: words that decide a heading
    strong: tuple[str, ...] = ()  # dimensions: weighty words in the passage
    weak: tuple[str, ...] = ()  # dimensions: light words; sections: wording (不够, 根源, 要…)


@dataclass(frozen=True)
class Taxonomy:
    version: str
    roles: dict[str, LabelDef]
    sections: dict[str, LabelDef]
    dimensions: dict[str, LabelDef]
    source: str = "default"
    digest: str = ""

    def of(self, kind: Kind) -> dict[str, LabelDef]:
        return {"role": self.roles, "section": self.sections, "dimension": self.dimensions}[kind]

    def keys(self, kind: Kind) -> list[str]:
        return list(self.of(kind))

    def name(self, kind: Kind, key: str) -> str:
        label = self.of(kind).get(key)
        return label.name if label else key

    def choices(self, kind: Kind) -> list[str]:
        """Every spelling a user may type for ``kind``: keys, Chinese names, aliases."""
        out: list[str] = []
        for label in self.of(kind).values():
            out += [label.key, label.name, *label.aliases]
        return list(dict.fromkeys(out))

    def resolve(self, kind: Kind, value: str | None) -> str | None:
        """Map a key, Chinese name or alias to the key; ``UsageError`` lists the valid values."""
        if value is None:
            return None
        wanted = value.strip().lower()
        if wanted in ("", "all", "any", "全部", "*"):
            return None
        for label in self.of(kind).values():
            if wanted in (label.key, label.name.lower(), *(a.lower() for a in label.aliases)):
                return label.key
        valid = "、".join(f"{lab.key}（{lab.name}）" for lab in self.of(kind).values())
        raise UsageError(
            f"未知的{KIND_NAMES[kind]}：“{value}”。可用的值：{valid}",
            f"Unknown {kind} '{value}'. Valid values: {', '.join(self.keys(kind))} "
            "(Chinese names and aliases work too).",
        )

    def to_json(self) -> str:
        """A plain JSON copy, saved with the index so it can be reloaded without the TOML file."""
        tables = {"role": self.roles, "section": self.sections, "dimension": self.dimensions}
        return json.dumps(_raw(self.version, tables), ensure_ascii=False, indent=1)


def _raw(version: str, tables: dict[str, dict[str, LabelDef]]) -> dict[str, Any]:
    def dump(kind: str, label: LabelDef) -> dict[str, Any]:
        out: dict[str, Any] = {"name": label.name, "aliases": list(label.aliases)}
        if kind == "role":
            out["cues"] = label.cues
        elif kind == "section":
            out.update(headings=[p.pattern for p in label.headings], cues=list(label.weak))
        else:
            out.update(heading=list(label.heading_words), strong=list(label.strong),
                       cues=list(label.weak))
        return out

    raw: dict[str, Any] = {"version": version}
    for kind, labels in tables.items():
        raw[_TABLES[kind]] = {key: dump(kind, label) for key, label in labels.items()}
    return raw


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise UsageError(f"分类文件错误：{where} 应为字符串列表。",
                         f"Taxonomy error: {where} must be a list of non-empty strings.")
    return tuple(value)


def _parse(data: dict[str, Any], source: str) -> Taxonomy:
    tables: dict[str, dict[str, LabelDef]] = {}
    for kind in KINDS:
        table = data.get(_TABLES[kind])
        if kind == "role" and isinstance(table, dict) and table:
            table = {**table, UNKNOWN_ROLE: table.get(UNKNOWN_ROLE, _UNKNOWN_SPEC)}
        if not isinstance(table, dict) or not table:
            raise UsageError(f"分类文件 {source} 缺少 [{_TABLES[kind]}] 表。",
                             f"Taxonomy file {source} has no [{_TABLES[kind]}] table.")
        labels: dict[str, LabelDef] = {}
        for key, spec in table.items():
            where = f"[{_TABLES[kind]}.{key}]"
            if not _KEY_RE.match(key) or not isinstance(spec, dict):
                raise UsageError(f"分类文件错误：{where} 的键须为小写英文字母、数字或下划线。",
                                 f"Taxonomy error: {where}: keys are lower-case ASCII words.")
            name = spec.get("name")
            if not isinstance(name, str) or not name:
                raise UsageError(f"分类文件错误：{where} 缺少中文名 name。",
                                 f"Taxonomy error: {where} needs a 'name'.")
            cues = spec.get("cues", {}) if kind == "role" else {}
            if not isinstance(cues, dict) or not all(
                isinstance(w, int | float) for w in cues.values()
            ):
                raise UsageError(f"分类文件错误：{where} 的 cues 应为 “词 = 权重”。",
                                 f"Taxonomy error: {where} cues must map phrase = weight.")
            try:
                patterns = tuple(re.compile(p) for p in _strings(spec.get("headings"), where))
            except re.error as exc:
                raise UsageError(
                    f"分类文件错误：{where} 的正则表达式无效：{exc}",
                    f"Taxonomy error: bad regular expression in {where}: {exc}",
                ) from exc
            labels[key] = LabelDef(
                key=key,
                name=name,
                aliases=_strings(spec.get("aliases"), where),
                cues={str(k): float(v) for k, v in cues.items()},
                headings=patterns,
                heading_words=_strings(spec.get("heading"), where),
                strong=_strings(spec.get("strong"), where),
                weak=_strings(spec.get("cues") if kind != "role" else None, where),
            )
        tables[kind] = labels
    if "other" not in tables["dimension"]:
        raise UsageError("分类文件错误：维度中必须保留 other（其他）。",
                         "Taxonomy error: the dimensions must keep 'other' as the fallback.")
    _check_aliases(tables)
    version = str(data.get("version", "0"))
    canonical = json.dumps(_raw(version, tables), ensure_ascii=False, sort_keys=True)
    return Taxonomy(
        version=version,
        roles=tables["role"],
        sections=tables["section"],
        dimensions=tables["dimension"],
        source=source,
        digest=hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16],
    )


def _check_aliases(tables: dict[str, dict[str, LabelDef]]) -> None:
    for kind, labels in tables.items():
        seen: dict[str, str] = {}
        for label in labels.values():
            for spelling in {label.key, label.name.lower(), *(a.lower() for a in label.aliases)}:
                if spelling in seen and seen[spelling] != label.key:
                    raise UsageError(
                        f"分类文件错误：“{spelling}” 同时指向 {seen[spelling]} 和 {label.key}。",
                        f"Taxonomy error: '{spelling}' names both {seen[spelling]} and {label.key} "
                        f"({kind}).",
                    )
                seen[spelling] = label.key


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load the default taxonomy, or a user's TOML (or a JSON copy saved with an index)."""
    if path is None:
        text = resources.files("duizhao").joinpath("data/taxonomy.toml").read_text("utf-8")
        return _parse(tomllib.loads(text), "default")
    file = Path(path)
    text = read_user_text(file, "分类文件")
    try:
        data = json.loads(text) if file.suffix == ".json" else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"分类文件 {file} 格式错误：{exc}",
                         f"Taxonomy file {file} is not valid TOML/JSON: {exc}") from exc
    return _parse(data, str(file))


def taxonomy_from_json(text: str, source: str) -> Taxonomy:
    """Rebuild a taxonomy from the JSON copy stored in an index."""
    return _parse(json.loads(text), source)
