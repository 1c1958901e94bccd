"""Turn tree-sitter's ERROR and MISSING nodes into messages in words.

tree-sitter recovers silently; it is up to us to say "unclosed block" rather
than "ERROR". Every error in the file is reported, one per line at most, so a
single slip does not bury the real message under its echoes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from govctl.diagnostics import Diagnostic, error
from govctl.hcl.source import SourceFile

_CLOSERS = {
    "}": ("Unclosed configuration block",
          "There is no closing brace for this block before the end of the file. This may be "
          "caused by incorrect brace nesting elsewhere in this file."),
    "]": ("Unterminated tuple constructor expression",
          "There is no corresponding closing bracket before the end of the file. This may be "
          "caused by incorrect bracket nesting elsewhere in this file."),
    ")": ("Unterminated function call",
          "There is no closing parenthesis for this function call before the end of the file. "
          "This may be caused by incorrect parenthesis nesting elsewhere in this file."),
    "quoted_template_end": ("Unterminated template string",
                            "No closing marker was found for the string."),
    "heredoc_identifier": ("Unterminated heredoc",
                           "No closing marker was found for this heredoc template before the "
                           "end of the file."),
    "template_interpolation_end": ("Unclosed template interpolation sequence",
                                   "There is no closing brace for this interpolation sequence "
                                   "before the end of the quoted template."),
    "=": ("Argument or block definition required",
          "An argument or block definition is required here. To set an argument, use the "
          'equals sign "=" to introduce the argument value.'),
}
_OBJECT_UNCLOSED = ("Unterminated object constructor expression",
                    "There is no corresponding closing brace before the end of the file. This "
                    "may be caused by incorrect brace nesting elsewhere in this file.")
_PAREN_UNCLOSED = ("Unbalanced parentheses",
                   "Expected a closing parenthesis to terminate the expression.")
_OPENERS = {"{": "}", "[": "]", "(": ")"}


def find_syntax_errors(root: Any, src: SourceFile,
                       reparse: Callable[[bytes], Any] | None = None) -> list[Diagnostic]:
    """Every syntax error, one per line at most.

    tree-sitter often folds everything after a slip into one ERROR node, so
    with `reparse` the lines already reported are blanked out (bytes replaced
    by spaces, offsets kept) and the rest parsed again to find later errors.
    A reported line with unbalanced brackets stops this: blanking it would
    only produce echoes of the first error.
    """
    out: list[Diagnostic] = []
    seen_lines: set[int] = set()
    data = src.data
    view: Any = src
    for _ in range(50):
        found: list[Diagnostic] = []
        _walk(root, view, found)
        found = [_prefer_escape(d, view) for d in found]
        found.sort(key=lambda d: d.range.start.byte if d.range else 0)
        new = []
        for d in found:
            line = d.range.start.line if d.range else 0
            if line in seen_lines:
                continue
            seen_lines.add(line)
            new.append(d)
        out.extend(new)
        if not new or reparse is None:
            break
        blanked = bytearray(data)
        stop = False
        for d in new:
            assert d.range is not None
            if d.summary.startswith(("Unclosed", "Unterminated", "Unbalanced")):
                stop = True  # the rest of the file was swallowed: later errors are echoes
            begin = data.rfind(b"\n", 0, d.range.start.byte) + 1
            end = data.find(b"\n", d.range.start.byte)
            end = len(data) if end == -1 else end
            if not _balanced(data[begin:end]):
                stop = True
            blanked[begin:end] = b" " * (end - begin)
        if stop:
            break
        data = bytes(blanked)
        view = _Blanked(src, data)
        root = reparse(data)
        if not root.has_error:
            break
    out.sort(key=lambda d: d.range.start.byte if d.range else 0)
    return out or [error("Invalid syntax", "The file could not be parsed.", src.range(0, 0))]


class _Blanked:
    """`src` with reported lines blanked: the text the messages are worded from;
    positions are the original file's (byte offsets are kept)."""

    def __init__(self, src: SourceFile, data: bytes):
        self.data = data
        self.range = src.range


def _balanced(line: bytes) -> bool:
    """Brackets outside quotes open and close within the line."""
    depth = 0
    quoted = False
    prev = b""
    for i in range(len(line)):
        c = line[i:i + 1]
        if c == b'"' and prev != b"\\":
            quoted = not quoted
        elif not quoted and c in (b"{", b"[", b"("):
            depth += 1
        elif not quoted and c in (b"}", b"]", b")"):
            depth -= 1
        elif not quoted and c == b"#":
            break
        prev = c
    return depth == 0 and not quoted


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
    return error("Invalid escape sequence", escape_detail(sel), src.range(at, at + 2))


def _missing(node: Any, src: SourceFile) -> Diagnostic:
    kind = node.type
    if kind in ("}", "]", ")"):
        return _unclosed(node, src)
    if kind in _CLOSERS:
        summary, detail = _CLOSERS[kind]
        opener = _opening_of(node)
        if kind == "heredoc_identifier" and opener is not None:
            return error(summary, detail, src.range(opener.start_byte, opener.end_byte))
        if kind == "quoted_template_end" and opener is not None:
            return error(summary, detail, src.range(opener.start_byte, opener.start_byte + 1))
        if kind == "template_interpolation_end" and node.parent is not None:
            start = node.parent.start_byte
            return error(summary, detail, src.range(start, start + 2))
        at = _back_to_text(node.start_byte, src)
        return error(summary, detail, src.range(at, at + 1 if at < len(src.data) else at))
    if kind in ("identifier", "expression", "variable_expr"):
        # where the expression was expected: just after the last text (HCL's spot)
        at = _back_to_text(node.start_byte, src)
        return error("Invalid expression",
                     "Expected the start of an expression, but found the end of the line "
                     "or file.", src.range(at, at + 1))
    if kind in _OPENERS:  # e.g. `x = ]`: the closer stands where an expression should
        at = node.end_byte
        return error("Invalid expression",
                     "Expected the start of an expression, but found an invalid expression "
                     "token.", src.range(at, at + 1))
    return error("Syntax error", f'Expected "{kind}" here.',
                 src.range(node.start_byte, node.start_byte))


def _unclosed(node: Any, src: SourceFile) -> Diagnostic:
    """A missing `}`, `]` or `)`: point at the bracket that opened it, as HCL does."""
    parent = node.parent
    while parent is not None and parent.type not in ("block", "object", "tuple",
                                                     "function_call", "expression", "ERROR"):
        parent = parent.parent
    kind = parent.type if parent is not None else ""
    if kind == "expression" and node.type != ")":
        kind = ""
    opener = None
    if parent is not None:
        want = {"}": "{", "]": "[", ")": "("}[node.type]
        opener = _find_token(parent, want)
    if opener is None:
        at = _back_to_text(node.start_byte, src)
        opener_range = src.range(at, at + 1 if at < len(src.data) else at)
    else:
        opener_range = src.range(opener.start_byte, opener.end_byte)
    if kind == "block" or (kind in ("ERROR", "") and node.type == "}"):
        summary, detail = _CLOSERS["}"]
    elif kind == "object":
        summary, detail = _OBJECT_UNCLOSED
    elif kind == "tuple" or node.type == "]":
        summary, detail = _CLOSERS["]"]
    elif kind == "function_call" and parent is not None:
        summary, detail = _CLOSERS[")"]
        end = opener.end_byte if opener is not None else parent.end_byte
        opener_range = src.range(parent.start_byte, end)
    else:
        summary, detail = _PAREN_UNCLOSED
    return error(summary, detail, opener_range)


def _find_token(node: Any, text: str) -> Any:
    """The first anonymous `text` token in `node`, looking into *_start wrappers."""
    for c in node.children:
        if c.type == text and not c.is_missing:
            return c
        if c.type in ("block_start", "object_start", "tuple_start"):
            found = _find_token(c, text)
            if found is not None:
                return found
    return None


def _opening_of(node: Any) -> Any:
    """The node a missing closer belongs to (heredoc opener, quote)."""
    parent = node.parent
    while parent is not None and parent.type not in ("heredoc_template", "quoted_template",
                                                     "string_lit", "ERROR"):
        parent = parent.parent
    if parent is None:
        return None
    return parent.children[0] if parent.children else parent


def _error(node: Any, src: SourceFile) -> Diagnostic:
    data = src.data
    start = node.start_byte
    text = data[start:node.end_byte]
    first = text[:1]
    if first == b"\\" or _has_invalid_escape(node, src):
        at = start if first == b"\\" else data.index(b"\\", start)
        sel = data[at + 1:at + 2].decode("utf-8", "replace")
        return error("Invalid escape sequence", escape_detail(sel), src.range(at, at + 2))
    kinds = [c.type for c in node.children]
    if (kinds and kinds[0] == "}") or text.strip() == b"}":
        return error("Unexpected closing brace",
                     "This closing brace does not match any open block or object.",
                     src.range(start, start + 1))
    if "template_interpolation_start" in kinds and "template_interpolation_end" not in kinds:
        at = node.children[kinds.index("template_interpolation_start")].start_byte
        return error(*_CLOSERS["template_interpolation_end"], src.range(at, at + 2))
    nxt = node.next_sibling
    if node.parent is not None and node.parent.type == "attribute" and nxt is not None and \
            nxt.type == "expression" and b"\n" not in data[node.end_byte:nxt.start_byte]:
        # `x = "a" "b"`: tree-sitter takes the last value as the argument's
        end = nxt.start_byte + max(len(data[nxt.start_byte:nxt.end_byte].split(b"\n")[0]), 1)
        return error("Missing newline after argument",
                     "An argument definition must end with a newline.",
                     src.range(nxt.start_byte, min(end, nxt.start_byte + 1)))
    prev = node.prev_sibling
    while prev is not None and prev.type == "body" and prev.children:
        prev = prev.children[-1]
    if prev is not None and prev.type == "attribute" and \
            b"\n" not in data[prev.end_byte:start]:
        end = start + max(len(text.split(b"\n", 1)[0].split(None, 1)[0]), 1)
        return error("Missing newline after argument",
                     "An argument definition must end with a newline.", src.range(start, end))
    missing_eq = _missing_equals(node, src)
    if missing_eq is not None:
        return missing_eq
    if "object_start" in kinds and "object_end" not in kinds:
        brace = node.children[kinds.index("object_start")]
        return error(*_OBJECT_UNCLOSED, src.range(brace.start_byte, brace.end_byte))
    if "block_start" in kinds and "block_end" not in kinds:
        brace = node.children[kinds.index("block_start")]
        if text.count(b"{") == text.count(b"}"):  # closed after all: the slip is inside
            inner = _inside_block(node, brace, src)
            if inner is not None:
                return inner
        return error(*_CLOSERS["}"], src.range(brace.start_byte, brace.end_byte))
    if kinds and kinds[0] == "=" and _NAME.fullmatch(
            data[data.rfind(b"\n", 0, start) + 1:start].strip()):
        return _bad_value(start, node.end_byte, src)
    if kinds[:2] == ["identifier", "="]:
        return _bad_value(node.children[1].start_byte, node.end_byte, src)
    if kinds and kinds[0] == "=":
        return error("Argument or block definition required",
                     "An argument or block definition is required here.",
                     src.range(start, start + 1))
    token = text.split(b"\n", 1)[0].strip()[:30].decode("utf-8", "replace")
    end = start + max(len(text.split(b"\n", 1)[0].rstrip()), 1)
    return error("Unexpected token",
                 f'The text "{token}" is not valid here: expected an argument '
                 "(name = value), a block, or the end of an expression.",
                 src.range(start, end))


_NAME = re.compile(rb"[A-Za-z_][\w-]*")
_OPERATOR_END = (b"+", b"-", b"*", b"/", b"%", b"&&", b"||", b"==", b"!=", b"<", b">", b"!",
                 b"?", b":", b"=", b",")


def _bad_value(start: int, end: int, src: SourceFile) -> Diagnostic:
    """`name = <broken expression>` (`start` at the `=`): say where it went wrong."""
    first_line = src.data[start + 1:end].split(b"\n", 1)[0]
    value = first_line.strip()
    if not value or value.endswith(_OPERATOR_END):
        at = start + 1 + len(first_line.rstrip())
        return error("Invalid expression",
                     "Expected the start of an expression, but found the end of the line "
                     "or file.", src.range(at, at + 1))
    at = start + 1 + (len(first_line) - len(first_line.lstrip()))
    return error("Invalid expression",
                 "Expected the start of an expression, but found an invalid expression token.",
                 src.range(at, at + 1))


def escape_detail(sel: str) -> str:
    """HCL's detail for a bad escape whose selector character is `sel`."""
    if sel == "u":
        return "The \\u escape sequence must be followed by four hexadecimal digits."
    if sel == "U":
        return "The \\U escape sequence must be followed by eight hexadecimal digits."
    return f'The symbol "{sel}" is not a valid escape sequence selector.'


def _inside_block(node: Any, brace: Any, src: SourceFile) -> Diagnostic | None:
    """The first text in a closed block that tree-sitter could not make sense of."""
    data = src.data
    covered = [(c.start_byte, c.end_byte) for c in node.children if c.type == "body"]
    i = brace.end_byte
    end = node.end_byte
    while i < end:
        span = next(((a, b) for a, b in covered if a <= i < b), None)
        if span is not None:
            i = span[1]
            continue
        if data[i:i + 1].isspace():
            i += 1
            continue
        if data[i:i + 1] == b"}":
            return None
        line_begin = data.rfind(b"\n", 0, i) + 1
        line_end = data.find(b"\n", i)
        line_end = end if line_end == -1 else min(line_end, end)
        if any(a < i and line_begin < b <= i for a, b in covered):
            word = data[i:line_end].split(None, 1)[0]
            return error("Missing newline after argument",
                         "An argument definition must end with a newline.",
                         src.range(i, i + len(word)))
        line = data[i:line_end]
        m = re.match(rb"([A-Za-z_][\w-]*)\s*=(?!=)", line)
        if m:
            return _bad_value(i + m.end() - 1, line_end, src)
        head = line.split(None, 1)
        if len(head) == 2 and _NAME.fullmatch(head[0]) and not head[1].startswith(
                (b"{", b'"')):
            return error(*_CLOSERS["="], src.range(i, i + len(head[0])))
        token = line.strip()[:30].decode("utf-8", "replace")
        return error("Unexpected token",
                     f'The text "{token}" is not valid here: expected an argument '
                     "(name = value), a block, or the end of an expression.",
                     src.range(i, i + max(len(line.rstrip()), 1)))
    return None


def _has_invalid_escape(node: Any, src: SourceFile) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type in ("quoted_template", "string_lit"):
            return b"\\" in src.data[node.start_byte:node.end_byte + 1] or \
                src.data[node.start_byte - 1:node.start_byte] == b"\\"
        parent = parent.parent
    return False


def _missing_equals(node: Any, src: SourceFile) -> Diagnostic | None:
    """`name value` on one line: an argument without its `=` (HCL points at the name)."""
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
            return error(_CLOSERS["="][0], _CLOSERS["="][1], src.range(col, col + len(head[0])))
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
