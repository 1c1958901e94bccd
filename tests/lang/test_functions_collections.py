"""Collection built-ins; values and types were checked against `terraform console` 1.11.

Python lists and dicts become tuples and objects (as HCL literals do); `lst()`,
`mp()` and `st()` build the list, map and set values that `tolist()`,
`tomap()` and `toset()` would.
"""

from __future__ import annotations

import pytest

from govctl.lang import values as V
from govctl.lang.types import (
    BOOL,
    DYNAMIC,
    EMPTY_TUPLE,
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
from tests.lang.fn import call, fails, val


def lst(*items: object, elem: Type | None = None) -> Value:
    return V.list_([val(i) for i in items], elem)


def mp(elem: Type | None = None, **items: object) -> Value:
    return V.map_({k: val(v) for k, v in items.items()}, elem)


def st(*items: object, elem: Type | None = None) -> Value:
    return V.set_([val(i) for i in items], elem)


def check(result: Value, expected: object, type_: Type) -> None:
    assert result.type == type_
    assert result.to_python() == expected


# --- booleans ------------------------------------------------------------------

@pytest.mark.parametrize(("name", "items", "expected"), [
    ("alltrue", [True, True], True),
    ("alltrue", [], True),
    ("alltrue", ["true", True], True),
    ("alltrue", [True, None], False),
    ("anytrue", [False, "true"], True),
    ("anytrue", [], False),
    ("anytrue", [None, False], False),
])
def test_alltrue_anytrue(name: str, items: list[object], expected: bool) -> None:
    check(call(name, items), expected, BOOL)


def test_alltrue_anytrue_with_unknown_elements() -> None:
    pending = V.unknown(BOOL)
    assert call("alltrue", [False, pending]) == V.FALSE
    assert call("alltrue", [True, pending]).unknown
    assert call("anytrue", [pending, True]) == V.TRUE
    assert call("anytrue", [pending, False]).unknown
    fails("alltrue", [1], match='Invalid value for "list" parameter')


# --- building lists ------------------------------------------------------------

def test_chunklist() -> None:
    check(call("chunklist", ["a", "b", "c"], 2), [["a", "b"], ["c"]],
          ListType(ListType(STRING)))
    check(call("chunklist", ["a"], 0), [["a"]], ListType(ListType(STRING)))
    check(call("chunklist", [1, "a"], 1), [["1"], ["a"]], ListType(ListType(STRING)))
    assert call("chunklist", [], 2).to_python() == []
    fails("chunklist", ["a"], -1, match="the size argument must be positive.")
    fails("chunklist", ["a"], 1.5, match="invalid size: value must be a whole number")


def test_coalesce() -> None:
    check(call("coalesce", "", "a"), "a", STRING)
    check(call("coalesce", None, 1, "b"), "1", STRING)
    check(call("coalesce", 1, 2), 1, NUMBER)
    check(call("coalesce", True, "x"), "true", STRING)
    check(call("coalesce", None, "", "a"), "a", STRING)
    check(call("coalesce", None, [1], "x"), [1], TupleType([NUMBER]))
    check(call("coalesce", lst(elem=STRING), lst("a")), [], ListType(STRING))
    assert call("coalesce", "a", V.unknown(STRING)) == V.string("a")
    assert call("coalesce", V.unknown(STRING), "a").unknown
    fails("coalesce", None, "", match="no non-null, non-empty-string arguments.")
    fails("coalesce", match="all arguments must have the same type.")
    fails("coalesce", [1], {"a": 1}, match="all arguments must have the same type.")


def test_coalescelist() -> None:
    check(call("coalescelist", [], ["a"]), ["a"], TupleType([STRING]))
    check(call("coalescelist", lst("a"), [1]), ["a"], ListType(STRING))
    fails("coalescelist", [], [], match="no non-null arguments.")
    fails("coalescelist", "a", match="coalescelist arguments must be lists or tuples.")
    fails("coalescelist", match="at least one argument is required.")


def test_compact() -> None:
    check(call("compact", ["a", "", None, "b"]), ["a", "b"], ListType(STRING))
    check(call("compact", [1, ""]), ["1"], ListType(STRING))
    check(call("compact", []), [], ListType(STRING))
    fails("compact", "a", match='Invalid value for "list" parameter')


def test_concat_types_follow_terraform() -> None:
    check(call("concat", ["a"], ["b"]), ["a", "b"], TupleType([STRING, STRING]))
    check(call("concat", ["a"], [1]), ["a", 1], TupleType([STRING, NUMBER]))
    check(call("concat", lst("a"), lst("b")), ["a", "b"], ListType(STRING))
    check(call("concat", lst("a"), lst(1), lst(True)), ["a", "1", "true"], ListType(STRING))
    check(call("concat", lst("a"), ["b"]), ["a", "b"], TupleType([STRING, STRING]))
    check(call("concat", [], []), [], EMPTY_TUPLE)
    check(call("concat", [1], [[2]]), [1, [2]], TupleType([NUMBER, TupleType([NUMBER])]))


def test_concat_errors_and_unknowns() -> None:
    fails("concat", match="at least one argument is required.")
    err = fails("concat", ["a"], "b", match='Invalid value for "seqs" parameter: all arguments '
                "must be lists or tuples; got string.")
    assert err.arg == 1
    fails("concat", st("a"), ["c"], match="got set of string.")
    assert call("concat", V.unknown(ListType(STRING)), lst("b")).type == ListType(STRING)
    mixed = call("concat", lst(V.unknown(STRING)), lst("b"))
    assert mixed.v[0].unknown and mixed.v[1] == V.string("b")


def test_contains() -> None:
    check(call("contains", ["a", "b"], "a"), True, BOOL)
    check(call("contains", [1, 2], "1"), False, BOOL)
    check(call("contains", ["1"], 1), False, BOOL)
    check(call("contains", st("a"), "a"), True, BOOL)
    check(call("contains", [[1]], [1]), True, BOOL)
    check(call("contains", [], "a"), False, BOOL)
    assert call("contains", ["a", V.unknown(STRING)], "a") == V.TRUE
    assert call("contains", ["a", V.unknown(STRING)], "b").unknown
    fails("contains", {"a": 1}, "a", match="argument must be list, tuple, or set.")


def test_distinct() -> None:
    check(call("distinct", ["a", "b", "a"]), ["a", "b"], ListType(STRING))
    check(call("distinct", ["a", 1]), ["a", "1"], ListType(STRING))
    check(call("distinct", [1, "1"]), ["1"], ListType(STRING))
    check(call("distinct", st("a")), ["a"], ListType(STRING))
    check(call("distinct", [[1], [1], [2]]), [[1], [2]], ListType(TupleType([NUMBER])))
    check(call("distinct", []), [], ListType(DYNAMIC))
    fails("distinct", "a", match='Invalid value for "list" parameter')


def test_element() -> None:
    check(call("element", ["a", "b", "c"], 4), "b", STRING)
    check(call("element", ["a", 1], 1), 1, NUMBER)
    check(call("element", ["a"], "0"), "a", STRING)
    check(call("element", lst("a", "b"), 2), "a", STRING)
    assert call("element", ["a", V.unknown(STRING)], 0) == V.string("a")
    assert call("element", V.unknown(TupleType([STRING, NUMBER])), 3).type == NUMBER
    fails("element", [], 0, match="cannot use element function with an empty list.")
    fails("element", ["a"], -1, match="cannot use element function with a negative index.")
    fails("element", st("a"), 0, match="cannot read elements from set of string.")
    fails("element", {"a": 1}, 0, match="cannot read elements from object.")
    fails("element", ["a"], 1.5, match="invalid index: value must be a whole number")


def test_flatten() -> None:
    check(call("flatten", [["a"], [], ["b", ["c"]]]), ["a", "b", "c"],
          TupleType([STRING, STRING, STRING]))
    check(call("flatten", [["a"], [1]]), ["a", 1], TupleType([STRING, NUMBER]))
    check(call("flatten", ["a", st("b")]), ["a", "b"], TupleType([STRING, STRING]))
    check(call("flatten", [{"a": 1}]), [{"a": 1}], TupleType([ObjectType({"a": NUMBER})]))
    check(call("flatten", [[[]]]), [], EMPTY_TUPLE)
    check(call("flatten", [None]), [None], TupleType([DYNAMIC]))
    fails("flatten", "a", match="can only flatten lists, sets and tuples.")


def test_index() -> None:
    check(call("index", ["a", "b"], "b"), 1, NUMBER)
    check(call("index", [[1], [2]], [2]), 1, NUMBER)
    fails("index", ["a", "b"], "c", match="item not found.")
    fails("index", [1, 2], "2", match="item not found.")
    fails("index", [], "a", match="cannot search an empty list.")
    fails("index", st("a"), "a", match="argument must be a list or tuple.")


# --- maps and objects ----------------------------------------------------------

def test_keys_and_values() -> None:
    check(call("keys", {"b": 1, "a": 2}), ["a", "b"], TupleType([STRING, STRING]))
    check(call("keys", mp(b=1, a=2)), ["a", "b"], ListType(STRING))
    check(call("keys", {}), [], EMPTY_TUPLE)
    check(call("values", {"b": 1, "a": "x"}), ["x", 1], TupleType([STRING, NUMBER]))
    check(call("values", mp(b=1, a=2)), [2, 1], ListType(NUMBER))
    check(call("values", {}), [], EMPTY_TUPLE)
    fails("keys", ["a"], match='Invalid value for "inputMap" parameter: must have map or '
          "object type.")
    fails("values", ["a"], match="values() requires a map as the first argument.")


def test_keys_and_values_with_unknowns() -> None:
    obj_type = ObjectType({"b": NUMBER, "a": STRING})
    check(call("keys", V.unknown(obj_type)), ["a", "b"], TupleType([STRING, STRING]))
    assert call("keys", V.unknown(MapType(STRING))).type == ListType(STRING)
    assert call("keys", mp(a=V.unknown(STRING))).to_python() == ["a"]
    assert call("values", V.unknown(obj_type)).type == TupleType([STRING, NUMBER])
    assert call("values", mp(a=V.unknown(STRING))).v[0].unknown


def test_length() -> None:
    check(call("length", "héllo"), 5, NUMBER)
    check(call("length", "e\u0301"), 1, NUMBER)
    check(call("length", ["a", 1]), 2, NUMBER)
    check(call("length", lst("a", "b", "c")), 3, NUMBER)
    check(call("length", st("a", "a", "b")), 2, NUMBER)
    check(call("length", {"a": 1}), 1, NUMBER)
    check(call("length", mp(a=1, b=2)), 2, NUMBER)
    check(call("length", []), 0, NUMBER)
    fails("length", 5, match="argument must be a string, a collection type, or a structural "
          "type.")
    fails("length", True, match="argument must be a string")
    fails("length", None, match="argument must not be null")


def test_length_is_known_when_the_count_is() -> None:
    assert call("length", lst(V.unknown(STRING), "a")) == V.number(2)
    assert call("length", V.unknown(TupleType([STRING, STRING]))) == V.number(2)
    assert call("length", V.unknown(ObjectType({"a": STRING}))) == V.number(1)
    assert call("length", V.unknown(ListType(STRING))).unknown
    assert call("length", V.unknown(STRING)).unknown


def test_lookup() -> None:
    check(call("lookup", {"a": "x"}, "a"), "x", STRING)
    check(call("lookup", {"a": "x"}, "b", "d"), "d", STRING)
    check(call("lookup", {"a": 1, "b": "s"}, "a", "z"), 1, NUMBER)
    check(call("lookup", {"a": {"x": 1}}, "b", {}), {}, ObjectType({}))
    assert call("lookup", {"a": 1}, "b", None).is_null
    check(call("lookup", mp(a="1"), "b", 2), "2", STRING)
    check(call("lookup", mp(a=1), "a"), 1, NUMBER)
    assert call("lookup", mp(a=1), "b", V.unknown(NUMBER)).unknown


def test_lookup_errors() -> None:
    err = fails("lookup", {"a": "x"}, "b", match='Invalid value for "inputMap" parameter: the '
                'given object has no attribute "b".')
    assert err.arg == 0
    fails("lookup", mp(a=1), "b", match='the given key "b" does not exist in the map.')
    fails("lookup", mp(a=1), "a", "q", match='Invalid value for "default" parameter: the '
          "default value must have the same type as the map elements.")
    fails("lookup", ["a"], "0", match="lookup() requires a map as the first argument.")
    fails("lookup", {"a": 1}, "a", "x", "y", match="lookup() takes two or three arguments, "
          "got 4.")


def test_merge() -> None:
    check(call("merge", {"a": 1}, {"b": "x"}), {"a": 1, "b": "x"},
          ObjectType({"a": NUMBER, "b": STRING}))
    check(call("merge", {"a": 1}, None, {"a": 2}), {"a": 2}, ObjectType({"a": NUMBER}))
    check(call("merge", {"a": {"x": 1}}, {"a": 2}), {"a": 2}, ObjectType({"a": NUMBER}))
    check(call("merge", mp(a=1), mp(b=2)), {"a": 1, "b": 2}, MapType(NUMBER))
    check(call("merge", mp(a=1), mp(b="x")), {"a": 1, "b": "x"},
          ObjectType({"a": NUMBER, "b": STRING}))
    check(call("merge", mp(a=1), {"b": "x"}), {"a": 1, "b": "x"},
          ObjectType({"a": NUMBER, "b": STRING}))
    check(call("merge"), {}, ObjectType({}))
    partly = call("merge", {"a": V.unknown(STRING)}, {"b": 1})
    assert partly.v["a"].unknown and partly.v["b"] == V.number(1)
    fails("merge", ["a"], match='arguments must be maps or objects, got "tuple".')
    fails("merge", {"a": 1}, "x", match='arguments must be maps or objects, got "string".')


def test_transpose() -> None:
    check(call("transpose", {"a": ["1", "2"], "b": ["2", "3"]}),
          {"1": ["a"], "2": ["a", "b"], "3": ["b"]}, MapType(ListType(STRING)))
    check(call("transpose", {"a": ["x", "x"]}), {"x": ["a", "a"]}, MapType(ListType(STRING)))
    check(call("transpose", {}), {}, MapType(ListType(STRING)))
    fails("transpose", {"a": ["x", None]}, match="input list must not contain null string.")
    fails("transpose", {"a": "x"}, match='Invalid value for "values" parameter')


def test_zipmap() -> None:
    check(call("zipmap", ["a", "b"], [1, 2]), {"a": 1, "b": 2},
          ObjectType({"a": NUMBER, "b": NUMBER}))
    check(call("zipmap", ["a", "b"], [1, "x"]), {"a": 1, "b": "x"},
          ObjectType({"a": NUMBER, "b": STRING}))
    check(call("zipmap", ["a", "b"], lst(1, 2)), {"a": 1, "b": 2}, MapType(NUMBER))
    check(call("zipmap", ["a", "a"], [1, 2]), {"a": 2}, ObjectType({"a": NUMBER}))
    check(call("zipmap", st("a"), [1]), {"a": 1}, ObjectType({"a": NUMBER}))
    check(call("zipmap", [], []), {}, ObjectType({}))
    fails("zipmap", ["a"], [1, 2], match="number of keys (1) does not match number of values "
          "(2).")
    fails("zipmap", [None], [1], match="keys list has null value at index 0.")
    fails("zipmap", ["a"], "x", match="values argument must be a list or tuple value.")


# --- sequences -----------------------------------------------------------------

def test_one() -> None:
    check(call("one", ["a"]), "a", STRING)
    check(call("one", st("a")), "a", STRING)
    empty = call("one", [])
    assert empty.is_null and empty.type == DYNAMIC
    assert call("one", lst(elem=STRING)) == V.null(STRING)
    assert call("one", [None]).is_null
    for bad in (["a", "b"], "a"):
        err = fails("one", bad, match='Invalid value for "list" parameter: must be a list, set, '
                    "or tuple value with either zero or one elements.")
        assert err.arg == 0


@pytest.mark.parametrize(("args", "expected"), [
    ([3], [0, 1, 2]),
    ([1, 4], [1, 2, 3]),
    ([0, 10, 3], [0, 3, 6, 9]),
    ([5, 1], [5, 4, 3, 2]),
    ([5, 1, -2], [5, 3]),
    ([-3], [0, -1, -2]),
    ([1.5], [0, 1]),
    ([0], []),
    ([0, 0, 0], []),
])
def test_range(args: list[object], expected: list[object]) -> None:
    check(call("range", *args), expected, ListType(NUMBER))


def test_range_fractional_steps_are_exact() -> None:
    assert [str(v) for v in call("range", 0, 1, 0.25).to_python()] == ["0", "0.25", "0.5",
                                                                       "0.75"]


@pytest.mark.parametrize(("args", "message", "arg"), [
    ([], "must have one, two, or three arguments.", None),
    ([1, 2, 3, 4], "must have one, two, or three arguments.", None),
    ([1, 5, -1], 'Invalid value for "params" parameter: end must be less than start when step '
     "is negative.", 1),
    ([5, 1, 1], "end must be greater than start when step is positive.", 1),
    ([0, 2000], "more than 1024 values were generated; either decrease the difference between "
     "start and end or use a smaller step.", None),
    ([1, 5, 0], "more than 1024 values were generated", None),
])
def test_range_errors(args: list[object], message: str, arg: int | None) -> None:
    assert fails("range", *args, match=message).arg == arg


def test_reverse() -> None:
    check(call("reverse", ["a", 1]), [1, "a"], TupleType([NUMBER, STRING]))
    check(call("reverse", lst("a", "b")), ["b", "a"], ListType(STRING))
    check(call("reverse", st("a", "b")), ["b", "a"], ListType(STRING))
    fails("reverse", "ab", match='Invalid value for "list" parameter: can only reverse list or '
          "tuple values, not string.")


def test_slice() -> None:
    check(call("slice", ["a", "b", "c"], 1, 2), ["b"], TupleType([STRING]))
    check(call("slice", lst("a", "b", "c"), 1, 3), ["b", "c"], ListType(STRING))
    check(call("slice", ["a"], 1, 1), [], EMPTY_TUPLE)
    assert call("slice", V.unknown(ListType(STRING)), 0, 1).type == ListType(STRING)


@pytest.mark.parametrize(("args", "message", "arg"), [
    ([["a"], 0, 2], 'Invalid value for "end_index" parameter: end index must not be greater '
     "than the length of the list.", 2),
    ([["a"], 1, 0], "start index must not be greater than end index.", 1),
    ([["a"], -1, 0], "start index must not be less than zero.", 1),
    ([["a"], 2, 2], "start index must not be greater than the length of the list.", 1),
    ([["a"], 0.5, 1], "invalid start index: value must be a whole number", 1),
    (["a", 0, 0], 'Invalid value for "list" parameter: must be a list or tuple value.', 0),
])
def test_slice_errors(args: list[object], message: str, arg: int) -> None:
    assert fails("slice", *args, match=message).arg == arg


def test_slice_refuses_sets() -> None:
    fails("slice", st("a"), 0, 1, match="cannot slice a set, because its elements do not have "
          "indices")


def test_sort() -> None:
    check(call("sort", ["b", "a", "10", "9"]), ["10", "9", "a", "b"], ListType(STRING))
    check(call("sort", [3, 10, 1]), ["1", "10", "3"], ListType(STRING))
    check(call("sort", ["b", "B", "a", "é"]), ["B", "a", "b", "é"], ListType(STRING))
    check(call("sort", st("b", "a")), ["a", "b"], ListType(STRING))
    check(call("sort", []), [], ListType(STRING))
    fails("sort", ["b", None], match="given list element 1 is null; a null string cannot be "
          "sorted.")
    fails("sort", [["a"]], match='Invalid value for "list" parameter')


def test_sum() -> None:
    check(call("sum", [1, 2.5]), V.number(3.5).v, NUMBER)
    check(call("sum", ["1", 2]), 3, NUMBER)
    check(call("sum", st(1, 2)), 3, NUMBER)
    assert str(call("sum", [0.1, 0.2]).v) == "0.3"
    check(call("sum", [10**22, 1]), 10**22 + 1, NUMBER)


@pytest.mark.parametrize(("arg", "message"), [
    ([], "cannot sum an empty list."),
    (["a"], "argument must be list, set, or tuple of number values."),
    ([1, None], "argument must be list, set, or tuple of number values."),
    ("a", "cannot sum noniterable."),
    ({"a": 1}, "argument must be list, set, or tuple. Received object."),
])
def test_sum_errors(arg: object, message: str) -> None:
    assert fails("sum", arg, match=f'Invalid value for "list" parameter: {message}').arg == 0


# --- sets ----------------------------------------------------------------------

def test_set_operations() -> None:
    check(call("setintersection", ["a", "b"], ["b", "c"]), ["b"], SetType(STRING))
    check(call("setintersection", [1], ["1"]), ["1"], SetType(STRING))
    check(call("setintersection", ["a"]), ["a"], SetType(STRING))
    check(call("setintersection", st(), ["a"]), [], SetType(STRING))
    check(call("setsubtract", ["a", "b"], ["b"]), ["a"], SetType(STRING))
    check(call("setsubtract", st(1, 2), [2]), [1], SetType(NUMBER))
    check(call("setunion", ["a"], ["b", 1]), ["1", "a", "b"], SetType(STRING))
    check(call("setunion", [["a"]], [["b"]]), [["a"], ["b"]], SetType(TupleType([STRING])))
    fails("setunion", ["a"], "b", match='Invalid value for "other_sets" parameter')
    fails("setsubtract", None, [], match='Invalid value for "a" parameter: argument must not '
          "be null.")
    fails("setunion", [["a"]], [{"a": 1}], match="given sets must all have compatible element "
          "types.")


def test_setproduct() -> None:
    check(call("setproduct", ["a", "b"], [1, 2]), [["a", 1], ["a", 2], ["b", 1], ["b", 2]],
          ListType(TupleType([STRING, NUMBER])))
    check(call("setproduct", st("a", "b"), st(1, 2)),
          [["a", 1], ["a", 2], ["b", 1], ["b", 2]], SetType(TupleType([STRING, NUMBER])))
    check(call("setproduct", ["a", "a"], ["x"]), [["a", "x"], ["a", "x"]],
          ListType(TupleType([STRING, STRING])))
    check(call("setproduct", ["a"], [1, "x"]), [["a", "1"], ["a", "x"]],
          ListType(TupleType([STRING, STRING])))
    check(call("setproduct", ["a"], []), [], ListType(TupleType([STRING, DYNAMIC])))
    fails("setproduct", ["a"], match="at least two arguments are required.")
    err = fails("setproduct", ["a"], "x", match='Invalid value for "sets" parameter: a set or a '
                "list is required.")
    assert err.arg == 1
    fails("setproduct", ["a"], [[1], "x"], match="all elements must be of the same type.")


# --- marks and unknowns --------------------------------------------------------

def test_sensitive_marks_survive_and_unknowns_propagate() -> None:
    secret = V.string("b").mark({V.SENSITIVE})
    assert call("concat", ["a"], [secret]).sensitive
    assert call("element", ["a", secret], 0).sensitive
    assert call("merge", {"a": secret}, {"c": 1}).sensitive
    assert call("sort", [secret, "a"]).sensitive
    assert call("setunion", [secret], ["a"]).sensitive
    assert call("length", V.string("abc").mark({V.SENSITIVE})) == V.number(3).mark(
        {V.SENSITIVE})
    # As in Terraform, a sensitive element does not make a count or a key sensitive.
    assert not call("length", ["a", secret]).sensitive
    assert not call("keys", {"a": secret}).sensitive

    for name, args, type_ in [
        ("distinct", [lst(V.unknown(STRING))], ListType(STRING)),
        ("sort", [V.unknown(ListType(STRING))], ListType(STRING)),
        ("setunion", [st("a"), V.unknown(SetType(STRING))], SetType(STRING)),
        ("setproduct", [lst("a"), V.unknown(ListType(NUMBER))],
         ListType(TupleType([STRING, NUMBER]))),
        ("lookup", [V.unknown(MapType(STRING)), "a"], STRING),
        ("sum", [[1, V.unknown(NUMBER)]], NUMBER),
        ("reverse", [V.unknown(TupleType([STRING, NUMBER]))], TupleType([NUMBER, STRING])),
        ("one", [V.unknown(ListType(STRING))], STRING),
        ("zipmap", [["a"], V.unknown(TupleType([NUMBER]))], ObjectType({"a": NUMBER})),
        ("range", [V.unknown(NUMBER)], ListType(NUMBER)),
    ]:
        result = call(name, *args)
        assert result.unknown, name
        assert result.type == type_, name
