"""Explicit type conversion (tobool, tolist, ...) and sensitivity control.

The to* functions see their argument with its marks, unknowns and nulls
instead of letting the framework convert it: they word errors for an
*explicit* conversion, refuse to quote a sensitive value in an error, keep
marks on the elements they belong to, and convert a partly unknown
collection element by element (tolist(["a", timestamp()]) is a known list).
"""

from __future__ import annotations

import re

from govctl.lang import values as V
from govctl.lang.convert import ConversionError, convert, unify
from govctl.lang.functions.base import CallContext, Param, function
from govctl.lang.functions.encoding import arg_error, go_quote
from govctl.lang.types import (
    BOOL,
    DYNAMIC,
    NUMBER,
    STRING,
    Dynamic,
    ListType,
    MapType,
    ObjectType,
    SetType,
    TupleType,
    Type,
)
from govctl.lang.values import SENSITIVE, Value

# cty.ParseNumberVal's decimal syntax; Python's Decimal also takes " 1", "1_0", "nan".
_NUMBER_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _constraint_name(t: Type) -> str:
    """cty's FriendlyNameForConstraint: `any` reads as "any single type"."""
    if isinstance(t, Dynamic):
        return "any single type"
    if isinstance(t, ListType | SetType | MapType):
        return f"{t.kind} of {_constraint_name(t.elem)}"
    return t.friendly()


def _hoist_set_marks(val: Value) -> Value:
    """Set elements cannot carry marks (they would change identity), so the set does."""
    if not isinstance(val.type, SetType) or val.unknown or val.v is None:
        return val
    plain, marks = val.unmark_deep()
    return plain.mark(marks)


def _concrete_type(have: Type, want: Type) -> Type | None:
    """The collection type an unknown or null `have` converts to, without its elements."""
    if isinstance(have, Dynamic) or not want.has_dynamic():
        return want
    elem: Type | None = None
    if isinstance(want, ListType | SetType):
        if isinstance(have, TupleType):
            elem = unify(list(have.elems)) if have.elems else DYNAMIC
        elif isinstance(have, ListType | SetType):
            elem = have.elem
    elif isinstance(want, MapType):
        if isinstance(have, ObjectType):
            elem = unify(list(have.attrs.values())) if have.attrs else DYNAMIC
        elif isinstance(have, MapType):
            elem = have.elem
    if elem is None:
        return None
    return MapType(elem) if isinstance(want, MapType) else \
        ListType(elem) if isinstance(want, ListType) else SetType(elem)


def _to(want: Type, args: list[Value]) -> Value:
    arg = args[0]
    plain, marks = arg.unmark_deep()
    if (plain.unknown or plain.is_null) and want.has_dynamic():
        concrete = _concrete_type(plain.type, want)
        if concrete is None:
            raise _conversion_failure(plain, want, marks)
        return (V.unknown(concrete) if plain.unknown else V.null(concrete)).mark(marks)
    if plain.type is STRING and want is NUMBER and plain.is_known and not plain.is_null \
            and not _NUMBER_TEXT.fullmatch(plain.v):
        raise _conversion_failure(plain, want, marks)
    try:
        return _hoist_set_marks(convert(arg, want))
    except ConversionError:
        raise _conversion_failure(plain, want, marks) from None


def _conversion_failure(plain: Value, want: Type, marks: frozenset[str]) -> Exception:
    # Only a string's content can make string-to-bool/number fail; every other
    # failure is about types, which are never secret.
    if plain.type is STRING and want in (BOOL, NUMBER) and plain.is_known \
            and not plain.is_null:
        if SENSITIVE in marks:
            return arg_error("v", 0, f"cannot convert this sensitive string to {want.friendly()}")
        if want is BOOL:
            return arg_error("v", 0, f"cannot convert {go_quote(plain.v)} to bool; only the "
                             'strings "true" or "false" are allowed')
        return arg_error("v", 0, f"cannot convert {go_quote(plain.v)} to number; given string "
                         "must be a decimal representation of a number")
    return arg_error("v", 0, f"cannot convert {plain.type.friendly()} to "
                     f"{_constraint_name(want)}")


def _register_to(name: str, want: Type) -> None:
    def impl(args: list[Value], ctx: CallContext) -> Value:
        return _to(want, args)

    impl.__doc__ = f"Convert explicitly to {_constraint_name(want)}."
    function(name, params=[Param("v", DYNAMIC, allow_null=True, allow_unknown=True,
                                 allow_marked=True, allow_dynamic=True)],
             returns=want)(impl)


for _name, _want in (("tobool", BOOL), ("tonumber", NUMBER), ("tostring", STRING),
                     ("tolist", ListType(DYNAMIC)), ("toset", SetType(DYNAMIC)),
                     ("tomap", MapType(DYNAMIC))):
    _register_to(_name, _want)


_PASS_THROUGH = Param("value", DYNAMIC, allow_null=True, allow_unknown=True, allow_marked=True,
                      allow_dynamic=True)


@function("sensitive", params=[_PASS_THROUGH], returns=lambda args: args[0].type)
def _sensitive(args: list[Value], ctx: CallContext) -> Value:
    return args[0].mark({SENSITIVE})


@function("nonsensitive", params=[_PASS_THROUGH], returns=lambda args: args[0].type)
def _nonsensitive(args: list[Value], ctx: CallContext) -> Value:
    """Removes the mark from the value itself only; sensitive elements inside stay so.

    Like Terraform 1.11, a value that was not sensitive is returned unchanged
    rather than rejected.
    """
    val = args[0]
    return Value(val.type, val.v, val.unknown, val.marks - {SENSITIVE})

