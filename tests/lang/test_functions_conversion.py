"""Conversion and sensitivity built-ins; checked against `terraform console` 1.11."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from govctl.lang import values as V
from govctl.lang.functions import CallContext, FunctionError, load_all
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
)
from govctl.lang.values import SENSITIVE, Value

FUNCTIONS = load_all()


def call(name: str, *args: object) -> Value:
    vals = [a if isinstance(a, Value) else V.from_python(a) for a in args]
    return FUNCTIONS[name].call(vals, CallContext())


def fails(name: str, *args: object, match: str) -> FunctionError:
    with pytest.raises(FunctionError, match=re.escape(match)) as info:
        call(name, *args)
    assert info.value.arg == 0
    return info.value


def secret(value: object) -> Value:
    return V.from_python(value).mark({SENSITIVE})


# --- primitives ----------------------------------------------------------------

@pytest.mark.parametrize(("name", "arg", "expected"), [
    ("tobool", "true", V.TRUE),
    ("tobool", False, V.FALSE),
    ("tonumber", "1e3", V.number(1000)),
    ("tonumber", ".5", V.number(Decimal("0.5"))),
    ("tonumber", "+1", V.number(1)),
    ("tonumber", "1.", V.number(1)),
    ("tonumber", "-.5e1", V.number(-5)),
    ("tonumber", "00012", V.number(12)),
    ("tostring", 1.5, V.string("1.5")),
    ("tostring", 10**30, V.string("1" + "0" * 30)),
    ("tostring", True, V.string("true")),
    ("tostring", "x", V.string("x")),
])
def test_primitive_conversions(name: str, arg: object, expected: Value) -> None:
    assert call(name, arg) == expected


@pytest.mark.parametrize(("name", "want"), [("tobool", BOOL), ("tonumber", NUMBER),
                                            ("tostring", STRING)])
def test_null_converts_to_a_typed_null(name: str, want: object) -> None:
    result = call(name, None)
    assert result.is_null and result.type == want


@pytest.mark.parametrize(("name", "arg", "message"), [
    ("tonumber", "x", 'cannot convert "x" to number; given string must be a decimal '
                      "representation of a number."),
    ("tonumber", " 1", 'cannot convert " 1" to number'),
    ("tonumber", "1_0", 'cannot convert "1_0" to number'),
    ("tonumber", "0x10", 'cannot convert "0x10" to number'),
    ("tonumber", "", 'cannot convert "" to number'),
    ("tonumber", True, "cannot convert bool to number."),
    ("tobool", "yes", 'cannot convert "yes" to bool; only the strings "true" or "false" are '
                      "allowed."),
    ("tobool", 1, "cannot convert number to bool."),
    ("tostring", [1], "cannot convert tuple to string."),
    ("tostring", {}, "cannot convert object to string."),
])
def test_primitive_conversion_errors(name: str, arg: object, message: str) -> None:
    fails(name, arg, match=f'Invalid value for "v" parameter: {message}')


def test_errors_never_quote_a_sensitive_value() -> None:
    err = fails("tonumber", secret("hunter2"), match="cannot convert this sensitive string to "
                                                     "number.")
    assert "hunter2" not in err.message
    fails("tobool", secret("yes"), match="cannot convert this sensitive string to bool.")
    # Types are not secret, so type errors keep their usual wording.
    fails("tobool", secret(["x"]), match="cannot convert tuple to bool.")


# --- collections ---------------------------------------------------------------

def test_tolist_unifies_element_types() -> None:
    result = call("tolist", ["a", 1])
    assert result.type == ListType(STRING) and result.to_python() == ["a", "1"]
    nested = call("tolist", [[1], ["a"]])
    assert nested.type == ListType(TupleType([STRING]))
    maps = call("tolist", [{"a": 1}, {"b": "x"}])
    assert maps.type == ListType(MapType(STRING))
    assert call("tolist", ["a", None]).to_python() == ["a", None]
    assert call("tolist", []).type == ListType(DYNAMIC)


def test_toset_sorts_and_deduplicates() -> None:
    result = call("toset", [1, "a", 1])
    assert result.type == SetType(STRING) and result.to_python() == ["1", "a"]
    assert call("toset", V.list_([V.string("b"), V.string("a")])).to_python() == ["a", "b"]


def test_tomap() -> None:
    result = call("tomap", {"a": 1, "b": "x"})
    assert result.type == MapType(STRING) and result.to_python() == {"a": "1", "b": "x"}
    assert call("tomap", {"a": {"x": 1}, "b": {"y": 2}}).type == MapType(MapType(NUMBER))
    assert call("tomap", {"a": None, "b": 1}).type == MapType(NUMBER)


@pytest.mark.parametrize(("name", "arg", "message"), [
    ("tolist", [1, True], "cannot convert tuple to list of any single type."),
    ("tolist", {"a": 1}, "cannot convert object to list of any single type."),
    ("toset", "x", "cannot convert string to set of any single type."),
    ("tomap", {"a": 1, "b": [1]}, "cannot convert object to map of any single type."),
    ("tomap", [1], "cannot convert tuple to map of any single type."),
])
def test_collection_conversion_errors(name: str, arg: object, message: str) -> None:
    fails(name, arg, match=f'Invalid value for "v" parameter: {message}')


def test_marks_stay_on_the_elements_they_belong_to() -> None:
    result = call("tolist", V.tuple_([V.number(1), V.string("a").mark({SENSITIVE})]))
    assert not result.sensitive
    assert [e.sensitive for e in result.v] == [False, True]
    # A set cannot hold marked elements, so the set as a whole becomes sensitive.
    whole = call("toset", V.tuple_([V.string("b"), V.string("a").mark({SENSITIVE})]))
    assert whole.sensitive and not any(e.marks for e in whole.v)
    assert call("tolist", secret([1, "a"])).sensitive


def test_partly_unknown_collections_convert_element_by_element() -> None:
    result = call("tolist", V.tuple_([V.string("a"), V.unknown(STRING)]))
    assert result.is_known and result.type == ListType(STRING)
    assert result.v[1].unknown
    whole = call("tomap", V.unknown(ObjectType({"a": NUMBER})))
    assert whole.unknown and whole.type == MapType(NUMBER)


# --- sensitive / nonsensitive --------------------------------------------------

def test_sensitive_marks_the_value_itself() -> None:
    result = call("sensitive", "x")
    assert result.sensitive and result.v == "x" and result.type is STRING
    assert call("sensitive", None).sensitive
    hidden = call("sensitive", V.unknown(DYNAMIC))
    assert hidden.unknown and hidden.sensitive


def test_nonsensitive_removes_only_the_outer_mark() -> None:
    assert not call("nonsensitive", secret("x")).sensitive
    assert call("nonsensitive", "x") == V.string("x")  # allowed on plain values since 1.8
    inner = call("nonsensitive", V.obj({"a": V.string("x").mark({SENSITIVE})}))
    assert inner.v["a"].sensitive
    outer = call("nonsensitive", secret({"a": "x"}))
    assert not outer.has_marks_deep()
    unknown = call("nonsensitive", V.unknown(STRING).mark({SENSITIVE}))
    assert unknown.unknown and not unknown.sensitive


def test_argument_count_is_checked() -> None:
    with pytest.raises(FunctionError, match="expects exactly 1 argument"):
        call("sensitive")


# --- sensitivity and unknowns across the module ---------------------------------

@pytest.mark.parametrize(("name", "arg"), [
    ("tobool", "true"), ("tonumber", "1"), ("tostring", 1), ("tolist", [1]),
    ("toset", [1]), ("tomap", {"a": 1}),
])
def test_sensitive_in_sensitive_out_and_unknown_in_unknown_out(name: str, arg: object) -> None:
    assert call(name, secret(arg)).sensitive
    plain = V.from_python(arg)
    result = call(name, V.unknown(plain.type))
    assert result.unknown and result.type == call(name, plain).type
    assert call(name, V.unknown(DYNAMIC).mark({SENSITIVE})).sensitive
