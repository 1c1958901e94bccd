"""Static references in expressions (`var.x`, `aws_s3_bucket.logs.arn`, ...).

References are found without evaluating anything, so that the evaluator can
build a scope holding only what an expression needs, and so that a reference
to something undeclared is reported with its exact location and a
suggestion, before any value is computed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from govctl.hcl import ast


class _Dynamic:
    def __repr__(self) -> str:
        return "[*dynamic*]"


DYNAMIC_KEY = _Dynamic()


@dataclass(frozen=True)
class Key:
    """A literal index step (`["a"]`, `[0]`), told apart from an attribute step."""

    value: object


@dataclass(frozen=True)
class Ref:
    """`root` then static steps: attribute names (str), literal index keys (Key)
    or DYNAMIC_KEY where a computed index ends what is known statically."""

    root: str
    steps: tuple[object, ...]
    node: ast.Expr

    def attr(self, i: int) -> str | None:
        """The i-th step when it is a name (attribute or string key)."""
        if i < len(self.steps) and isinstance(self.steps[i], str):
            return self.steps[i]  # type: ignore[return-value]
        return None


def references(expr: ast.Node, bound: frozenset[str] = frozenset()) -> list[Ref]:
    """References of `expr` whose root is not in `bound`.

    Computed once per expression and cached on the node: an expression in a
    resource with `count = 100` is evaluated a hundred times.
    """
    cached = getattr(expr, "refs_cache", None)
    if cached is None:
        cached = []
        _walk(expr, frozenset(), cached)
        if isinstance(expr, ast.Expr):
            expr.refs_cache = cached
    if not bound:
        return cached
    return [r for r in cached if r.root not in bound]


_TRAVERSAL = (ast.GetAttr, ast.Index)


def _chain(expr: ast.Expr) -> tuple[ast.Expr, list[ast.Expr]]:
    """The root of a GetAttr/Index chain and the chain links from root outwards."""
    links: list[ast.Expr] = []
    node = expr
    while isinstance(node, _TRAVERSAL):
        links.append(node)
        node = node.obj
    links.reverse()
    return node, links


def _walk(node: object, bound: frozenset[str], out: list[Ref]) -> None:
    handler = _HANDLERS.get(type(node))
    if handler is not None:
        handler(node, bound, out)


def _traversal(node: ast.GetAttr | ast.Index, bound: frozenset[str], out: list[Ref]) -> None:
    root, links = _chain(node)
    if isinstance(root, ast.Variable):
        steps: list[object] = []
        end: ast.Expr = root
        for link in links:
            if isinstance(link, ast.GetAttr):
                steps.append(link.name)
            elif isinstance(link.key, ast.Literal) and link.key.value is not None:
                steps.append(Key(link.key.value))
            else:
                steps.append(DYNAMIC_KEY)
                break
            end = link
        if root.name not in bound:
            out.append(Ref(root.name, tuple(steps), end))
    else:
        _walk(root, bound, out)
    for link in links:
        if isinstance(link, ast.Index):
            _walk(link.key, bound, out)


def _variable(node: ast.Variable, bound: frozenset[str], out: list[Ref]) -> None:
    if node.name not in bound:
        out.append(Ref(node.name, (), node))


def _for(node: ast.ForExpr, bound: frozenset[str], out: list[Ref]) -> None:
    _walk(node.coll, bound, out)
    inner = bound | {node.val_var} | ({node.key_var} if node.key_var else set())
    for sub in (node.key_expr, node.val_expr, node.cond):
        if sub is not None:
            _walk(sub, inner, out)


def _template_for(node: ast.TemplateFor, bound: frozenset[str], out: list[Ref]) -> None:
    _walk(node.coll, bound, out)
    inner = bound | {node.val_var} | ({node.key_var} if node.key_var else set())
    for p in node.body:
        _walk(p, inner, out)


def _each(children: Callable[[Any], Iterable[object]]) -> Callable[..., None]:
    def walk(node: object, bound: frozenset[str], out: list[Ref]) -> None:
        for child in children(node):
            _walk(child, bound, out)
    return walk


def _none(node: object, bound: frozenset[str], out: list[Ref]) -> None:
    return None


def _body_children(node: ast.Body) -> Iterator[object]:
    for a in node.attributes.values():
        yield a.expr
    for b in node.blocks:
        yield b.body


_HANDLERS: dict[type, Callable[[Any, frozenset[str], list[Ref]], None]] = {
    ast.GetAttr: _traversal,
    ast.Index: _traversal,
    ast.Variable: _variable,
    ast.ForExpr: _for,
    ast.TemplateFor: _template_for,
    ast.Literal: _none,
    ast.SplatItem: _none,
    ast.Template: _each(lambda n: n.parts),
    ast.TemplateIf: _each(lambda n: [n.cond, *n.then_parts, *n.else_parts]),
    ast.Splat: _each(lambda n: (n.source, n.each)),
    ast.Call: _each(lambda n: n.args),
    ast.Conditional: _each(lambda n: (n.cond, n.true, n.false)),
    ast.Binary: _each(lambda n: (n.left, n.right)),
    ast.Unary: _each(lambda n: (n.operand,)),
    ast.Paren: _each(lambda n: (n.inner,)),
    ast.TupleCons: _each(lambda n: n.items),
    ast.ObjectCons: _each(lambda n: [x for kv in n.items for x in kv]),
    ast.Body: _each(_body_children),
    ast.Attribute: _each(lambda n: (n.expr,)),
}
