"""lifecycle.replace_triggered_by: resolving a trigger expression to the
instance (and attribute) whose change forces a replacement.

Apart because it reads expressions syntactically, a concern of its own, and
apply needs an instance's count.index / each.* (repetition) too.
"""

from __future__ import annotations

from typing import Any

from govctl.addrs import ResourceAddr
from govctl.config.evaluate import Instance, ModuleEval
from govctl.hcl import ast
from govctl.lang.values import Value


class _AnyKey:
    def __repr__(self) -> str:
        return "ANY"


ANY_KEY = _AnyKey()


def repetition(me: ModuleEval, inst: Instance) -> dict[str, Value]:
    """count.index / each.* of an instance (expansions are memoized per block)."""
    for key, extra in me.instance_keys(inst.resource, report=False) or []:
        if key == inst.key:
            return extra
    return {}


def trigger_target(me: ModuleEval, expr: ast.Expr, extra: dict[str, Value]
                    ) -> tuple[ResourceAddr, Any, str | None] | None:
    """`aws_x.a`, `aws_x.a[count.index]`, `aws_x.a[0].attr` -> (resource,
    key or ANY_KEY, attribute or None); None for anything else (the evaluator
    reports references it cannot resolve)."""
    links: list[ast.Expr] = []
    node: ast.Expr = expr
    while isinstance(node, ast.GetAttr | ast.Index):
        links.append(node)
        node = node.obj
    links.reverse()
    if not isinstance(node, ast.Variable) or not links or not isinstance(links[0], ast.GetAttr):
        return None
    res = me.module.resources.get(f"{node.name}.{links[0].name}")
    if res is None:
        return None
    raddr = ResourceAddr(me.module_path, "managed", res.type, res.name)
    rest = links[1:]
    key: Any = ANY_KEY if (res.count is not None or res.for_each is not None) else None
    if rest and isinstance(rest[0], ast.Index):
        val = me.eval(rest[0].key, extra)
        if val is None or not val.is_wholly_known():
            return None
        plain = val.unmark_deep()[0].to_python()
        key = int(plain) if res.count is not None else plain
        rest = rest[1:]
    attr = rest[0].name if rest and isinstance(rest[0], ast.GetAttr) else None
    return raddr, key, attr


def expr_text(expr: ast.Expr) -> str:
    return expr.src.data[expr.start:expr.end].decode("utf-8", "replace")
