"""Static references in expressions (`var.x`, `aws_s3_bucket.logs.arn`, ...).

References are found without evaluating anything, so that the evaluator can
build a scope holding only what an expression needs, and so that a reference
to something undeclared is reported with its exact location and a
suggestion, before any value is computed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from govctl.hcl import ast


class _Dynamic:
    def __repr__(self) -> str:
        return "[*dynamic*]"


DYNAMIC_KEY = _Dynamic()


@dataclass(frozen=True)
class Ref:
    """`root` then static steps: attribute names (str) or literal index keys."""

    root: str
    steps: tuple[object, ...]
    node: ast.Expr

    def attr(self, i: int) -> str | None:
        """The i-th step when it is a name (attribute or string key)."""
        if i < len(self.steps) and isinstance(self.steps[i], str):
            return self.steps[i]  # type: ignore[return-value]
        return None


def references(expr: ast.Node, bound: frozenset[str] = frozenset()) -> list[Ref]:
    out: list[Ref] = []
    _walk(expr, bound, out)
    return out


def _chain(expr: ast.Expr) -> tuple[ast.Expr, list[ast.Expr]]:
    """The root of a GetAttr/Index chain and the chain links from root outwards."""
    links: list[ast.Expr] = []
    node = expr
    while isinstance(node, ast.GetAttr | ast.Index):
        links.append(node)
        node = node.obj
    links.reverse()
    return node, links


def _walk(node: object, bound: frozenset[str], out: list[Ref]) -> None:
    if isinstance(node, ast.GetAttr | ast.Index):
        root, links = _chain(node)
        if isinstance(root, ast.Variable):
            steps: list[object] = []
            end: ast.Expr = root
            for link in links:
                if isinstance(link, ast.GetAttr):
                    steps.append(link.name)
                elif isinstance(link.key, ast.Literal) and link.key.value is not None:
                    steps.append(link.key.value)
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
        return
    if isinstance(node, ast.Variable):
        if node.name not in bound:
            out.append(Ref(node.name, (), node))
        return
    if isinstance(node, ast.ForExpr):
        _walk(node.coll, bound, out)
        inner = bound | {node.val_var} | ({node.key_var} if node.key_var else set())
        for sub in (node.key_expr, node.val_expr, node.cond):
            if sub is not None:
                _walk(sub, inner, out)
        return
    if isinstance(node, ast.TemplateFor):
        _walk(node.coll, bound, out)
        inner = bound | {node.val_var} | ({node.key_var} if node.key_var else set())
        for p in node.body:
            _walk(p, inner, out)
        return
    for child in _children(node):
        _walk(child, bound, out)


def _children(node: object) -> Iterator[object]:
    if isinstance(node, ast.Template):
        yield from (p for p in node.parts if not isinstance(p, str))
    elif isinstance(node, ast.TemplateIf):
        yield node.cond
        yield from (p for p in node.then_parts if not isinstance(p, str))
        yield from (p for p in node.else_parts if not isinstance(p, str))
    elif isinstance(node, ast.Splat):
        yield node.source
        yield node.each
    elif isinstance(node, ast.Call):
        yield from node.args
    elif isinstance(node, ast.Conditional):
        yield from (node.cond, node.true, node.false)
    elif isinstance(node, ast.Binary):
        yield from (node.left, node.right)
    elif isinstance(node, ast.Unary):
        yield node.operand
    elif isinstance(node, ast.Paren):
        yield node.inner
    elif isinstance(node, ast.TupleCons):
        yield from node.items
    elif isinstance(node, ast.ObjectCons):
        for k, v in node.items:
            yield k
            yield v
    elif isinstance(node, ast.Body):
        for a in node.attributes.values():
            yield a.expr
        for b in node.blocks:
            yield b.body
    elif isinstance(node, ast.Attribute):
        yield node.expr
