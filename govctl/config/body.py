"""Block bodies: count/for_each expansion, attribute and nested block values,
`dynamic` blocks, and pre/postcondition checks.

Without a provider schema a nested block's shape is not known, so every
nested block type becomes a tuple of objects; the provider's schema (a later
layer) decides whether it is a list, a set or a single block.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING

from govctl.config import model as m
from govctl.hcl import ast
from govctl.lang import values as V
from govctl.lang.convert import ConversionError, convert
from govctl.lang.types import BOOL, NUMBER, STRING, MapType, ObjectType, SetType
from govctl.lang.values import Value

if TYPE_CHECKING:
    from govctl.config.evaluate import InstanceKey, ModuleEval

Expansion = list[tuple["InstanceKey", dict[str, Value]]]


class BodyEvaluator:
    def __init__(self, owner: ModuleEval):
        # a proxy, not a reference: a cycle here would keep the whole syntax tree
        # alive until the next full collection (measured: 0.3 s after validate)
        self.owner = weakref.proxy(owner)
        self._expansions: dict[int, Expansion | None] = {}

    # --- count / for_each ---------------------------------------------------
    def expansions(self, count: ast.Expr | None, for_each: ast.Expr | None,
                   block: ast.Block, report: bool = True) -> Expansion | None:
        """Instance keys with the names each instance sees; None when unknown."""
        key = id(block)
        if key not in self._expansions:
            self._expansions[key] = self._expand(count, for_each)
        return self._expansions[key]

    def _expand(self, count: ast.Expr | None, for_each: ast.Expr | None) -> Expansion | None:
        if count is not None:
            return self._count(count)
        if for_each is not None:
            return self._for_each(for_each)
        return [(None, {})]

    def _count(self, expr: ast.Expr) -> Expansion | None:
        o = self.owner
        val = o.eval(expr)
        if val is None:
            return []
        if val.sensitive:
            o.err("Invalid count argument", "Sensitive values, or values derived from "
                  "sensitive values, cannot be used as count arguments.", expr)
            return []
        if val.unknown and not o.opts.validate_only:
            o.err("Invalid count argument",
                  'The "count" value depends on values that cannot be determined until apply, '
                  "so govctl cannot predict how many instances will be created.", expr)
            return []
        if val.unknown:
            return None
        try:
            n = convert(val, NUMBER)
        except ConversionError as exc:
            o.err("Invalid count argument", f'The given "count" argument value is '
                  f"unsuitable: {exc.describe()}.", expr)
            return []
        if n.is_null:
            o.err("Invalid count argument", 'The given "count" argument value is null. An '
                  "integer is required.", expr)
            return []
        if n.v != int(n.v) or n.v < 0:
            o.err("Invalid count argument", 'The given "count" argument value is unsuitable: '
                  "must be a whole number greater than or equal to zero.", expr)
            return []
        return [(i, {"count": V.obj({"index": V.number(i)})}) for i in range(int(n.v))]

    def _for_each(self, expr: ast.Expr) -> Expansion | None:
        o = self.owner
        val = o.eval(expr)
        if val is None:
            return []
        if val.sensitive:
            o.err("Invalid for_each argument", "Sensitive values, or values derived from "
                  "sensitive values, cannot be used as for_each arguments. If used, the "
                  "sensitive value could be exposed as a resource instance key.", expr)
            return []
        if not val.is_wholly_known() and not o.opts.validate_only:
            o.err("Invalid for_each argument",
                  'The "for_each" value depends on values that cannot be determined until '
                  "apply, so govctl cannot predict how many instances will be created. Use "
                  "a map or set whose keys are known from the configuration, and put values "
                  "known only after apply in the map values.", expr)
            return []
        if val.unknown:
            return None
        if val.is_null:
            o.err("Invalid for_each argument", 'The given "for_each" argument value is '
                  "unsuitable: the given \"for_each\" argument value is null. A map, or set "
                  "of strings is allowed.", expr)
            return []
        t = val.type
        if isinstance(t, MapType | ObjectType):
            if not val.is_known:
                return None
            return [(k, {"each": V.obj({"key": V.string(k), "value": v})})
                    for k, v in val.items()]
        if isinstance(t, SetType):
            if t.elem is not STRING:
                try:
                    val = convert(val, SetType(STRING))
                except ConversionError:
                    o.err("Invalid for_each set argument", 'The given "for_each" argument '
                          "value is unsuitable: \"for_each\" supports sets of strings, but you "
                          f"have provided a set containing type {t.elem.friendly()}.", expr)
                    return []
            out: Expansion = []
            for item in val.elements():
                if item.unknown:
                    return None
                if item.is_null:
                    o.err("Invalid for_each set argument", 'The given "for_each" argument '
                          "value is unsuitable: \"for_each\" sets must not contain null "
                          "values.", expr)
                    return []
                out.append((item.v, {"each": V.obj({"key": item, "value": item})}))
            return out
        o.err("Invalid for_each argument", 'The given "for_each" argument value is '
              'unsuitable: the "for_each" argument must be a map, or set of strings, and you '
              f"have provided a value of type {_type_word(val)}.", expr)
        return []

    def unknown_repetition(self, res: m.Resource | m.ModuleCall) -> dict[str, Value]:
        """What count.index / each.* are while the instance keys are unknown."""
        if res.count is not None:
            return {"count": V.obj({"index": V.unknown(NUMBER)})}
        return {"each": V.obj({"key": V.unknown(STRING), "value": V.unknown()})}

    # --- bodies ---------------------------------------------------------------
    def evaluate(self, body: ast.Body, extra: Mapping[str, Value],
                 skip: frozenset[str] = frozenset()) -> Value:
        attrs: dict[str, Value] = {}
        for name, attr in body.attributes.items():
            if name in skip:
                continue
            val = self.owner.eval(attr.expr, extra)
            attrs[name] = val if val is not None else V.unknown()
        nested: dict[str, list[Value]] = {}
        for block in body.blocks:
            if block.type == "dynamic":
                self._dynamic(block, extra, nested)
            else:
                nested.setdefault(block.type, []).append(self.evaluate(block.body, extra))
        for name, items in nested.items():
            if name in attrs:
                continue  # an attribute and a block of one name: the schema layer reports it
            attrs[name] = V.tuple_(items)
        return V.obj(attrs)

    def _dynamic(self, block: ast.Block, extra: Mapping[str, Value],
                 nested: dict[str, list[Value]]) -> None:
        o = self.owner
        if len(block.labels) != 1:
            o.diag(_err("Invalid dynamic block", "A dynamic block needs one label: the type "
                        "of the nested block to generate.", block))
            return
        name = block.labels[0]
        attrs = block.body.attributes
        o_check = {"for_each", "iterator", "labels"}
        for a, attr in attrs.items():
            if a not in o_check:
                o.err("Unsupported argument", f'An argument named "{a}" is not expected in a '
                      "dynamic block; put it inside the content block.", attr.expr)
        contents = block.body.blocks_of("content")
        if "for_each" not in attrs or len(contents) != 1:
            o.diag(_err("Invalid dynamic block", 'A dynamic block needs a "for_each" argument '
                        "and exactly one content block.", block))
            return
        iterator = name
        if "iterator" in attrs:
            it = attrs["iterator"].expr
            if not isinstance(it, ast.Variable):
                o.err("Invalid dynamic iterator name", "The iterator must be a bare name.", it)
                return
            iterator = it.name
        coll = o.eval(attrs["for_each"].expr, extra)
        if coll is None:
            return
        if coll.unknown:
            inner = {**extra, iterator: V.obj({"key": V.unknown(), "value": V.unknown()})}
            self.evaluate(contents[0].body, inner)
            nested.setdefault(name, [])
            return
        if coll.is_null:
            o.err("Invalid dynamic for_each value", "Cannot use a null value in for_each.",
                  attrs["for_each"].expr)
            return
        try:
            pairs = _pairs(coll)
        except TypeError:
            o.err("Invalid dynamic for_each value", "Cannot use a value of type "
                  f"{coll.type.friendly()} in for_each. An iterable collection is required.",
                  attrs["for_each"].expr)
            return
        for k, v in pairs:
            inner = {**extra, iterator: V.obj({"key": k, "value": v})}
            nested.setdefault(name, []).append(self.evaluate(contents[0].body, inner))

    # --- conditions -----------------------------------------------------------
    def check_preconditions(self, res: m.Resource, extra: Mapping[str, Value]) -> None:
        for pre in res.lifecycle.preconditions:
            self.check_condition(pre, extra, "Resource precondition failed")

    def check_condition(self, v: m.Validation, extra: Mapping[str, Value],
                        summary: str) -> None:
        o = self.owner
        cond = o.eval(v.condition, extra)
        if cond is None or not cond.is_wholly_known():
            return
        try:
            ok = convert(cond, BOOL).unmark()
        except ConversionError:
            o.err("Invalid condition result", "The condition must produce a bool.",
                  v.condition)
            return
        if ok.is_null:
            o.err("Invalid condition result", "The condition value is null.", v.condition)
            return
        if not ok.v:
            o.err(summary, o._message(v.error_message, extra), v.condition)


def _pairs(coll: Value) -> list[tuple[Value, Value]]:
    from govctl.lang.types import ListType, TupleType

    t = coll.type
    if isinstance(t, ListType | TupleType):
        return [(V.number(i), e) for i, e in enumerate(coll.v)]
    if isinstance(t, SetType):
        return [(e, e) for e in coll.v]
    if isinstance(t, MapType | ObjectType):
        return [(V.string(k), e) for k, e in coll.v.items()]
    raise TypeError(t)


def _type_word(val: Value) -> str:
    from govctl.lang.types import ListType, TupleType

    if isinstance(val.type, TupleType):
        return "tuple"
    if isinstance(val.type, ListType):
        return f"list of {val.type.elem.friendly()}"
    return val.type.friendly()


def _err(summary: str, detail: str, block: ast.Block):  # -> Diagnostic
    from govctl.diagnostics import error

    return error(summary, detail, block.def_range)
