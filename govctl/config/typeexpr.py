"""Type constraints (`list(string)`, `object({a = optional(number, 1)})`).

A type constraint is written as an expression but never evaluated: it is read
structurally here, with a diagnostic on the exact keyword that is wrong.
"""

from __future__ import annotations

from govctl.diagnostics import Diagnostic, error
from govctl.hcl import ast
from govctl.lang.types import (
    BOOL,
    DYNAMIC,
    NUMBER,
    STRING,
    ListType,
    MapType,
    ObjectType,
    SetType,
    TupleType,
    Type,
)
from govctl.lang.values import Value

_PRIMITIVES = {"string": STRING, "number": NUMBER, "bool": BOOL, "any": DYNAMIC}
_COLLECTIONS = {"list": ListType, "set": SetType, "map": MapType}
_KEYWORDS = sorted([*_PRIMITIVES, *_COLLECTIONS, "object", "tuple"])


class TypeExprError(Exception):
    def __init__(self, diag: Diagnostic):
        self.diagnostic = diag
        super().__init__(diag.summary)


def _bad(node: ast.Node, detail: str) -> TypeExprError:
    return TypeExprError(error("Invalid type specification", detail, node.range))


def parse_type(expr: ast.Expr, allow_optional: bool = False) -> Type:
    """Read a type constraint; raises TypeExprError."""
    from govctl.lang.eval import suggest

    if isinstance(expr, ast.Variable):
        if expr.name in _PRIMITIVES:
            return _PRIMITIVES[expr.name]
        if expr.name in _COLLECTIONS:
            raise _bad(expr, f'The {expr.name} type constructor requires one argument '
                       "specifying the element type.")
        raise _bad(expr, f'The keyword "{expr.name}" is not a valid type specification.'
                   + suggest(expr.name, _KEYWORDS))
    if isinstance(expr, ast.Literal) and isinstance(expr.value, str):
        # legacy quoted types ("string") are refused by Terraform with this hint
        raise _bad(expr, f'Type constraints are keywords, not strings: write {expr.value} '
                   'without quotes.')
    if not isinstance(expr, ast.Call):
        raise _bad(expr, "A type specification is either a primitive type keyword (bool, "
                   "number, string) or a complex type constructor call, like list(string).")
    name = expr.name
    if name in _COLLECTIONS:
        if len(expr.args) != 1:
            raise _bad(expr, f"The {name} type constructor requires one argument specifying "
                       "the element type.")
        return _COLLECTIONS[name](parse_type(expr.args[0]))
    if name == "tuple":
        if len(expr.args) != 1 or not isinstance(expr.args[0], ast.TupleCons):
            raise _bad(expr, "The tuple type constructor requires one argument specifying "
                       "the element types as a list.")
        return TupleType([parse_type(a) for a in expr.args[0].items])
    if name == "object":
        if len(expr.args) != 1 or not isinstance(expr.args[0], ast.ObjectCons):
            raise _bad(expr, "The object type constructor requires one argument specifying "
                       "the attribute types as a map.")
        attrs: dict[str, Type] = {}
        optional: set[str] = set()
        defaults: dict[str, Value] = {}
        for key, val in expr.args[0].items:
            if not isinstance(key, ast.Literal | ast.Variable):
                raise _bad(key, "Object constructor map keys must be attribute names.")
            k = str(key.value if isinstance(key, ast.Literal) else key.name)
            if isinstance(val, ast.Call) and val.name == "optional":
                if not 1 <= len(val.args) <= 2:
                    raise _bad(val, "The optional modifier takes the attribute type and, "
                               "optionally, a default value.")
                attrs[k] = parse_type(val.args[0], True)
                optional.add(k)
                if len(val.args) == 2:
                    defaults[k] = _default_value(val.args[1], attrs[k])
            else:
                attrs[k] = parse_type(val, True)
        return ObjectType(attrs, frozenset(optional), defaults)
    if name == "optional":
        raise _bad(expr, "Keyword optional is valid only as a modifier for object type "
                   "attributes.")
    raise _bad(expr, f'Keyword "{name}" is not a valid type constructor.'
               + suggest(name, _KEYWORDS))


def _default_value(expr: ast.Expr, t: Type) -> Value:
    from govctl.lang.convert import ConversionError, convert
    from govctl.lang.eval import EvalError, Scope, evaluate

    try:
        return convert(evaluate(expr, Scope()), t)
    except EvalError as exc:
        raise TypeExprError(exc.diagnostic) from None
    except ConversionError as exc:
        raise _bad(expr, f"Invalid default value for optional attribute: "
                   f"{exc.describe()}.") from None
