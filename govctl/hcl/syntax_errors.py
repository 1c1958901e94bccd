"""Turn tree-sitter's ERROR and MISSING nodes into messages in words.

tree-sitter recovers silently; it is up to us to say "unclosed block" rather
than "ERROR". Every error in the file is reported, one per line at most, so a
single slip does not bury the real message under its echoes.
"""

from __future__ import annotations

import re
from typing import Any

from govctl.diagnostics import Diagnostic, error
from govctl.hcl.source import SourceFile

_CLOSERS = {
    "}": ("Unclosed configuration block",
          "There is no closing brace for this block before the end of the file. This may be "
          "caused by incorrect brace nesting elsewhere in this file."),
    "]": ("Missing item separator or closing bracket",
          'Expected a comma to mark the beginning of the next item, or a closing bracket "]".'),
    ")": ("Unterminated function call",
          'There is no closing parenthesis ")" for this function call.'),
    "quoted_template_end": ("Unterminated template string",
                            "No closing marker was found for the string."),
    "heredoc_identifier": ("Unterminated heredoc",
                           "No closing marker was found for this heredoc template before the "
                           "end of the file."),
    "template_interpolation_end": ("Unterminated template interpolation",
                                   'Expected a closing brace "}" to end the interpolation.'),
    "=": ("Missing equals sign",
          'An argument definition must be followed by an equals sign ("=").'),
}


def find_syntax_errors(root: Any, src: SourceFile) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    _walk(root, src, found)
    found = [_prefer_escape(d, src) for d in found]
    found.sort(key=lambda d: d.range.start.byte if d.range else 0)
    out: list[Diagnostic] = []
    seen_lines: set[int] = set()
    for d in found:
        line = d.range.start.line if d.range else 0
        if line in seen_lines:
            continue
        seen_lines.add(line)
        out.append(d)
    return out or [error("Invalid syntax", "The file could not be parsed.", src.range(0, 0))]


def _walk(node: Any, src: SourceFile, out: list[Diagnostic]) -> None:
    if node.is_missing:
        out.append(_missing(node, src))
        return
    if node.type == "ERROR":
        out.append(_error(node, src))
        # errors nested inside an ERROR are echoes of the same slip
        return
    if not node.has_error:
        return
    for child in node.children:
        _walk(child, src, out)


_BAD_ESCAPE = re.compile(rb'"(?:[^"\\\n]|\\[nrt"\\]|\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8})*(\\.)')


def _prefer_escape(d: Diagnostic, src: SourceFile) -> Diagnostic:
    """An invalid escape confuses tree-sitter into other errors on its line."""
    if d.range is None:
        return d
    data = src.data
    begin = data.rfind(b"\n", 0, d.range.start.byte) + 1
    end = data.find(b"\n", d.range.start.byte)
    line = data[begin:end if end != -1 else len(data)]
    m = _BAD_ESCAPE.search(line)
    if m is None:
        return d
    at = begin + m.start(1)
    sel = line[m.start(1) + 1:m.end(1)].decode("utf-8", "replace")
    return error("Invalid escape sequence",
                 f'The symbol "{sel}" is not a valid escape sequence selector.',
                 src.range(at, at + 2))


def _missing(node: Any, src: SourceFile) -> Diagnostic:
    kind = node.type
    if kind in _CLOSERS:
        summary, detail = _CLOSERS[kind]
        opener = _opening_of(node)
        if kind == "}" and opener is not None:
            return error(summary, detail, src.range(opener.start_byte, opener.end_byte))
        if kind == "heredoc_identifier" and opener is not None:
            return error(summary, detail, src.range(opener.start_byte, opener.end_byte))
        if kind == "quoted_template_end" and opener is not None:
            return error(summary, detail, src.range(opener.start_byte, opener.start_byte + 1))
        at = _back_to_text(node.start_byte, src)
        return error(summary, detail, src.range(at, at + 1 if at < len(src.data) else at))
    if kind in ("identifier", "expression", "variable_expr"):
        at = _back_to_text(node.start_byte, src)
        return error("Invalid expression",
                     "Expected the start of an expression, but found the end of the line "
                     "or file.", src.range(max(at - 1, 0), at))
    return error("Syntax error", f'Expected "{kind}" here.',
                 src.range(node.start_byte, node.start_byte))


def _opening_of(node: Any) -> Any:
    """The node a missing closer belongs to (block header, heredoc opener, quote)."""
    parent = node.parent
    while parent is not None and parent.type not in ("block", "heredoc_template",
                                                     "quoted_template", "string_lit",
                                                     "ERROR"):
        parent = parent.parent
    if parent is None:
        return None
    if parent.type == "block":
        for c in parent.children:
            if c.type == "block_start":
                return parent
        return parent
    return parent.children[0] if parent.children else parent


def _error(node: Any, src: SourceFile) -> Diagnostic:
    data = src.data
    start = node.start_byte
    text = data[start:node.end_byte]
    first = text[:1]
    if first == b"\\" or _has_invalid_escape(node, src):
        at = start if first == b"\\" else data.index(b"\\", start)
        sel = data[at + 1:at + 2].decode("utf-8", "replace")
        return error("Invalid escape sequence",
                     f'The symbol "{sel}" is not a valid escape sequence selector.',
                     src.range(at, at + 2))
    kinds = [c.type for c in node.children]
    if (kinds and kinds[0] == "}") or text.strip() == b"}":
        return error("Unexpected closing brace",
                     "This closing brace does not match any open block or object.",
                     src.range(start, start + 1))
    missing_eq = _missing_equals(node, src)
    if missing_eq is not None:
        return missing_eq
    if "block_start" in kinds and "block_end" not in kinds:
        return error(_CLOSERS["}"][0], _CLOSERS["}"][1], src.range(start, node.end_byte
                                                                  if b"\n" not in text else
                                                                  start + text.index(b"\n")))
    token = text.split(b"\n", 1)[0].strip()[:30].decode("utf-8", "replace")
    end = start + max(len(text.split(b"\n", 1)[0].rstrip()), 1)
    return error("Unexpected token",
                 f'The text "{token}" is not valid here: expected an argument '
                 "(name = value), a block, or the end of an expression.",
                 src.range(start, end))


def _has_invalid_escape(node: Any, src: SourceFile) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type in ("quoted_template", "string_lit"):
            return b"\\" in src.data[node.start_byte:node.end_byte + 1] or \
                src.data[node.start_byte - 1:node.start_byte] == b"\\"
        parent = parent.parent
    return False


def _missing_equals(node: Any, src: SourceFile) -> Diagnostic | None:
    """`name value` on one line: an argument without its `=`."""
    for line_start, line in _lines_of(node, src):
        stripped = line.lstrip()
        if not stripped or stripped[:1] in (b"#", b"/", b"}", b"]"):
            continue
        head = stripped.split(None, 1)
        if len(head) == 2 and head[0].replace(b"_", b"").replace(b"-", b"").isalnum() and \
                not head[1].startswith((b"=", b"{", b'"', b"(", b".", b"[")) and \
                not head[1].split(None, 1)[0].endswith(b"{") and \
                head[0] not in (b"for", b"if", b"in"):
            col = line_start + (len(line) - len(stripped))
            after = col + len(head[0])
            return error(_CLOSERS["="][0], _CLOSERS["="][1], src.range(after, after + 1))
    return None


def _lines_of(node: Any, src: SourceFile) -> list[tuple[int, bytes]]:
    data = src.data
    begin = data.rfind(b"\n", 0, node.start_byte) + 1
    chunk = data[begin:node.end_byte]
    out = []
    pos = begin
    for line in chunk.split(b"\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _back_to_text(byte: int, src: SourceFile) -> int:
    """A MISSING node sits after trailing whitespace; point at the last real text."""
    data = src.data
    i = min(byte, len(data))
    while i > 0 and data[i - 1:i] in (b" ", b"\n", b"\t", b"\r"):
        i -= 1
    return i
