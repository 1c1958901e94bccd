"""Canonical formatting of HCL files, byte-for-byte what `terraform fmt` writes.

`terraform fmt` is not a pretty-printer: it never moves a token to another line.
It lexes the file (hclsyntax), lets `hclwrite` recompute the blanks *before*
every token, and applies a few Terraform-specific rewrites on the way. Copying
that model -- rather than printing an AST -- is what makes the output identical
to Terraform's, including its odd corners (`x.* [0]`, `%{if c}`, kept blank
lines and CRLF line endings). So the pipeline here is:

1. parse with tree-sitter-hcl, refuse files with syntax errors (plus a few
   mistakes tree-sitter tolerates but Terraform rejects), so that a broken
   file is never rewritten;
2. turn the tree's leaves into hclsyntax-shaped tokens. tree-sitter leaves
   template text at the edges of template parts in the byte gaps between
   nodes, so every token's text is cut from the original bytes and literal
   text is copied verbatim: formatting must never change what a string means;
3. Terraform's rewrites (fmt.go): quoted block labels, `"${x}"` unwrapped to
   `x` in arguments, legacy `type = "string"` / `list` in variable blocks;
4. hclwrite's layout (format.go): indentation by bracket depth per line, one
   space or none between tokens, `=` and end-of-line comments aligned across
   runs of consecutive lines.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

__all__ = ["FormatError", "format_source"]


class FormatError(Exception):
    """The input is not valid HCL, so it is left alone.

    `line` and `column` are 1-based; the column counts characters, not bytes.
    """

    def __init__(self, line: int, column: int, message: str, detail: str = ""):
        super().__init__(f"{line}:{column}: {message}")
        self.line = line
        self.column = column
        self.message = message
        self.detail = detail


# --- tokens -----------------------------------------------------------------
# Kinds mirror hclsyntax's token types, because hclwrite's spacing rules are
# written in terms of them. Plain ints: they are compared ~10 times per token.

NIL = 0  # "no token": before the first / after the last token of a cell
IDENT = 1  # identifiers and keywords (for, in, if, true, null...)
NUMBER = 2
OQUOTE = 3
CQUOTE = 4
QLIT = 5  # literal text of a quoted template
SLIT = 6  # literal text of a heredoc template
OHEREDOC = 7  # `<<EOT` with its line ending
CHEREDOC = 8  # the closing marker with its indentation
TINTERP = 9  # `${` or `${~`
TCONTROL = 10  # `%{` or `%{~`
SEQEND = 11  # `}` or `~}` closing either of the above
OBRACE = 12
CBRACE = 13
OBRACK = 14
CBRACK = 15
OPAREN = 16
CPAREN = 17
COMMA = 18
DOT = 19
ELLIPSIS = 20
EQUAL = 21
COLON = 22
QUESTION = 23
FATARROW = 24
MINUS = 25
PLUS = 26
STAR = 27
SLASH = 28
PERCENT = 29
BANG = 30
AND = 31
OR = 32
EQOP = 33
NEQ = 34
LT = 35
GT = 36
LTE = 37
GTE = 38
COMMENT = 39
NEWLINE = 40
_KIND_COUNT = 41

_BRACKET = [0] * _KIND_COUNT
for _k in (OBRACE, OBRACK, OPAREN, TINTERP, TCONTROL):
    _BRACKET[_k] = 1
for _k in (CBRACE, CBRACK, CPAREN, SEQEND):
    _BRACKET[_k] = -1

_LEAF_KINDS = {
    "identifier": IDENT, "true": IDENT, "false": IDENT, "null_lit": IDENT,
    "for": IDENT, "in": IDENT, "if": IDENT, "else": IDENT, "endif": IDENT,
    "endfor": IDENT, "numeric_lit": NUMBER,
    "{": OBRACE, "}": CBRACE, "[": OBRACK, "]": CBRACK, "(": OPAREN, ")": CPAREN,
    ",": COMMA, ".": DOT, "ellipsis": ELLIPSIS, "=": EQUAL, ":": COLON, "?": QUESTION,
    "=>": FATARROW, "-": MINUS, "+": PLUS, "*": STAR, "/": SLASH, "%": PERCENT, "!": BANG,
    "&&": AND, "||": OR, "==": EQOP, "!=": NEQ, "<": LT, ">": GT, "<=": LTE, ">=": GTE,
}

# A minus after one of these starts a negative number: no space after it.
_NEGATION_CONTEXT = frozenset({
    NIL, OPAREN, OBRACE, OBRACK, EQUAL, COLON, COMMA, QUESTION, PLUS, STAR, SLASH, PERCENT,
    MINUS, EQOP, NEQ, GT, GTE, LT, LTE, AND, OR, BANG,
})
_TEMPLATE_TEXT_AFTER = frozenset({QLIT, SLIT, OQUOTE, OHEREDOC})
_TEMPLATE_TEXT_BEFORE = frozenset({QLIT, SLIT, CQUOTE, CHEREDOC})


class _Token:
    __slots__ = ("kind", "spaces", "start", "text")

    def __init__(self, kind: int, text: bytes, start: int = -1):
        self.kind = kind
        self.text = text
        self.start = start  # offset in the source; -1 for tokens the rewrites invent
        self.spaces = 0  # blanks written before the token


# --- entry point ---------------------------------------------------------------

_EXPONENT = re.compile(rb"(?<![\w.])\d+[eE][+-]?\d+(?![\w.])")


@lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter_hcl
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_hcl.language()))


def format_source(data: bytes) -> bytes:
    """Return `data` formatted as `terraform fmt` would; raise FormatError if invalid."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error_at(data, exc.start, "Invalid character encoding",
                        "The file must be UTF-8 encoded.") from None
    # tree-sitter-hcl has no `1e3` (exponent without fraction): mask it with
    # digits of the same length so offsets hold; tokens come from `data`.
    masked = _EXPONENT.sub(lambda m: b"1" * len(m.group(0)), data) if b"e" in data.lower() \
        else data
    tree = _parser().parse(masked)
    root = tree.root_node
    if root.has_error:
        raise _tree_sitter_error(root, data)
    lexer = _Lexer(data)
    tokens = lexer.run(root)
    tokens = _terraform_rewrites(root, data, tokens)
    _layout(tokens)
    return _render(tokens, lexer.trailing_spaces)


# --- errors -------------------------------------------------------------------


def _error_at(data: bytes, offset: int, message: str, detail: str = "") -> FormatError:
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, line_start) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return FormatError(line, column, message, detail)


def _tree_sitter_error(root: Any, data: bytes) -> FormatError:
    """The first error, worded by the parser's own diagnostics module."""
    from govctl.hcl.source import SourceFile
    from govctl.hcl.syntax_errors import find_syntax_errors

    diags = find_syntax_errors(root, SourceFile("<fmt>", data))
    first = diags[0]
    if first.range is None:
        return FormatError(1, 1, first.summary, first.detail)
    start = first.range.start
    return FormatError(start.line, start.column, first.summary, first.detail)


# --- lexing: tree-sitter leaves -> hclsyntax-shaped tokens -----------------------

_EXPR, _QUOTED, _HEREDOC = 0, 1, 2
_GAP_TOKEN = re.compile(rb"\r?\n|[^\s]+")
_BAD_ESCAPE = re.compile(rb'\\(?:[nrt"\\]|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})|(\\.?)', re.S)


def _leaves(root: Any) -> Iterator[Any]:
    """Leaf nodes in source order (a cursor is much cheaper than node.children)."""
    cursor = root.walk()
    while True:
        if cursor.goto_first_child():
            continue
        yield cursor.node
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return


class _Lexer:
    """Rebuilds the token stream hclsyntax would produce from tree-sitter's leaves.

    Leaves give structure and positions; what lies between them is whitespace
    and newlines in expressions, or literal text inside templates -- which one
    depends on the template nesting, tracked by `modes`.
    """

    def __init__(self, data: bytes):
        self.data = data
        self.tokens: list[_Token] = []
        self.modes = [_EXPR]
        self.trailing_spaces = 0

    def run(self, root: Any) -> list[_Token]:
        data = self.data
        tokens = self.tokens
        append = tokens.append
        kinds = _LEAF_KINDS
        pos = 0
        heredoc_start = -1  # offset of a `<<` waiting for its identifier
        strip_at = -1  # offset of a `~` waiting for the `}` it belongs to
        for node in _leaves(root):
            kind_name = node.type
            start = node.start_byte
            end = node.end_byte
            kind = kinds.get(kind_name)
            if kind is not None:
                if start > pos:
                    self._gap(pos, start)
                append(_Token(kind, data[start:end], start))
                pos = end
                continue
            if kind_name == "heredoc_identifier" and heredoc_start < 0:
                start = data.rfind(b"\n", 0, start) + 1  # the marker keeps its indent
            if start > pos:
                self._gap(pos, start)
            if kind_name == "template_literal":
                self._literal(start, end)
            elif kind_name == "comment":
                end = self._comment(start, end)
            elif kind_name == "quoted_template_start":
                append(_Token(OQUOTE, data[start:end], start))
                self.modes.append(_QUOTED)
            elif kind_name == "quoted_template_end":
                append(_Token(CQUOTE, data[start:end], start))
                self.modes.pop()
            elif kind_name == "template_interpolation_start":
                append(_Token(TINTERP, data[start:end], start))
                self.modes.append(_EXPR)
            elif kind_name == "template_directive_start":
                append(_Token(TCONTROL, data[start:end], start))
                self.modes.append(_EXPR)
            elif kind_name in ("template_interpolation_end", "template_directive_end"):
                text = data[start:end] if strip_at < 0 else b"~" + data[start:end]
                append(_Token(SEQEND, text, start if strip_at < 0 else strip_at))
                strip_at = -1
                self.modes.pop()
            elif kind_name == "strip_marker":
                last = tokens[-1]
                if last.kind in (TINTERP, TCONTROL) and last.start + len(last.text) == start:
                    last.text += b"~"  # hclsyntax lexes `${~` as one token
                else:
                    strip_at = start
            elif kind_name in ("<<", "<<-"):
                heredoc_start = start
            elif kind_name == "heredoc_identifier":
                if heredoc_start >= 0:
                    end = self._open_heredoc(heredoc_start, end)
                    heredoc_start = -1
                else:
                    self._close_heredoc(start, end)
            elif kind_name == ".*":
                append(_Token(DOT, b".", start))
                append(_Token(STAR, b"*", start + 1))
            elif kind_name == "[*]":
                append(_Token(OBRACK, b"[", start))
                append(_Token(STAR, b"*", start + 1))
                append(_Token(CBRACK, b"]", start + 2))
            elif kind_name == "{" or kind_name == "}":  # pragma: no cover - in _LEAF_KINDS
                pass
            else:  # an unnamed leaf we do not know: keep its text as a word
                append(_Token(IDENT, data[start:end], start))
            pos = end
        if len(data) > pos:
            self._gap(pos, len(data), final=True)
        return tokens

    def _gap(self, start: int, end: int, final: bool = False) -> None:
        """Bytes no leaf covers: template text, or blanks and newlines."""
        if self.modes[-1] != _EXPR:
            self._literal(start, end)
            return
        data = self.data
        last = start
        for m in _GAP_TOKEN.finditer(data, start, end):
            text = m.group()
            if text[-1:] == b"\n":
                self.tokens.append(_Token(NEWLINE, text, m.start()))
            else:  # digits of a legacy index `x.0`, which the grammar leaves out
                kind = NUMBER if text[:1].isdigit() else IDENT
                self.tokens.append(_Token(kind, text, m.start()))
            last = m.end()
        if final:
            # hclwrite keeps the blanks before the end of the file as they are
            self.trailing_spaces = end - last

    def _literal(self, start: int, end: int) -> None:
        if start >= end:
            return
        data = self.data
        quoted = self.modes[-1] == _QUOTED
        if quoted:
            self._check_quoted_literal(start, end)
        last = self.tokens[-1]
        kind = QLIT if quoted else SLIT
        if last.kind == kind and last.start + len(last.text) == start:
            last.text += data[start:end]
        else:
            self.tokens.append(_Token(kind, data[start:end], start))

    def _check_quoted_literal(self, start: int, end: int) -> None:
        data = self.data
        newline = data.find(b"\n", start, end)
        if newline >= 0:
            raise _error_at(data, newline, "Invalid multi-line string",
                            "Quoted strings may not be split over multiple lines. To produce "
                            "a multi-line string, either use the \\n escape to represent a "
                            "newline character or use the \"heredoc\" multi-line template "
                            "syntax.")
        if b"\\" not in data[start:end]:
            return
        for m in _BAD_ESCAPE.finditer(data, start, end):
            if m.group(1) is not None:
                raise _error_at(data, m.start(), "Invalid escape sequence",
                                "The symbol after the backslash is not a valid escape "
                                "sequence selector.")
            if m.group()[1:2] == b"U" and int(m.group()[2:], 16) > 0x10FFFF:
                raise _error_at(data, m.start(), "Invalid escape sequence",
                                "The character cannot be encoded in UTF-8.")

    def _comment(self, start: int, end: int) -> int:
        """Line comments own their line ending in hclsyntax; that ends the line."""
        data = self.data
        if data[start:start + 1] == b"#" or data[start:start + 2] == b"//":
            if data[end:end + 1] == b"\n":
                end += 1
            elif data[end:end + 2] == b"\r\n":
                end += 2
        self.tokens.append(_Token(COMMENT, data[start:end], start))
        return end

    def _open_heredoc(self, start: int, ident_end: int) -> int:
        data = self.data
        line_end = data.find(b"\n", ident_end)
        if line_end < 0 or data[ident_end:line_end].strip():
            raise _error_at(data, start, "Invalid heredoc",
                            "The heredoc marker must be followed by a newline.")
        self.tokens.append(_Token(OHEREDOC, data[start:line_end + 1], start))
        self.modes.append(_HEREDOC)
        return line_end + 1

    def _close_heredoc(self, start: int, end: int) -> None:
        data = self.data
        if data[end:end + 1] != b"\n" and data[end:end + 2] != b"\r\n":
            raise _error_at(data, start, "Unterminated template string",
                            "The closing marker of a heredoc must be followed by a newline.")
        self.tokens.append(_Token(CHEREDOC, data[start:end], start))
        self.modes.pop()


# --- Terraform's rewrites -------------------------------------------------------


def _terraform_rewrites(root: Any, data: bytes, tokens: list[_Token]) -> list[_Token]:
    """Apply terraform fmt's AST-level edits (and check what tree-sitter lets through)."""
    starts = [t.start for t in tokens]
    edits: list[tuple[int, int, list[_Token]]] = []

    def span(node: Any) -> tuple[int, int]:
        return bisect_left(starts, node.start_byte), bisect_left(starts, node.end_byte)

    def walk_body(body: Any, in_blocks: tuple[str, ...]) -> None:
        for node in body.named_children:
            if node.type == "attribute":
                name = data[node.start_byte:node.named_children[0].end_byte]
                expr = next(c for c in node.named_children if c.type == "expression")
                lo, hi = span(expr)
                old = tokens[lo:hi]
                if in_blocks == ("variable",) and name == b"type":
                    new = _type_expr(old)
                else:
                    new = _value_expr(old)
                if new is not None:
                    edits.append((lo, hi, new))
            elif node.type == "block":
                walk_block(node, in_blocks)

    def walk_block(block: Any, in_blocks: tuple[str, ...]) -> None:
        children = block.named_children
        block_type = data[children[0].start_byte:children[0].end_byte].decode()
        labels = [c for c in children[1:] if c.type in ("string_lit", "identifier")]
        open_brace = next(c for c in children if c.type == "block_start")
        if b"\n" in data[block.start_byte:open_brace.start_byte]:
            raise _error_at(data, open_brace.start_byte, "Invalid block definition",
                            "A block definition must have block content delimited by "
                            '"{" and "}", starting on the same line as the block header.')
        if labels:
            lo, _ = span(labels[0])
            _, hi = span(labels[-1])
            edits.append((lo, hi, _labels(labels, tokens, starts, data)))
        _check_block_body(block, data)
        body = next((c for c in children if c.type == "body"), None)
        if body is not None:
            walk_body(body, (*in_blocks, block_type))

    top = next((c for c in root.named_children if c.type == "body"), None)
    if top is not None:
        _check_items_end_lines(top.named_children, data, None)
        walk_body(top, ())
    _check_objects(root, data)
    if not edits:
        return tokens
    edits.sort(key=lambda e: e[0])
    out: list[_Token] = []
    done = 0
    for lo, hi, new in edits:
        out.extend(tokens[done:lo])
        out.extend(new)
        done = hi
    out.extend(tokens[done:])
    return out


def _labels(labels: list[Any], tokens: list[_Token], starts: list[int],
            data: bytes) -> list[_Token]:
    """Block labels always quoted; comments between them dropped (as Terraform does)."""
    out: list[_Token] = []
    for label in labels:
        if label.type == "identifier":
            text = data[label.start_byte:label.end_byte]
            out += [_Token(OQUOTE, b'"'), _Token(QLIT, text), _Token(CQUOTE, b'"')]
            continue
        if any(c.type != "quoted_template_start" and c.type != "quoted_template_end"
               and c.type != "template_literal" for c in label.children):
            raise _error_at(data, label.start_byte, "Invalid string literal",
                            "Template sequences are not allowed in this string.")
        lo = bisect_left(starts, label.start_byte)
        hi = bisect_left(starts, label.end_byte)
        own = tokens[lo:hi]
        raw = own[1].text if len(own) == 3 else b""
        if b"$${" in raw or b"%%{" in raw:
            # hclsyntax splits such a literal in two and Terraform then drops
            # the whole label; keeping it as written is the only safe choice.
            out += own
            continue
        out += [_Token(OQUOTE, b'"')]
        text = _escape(_unescape(raw.decode()))
        if text:
            out.append(_Token(QLIT, text.encode()))
        out.append(_Token(CQUOTE, b'"'))
    return out


_ESCAPE_SEQ = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)|([$%])\2\{", re.S)
_SIMPLE_UNESCAPE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(raw: str) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(2):
            return m.group(2) + "{"
        sel = m.group(1)
        if len(sel) > 1:
            return chr(int(sel[1:], 16))
        return _SIMPLE_UNESCAPE[sel]

    return _ESCAPE_SEQ.sub(one, raw)


def _escape(text: str) -> str:
    """hclwrite's escapeQuotedStringLit."""
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "$%":
            out.append(ch * 2 if text[i + 1:i + 2] == "{" else ch)
        elif not ch.isprintable() and ch != " ":
            code = ord(ch)
            out.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return "".join(out)


def _value_expr(tokens: list[_Token]) -> list[_Token] | None:
    """`"${expr}"` -> `expr` (fmt.go formatValueExpr); None when left as is."""
    if len(tokens) < 5:
        return None
    if (tokens[0].kind != OQUOTE or tokens[1].kind != TINTERP
            or tokens[-2].kind != SEQEND or tokens[-1].kind != CQUOTE):
        return None
    inside = tokens[2:-2]
    quotes = 0
    for tok in inside:
        if tok.kind == OQUOTE:
            quotes += 1
        elif tok.kind == CQUOTE:
            quotes -= 1
        elif quotes > 0:
            continue
        elif tok.kind in (TINTERP, SEQEND, QLIT):
            return None
    while inside and inside[0].kind == NEWLINE:
        inside = inside[1:]
    while inside and inside[-1].kind == NEWLINE:
        inside = inside[:-1]
    multi_line = any(t.kind == NEWLINE for t in inside)
    if multi_line and not (inside[0].kind == OPAREN and inside[-1].kind == CPAREN):
        # a multi-line expression needs parentheses to parse outside a template
        return [_Token(OPAREN, b"("), *inside, _Token(CPAREN, b")")]
    return inside


def _type_expr(tokens: list[_Token]) -> list[_Token] | None:
    """Pre-0.12 type constraints in variable blocks (fmt.go formatTypeExpr)."""
    if len(tokens) == 1 and tokens[0].kind == IDENT and tokens[0].text in (b"list", b"map",
                                                                            b"set"):
        return [tokens[0], _Token(OPAREN, b"("), _Token(IDENT, b"any"), _Token(CPAREN, b")")]
    if (len(tokens) == 3 and tokens[0].kind == OQUOTE and tokens[1].kind == QLIT
            and tokens[2].kind == CQUOTE):
        word = tokens[1].text
        if word == b"string":
            return [_Token(IDENT, b"string")]
        if word in (b"list", b"map"):
            return [_Token(IDENT, word), _Token(OPAREN, b"("), _Token(IDENT, b"string"),
                    _Token(CPAREN, b")")]
    return None


# --- checks for what tree-sitter accepts but hclsyntax does not ------------------


def _check_items_end_lines(items: list[Any], data: bytes, closer: Any) -> None:
    """Each argument or block must end its line (hclsyntax's "Missing newline")."""
    items = [n for n in items if n.type in ("attribute", "block")]
    for item, nxt in zip(items, [*items[1:], closer], strict=True):
        if nxt is None:
            break
        if b"\n" not in data[item.end_byte:nxt.start_byte]:
            what = "argument" if item.type == "attribute" else "block definition"
            raise _error_at(data, nxt.start_byte, f"Missing newline after {what}",
                            f"A{'n' if what[0] == 'a' else ''} {what} must end with a "
                            "newline.")


def _check_block_body(block: Any, data: bytes) -> None:
    children = block.named_children
    open_brace = next(c for c in children if c.type == "block_start")
    close_brace = next(c for c in children if c.type == "block_end")
    body = next((c for c in children if c.type == "body"), None)
    items = [] if body is None else [n for n in body.named_children
                                     if n.type in ("attribute", "block")]
    if not items:
        return
    if b"\n" in data[open_brace.end_byte:items[0].start_byte]:
        _check_items_end_lines(items, data, close_brace)
        return
    # a single-line block: `name { arg = value }`
    if len(items) > 1 or items[0].type == "block":
        raise _error_at(data, items[1].start_byte if len(items) > 1 else items[0].start_byte,
                        "Invalid single-argument block definition",
                        "A single-line block definition can contain only a single argument.")
    if b"\n" in data[items[0].end_byte:close_brace.start_byte]:
        raise _error_at(data, items[0].start_byte, "Invalid single-argument block definition",
                        "A single-line block definition must end with a closing brace "
                        "immediately after its single argument definition.")


def _check_objects(root: Any, data: bytes) -> None:
    """Object items need a comma or a newline between them."""
    query = _object_query()
    if query is None:
        return
    for node in _captures(query, root):
        prev_end = -1
        separated = True
        for child in node.children:
            if child.type == "object_elem":
                if not separated and b"\n" not in data[prev_end:child.start_byte]:
                    raise _error_at(data, child.start_byte, "Missing attribute separator",
                                    "Expected a newline or comma to mark the beginning of "
                                    "the next attribute.")
                prev_end = child.end_byte
                separated = False
            elif child.type == ",":
                separated = True


@lru_cache(maxsize=1)
def _object_query() -> Any:
    try:
        from tree_sitter import Query

        return Query(_parser().language, "(object) @o")
    except Exception:  # pragma: no cover - very old bindings: skip the check
        return None


def _captures(query: Any, root: Any) -> list[Any]:
    try:
        from tree_sitter import QueryCursor

        found = QueryCursor(query).captures(root)
    except ImportError:  # pragma: no cover - bindings before 0.25
        found = query.captures(root)
    if isinstance(found, dict):
        return list(found.get("o", []))
    return [node for node, _ in found]  # pragma: no cover


# --- hclwrite's layout -----------------------------------------------------------


def _width(text: bytes) -> int:
    """Columns a token occupies: hclwrite counts grapheme clusters."""
    if text.isascii():
        return len(text)
    count = 0
    joined = False
    for ch in text.decode("utf-8", "replace"):
        if joined:
            joined = False
            continue
        if ch == "\u200d":
            joined = True
            continue
        if unicodedata.category(ch) in ("Mn", "Me", "Mc") or 0x1F3FB <= ord(ch) <= 0x1F3FF:
            continue
        count += 1
    return count


def _space_after(subject: _Token, before: int, after: int) -> bool:
    """hclwrite's spaceAfterToken: one blank between subject and after, or none."""
    kind = subject.kind
    if after == NEWLINE or after == NIL:
        return False
    if kind == IDENT and after == OPAREN:
        return False
    if kind == DOT or after == DOT:
        return False
    if after == COMMA or after == ELLIPSIS:
        return False
    if kind == COMMA:
        return True
    if kind in _TEMPLATE_TEXT_AFTER or after in _TEMPLATE_TEXT_BEFORE:
        return False
    if kind == IDENT and before == IDENT and subject.text == b"in":
        return True  # `for x in [a]`, not `in[a]`
    if after == OBRACK and (kind == IDENT or kind == NUMBER or _BRACKET[kind] < 0):
        return False
    if kind == BANG:
        return False
    if kind == MINUS:
        return before not in _NEGATION_CONTEXT
    if kind == OBRACE or after == CBRACE:
        return not (kind == OBRACE and after == CBRACE)
    if (kind == TINTERP or kind == TCONTROL) and after == OBRACE:
        return True
    if kind == CBRACE and after == SEQEND:
        return True
    if kind == SEQEND and (after == TINTERP or after == TCONTROL):
        return False
    if _BRACKET[kind] > 0:
        return False
    return _BRACKET[after] >= 0


def _layout(tokens: list[_Token]) -> None:
    """Set every token's `spaces` the way hclwrite's format() does."""
    bracket = _BRACKET
    # A line is [lo, hi): it ends after a newline or a line comment. `assign` is
    # where `name = value` starts its `= value` cell, `comment` a trailing
    # line comment; both are aligned across consecutive lines.
    lines: list[tuple[int, int, int, int]] = []  # (lo, lead_end, assign_end, hi)
    lo = 0
    n = len(tokens)
    for i in range(n + 1):
        if i < n:
            tok = tokens[i]
            if tok.kind != NEWLINE and not (tok.kind == COMMENT and tok.text[-1:] == b"\n"):
                continue
        hi = i + 1 if i < n else n
        if hi <= lo:
            break
        end = hi
        if hi - lo > 1 and tokens[hi - 1].kind == COMMENT:
            end = hi - 1
        lead_end = end
        for j in range(lo + 1, end):
            if tokens[j].kind == EQUAL:
                if sum(bracket[t.kind] for t in tokens[j:end]) == 0:
                    lead_end = j
                break
        lines.append((lo, lead_end, end, hi))
        lo = hi

    # indentation: one level per line that opens more brackets than it closes
    indents: list[int] = []
    for lo, lead_end, end, _hi in lines:
        first = tokens[lo]
        if first.kind == NEWLINE:
            first.spaces = 0
            continue
        net = 0
        for j in range(lo, lead_end):
            kind = tokens[j].kind
            net += bracket[kind]
            if kind == OHEREDOC:
                break
        for j in range(lead_end, end):
            net += bracket[tokens[j].kind]
        if net < 0:
            closed = -net
            while closed > 0 and indents:
                if closed >= indents[-1]:
                    closed -= indents.pop()
                else:
                    indents[-1] -= closed
                    closed = 0
        first.spaces = 2 * len(indents)
        if net > 0:
            indents.append(net)

    # spaces between tokens within each cell
    for lo, lead_end, end, _hi in lines:
        _space_cell(tokens, lo, lead_end)
        if lead_end < end:
            tokens[lead_end].spaces = 1
            _space_cell(tokens, lead_end, end)

    _align(tokens, lines)


def _space_cell(tokens: list[_Token], lo: int, hi: int) -> None:
    before = NIL
    for j in range(lo, hi - 1):
        subject = tokens[j]
        tokens[j + 1].spaces = 1 if _space_after(subject, before, tokens[j + 1].kind) else 0
        before = subject.kind


def _columns(tokens: list[_Token], lo: int, hi: int) -> int:
    return sum(t.spaces + _width(t.text) for t in tokens[lo:hi])


def _align(tokens: list[_Token], lines: list[tuple[int, int, int, int]]) -> None:
    """Line up `=` (then trailing comments) over runs of consecutive lines."""
    run: list[tuple[int, int]] = []  # (index of first token of the cell, columns before it)

    def close_run() -> None:
        widest = max(cols for _, cols in run)
        for index, cols in run:
            tokens[index].spaces = widest - cols + 1
        run.clear()

    for lo, lead_end, end, _hi in lines:
        if lead_end < end:
            run.append((lead_end, _columns(tokens, lo, lead_end)))
        elif run:
            close_run()
    if run:
        close_run()
    for lo, _lead_end, end, hi in lines:
        if end < hi:
            run.append((end, _columns(tokens, lo, end)))
        elif run:
            close_run()
    if run:
        close_run()


def _render(tokens: list[_Token], trailing_spaces: int) -> bytes:
    pieces: list[bytes] = []
    append = pieces.append
    blanks = [b" " * i for i in range(64)]
    for tok in tokens:
        if tok.spaces:
            append(blanks[tok.spaces] if tok.spaces < 64 else b" " * tok.spaces)
        append(tok.text)
    append(b" " * trailing_spaces)
    return b"".join(pieces)
