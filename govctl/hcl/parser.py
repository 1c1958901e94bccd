"""tree-sitter-hcl concrete syntax tree -> our AST (govctl.hcl.ast).

Why tree-sitter: it parses in C, an order of magnitude faster than
python-hcl2 (figures in ARCHITECTURE.md). Its traps are handled here:
- exponent numbers without a fraction (`1e3`) are not in its grammar: they are
  masked with same-length digits before parsing, and every token's text is
  read from the original bytes;
- it never raises: ERROR and MISSING nodes are turned into our own messages
  (see syntax_errors.py);
- template text at the edges of parts lives in byte gaps between nodes, so
  literal text is cut from the source between the structural children.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import Any

from govctl.diagnostics import Diagnostic, error
from govctl.gcpause import paused
from govctl.hcl import ast
from govctl.hcl.source import SourceFile
from govctl.hcl.syntax_errors import escape_detail, find_syntax_errors
from govctl.lang.values import parse_number

_EXPONENT = re.compile(rb"(?<![\w.])(\d+)([eE][+-]?\d+)(?![\w.])")
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|\$\$\{|%%\{", re.S)
_LITERAL_ESCAPE = re.compile(r"\$\$\{|%%\{")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_POSTFIX = frozenset({"get_attr", "index", "splat"})
_BINARY_OPS = frozenset({"||", "&&", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/",
                         "%"})


@lru_cache(maxsize=1)
def _ts_parser() -> Any:
    import tree_sitter_hcl
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_hcl.language()))


def _reparse(data: bytes) -> Any:
    return _ts_parser().parse(mask_exponents(data)).root_node


def mask_exponents(data: bytes) -> bytes:
    """Replace `1e3`-style numbers with digits of the same length (see module doc)."""
    if b"e" not in data and b"E" not in data:
        return data
    return _EXPONENT.sub(lambda m: b"1" * len(m.group(0)), data)


class ParseError(Exception):
    def __init__(self, diags: list[Diagnostic]):
        self.diagnostics = diags
        super().__init__(diags[0].summary if diags else "syntax error")


def parse(data: bytes, filename: str) -> tuple[ast.File | None, list[Diagnostic]]:
    """Parse one file. Returns (file or None when it has syntax errors, diagnostics)."""
    src = SourceFile(filename, data)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:  # the builder reads text as UTF-8
        return None, [error("Invalid character encoding",
                            "All input files must be UTF-8 encoded. Ensure that UTF-8 encoding "
                            "is selected in your editor.", src.range(exc.start, exc.start + 1))]
    tree = _ts_parser().parse(mask_exponents(data))
    root = tree.root_node
    if root.has_error:
        return None, find_syntax_errors(root, src, _reparse)
    builder = _Builder(src)
    with paused():      # the walk allocates many small objects; see ARCHITECTURE.md
        body_node = None
        for child in root.children:
            if child.type == "body":
                body_node = child
        if body_node is None:
            body = ast.Body(src, 0, len(data), {}, [])
        else:
            body = builder.body(body_node)
    return ast.File(src, 0, len(data), body), builder.diags


def parse_expression(text: str, filename: str = "<console-input>") -> tuple[
        ast.Expr | None, list[Diagnostic]]:
    """Parse a standalone expression (console, -var values, type constraints)."""
    prefix = "__expr__ = "
    data = (prefix + text).encode()
    src = SourceFile(filename, data, len(prefix))
    tree = _ts_parser().parse(mask_exponents(data))
    root = tree.root_node
    if root.has_error:
        return None, find_syntax_errors(root, src, _reparse)
    body = next((c for c in root.children if c.type == "body"), None)
    attrs = [c for c in body.children if c.type == "attribute"] if body else []
    value = next((c for c in attrs[0].children if c.type == "expression"), None) \
        if len(attrs) == 1 else None
    if value is None or body is None or any(c.type == "block" for c in body.children):
        return None, [error("Invalid expression", "Expected a single expression.",
                            SourceFile(filename, text.encode()).range(0, len(text.encode())))]
    builder = _Builder(src)
    expr = builder.expr(value)
    return expr, builder.diags


class _Builder:
    """One pass over the CST. Methods are named after the grammar rules."""

    def __init__(self, src: SourceFile):
        self.src = src
        self.data = src.data
        self.diags: list[Diagnostic] = []

    def text(self, node: Any) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8")

    # --- structure ------------------------------------------------------
    def body(self, node: Any) -> ast.Body:
        attrs: dict[str, ast.Attribute] = {}
        blocks: list[ast.Block] = []
        for child in node.children:
            t = child.type
            if t == "attribute":
                attr = self.attribute(child)
                prev = attrs.get(attr.name)
                if prev is not None:
                    r = prev.name_range
                    self.diags.append(error(
                        "Attribute redefined",
                        f'The argument "{attr.name}" was already set at '
                        f"{r.filename}:{r.start.line},{r.start.column}. Each argument may be "
                        "set only once.", attr.name_range))
                else:
                    attrs[attr.name] = attr
            elif t == "block":
                blocks.append(self.block(child))
        return ast.Body(self.src, node.start_byte, node.end_byte, attrs, blocks)

    def attribute(self, node: Any) -> ast.Attribute:
        ident = node.children[0]
        expr_node = node.children[-1]
        return ast.Attribute(self.src, node.start_byte, node.end_byte, self.text(ident),
                             self.expr(expr_node), ident.end_byte)

    def block(self, node: Any) -> ast.Block:
        children = node.children
        type_node = children[0]
        labels: list[str] = []
        spans: list[tuple[int, int]] = []
        body = None
        open_end = node.end_byte
        for child in children[1:]:
            t = child.type
            if t == "string_lit":
                labels.append(self.string_lit(child))
                spans.append((child.start_byte, child.end_byte))
            elif t == "identifier":
                labels.append(self.text(child))
                spans.append((child.start_byte, child.end_byte))
            elif t == "body":
                body = self.body(child)
            elif t == "block_start":
                open_end = child.end_byte
        if body is None:
            body = ast.Body(self.src, open_end, open_end, {}, [])
        return ast.Block(self.src, node.start_byte, node.end_byte, self.text(type_node),
                         labels, spans, body, type_node.end_byte)

    # --- expressions ----------------------------------------------------
    def expr(self, node: Any) -> ast.Expr:
        t = node.type
        if t == "expression":
            return self.term(node.children)
        return self.term([node])

    def term(self, nodes: list[Any]) -> ast.Expr:
        """A primary followed by postfix traversals (the grammar flattens them)."""
        first = nodes[0]
        t = first.type
        if len(nodes) == 1 and t != "(":
            return self.primary(first)  # the common case: no traversal to apply
        i = 1
        if t == "(":
            inner = self.expr(nodes[1])
            close = nodes[2] if len(nodes) > 2 else nodes[1]
            base: ast.Expr = ast.Paren(self.src, first.start_byte, close.end_byte, inner)
            i = 3
        else:
            base = self.primary(first)
        steps: list[Any] = []
        for n in nodes[i:]:
            if n.type == "splat":
                steps.append(n.children[0])
                steps.extend(n.children[0].children[1:])
            elif n.type in ("get_attr", "index"):
                steps.append(n)
        self.check_legacy_chain(steps)
        return self.traversals(base, steps, 0, base.start)

    def traversals(self, base: ast.Expr, steps: list[Any], i: int,
                   start: int | None) -> ast.Expr:
        """Apply traversal steps with HCL's splat scoping.

        `[*]` takes every following step (splats included) into its per-item
        expression; the legacy `.*` takes only `.name` and `.0` steps, so in
        `a.*.b[0]` the `[0]` indexes the splat's result, as in Terraform.
        In a splat's per-item chain, nodes span only their own step.
        """
        while i < len(steps):
            n = steps[i]
            nt = n.type
            at = start if start is not None else n.start_byte
            if nt == "get_attr":
                base = ast.GetAttr(self.src, at, n.end_byte, base, self.text(n.children[-1]))
            elif nt == "index":
                base = ast.Index(self.src, at, n.end_byte, base, self.index_key(n))
            elif nt == "full_splat":
                item = ast.SplatItem(self.src, n.start_byte, n.start_byte + 3)
                each = self.traversals(item, steps, i + 1, None)
                end = steps[-1].end_byte
                return ast.Splat(self.src, start if start is not None else n.start_byte, end,
                                 base, each, True)
            else:  # attr_splat
                each = ast.SplatItem(self.src, n.start_byte, n.start_byte + 2)
                end = n.start_byte + 2
                i += 1
                while i < len(steps) and (steps[i].type == "get_attr" or (
                        steps[i].type == "index"
                        and steps[i].children[0].type == "legacy_index")):
                    each = self.traversals(each, [steps[i]], 0, None)
                    end = steps[i].end_byte
                    i += 1
                base = ast.Splat(self.src, at, end, base, each, False)
                continue
            i += 1
        return base

    def check_legacy_chain(self, steps: list[Any]) -> None:
        """`a.0.1` reads as the number 0.1 in HCL, which rejects it; so do we."""
        for prev, n in itertools.pairwise(steps):
            if n.type == "index" and prev.type == "index" and \
                    prev.children[0].type == "legacy_index" and \
                    n.children[0].type == "legacy_index" and prev.end_byte == n.start_byte:
                a = self.text(prev).lstrip(".")
                b = self.text(n).lstrip(".")
                self.diags.append(error(
                    "Invalid legacy index syntax",
                    "When using the legacy index syntax, chaining two indexes together is "
                    f"not permitted. Use the proper index syntax instead, like [{a}][{b}].",
                    self.src.range(prev.start_byte + 1, n.end_byte)))

    def index_key(self, node: Any) -> ast.Expr:
        inner = node.children[0]
        if inner.type == "legacy_index":
            text = self.text(inner).lstrip(".").strip()
            if not (text.isascii() and text.isdigit()):  # masked exponent, e.g. `2. 1e3`
                self.diags.append(error(
                    "Invalid legacy index syntax",
                    "An index after a period must be a whole number, like .0 or [0].",
                    self.src.range(inner.start_byte, inner.end_byte)))
                text = "0"
            return ast.Literal(self.src, inner.start_byte + 1, inner.end_byte, int(text))
        return self.expr(inner.children[1])

    def primary(self, node: Any) -> ast.Expr:
        t = node.type
        if t == "variable_expr":
            return ast.Variable(self.src, node.start_byte, node.end_byte, self.text(node))
        if t == "literal_value":
            return self.literal(node.children[0])
        if t == "expression":
            return self.expr(node)
        if t == "variable_expr":
            return ast.Variable(self.src, node.start_byte, node.end_byte, self.text(node))
        if t == "literal_value":
            return self.literal(node.children[0])
        if t == "template_expr":
            return self.template_expr(node.children[0])
        if t == "collection_value":
            return self.collection(node.children[0])
        if t == "function_call":
            return self.call(node)
        if t == "operation":
            return self.operation(node.children[0])
        if t == "conditional":
            parts = [c for c in node.children if c.type == "expression"]
            return _right_assoc(self.expr(parts[0]), self.expr(parts[1]), self.expr(parts[2]))
        if t == "for_expr":
            return self.for_expr(node.children[0])
        if t in ("tuple", "object"):
            return self.collection(node)
        if t in ("quoted_template", "heredoc_template"):
            return self.template_expr(node)
        if t in ("numeric_lit", "bool_lit", "null_lit", "string_lit"):
            return self.literal(node)
        if t in ("unary_operation", "binary_operation"):
            return self.operation(node)
        raise AssertionError(f"unexpected node {t}")  # grammar guarantees the above

    def literal(self, node: Any) -> ast.Expr:
        t = node.type
        s, e = node.start_byte, node.end_byte
        if t == "numeric_lit":
            return ast.Literal(self.src, s, e, parse_number(self.text(node)))
        if t == "bool_lit":
            return ast.Literal(self.src, s, e, self.text(node) == "true")
        if t == "null_lit":
            return ast.Literal(self.src, s, e, None)
        return ast.Literal(self.src, s, e, self.string_lit(node))

    def string_lit(self, node: Any) -> str:
        # a string_lit is always `"` ... `"` (one byte each): no need to visit children
        start = node.start_byte + 1
        end = node.end_byte - 1
        return self.unescape(self.data[start:end].decode("utf-8"), start, quoted=True)

    def unescape(self, text: str, offset: int, quoted: bool) -> str:
        """Literal text of a template: `$${` and `%%{` always, `\\` escapes if quoted.

        One left-to-right pass, so `\\$${` and positions of bad escapes are right.
        """
        if "\\" not in text and "$${" not in text and "%%{" not in text:
            return text
        pattern = _ESCAPE if quoted else _LITERAL_ESCAPE
        char_starts: list[int] | None = None

        def byte_at(i: int) -> int:
            nonlocal char_starts
            if char_starts is None:
                char_starts = [0]
                for ch in text:
                    char_starts.append(char_starts[-1] + len(ch.encode()))
            return offset + char_starts[i]

        def repl(m: re.Match[str]) -> str:
            if m.group(0)[0] != "\\":
                return m.group(0)[1:]  # $${ -> ${, %%{ -> %{
            seq = m.group(1)
            if seq in _SIMPLE_ESCAPES:
                return _SIMPLE_ESCAPES[seq]
            at = byte_at(m.start())
            if seq[0] in "uU" and len(seq) > 1:
                code = int(seq[1:], 16)
                if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    self.diags.append(error(
                        "Invalid escape sequence",
                        f"Cannot encode character U+{code:04x} in UTF-8.",
                        self.src.range(at, at + len(m.group(0)))))
                    return ""
                return chr(code)
            self.diags.append(error(
                "Invalid escape sequence", escape_detail(seq[0]),
                self.src.range(at, at + 1 + len(seq.encode()))))
            return seq

        return pattern.sub(repl, text)

    def call(self, node: Any) -> ast.Expr:
        name_node = node.children[0]
        args: list[ast.Expr] = []
        expand = False
        for child in node.children:
            if child.type == "function_arguments":
                for a in child.children:
                    if a.type == "expression":
                        args.append(self.expr(a))
                    elif a.type == "ellipsis":
                        expand = True
        return ast.Call(self.src, node.start_byte, node.end_byte, self.text(name_node), args,
                        expand, name_node.end_byte)

    def operation(self, node: Any) -> ast.Expr:
        children = node.children
        s, e = node.start_byte, node.end_byte
        if node.type == "unary_operation":
            return ast.Unary(self.src, s, e, children[0].type, self.term(children[1:]))
        for i, c in enumerate(children):
            if i > 0 and not c.is_named and c.type in _BINARY_OPS:
                left = self.term(children[:i])
                right = self.term(children[i + 1:])
                return ast.Binary(self.src, s, e, c.type, left, right)
        raise AssertionError("binary operation without operator")

    def collection(self, node: Any) -> ast.Expr:
        s, e = node.start_byte, node.end_byte
        if node.type == "tuple":
            items = [self.expr(c) for c in node.children if c.type == "expression"]
            return ast.TupleCons(self.src, s, e, items)
        pairs: list[tuple[ast.Expr, ast.Expr]] = []
        for c in node.children:
            if c.type == "object_elem":
                key_node, val_node = c.children[0], c.children[-1]
                pairs.append((self.object_key(key_node), self.expr(val_node)))
        return ast.ObjectCons(self.src, s, e, pairs)

    def object_key(self, node: Any) -> ast.Expr:
        """A bare name, and also `null`, `true` or `false`, is a literal key (HCL).

        A bare `a.b` is rejected as ambiguous, as HCL does.
        """
        kids = node.children
        if len(kids) == 1 and kids[0].type == "variable_expr":
            return ast.Literal(self.src, node.start_byte, node.end_byte, self.text(kids[0]))
        if len(kids) == 1 and kids[0].type == "literal_value" and \
                kids[0].children[0].type in ("null_lit", "bool_lit"):
            return ast.Literal(self.src, node.start_byte, node.end_byte, self.text(kids[0]))
        if len(kids) > 1 and kids[0].type == "variable_expr" and \
                all(k.type in ("get_attr", "index") for k in kids[1:]):
            self.diags.append(error(
                "Ambiguous attribute key",
                "If this expression is intended to be a reference, wrap it in parentheses. If "
                "it's instead intended as a literal name containing periods, wrap it in "
                "quotes to create a string literal.",
                self.src.range(node.start_byte, node.end_byte)))
        return self.expr(node)

    def for_expr(self, node: Any) -> ast.Expr:
        intro = node.children[1]
        names = [self.text(c) for c in intro.children if c.type == "identifier"]
        coll = self.expr(next(c for c in intro.children if c.type == "expression"))
        key_var, val_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        exprs = [c for c in node.children[2:] if c.type == "expression"]
        cond_node = next((c for c in node.children if c.type == "for_cond"), None)
        cond = self.expr(cond_node.children[1]) if cond_node is not None else None
        group = any(c.type == "ellipsis" for c in node.children)
        s, e = node.start_byte, node.end_byte
        if node.type == "for_object_expr":
            return ast.ForExpr(self.src, s, e, key_var, val_var, coll, self.expr(exprs[0]),
                               self.expr(exprs[1]), cond, group)
        return ast.ForExpr(self.src, s, e, key_var, val_var, coll, None, self.expr(exprs[0]),
                           cond, False)

    # --- templates ------------------------------------------------------
    def template_expr(self, node: Any, content_end: int | None = None) -> ast.Expr:
        """A quoted or heredoc template, following HCL's token-level rules.

        HCL applies `~` strip markers and `<<-` indentation removal to its
        *tokens*, not to the rendered text, and in a heredoc every line of
        literal text is a token of its own. So `${~ x}` only trims the text on
        its own line (or the previous line's newline when it starts a line),
        and the indentation is measured after trimming. `content_end`
        overrides where the content stops (parse_template's wrapper).
        """
        children = node.children
        s, e = node.start_byte, node.end_byte
        heredoc = node.type == "heredoc_template"
        if heredoc:
            flush = children[0].type == "heredoc_start" and self.text(children[0]) == "<<-"
            opener = children[1]
            content_start = self.data.index(b"\n", opener.end_byte) + 1
            closer = children[-1]
            if content_end is None:
                content_end = self.data.rfind(b"\n", 0, closer.start_byte) + 1
            content_end = max(content_end, content_start)
            inner = children[2:-1]
        else:
            flush = False
            content_start = children[0].end_byte
            content_end = children[-1].start_byte
            inner = children[1:-1]
        toks: list[_Tok] = []
        self.template_tokens(inner, content_start, content_end, not heredoc, toks)
        _apply_strip(toks)
        if flush:
            _flush_heredoc(toks)
        passthru = len(toks) == 1 and toks[0].kind == "interp"
        parts, _ = self.template_tree(toks, 0)
        if not parts:
            return ast.Literal(self.src, s, e, "")
        if len(parts) == 1 and isinstance(parts[0], str):
            return ast.Literal(self.src, s, e, parts[0])
        if len(parts) == 1 and not passthru:
            parts.insert(0, "")  # only a lone `${x}` is unwrapped to x's own type
        return ast.Template(self.src, s, e, parts, heredoc)

    def template_tokens(self, nodes: list[Any], start: int, end: int, quoted: bool,
                        out: list[_Tok]) -> None:
        """Flatten template CST children into HCL's token stream.

        Literal text comes from the byte gaps between structural children
        (tree-sitter leaves edge text out of its template_literal nodes).
        """
        pos = start
        for n in nodes:
            t = n.type
            if t == "template_literal":
                continue
            if n.start_byte > pos:
                self.literal_tokens(pos, n.start_byte, quoted, out)
            if t == "template_interpolation":
                kids = n.children
                expr_node = next(k for k in kids if k.type == "expression")
                out.append(_Tok("interp", n.start_byte, n.end_byte,
                                lstrip=kids[1].type == "strip_marker",
                                rstrip=kids[-2].type == "strip_marker",
                                expr=self.expr(expr_node)))
            elif t == "template_directive":
                self.directive_tokens(n.children[0], quoted, out)
            pos = n.end_byte
        if end > pos:
            self.literal_tokens(pos, end, quoted, out)

    def literal_tokens(self, start: int, end: int, quoted: bool, out: list[_Tok]) -> None:
        raw = self.data[start:end]
        if quoted:
            text = self.unescape(raw.decode("utf-8"), start, quoted=True)
            out.append(_Tok("lit", start, end, text=text))
            return
        pos = start
        for line in raw.splitlines(keepends=True):
            out.append(_Tok("lit", pos, pos + len(line),
                            text=self.unescape(line.decode("utf-8"), pos, quoted=False)))
            pos += len(line)

    def directive_tokens(self, node: Any, quoted: bool, out: list[_Tok]) -> None:
        kids = node.children
        intro, closing = kids[0], kids[-1]
        if node.type == "template_if":
            cond = self.expr(next(k for k in intro.children if k.type == "expression"))
            out.append(_Tok("if", intro.start_byte, intro.end_byte, _marker_left(intro),
                            _marker_right(intro), expr=cond))
            else_i = next((i for i, k in enumerate(kids) if k.type == "template_else_intro"),
                          None)
            if else_i is None:
                self.template_tokens(kids[1:-1], intro.end_byte, closing.start_byte, quoted,
                                     out)
            else:
                eintro = kids[else_i]
                self.template_tokens(kids[1:else_i], intro.end_byte, eintro.start_byte,
                                     quoted, out)
                out.append(_Tok("else", eintro.start_byte, eintro.end_byte,
                                _marker_left(eintro), _marker_right(eintro)))
                self.template_tokens(kids[else_i + 1:-1], eintro.end_byte, closing.start_byte,
                                     quoted, out)
            out.append(_Tok("endif", closing.start_byte, closing.end_byte,
                            _marker_left(closing), _marker_right(closing)))
            return
        names = [self.text(k) for k in intro.children if k.type == "identifier"]
        coll = self.expr(next(k for k in intro.children if k.type == "expression"))
        out.append(_Tok("for", intro.start_byte, intro.end_byte, _marker_left(intro),
                        _marker_right(intro), expr=coll, names=names))
        self.template_tokens(kids[1:-1], intro.end_byte, closing.start_byte, quoted, out)
        out.append(_Tok("endfor", closing.start_byte, closing.end_byte,
                        _marker_left(closing), _marker_right(closing)))

    def template_tree(self, toks: list[_Tok], i: int) -> tuple[list[object], int]:
        """Tokens -> parts (str | Expr | TemplateIf | TemplateFor) up to a closer."""
        parts: list[object] = []
        while i < len(toks):
            tok = toks[i]
            k = tok.kind
            if k in ("else", "endif", "endfor"):
                return parts, i
            if k == "lit":
                if tok.text:
                    if parts and isinstance(parts[-1], str):
                        parts[-1] += tok.text
                    else:
                        parts.append(tok.text)
                i += 1
            elif k == "interp":
                parts.append(tok.expr)
                i += 1
            elif k == "if":
                then_parts, i = self.template_tree(toks, i + 1)
                else_parts: list[object] = []
                if toks[i].kind == "else":
                    else_parts, i = self.template_tree(toks, i + 1)
                assert tok.expr is not None
                parts.append(ast.TemplateIf(self.src, tok.start, toks[i].end, tok.expr,
                                            then_parts, else_parts))
                i += 1
            else:  # for
                body, i = self.template_tree(toks, i + 1)
                names = tok.names
                key_var, val_var = (names[0], names[1]) if len(names) == 2 else \
                    (None, names[0])
                assert tok.expr is not None
                parts.append(ast.TemplateFor(self.src, tok.start, toks[i].end, key_var,
                                             val_var, tok.expr, body))
                i += 1
        return parts, i


def _right_assoc(cond: ast.Expr, true: ast.Expr, false: ast.Expr) -> ast.Conditional:
    """`a ? b : c ? d : e` is `a ? b : (c ? d : e)` in HCL.

    tree-sitter-hcl groups it the other way round; a conditional can only be
    a condition when parenthesized (then it is an ast.Paren), so a bare one
    here is that mis-grouping and is rotated.
    """
    if isinstance(cond, ast.Conditional):
        inner = _right_assoc(cond.false, true, false)
        return ast.Conditional(cond.src, cond.start, false.end, cond.cond, cond.true, inner)
    return ast.Conditional(cond.src, cond.start, false.end, cond, true, false)


class _Tok:
    """One template token as HCL's scanner sees it (see _Builder.template_expr)."""

    __slots__ = ("end", "expr", "kind", "lstrip", "names", "rstrip", "start", "text")

    def __init__(self, kind: str, start: int, end: int, lstrip: bool = False,
                 rstrip: bool = False, text: str = "", expr: ast.Expr | None = None,
                 names: list[str] | None = None):
        self.kind = kind
        self.start = start
        self.end = end
        self.lstrip = lstrip   # `${~` / `%{~`: trims the literal token before
        self.rstrip = rstrip   # `~}`: trims the literal token after
        self.text = text
        self.expr = expr
        self.names = names or []


def _marker_left(tag: Any) -> bool:
    kids = tag.children
    return len(kids) > 1 and kids[1].type == "strip_marker"


def _marker_right(tag: Any) -> bool:
    kids = tag.children
    return len(kids) > 1 and kids[-2].type == "strip_marker"


# Go's unicode.IsSpace, which HCL uses for `~`: Python's isspace() also counts
# the ASCII separators U+001C..U+001F, which HCL keeps.
_GO_SPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace()
                    and c not in "\x1c\x1d\x1e\x1f")


def _apply_strip(toks: list[_Tok]) -> None:
    """Strip markers trim only the adjacent literal *token* (HCL's rule)."""
    for i, tok in enumerate(toks):
        if tok.kind == "lit":
            continue
        if tok.lstrip and i > 0 and toks[i - 1].kind == "lit":
            toks[i - 1].text = toks[i - 1].text.rstrip(_GO_SPACE)
        if tok.rstrip and i + 1 < len(toks) and toks[i + 1].kind == "lit":
            toks[i + 1].text = toks[i + 1].text.lstrip(_GO_SPACE)


def _flush_heredoc(toks: list[_Tok]) -> None:
    """`<<-`: remove the smallest indentation of the line-leading literal tokens.

    As HCL does it: measured on tokens after `~` trimming; a blank line does not
    count, and a line starting with an interpolation or directive counts as 0.
    """
    min_spaces: int | None = None
    adjust: list[tuple[_Tok, int]] = []
    newline = True
    for tok in toks:
        if newline:
            newline = False
            if tok.kind == "lit":
                trimmed = tok.text.lstrip(_GO_SPACE)
                if not trimmed and tok.text.endswith("\n"):
                    spaces = None
                else:
                    spaces = len(tok.text) - len(trimmed)
                    adjust.append((tok, spaces))
            else:
                spaces = 0
            if spaces is not None and (min_spaces is None or spaces < min_spaces):
                min_spaces = spaces
        if tok.kind == "lit" and tok.text.endswith("\n"):
            newline = True
    if not min_spaces:
        return
    for tok, _ in adjust:
        tok.text = tok.text[min_spaces:]


_TEMPLATE_MARKER = "GOVCTL_TEMPLATE_END_7f3a"


def parse_template(text: str, filename: str) -> tuple[ast.Expr | None, list[Diagnostic]]:
    """Parse a template file's text (templatefile()): heredoc rules, no escapes.

    The text is wrapped as a heredoc; the wrapper is hidden from positions.
    """
    head = f"__t__ = <<{_TEMPLATE_MARKER}\n"
    data = f"{head}{text}\n{_TEMPLATE_MARKER}\n".encode()
    src = SourceFile(filename, data, len(head))
    root = _ts_parser().parse(mask_exponents(data)).root_node
    if root.has_error:
        return None, find_syntax_errors(root, src, _reparse)
    attr = root.children[0].children[0]
    node = attr.children[-1]
    while node.type != "heredoc_template":  # expression > template_expr > heredoc
        node = node.children[0]
    builder = _Builder(src)
    # Content stops before the newline the wrapper added, so that the last line
    # is tokenized as HCL's template scanner does (no trailing newline token).
    expr = builder.template_expr(node, content_end=len(head.encode()) + len(text.encode()))
    if isinstance(expr, ast.Template):
        # A lone "${x}" yields x's own type (templatefile does too); anything
        # else renders as a string.
        expr.heredoc = not (len(expr.parts) == 1 and isinstance(expr.parts[0], ast.Expr))
    return expr, builder.diags
