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

import gc
import re
from functools import lru_cache
from typing import Any

from govctl.diagnostics import Diagnostic, error
from govctl.hcl import ast
from govctl.hcl.source import SourceFile
from govctl.hcl.syntax_errors import find_syntax_errors
from govctl.lang.values import parse_number

_EXPONENT = re.compile(rb"(?<![\w.])(\d+)([eE][+-]?\d+)(?![\w.])")
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_POSTFIX = frozenset({"get_attr", "index", "splat"})
_BINARY_OPS = frozenset({"||", "&&", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/",
                         "%"})


@lru_cache(maxsize=1)
def _ts_parser() -> Any:
    import tree_sitter_hcl
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_hcl.language()))


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
    tree = _ts_parser().parse(mask_exponents(data))
    root = tree.root_node
    if root.has_error:
        return None, find_syntax_errors(root, src)
    builder = _Builder(src)
    enabled = gc.isenabled()
    gc.disable()  # the walk allocates many small objects; see ARCHITECTURE.md
    try:
        body_node = None
        for child in root.children:
            if child.type == "body":
                body_node = child
        if body_node is None:
            body = ast.Body(src, 0, len(data), {}, [])
        else:
            body = builder.body(body_node)
    finally:
        if enabled:
            gc.enable()
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
        return None, find_syntax_errors(root, src)
    body = root.children[0] if root.children else None
    attrs = [c for c in body.children if c.type == "attribute"] if body else []
    if len(attrs) != 1 or body is None or any(c.type == "block" for c in body.children):
        return None, [error("Invalid expression", "Expected a single expression.",
                            SourceFile(filename, text.encode()).range(0, len(text.encode())))]
    builder = _Builder(src)
    expr = builder.expr(attrs[0].child_by_field_name("val") or attrs[0].children[2])
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
        i = 1
        if t == "(":
            inner = self.expr(nodes[1])
            close = nodes[2] if len(nodes) > 2 else nodes[1]
            base: ast.Expr = ast.Paren(self.src, first.start_byte, close.end_byte, inner)
            i = 3
        else:
            base = self.primary(first)
        start = base.start
        while i < len(nodes):
            n = nodes[i]
            nt = n.type
            if nt == "get_attr":
                base = ast.GetAttr(self.src, start, n.end_byte, base, self.text(n.children[-1]))
            elif nt == "index":
                base = ast.Index(self.src, start, n.end_byte, base, self.index_key(n))
            elif nt == "splat":
                base = self.splat(base, n.children[0], start)
            i += 1
        return base

    def index_key(self, node: Any) -> ast.Expr:
        inner = node.children[0]
        if inner.type == "legacy_index":
            text = self.text(inner).lstrip(".")
            return ast.Literal(self.src, inner.start_byte + 1, inner.end_byte, int(text))
        return self.expr(inner.children[1])

    def splat(self, source: ast.Expr, node: Any, start: int) -> ast.Expr:
        full = node.type == "full_splat"
        each: ast.Expr = ast.SplatItem(self.src, node.start_byte, node.start_byte + 3)
        for n in node.children[1:]:
            if n.type == "get_attr":
                each = ast.GetAttr(self.src, n.start_byte, n.end_byte, each,
                                   self.text(n.children[-1]))
            elif n.type == "index":
                each = ast.Index(self.src, n.start_byte, n.end_byte, each, self.index_key(n))
        return ast.Splat(self.src, start, node.end_byte, source, each, full)

    def primary(self, node: Any) -> ast.Expr:
        t = node.type
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
            return ast.Conditional(self.src, node.start_byte, node.end_byte,
                                   self.expr(parts[0]), self.expr(parts[1]),
                                   self.expr(parts[2]))
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
        children = node.children
        start = children[0].end_byte
        end = children[-1].start_byte if len(children) > 1 else node.end_byte
        return self.unescape(self.data[start:end].decode("utf-8"), start, quoted=True)

    def unescape(self, text: str, offset: int, quoted: bool) -> str:
        text = text.replace("$${", "${").replace("%%{", "%{")
        if not quoted or "\\" not in text:
            return text

        def repl(m: re.Match[str]) -> str:
            seq = m.group(1)
            if seq in _SIMPLE_ESCAPES:
                return _SIMPLE_ESCAPES[seq]
            if seq[0] in "uU" and len(seq) > 1:
                return chr(int(seq[1:], 16))
            self.diags.append(error(
                "Invalid escape sequence",
                f'The symbol "{seq}" is not a valid escape sequence selector.',
                self.src.range(offset, offset + 2)))
            return seq

        return _ESCAPE.sub(repl, text)

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
        kids = node.children
        if len(kids) == 1 and kids[0].type == "variable_expr":
            return ast.Literal(self.src, node.start_byte, node.end_byte, self.text(kids[0]))
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
    def template_expr(self, node: Any) -> ast.Expr:
        children = node.children
        s, e = node.start_byte, node.end_byte
        heredoc = node.type == "heredoc_template"
        if heredoc:
            strip_indent = children[0].type == "heredoc_start" and \
                self.text(children[0]) == "<<-"
            opener = children[1]
            content_start = self.data.index(b"\n", opener.end_byte) + 1
            closer = children[-1]
            content_end = self.data.rfind(b"\n", 0, closer.start_byte) + 1
            content_end = max(content_end, content_start)
            inner = children[2:-1]
        else:
            strip_indent = False
            content_start = children[0].end_byte
            content_end = children[-1].start_byte
            inner = children[1:-1]
        parts = self.template_parts(inner, content_start, content_end, quoted=not heredoc)
        if strip_indent:
            parts = _dedent(parts)
        if not parts:
            return ast.Literal(self.src, s, e, "")
        if len(parts) == 1 and isinstance(parts[0], str):
            return ast.Literal(self.src, s, e, parts[0])
        return ast.Template(self.src, s, e, parts, heredoc)

    def template_parts(self, nodes: list[Any], start: int, end: int,
                       quoted: bool) -> list[object]:
        """Literal text comes from the gaps; `~` strip markers applied here."""
        raw: list[Any] = []   # str | (node, strip_left, strip_right)
        pos = start
        for n in nodes:
            t = n.type
            if t == "template_literal":
                continue
            if n.start_byte > pos:
                raw.append(self.unescape(self.data[pos:n.start_byte].decode("utf-8"), pos,
                                         quoted))
            if t == "template_interpolation":
                kids = n.children
                markers = [k for k in kids if k.type == "strip_marker"]
                left = bool(markers) and kids[1].type == "strip_marker"
                right = bool(markers) and kids[-2].type == "strip_marker"
                expr_node = next(k for k in kids if k.type == "expression")
                raw.append((self.expr(expr_node), left, right))
            elif t == "template_directive":
                raw.append(self.directive(n.children[0], quoted))
            pos = n.end_byte
        if end > pos:
            raw.append(self.unescape(self.data[pos:end].decode("utf-8"), pos, quoted))
        return _apply_strip(raw)

    def directive(self, node: Any, quoted: bool) -> tuple[ast.Node, bool, bool]:
        kids = node.children
        intro, closing = kids[0], kids[-1]
        lstrip = _marker_left(intro)
        rstrip = _marker_right(closing)
        if node.type == "template_if":
            else_i = next((i for i, k in enumerate(kids) if k.type == "template_else_intro"),
                          None)
            then_nodes = kids[1:else_i] if else_i is not None else kids[1:-1]
            then_end = kids[else_i].start_byte if else_i is not None else closing.start_byte
            then_parts = self.template_parts(then_nodes, intro.end_byte, then_end, quoted)
            then_parts = _strip_edges(then_parts, _marker_right(intro),
                                      _marker_left(kids[else_i]) if else_i is not None
                                      else _marker_left(closing))
            else_parts: list[object] = []
            if else_i is not None:
                eintro = kids[else_i]
                else_parts = self.template_parts(kids[else_i + 1:-1], eintro.end_byte,
                                                 closing.start_byte, quoted)
                else_parts = _strip_edges(else_parts, _marker_right(eintro),
                                          _marker_left(closing))
            cond = self.expr(next(k for k in intro.children if k.type == "expression"))
            out: ast.Node = ast.TemplateIf(self.src, node.start_byte, node.end_byte, cond,
                                           then_parts, else_parts)
        else:
            names = [self.text(k) for k in intro.children if k.type == "identifier"]
            coll = self.expr(next(k for k in intro.children if k.type == "expression"))
            body = self.template_parts(kids[1:-1], intro.end_byte, closing.start_byte, quoted)
            body = _strip_edges(body, _marker_right(intro), _marker_left(closing))
            key_var, val_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
            out = ast.TemplateFor(self.src, node.start_byte, node.end_byte, key_var, val_var,
                                  coll, body)
        return out, lstrip, rstrip


def _marker_left(tag: Any) -> bool:
    kids = tag.children
    return len(kids) > 1 and kids[1].type == "strip_marker"


def _marker_right(tag: Any) -> bool:
    kids = tag.children
    return len(kids) > 1 and kids[-2].type == "strip_marker"


def _apply_strip(raw: list[Any]) -> list[object]:
    parts: list[object] = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            text = item
            if i > 0 and isinstance(raw[i - 1], tuple) and raw[i - 1][2]:
                text = text.lstrip()
            if i + 1 < len(raw) and isinstance(raw[i + 1], tuple) and raw[i + 1][1]:
                text = text.rstrip()
            if text:
                parts.append(text)
        else:
            parts.append(item[0])
    return parts


def _strip_edges(parts: list[object], left: bool, right: bool) -> list[object]:
    if left and parts and isinstance(parts[0], str):
        parts[0] = parts[0].lstrip()
    if right and parts and isinstance(parts[-1], str):
        parts[-1] = parts[-1].rstrip()
    return [p for p in parts if p != ""]


def _dedent(parts: list[object]) -> list[object]:
    """`<<-` heredocs: remove the smallest indentation of any line (HCL's rule)."""
    lines_text = "".join(p if isinstance(p, str) else "\0" for p in parts)
    indents = []
    for line in lines_text.split("\n"):
        if line.strip(" \t") == "":
            continue
        indents.append(len(line) - len(line.lstrip(" \t")))
    n = min(indents) if indents else 0
    if n == 0:
        return parts
    out: list[object] = []
    at_line_start = True
    for p in parts:
        if not isinstance(p, str):
            out.append(p)
            at_line_start = False
            continue
        pieces = p.split("\n")
        fixed = []
        for j, piece in enumerate(pieces):
            if (j > 0 or at_line_start):
                strip = min(n, len(piece) - len(piece.lstrip(" \t")))
                piece = piece[strip:]
            fixed.append(piece)
        text = "\n".join(fixed)
        at_line_start = p.endswith("\n")
        if text:
            out.append(text)
    return out


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
        return None, find_syntax_errors(root, src)
    attr = root.children[0].children[0]
    builder = _Builder(src)
    expr = builder.expr(attr.children[-1])
    if isinstance(expr, ast.Literal) and isinstance(expr.value, str):
        expr.value = expr.value[:-1] if expr.value.endswith("\n") else expr.value
    elif isinstance(expr, ast.Template):
        last = expr.parts[-1] if expr.parts else None
        if isinstance(last, str):
            expr.parts[-1] = last[:-1]
            if not expr.parts[-1]:
                expr.parts.pop()
        expr.heredoc = True
    return expr, builder.diags
