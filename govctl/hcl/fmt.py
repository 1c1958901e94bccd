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

Like Terraform, this keeps blank lines, CRLF line endings, a missing final
newline and blanks at the very end of the file. It knowingly differs where
Terraform would be unsafe or unstable: `"${"${x}"}"` is unwrapped in one run
(Terraform needs two, so its output is not idempotent), and a block label such
as `"a$b"`, which Terraform silently deletes, is kept.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from functools import lru_cache
from itertools import accumulate
from typing import Any

from govctl.gcpause import paused

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
_IN = _KIND_COUNT  # pseudo-kind for spacing only: the keyword `in` has a rule of its own

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
    """One hclsyntax token; formatting only ever changes `spaces`, never `text`."""

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
    bad_bytes = _invalid_utf8(data)
    # tree-sitter-hcl has no `1e3` (exponent without fraction): mask it with
    # digits of the same length so offsets hold; tokens come from `data`.
    masked = _EXPONENT.sub(lambda m: b"1" * len(m.group(0)), data) if b"e" in data.lower() \
        else data
    tree = _parser().parse(masked)
    root = tree.root_node
    for offset in bad_bytes:  # Terraform tolerates stray bytes in comments only
        if root.descendant_for_byte_range(offset, offset + 1).type != "comment":
            raise _error_at(data, offset, "Invalid character encoding",
                            "All input files must be UTF-8 encoded.")
    if root.has_error:
        raise _tree_sitter_error(root, data)
    with paused():      # one small object per token: collections would only slow us down
        lexer = _Lexer(data)
        tokens = lexer.run(root)
        tokens = _Rewriter(data, tokens).run(root, lexer.objects)
        _layout(tokens)
        return _render(tokens, lexer.trailing_spaces)


# --- errors -------------------------------------------------------------------


def _invalid_utf8(data: bytes) -> list[int]:
    """Offsets of the bytes that are not UTF-8 (a handful at most in practice)."""
    bad: list[int] = []
    pos = 0
    while len(bad) < 100:
        try:
            data[pos:].decode("utf-8")
            break
        except UnicodeDecodeError as exc:
            bad.append(pos + exc.start)
            pos += exc.end
    return bad


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
_NUMBER = re.compile(rb"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_TEMPLATE_OPENER = re.compile(rb"(?<!\$)\$\{|(?<!%)%\{")
_WORD = re.compile(rb"[\w-]+")
_GAP_TOKEN = re.compile(rb"\r?\n|[^\s]+")
_BAD_ESCAPE = re.compile(rb'\\(?:[nrt"\\]|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})|(\\.?)', re.S)


@lru_cache(maxsize=1)
def _leaf_tables() -> tuple[list[int], list[str]]:
    """Token kind (0 when a leaf needs its own handling) and name by tree-sitter kind id."""
    language = _parser().language
    names = [language.node_kind_for_id(i) or "" for i in range(language.node_kind_count)]
    kinds = [_LEAF_KINDS.get(name, 0) for name in names]
    return kinds, names


def _leaves(root: Any) -> Iterator[Any]:
    """Leaf nodes in source order (a cursor is much cheaper than node.children)."""
    cursor = root.walk()
    down, right, up = cursor.goto_first_child, cursor.goto_next_sibling, cursor.goto_parent
    if not down():
        return  # an empty file: the root is no token
    while True:
        if down():
            continue
        yield cursor.node
        while not right():
            if not up():
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
        self.objects: list[Any] = []  # object constructors, to check their separators

    def run(self, root: Any) -> list[_Token]:
        data = self.data
        tokens = self.tokens
        append = tokens.append
        kinds, names = _leaf_tables()
        pos = 0
        heredoc_start = -1  # offset of a `<<` waiting for its identifier
        strip_at = -1  # offset of a `~` waiting for the `}` it belongs to
        modes = self.modes
        for node in _leaves(root):
            kind_id = node.kind_id
            start = node.start_byte
            end = node.end_byte
            kind = kinds[kind_id]
            if kind:
                if kind == IDENT and data.find(b"::", start, end) >= 0:
                    self._check_namespaced_call(node)
                elif kind == NUMBER and not _NUMBER.fullmatch(data, start, end):
                    raise _error_at(data, start, "Invalid number literal",
                                    "A number is digits with an optional fraction and "
                                    "exponent, like 12, 1.5 or 1e3.")
                if start > pos:
                    # inlined fast path of _gap: blanks between two expression tokens
                    if start - pos == 1 and data[pos] == 32:
                        if modes[-1] != _EXPR:
                            self._gap(pos, start)
                    elif (modes[-1] != _EXPR or data.find(b"\n", pos, start) >= 0
                            or data[pos:start].strip()):
                        self._gap(pos, start)
                elif kind <= NUMBER and tokens and tokens[-1].kind <= NUMBER:
                    self._glued_words(start)
                append(_Token(kind, data[start:end], start))
                pos = end
                if kind == OBRACE:
                    parent = node.parent
                    if (parent is not None and parent.type == "object_start"
                            and parent.parent.type == "object"):
                        self.objects.append(parent.parent)
                continue
            if start == end:
                continue  # an empty node (no token), e.g. an empty template literal
            kind_name = names[kind_id]
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
                if tokens[-1].kind in (TINTERP, TCONTROL):
                    raise _error_at(data, start, "Invalid expression",
                                    "Expected the start of an expression, but found the end "
                                    "of the template sequence.")
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
            else:  # an unnamed leaf we do not know: keep its text as a word
                append(_Token(IDENT, data[start:end], start))
            pos = end
        if len(data) > pos:
            self._gap(pos, len(data), final=True)
        return tokens

    def _check_namespaced_call(self, node: Any) -> None:
        parent = node.parent
        if parent is None or parent.type != "function_call":
            raise _error_at(self.data, node.start_byte, "Missing open parenthesis",
                            "Function selector must be followed by an open parenthesis to "
                            "begin the function call.")

    def _glued_words(self, start: int) -> None:
        """`ifx`, `invar`: tree-sitter may split a word at a keyword, hclsyntax never.

        Formatting would put a blank inside the word and so change the
        program: refuse it, as Terraform does.
        """
        last = self.tokens[-1]
        if self.modes[-1] == _EXPR and last.start + len(last.text) == start:
            word = _WORD.match(self.data, last.start)
            assert word is not None
            raise _error_at(self.data, last.start, "Invalid syntax",
                            f"{word.group().decode()!r} is read as one name, which is not "
                            "valid here; a keyword needs a space after it.")

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
                tokens = self.tokens
                if (kind == NUMBER and len(tokens) > 1 and tokens[-1].kind == DOT
                        and tokens[-2].kind == NUMBER and tokens[-1].start == m.start() - 1):
                    raise _error_at(data, tokens[-2].start, "Invalid legacy index syntax",
                                    "When using the legacy index syntax, chaining two "
                                    "indexes together is not permitted. Use the proper "
                                    "index syntax instead, like [0][1].")
                tokens.append(_Token(kind, text, m.start()))
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
        opener = _TEMPLATE_OPENER.search(data, start, end)
        if opener:  # tree-sitter took it for text, hclsyntax would start a template
            raise _error_at(data, opener.start(), "Invalid template sequence",
                            f"To include a literal \"{chr(data[opener.start()])}{{\" in a "
                            "string, double the first character.")
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


# --- Terraform's rewrites, and hclsyntax's rules tree-sitter does not enforce ----


class _Rewriter:
    """Walks bodies, blocks and arguments to collect terraform fmt's AST-level edits.

    The same walk checks what tree-sitter-hcl tolerates but hclsyntax (and so
    Terraform) rejects: items sharing a line, block headers split over lines,
    line breaks in the middle of an argument's value.
    """

    def __init__(self, data: bytes, tokens: list[_Token]):
        self.data = data
        self.tokens = tokens
        self.starts = [t.start for t in tokens]
        self.edits: list[tuple[int, int, list[_Token]]] = []
        self.depths: list[int] | None = None  # see _index_lines
        self.breaks: list[int] | None = None

    def run(self, root: Any, objects: list[Any]) -> list[_Token]:
        top = None
        for child in root.named_children:
            if child.type == "body":
                top = child
            elif child.type != "comment":  # the grammar also takes a bare `{ ... }`
                raise _error_at(self.data, child.start_byte,
                                "Argument or block definition required",
                                "An argument or block definition is required here.")
        if top is not None:
            self._body(_items(top), (), None)
        for node in objects:
            self._object(node)
        return self._apply()

    def _span(self, node: Any) -> tuple[int, int]:
        """Token index range [lo, hi) of a node."""
        starts = self.starts
        return bisect_left(starts, node.start_byte), bisect_left(starts, node.end_byte)

    def _body(self, items: list[Any], in_blocks: tuple[str, ...], closer: Any) -> None:
        """`items`: a body's arguments and blocks; `closer`: its `}`, None at top level."""
        data = self.data
        last = len(items) - 1
        for i, node in enumerate(items):
            after = items[i + 1] if i < last else closer
            if after is not None and data.find(b"\n", node.end_byte, after.start_byte) < 0:
                what = "argument" if node.type == "attribute" else "block definition"
                raise _error_at(data, after.start_byte, f"Missing newline after {what}",
                                f"A{'n' if what[0] == 'a' else ''} {what} must end with a "
                                "newline.")
            if node.type == "attribute":
                self._attribute(node, in_blocks)
            else:
                self._block(node, in_blocks)

    def _attribute(self, node: Any, in_blocks: tuple[str, ...]) -> None:
        children = node.named_children
        expr = children[-1]
        if expr.type != "expression":
            expr = next(c for c in children if c.type == "expression")
        self._one_line(*self._span(node))
        lo, hi = self._span(expr)
        old = self.tokens[lo:hi]
        if in_blocks == ("variable",) and self.data[children[0].start_byte:
                                                    children[0].end_byte] == b"type":
            new = _type_expr(old)
        else:
            new = _value_expr(old)
        if new is not None:
            self.edits.append((lo, hi, new))

    def _block(self, block: Any, in_blocks: tuple[str, ...]) -> None:
        data = self.data
        children = block.named_children
        block_type = data[children[0].start_byte:children[0].end_byte].decode()
        labels: list[Any] = []
        open_brace = close_brace = body = None
        for child in children[1:]:
            kind = child.type
            if kind == "string_lit" or kind == "identifier":
                labels.append(child)
            elif kind == "block_start":
                open_brace = child
            elif kind == "body":
                body = child
            elif kind == "block_end":
                close_brace = child
        assert open_brace is not None and close_brace is not None  # else has_error
        if data.find(b"\n", block.start_byte, open_brace.start_byte) >= 0:
            raise _error_at(data, open_brace.start_byte, "Invalid block definition",
                            "A block definition must have block content delimited by "
                            '"{" and "}", starting on the same line as the block header.')
        if labels:
            lo = self._span(labels[0])[0]
            hi = self._span(labels[-1])[1]
            self.edits.append((lo, hi, self._labels(labels)))
        items = [] if body is None else _items(body)
        if not items:
            return
        in_blocks = (*in_blocks, block_type)
        if data.find(b"\n", open_brace.end_byte, items[0].start_byte) >= 0:
            self._body(items, in_blocks, close_brace)
            return
        # a single-line block: `name { arg = value }`
        if len(items) > 1 or items[0].type == "block":
            raise _error_at(data, items[-1].start_byte,
                            "Invalid single-argument block definition",
                            "A single-line block definition can contain only a single "
                            "argument.")
        if data.find(b"\n", items[0].end_byte, close_brace.start_byte) >= 0:
            raise _error_at(data, items[0].start_byte, "Invalid single-argument block definition",
                            "A single-line block definition must end with a closing brace "
                            "immediately after its single argument definition.")
        self._attribute(items[0], in_blocks)

    def _labels(self, labels: list[Any]) -> list[_Token]:
        """Block labels always quoted; comments between them dropped (as Terraform does)."""
        data = self.data
        out: list[_Token] = []
        for label in labels:
            if label.type == "identifier":
                name = data[label.start_byte:label.end_byte]
                out += [_Token(OQUOTE, b'"'), _Token(QLIT, name), _Token(CQUOTE, b'"')]
                continue
            if any(c.type not in ("quoted_template_start", "quoted_template_end",
                                  "template_literal") for c in label.children):
                raise _error_at(data, label.start_byte, "Invalid string literal",
                                "Template sequences are not allowed in this string.")
            lo, hi = self._span(label)
            own = self.tokens[lo:hi]
            raw = own[1].text if len(own) == 3 else b""
            out.append(_Token(OQUOTE, b'"'))
            text = raw.decode()
            if not _PLAIN_LABEL.fullmatch(text):
                text = _escape(_unescape(text))
            if text:
                out.append(_Token(QLIT, text.encode()))
            out.append(_Token(CQUOTE, b'"'))
        return out

    def _object(self, node: Any) -> None:
        """Items need a comma or a newline between them, and one line each."""
        data = self.data
        prev_end = -1
        separated = True
        for child in node.children:
            if child.type == "object_elem":
                if not separated and data.find(b"\n", prev_end, child.start_byte) < 0:
                    raise _error_at(data, child.start_byte, "Missing attribute separator",
                                    "Expected a newline or comma to mark the beginning of "
                                    "the next attribute.")
                self._one_line(*self._span(child))
                prev_end = child.end_byte
                separated = False
            elif child.type == ",":
                if prev_end >= 0 and data.find(b"\n", prev_end, child.start_byte) >= 0:
                    raise _error_at(data, child.start_byte, "Invalid expression",
                                    "A comma must follow its item on the same line.")
                separated = True

    def _one_line(self, lo: int, hi: int) -> None:
        """A value ends at the end of its line unless the break is inside brackets."""
        tokens = self.tokens
        if lo >= hi or self.data.find(b"\n", tokens[lo].start, tokens[hi - 1].start) < 0:
            return
        if self.depths is None:
            self._index_lines()
        assert self.depths is not None and self.breaks is not None
        depths = self.depths
        breaks = self.breaks
        for i in breaks[bisect_left(breaks, lo):bisect_left(breaks, hi)]:
            if depths[i] == depths[lo]:
                tok = tokens[i]
                raise _error_at(self.data, tok.start + len(tok.text) - 1, "Invalid expression",
                                "The value ends at this line break, but the expression is "
                                "not complete; a value may continue on the next line only "
                                "inside parentheses, brackets or braces.")

    def _index_lines(self) -> None:
        """Bracket depth before each token, and where the line breaks are."""
        bracket = _BRACKET
        self.depths = list(accumulate((bracket[t.kind] for t in self.tokens), initial=0))
        self.breaks = [i for i, t in enumerate(self.tokens)
                       if t.kind == NEWLINE or (t.kind == COMMENT and t.text[-1:] == b"\n")]

    def _apply(self) -> list[_Token]:
        if not self.edits:
            return self.tokens
        self.edits.sort(key=lambda e: e[0])
        out: list[_Token] = []
        done = 0
        for lo, hi, new in self.edits:
            out.extend(self.tokens[done:lo])
            out.extend(new)
            done = hi
        out.extend(self.tokens[done:])
        return out


_PLAIN_LABEL = re.compile(r"[ !#&-\[\]-~]*")  # printable ASCII but for \\ " $ %
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
    """`"${expr}"` -> `expr` (fmt.go formatValueExpr); None when left as is.

    Unlike Terraform, which unwraps one level per run, this unwraps until
    nothing is left to unwrap (`"${"${x}"}"` -> `x`), so that formatting is
    idempotent.
    """
    result = None
    while (unwrapped := _unwrap_once(tokens)) is not None:
        result = tokens = unwrapped
    return result


def _unwrap_once(tokens: list[_Token]) -> list[_Token] | None:
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
            return None  # more than one interpolation, or literal text
    while inside and inside[0].kind == NEWLINE:
        inside = inside[1:]
    while inside and inside[-1].kind == NEWLINE:
        inside = inside[:-1]
    if not inside:
        return None
    if any(t.kind == NEWLINE for t in inside) and not _parenthesized(inside):
        # A line break would end the argument outside a template: parenthesize.
        # (Terraform also skips this for `(a)\n+ (b)`, producing invalid code.)
        return [_Token(OPAREN, b"("), *inside, _Token(CPAREN, b")")]
    return inside


def _parenthesized(tokens: list[_Token]) -> bool:
    """Whether the first token is a `(` that the last token closes."""
    if tokens[0].kind != OPAREN or tokens[-1].kind != CPAREN:
        return False
    depth = 0
    for tok in tokens[:-1]:
        depth += _BRACKET[tok.kind]
        if depth == 0:
            return False
    return True


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


def _items(body: Any) -> list[Any]:
    return [n for n in body.named_children if n.type == "attribute" or n.type == "block"]


# --- hclwrite's layout -----------------------------------------------------------


def _grapheme_class(ch: str) -> str:
    code = ord(ch)
    if code == 0x200D:
        return "ZWJ"
    if 0x1F1E6 <= code <= 0x1F1FF:
        return "RI"
    if 0x1100 <= code <= 0x115F or 0xA960 <= code <= 0xA97C:
        return "L"
    if 0x1160 <= code <= 0x11A7 or 0xD7B0 <= code <= 0xD7C6:
        return "V"
    if 0x11A8 <= code <= 0x11FF or 0xD7CB <= code <= 0xD7FB:
        return "T"
    if 0xAC00 <= code <= 0xD7A3:
        return "LV" if (code - 0xAC00) % 28 == 0 else "LVT"
    if unicodedata.category(ch) in ("Mn", "Me", "Mc") or 0x1F3FB <= code <= 0x1F3FF:
        return "EXT"
    return ""


_HANGUL_JOINS = {
    ("L", "L"), ("L", "V"), ("L", "LV"), ("L", "LVT"),
    ("LV", "V"), ("V", "V"), ("LV", "T"), ("V", "T"), ("LVT", "T"), ("T", "T"),
}


def _width(text: bytes) -> int:
    """Columns a token occupies: hclwrite counts grapheme clusters.

    A compact version of the UAX #29 rules that matter in names and strings:
    combining marks and emoji modifiers extend a cluster, ZWJ joins, regional
    indicators (flags) pair up, Hangul jamo compose.
    """
    if text.isascii():
        return len(text)
    count = 0
    prev = "START"
    flag_open = False
    for ch in text.decode("utf-8", "replace"):
        cls = _grapheme_class(ch)
        if cls in ("EXT", "ZWJ") and prev != "START":
            joins = True
        elif cls == "RI":
            joins = flag_open
            flag_open = not flag_open
        else:
            joins = prev == "ZWJ" or (prev, cls) in _HANGUL_JOINS
        if cls != "RI":
            flag_open = False
        if not joins:
            count += 1
        prev = cls
    return count


def _space_after(kind: int, before: int, after: int) -> bool:
    """hclwrite's spaceAfterToken: one blank between a token and the next, or none.

    `kind` is the token's kind, or _IN for the keyword `in`; `before` and
    `after` are the kinds of its neighbours in the same cell (NIL at the edges).
    """
    if after in (NEWLINE, NIL):
        return False
    if kind in (IDENT, _IN) and after == OPAREN:
        return False
    if kind == DOT or after == DOT:
        return False
    if after in (COMMA, ELLIPSIS):
        return False
    if kind == COMMA:
        return True
    if kind in _TEMPLATE_TEXT_AFTER or after in _TEMPLATE_TEXT_BEFORE:
        return False
    if kind == _IN and before == IDENT:
        return True  # `for x in [a]`, not `in[a]`
    if kind == _IN:
        kind = IDENT
    if after == OBRACK and (kind in (IDENT, NUMBER) or _BRACKET[kind] < 0):
        return False
    if kind == BANG:
        return False
    if kind == MINUS:
        return before not in _NEGATION_CONTEXT
    if kind == OBRACE or after == CBRACE:
        return not (kind == OBRACE and after == CBRACE)
    if kind in (TINTERP, TCONTROL) and after == OBRACE:
        return True
    if kind == CBRACE and after == SEQEND:
        return True
    if kind == SEQEND and after in (TINTERP, TCONTROL):
        return False
    if _BRACKET[kind] > 0:
        return False
    return _BRACKET[after] >= 0


@lru_cache(maxsize=1)
def _space_table() -> bytes:
    """_space_after for every (kind, before, after), flattened: it runs once per token."""
    k = _KIND_COUNT
    return bytes(_space_after(kind, before, after)
                 for kind in range(k + 1) for before in range(k) for after in range(k))


def _layout(tokens: list[_Token]) -> None:
    """Set every token's `spaces` the way hclwrite's format() does."""
    bracket = _BRACKET
    # hclwrite cuts each line into up to three cells: the lead, then from the
    # `=` of `name = value` (when the value closes on this line), then a
    # trailing line comment. The last two are aligned across consecutive lines.
    lines: list[tuple[int, int, int, int]] = []  # (start, assign_at, comment_at, end)
    start = 0
    n = len(tokens)
    for i in range(n + 1):
        if i < n:
            tok = tokens[i]
            if tok.kind != NEWLINE and not (tok.kind == COMMENT and tok.text[-1:] == b"\n"):
                continue
        end = i + 1 if i < n else n  # a line ends after its newline or line comment
        if end <= start:
            break
        comment_at = end
        if end - start > 1 and tokens[end - 1].kind == COMMENT:
            comment_at = end - 1
        assign_at = comment_at
        for j in range(start + 1, comment_at):
            if tokens[j].kind == EQUAL:
                if sum(bracket[t.kind] for t in tokens[j:comment_at]) == 0:
                    assign_at = j
                break
        lines.append((start, assign_at, comment_at, end))
        start = end

    # indentation: one level per line that opens more brackets than it closes
    indents: list[int] = []
    for start, assign_at, comment_at, _end in lines:
        first = tokens[start]
        if first.kind == NEWLINE:
            first.spaces = 0
            continue
        net = 0
        for j in range(start, assign_at):
            kind = tokens[j].kind
            net += bracket[kind]
            if kind == OHEREDOC:
                break
        for j in range(assign_at, comment_at):
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

    # blanks between the tokens of each cell
    for start, assign_at, comment_at, _end in lines:
        _space_cell(tokens, start, assign_at)
        if assign_at < comment_at:
            tokens[assign_at].spaces = 1
            _space_cell(tokens, assign_at, comment_at)

    _align(tokens, lines)


def _space_cell(tokens: list[_Token], lo: int, hi: int) -> None:
    table = _space_table()
    k = _KIND_COUNT
    before = NIL
    for j in range(lo, hi - 1):
        subject = tokens[j]
        kind = subject.kind
        row = (_IN if kind == IDENT and subject.text == b"in" else kind) * k + before
        after = tokens[j + 1]
        after.spaces = table[row * k + after.kind]
        before = kind


def _columns(tokens: list[_Token], lo: int, hi: int) -> int:
    return sum(t.spaces + _width(t.text) for t in tokens[lo:hi])


def _align(tokens: list[_Token], lines: list[tuple[int, int, int, int]]) -> None:
    """Line up `=`, then trailing comments, over runs of consecutive lines having one."""
    run: list[tuple[int, int]] = []  # (index of the cell's first token, columns before it)

    def close_run() -> None:
        widest = max(cols for _, cols in run)
        for index, cols in run:
            tokens[index].spaces = widest - cols + 1
        run.clear()

    for start, assign_at, comment_at, _end in lines:
        if assign_at < comment_at:
            run.append((assign_at, _columns(tokens, start, assign_at)))
        elif run:
            close_run()
    if run:
        close_run()
    for start, _assign_at, comment_at, end in lines:
        if comment_at < end:
            run.append((comment_at, _columns(tokens, start, comment_at)))
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
