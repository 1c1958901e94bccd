"""Our own HCL syntax tree, independent of tree-sitter.

Every node keeps its source file and byte span; `.range` converts on demand.
Expressions are plain classes with slots (not dataclasses) because a 10,000
resource configuration creates a few hundred thousand of them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from govctl.diagnostics import Range
    from govctl.hcl.source import SourceFile


class Node:
    __slots__ = ("end", "src", "start")

    def __init__(self, src: SourceFile, start: int, end: int):
        self.src = src
        self.start = start
        self.end = end

    @property
    def range(self) -> Range:
        return self.src.range(self.start, self.end)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._fields())
        return f"{type(self).__name__}({fields})"

    def _fields(self) -> list[str]:
        out: list[str] = []
        for cls in type(self).__mro__:
            for name in getattr(cls, "__slots__", ()):
                if name not in ("src", "start", "end", "refs_cache"):
                    out.append(name)
        return out


class Expr(Node):
    # refs_cache: set lazily by govctl.config.refs (static references)
    __slots__ = ("refs_cache",)


class Literal(Expr):
    """null, bool, number (int or Decimal) or a plain string with no templates."""

    __slots__ = ("value",)

    def __init__(self, src: SourceFile, start: int, end: int,
                 value: str | int | Decimal | bool | None):
        super().__init__(src, start, end)
        self.value = value


class Template(Expr):
    """A string with interpolations/directives: parts are str or Expr/directives."""

    __slots__ = ("heredoc", "parts")

    def __init__(self, src: SourceFile, start: int, end: int, parts: list[object],
                 heredoc: bool = False):
        super().__init__(src, start, end)
        self.parts = parts
        self.heredoc = heredoc


class TemplateIf(Node):
    __slots__ = ("cond", "else_parts", "then_parts")

    def __init__(self, src: SourceFile, start: int, end: int, cond: Expr,
                 then_parts: list[object], else_parts: list[object]):
        super().__init__(src, start, end)
        self.cond = cond
        self.then_parts = then_parts
        self.else_parts = else_parts


class TemplateFor(Node):
    __slots__ = ("body", "coll", "key_var", "val_var")

    def __init__(self, src: SourceFile, start: int, end: int, key_var: str | None,
                 val_var: str, coll: Expr, body: list[object]):
        super().__init__(src, start, end)
        self.key_var = key_var
        self.val_var = val_var
        self.coll = coll
        self.body = body


class Variable(Expr):
    __slots__ = ("name",)

    def __init__(self, src: SourceFile, start: int, end: int, name: str):
        super().__init__(src, start, end)
        self.name = name


class GetAttr(Expr):
    __slots__ = ("name", "obj")

    def __init__(self, src: SourceFile, start: int, end: int, obj: Expr, name: str):
        super().__init__(src, start, end)
        self.obj = obj
        self.name = name


class Index(Expr):
    __slots__ = ("key", "obj")

    def __init__(self, src: SourceFile, start: int, end: int, obj: Expr, key: Expr):
        super().__init__(src, start, end)
        self.obj = obj
        self.key = key


class SplatItem(Expr):
    """The anonymous symbol standing for each element inside a splat."""

    __slots__ = ()


class Splat(Expr):
    """`src[*].a.b` or `src.*.a`: `each` is evaluated with SplatItem bound."""

    __slots__ = ("each", "full", "source")

    def __init__(self, src: SourceFile, start: int, end: int, source: Expr, each: Expr,
                 full: bool):
        super().__init__(src, start, end)
        self.source = source
        self.each = each
        self.full = full


class Call(Expr):
    __slots__ = ("args", "expand", "name", "name_end")

    def __init__(self, src: SourceFile, start: int, end: int, name: str, args: list[Expr],
                 expand: bool, name_end: int):
        super().__init__(src, start, end)
        self.name = name
        self.args = args
        self.expand = expand
        self.name_end = name_end


class Conditional(Expr):
    __slots__ = ("cond", "false", "true")

    def __init__(self, src: SourceFile, start: int, end: int, cond: Expr, true: Expr,
                 false: Expr):
        super().__init__(src, start, end)
        self.cond = cond
        self.true = true
        self.false = false


class Binary(Expr):
    __slots__ = ("left", "op", "right")

    def __init__(self, src: SourceFile, start: int, end: int, op: str, left: Expr,
                 right: Expr):
        super().__init__(src, start, end)
        self.op = op
        self.left = left
        self.right = right


class Unary(Expr):
    __slots__ = ("op", "operand")

    def __init__(self, src: SourceFile, start: int, end: int, op: str, operand: Expr):
        super().__init__(src, start, end)
        self.op = op
        self.operand = operand


class Paren(Expr):
    __slots__ = ("inner",)

    def __init__(self, src: SourceFile, start: int, end: int, inner: Expr):
        super().__init__(src, start, end)
        self.inner = inner


class TupleCons(Expr):
    __slots__ = ("items",)

    def __init__(self, src: SourceFile, start: int, end: int, items: list[Expr]):
        super().__init__(src, start, end)
        self.items = items


class ObjectCons(Expr):
    """Keys are Expr; a bare identifier key is parsed as a string Literal."""

    __slots__ = ("items",)

    def __init__(self, src: SourceFile, start: int, end: int, items: list[tuple[Expr, Expr]]):
        super().__init__(src, start, end)
        self.items = items


class ForExpr(Expr):
    __slots__ = ("coll", "cond", "group", "key_expr", "key_var", "val_expr", "val_var")

    def __init__(self, src: SourceFile, start: int, end: int, key_var: str | None,
                 val_var: str, coll: Expr, key_expr: Expr | None, val_expr: Expr,
                 cond: Expr | None, group: bool):
        super().__init__(src, start, end)
        self.key_var = key_var
        self.val_var = val_var
        self.coll = coll
        self.key_expr = key_expr
        self.val_expr = val_expr
        self.cond = cond
        self.group = group


class Attribute(Node):
    __slots__ = ("expr", "name", "name_end")

    def __init__(self, src: SourceFile, start: int, end: int, name: str, expr: Expr,
                 name_end: int):
        super().__init__(src, start, end)
        self.name = name
        self.expr = expr
        self.name_end = name_end

    @property
    def name_range(self) -> Range:
        return self.src.range(self.start, self.name_end)


class Block(Node):
    __slots__ = ("body", "label_spans", "labels", "type", "type_end")

    def __init__(self, src: SourceFile, start: int, end: int, type_: str, labels: list[str],
                 label_spans: list[tuple[int, int]], body: Body, type_end: int):
        super().__init__(src, start, end)
        self.type = type_
        self.labels = labels
        self.label_spans = label_spans
        self.body = body
        self.type_end = type_end

    @property
    def def_range(self) -> Range:
        """The block header (type and labels), where Terraform points its messages."""
        end = self.label_spans[-1][1] if self.label_spans else self.type_end
        return self.src.range(self.start, end)

    def label_range(self, i: int) -> Range:
        s, e = self.label_spans[i]
        return self.src.range(s, e)


class Body(Node):
    __slots__ = ("attributes", "blocks")

    def __init__(self, src: SourceFile, start: int, end: int,
                 attributes: dict[str, Attribute], blocks: list[Block]):
        super().__init__(src, start, end)
        self.attributes = attributes
        self.blocks = blocks

    def blocks_of(self, type_: str) -> list[Block]:
        return [b for b in self.blocks if b.type == type_]


class File(Node):
    __slots__ = ("body",)

    def __init__(self, src: SourceFile, start: int, end: int, body: Body):
        super().__init__(src, start, end)
        self.body = body
