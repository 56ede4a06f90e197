"""File names as people can read them, and back: GBK names decoded, control characters escaped.

Unzipping a Windows archive on Linux leaves file names in GBK bytes, which Python hands over as
lone surrogates: they cannot be printed, written to UTF-8 JSON or put in a .docx. And a name can
hold terminal control sequences (``\\x1b[2J``) that must never reach a terminal raw. So a
document is named everywhere by ``display_name(path)``: each path component decoded as UTF-8,
else as GB18030 (what Windows wrote), else with ``\\xNN`` for each undecodable byte; control and
formatting characters escaped as ``\\xNN``/``\\uNNNN``. The name is plain,
printable Unicode, safe in any message, listing or JSON. ``locate`` turns such a name back into
the path on disk (the literal path first, then the escapes and GB18030 undone component by
component), so a stored document name still finds its file.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

# Control characters (C0, DEL, C1: terminal escape sequences start with them), format characters
# (zero-width, bidirectional overrides: U+202E shows "exe.txt" reversed), line and paragraph
# separators, lone surrogates. Everything else, spaces included, prints as itself.
_UNSAFE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_ESCAPE = re.compile(r"\\x([0-9a-f]{2})|\\u([0-9a-f]{4})|\\U([0-9a-f]{8})")


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x80:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in _UNSAFE


def escape_controls(text: str) -> str:
    """``text`` with every control or formatting character written as a visible escape."""
    if text.isprintable():
        return text
    return "".join(_escape(ch) if _unsafe(ch) else ch for ch in text)


def escape_message(text: str) -> str:
    """Like escape_controls, but keeps the line breaks and tabs a message is laid out with."""
    if text.isprintable():
        return text
    return "".join(_escape(ch) if ch not in "\n\t" and _unsafe(ch) else ch for ch in text)


def _decode_component(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace")


def display_name(path: Path | str) -> str:
    """The name to show and store for ``path``: printable, valid Unicode, reversible."""
    text = os.fspath(path)
    if text.isprintable() or not any("\udc80" <= ch <= "\udcff" or _unsafe(ch) for ch in text):
        return text
    raw = os.fsencode(text)
    parts = [_decode_component(part) for part in raw.split(b"/")]
    return escape_controls("/".join(parts))


def stored_name(path: Path | str) -> str:
    """The name a document is stored under: absolute (so it resolves to the same file from any
    working directory, whatever folder a later command runs in) and printable."""
    return display_name(os.path.abspath(os.fspath(path)))


def shown(doc: str) -> str:
    """A stored name as people read it: relative to the working directory when the file is
    under it (``corpus/003.txt``), else the absolute name."""
    try:
        here = os.getcwd()
    except OSError:
        return doc
    if os.path.isabs(doc) and doc.startswith(here.rstrip("/") + "/"):
        return doc[len(here.rstrip("/")) + 1:]
    return doc


def _component_candidates(part: str) -> list[bytes]:
    """Byte forms a displayed component may stand for, most likely first."""
    forms: list[bytes] = []
    for codec in ("utf-8", "gb18030"):
        pieces: list[bytes] = []
        pos = 0
        try:
            for m in _ESCAPE.finditer(part):
                pieces.append(part[pos:m.start()].encode(codec))
                if m.group(1):  # a character below 0x80, or an undecodable byte
                    pieces.append(bytes([int(m.group(1), 16)]))
                else:
                    pieces.append(chr(int(m.group(2) or m.group(3), 16)).encode(codec))
                pos = m.end()
            pieces.append(part[pos:].encode(codec))
        except UnicodeEncodeError:
            continue
        form = b"".join(pieces)
        if form not in forms:
            forms.append(form)
    literal = os.fsencode(part)
    return [literal] + [f for f in forms if f != literal]


def locate(name: str) -> Path | None:
    """The path on disk that ``display_name`` showed as ``name``, or None when it is gone."""
    if os.path.lexists(name):
        return Path(name)
    if not _ESCAPE.search(name) and name.isascii():
        return None
    current = b"/" if name.startswith("/") else b""
    for part in name.split("/"):
        if part in ("", "."):
            continue
        forms = [b".."] if part == ".." else _component_candidates(part)
        found = next((os.path.join(current, f) for f in forms
                      if os.path.lexists(os.path.join(current, f))), None)
        if found is None:
            return None
        current = found
    return Path(os.fsdecode(current)) if current else None


def decode_argument(text: str) -> str | None:
    """A command-line argument that was not valid UTF-8 (a GBK terminal) as text, or None.

    Python hands such bytes over as lone surrogates; they are decoded as GB18030 when they read
    as that, else None (the caller says the argument cannot be read).
    """
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    raw = os.fsencode(text)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return None
