"""Expression evaluation, with Terraform 1.11's results written out literally.

Unknown and sensitive operands come from variables (and a local `sensitive`
function), so these tests do not depend on the built-in function library.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from govctl.hcl.parser import parse_expression
from govctl.lang import values as V
from govctl.lang.eval import EvalError, Scope, evaluate
from govctl.lang.types import (
    BOOL,
    DYNAMIC,
    NUMBER,
    STRING,
    ListType,
    MapType,
    ObjectType,
    TupleType,
)

S = frozenset({V.SENSITIVE})


def _sensitive(args, node):
    return args[0].mark(S)


VARS = {
    "u_str": V.unknown(STRING),
    "u_num": V.unknown(NUMBER),
    "u_bool": V.unknown(BOOL),
    "u_any": V.unknown(DYNAMIC),
    "u_list": V.unknown(ListType(STRING)),
    "u_tuple": V.unknown(TupleType([NUMBER, STRING])),
    "u_obj": V.unknown(ObjectType({"a": NUMBER})),
    "u_map": V.unknown(MapType(NUMBER)),
    "s_num": V.number(2).mark(S),
    "s_str": V.string("secret").mark(S),
    "s_bool": V.TRUE.mark(S),
    "s_list": V.list_([V.string("a"), V.string("b")]).mark(S),
    "s_obj": V.obj({"a": V.number(1), "b": V.string("x")}).mark(S),
    "s_inner": V.tuple_([V.number(1).mark(S), V.number(2)]),
    "m": V.map_({"a": V.number(1), "b": V.number(2)}),
    "objs": V.list_([V.obj({"id": V.string("i-1")}), V.obj({"id": V.string("i-2")})]),
    "strset": V.set_([V.string("b"), V.string("a")]),
    "nulllist": V.null(ListType(STRING)),
}


def scope() -> Scope:
    return Scope(variables=VARS, functions={}, extra_functions={"sensitive": _sensitive})


def ev(text: str) -> V.Value:
    e, diags = parse_expression(text)
    assert e is not None and not diags, [d.render() for d in diags]
    return evaluate(e, scope())


def py(text: str) -> object:
    return ev(text).to_python()


def fails(text: str) -> EvalError:
    with pytest.raises(EvalError) as info:
        ev(text)
    return info.value


# --- arithmetic ----------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("1 + 2", 3), ("7 - 10", -3), ("6 * 7", 42), ("10 / 4", Decimal("2.5")), ("8 / 4 / 2", 1),
    ("-7 % 3", -1), ("7 % -3", 1), ("-7 % -3", -1), ("7.5 % 2", Decimal("1.5")),
    ("-7.5 % 2", Decimal("-1.5")), ("100000000000000000000000 % 7", 5),
    ("1 + 2 * 3 - 4 / 2 % 3", 5), ("2 * -3 + 1", -5), ("-2 * -3", 6), ("1 - 2 - 3", -4),
    ("0.1 + 0.2", Decimal("0.3")), ("0.1 * 3", Decimal("0.3")), ("2 / 3 * 3", 2),
    ("123456789012345678901234567890 + 1", 123456789012345678901234567891),
    ("10000000000000000000000000000000 * 10000000000000000000000000000000", 10**62),
    ("9007199254740993 + 0", 9007199254740993),
    ("1e400 / 1e399", 10), ("5 % 0", 5), ("5.5 % 0", Decimal("5.5")),
    ('"5" + 1', 6), ('"5" * "2"', 10), ('-"5"', -5), ('"1.5" + "1.5"', 3),
])
def test_arithmetic(text, value):
    got = py(text)
    assert got == value and type(got) is type(value)


def test_division_keeps_154_significant_digits():
    assert V.format_number(ev("1/3").v) == "0." + "3" * 154
    assert ev("1/3 * 3 == 1").v is True


def test_division_by_zero_is_an_error():
    err = fails("1 / 0")
    assert err.diagnostic.summary == "Operation failed"
    assert "divide by zero" in err.diagnostic.detail


@pytest.mark.parametrize(("text", "summary", "detail"), [
    ('"a" + 1', "Invalid operand", "Unsuitable value for left operand: a number is required"),
    ("true + 1", "Invalid operand", "Unsuitable value for left operand: number required"),
    ("1 + [1]", "Invalid operand", "Unsuitable value for right operand"),
    ("null + 1", "Operation failed", "Error during operation: argument must not be null."),
    ("-null", "Operation failed", "Error during operation: argument must not be null."),
    ("!null", "Operation failed", "Error during operation: argument must not be null."),
    ("true && null", "Operation failed", "Error during operation: argument must not be null."),
    ('1 && true', "Invalid operand", "Unsuitable value for left operand"),
])
def test_operand_errors(text, summary, detail):
    d = fails(text).diagnostic
    assert d.summary == summary
    assert d.detail.startswith(detail)


# --- comparison, equality, logic ------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("1 < 2", True), ("2 <= 2", True), ("3 > 4", False), ("4 >= 5", False), ('1 < "2"', True),
    ("1 == 1.0", True), ('1 == "1"', False), ('1 != "1"', True), ('"a" == "a"', True),
    ("[1] == [1]", True), ("[1] == [2]", False), ("[1, 2] == [1]", False),
    ("{a = 1} == {a = 1}", True), ("{a = 1} == {a = 2}", False), ("{a = 1} == {b = 1}", False),
    ("null == null", True), ("null == 1", False), ("1 != null", True),
    ("true == \"true\"", False), ("0.1 + 0.2 == 0.3", True),
    ("true && false", False), ("true || false", True), ("!true", False),
    ("true || false && false", True), ('true && "true"', True), ('!"false"', True),
    ("1 < 2 == true", True), ("!true == false", True),
])
def test_comparison_equality_logic(text, value):
    assert ev(text).v is value


# --- conditionals -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "value", "type_"), [
    ('true ? 1 : "a"', "1", STRING),
    ('false ? 1 : "a"', "a", STRING),
    ("true ? [1] : [1, 2]", [1], ListType(NUMBER)),
    ('true ? {a = 1} : {b = "x"}', {"a": "1"}, MapType(STRING)),
    ('true ? {a = 1} : {a = "x"}', {"a": "1"}, ObjectType({"a": STRING})),
    ('true ? [] : ["a"]', [], ListType(STRING)),
    ("true ? null : 1", None, NUMBER),
    ("true ? 1 : null", 1, NUMBER),
    ('"true" ? 1 : 2', 1, NUMBER),
    ("true ? 1 : [1][3]", 1, NUMBER),   # the branch not taken may fail
])
def test_conditional_results_unify(text, value, type_):
    v = ev(text)
    assert v.to_python() == value
    assert v.type == type_


@pytest.mark.parametrize(("text", "summary", "detail"), [
    ("true ? 1 : true", "Inconsistent conditional result types",
     "The 'true' value is number, but the 'false' value is bool."),
    ("true ? 1 : [1]", "Inconsistent conditional result types",
     "The 'true' value is number, but the 'false' value is tuple."),
    ("true ? {a = 1} : {a = true}", "Inconsistent conditional result types",
     'Type mismatch for object attribute "a"'),
    ("null ? 1 : 2", "Null condition",
     "The condition value is null. Conditions must either be true or false."),
    ("1 ? 1 : 2", "Incorrect condition type", "The condition expression must be of type bool."),
    ("true ? [1][3] : 1", "Invalid index", "The given key does not identify"),
])
def test_conditional_errors(text, summary, detail):
    d = fails(text).diagnostic
    assert d.summary == summary
    assert detail in d.detail


# --- templates ----------------------------------------------------------------------

def test_templates():
    assert py('"a${1.5}b${true}"') == "a1.5btrue"
    assert py('"x${"y"}"') == "xy"
    assert py('"%{ if 1 == 1 }yes%{ else }no%{ endif }"') == "yes"
    assert py('"%{ for k, v in m }${k}=${v};%{ endfor }"') == "a=1;b=2;"
    assert py('"%{ for x in strset }${x}%{ endfor }"') == "ab"


def test_single_interpolation_keeps_its_type():
    assert ev('"${1}"').type is NUMBER
    assert py('"${[1]}"') == [1]
    assert ev('"${null}"').is_null
    assert ev('"${1}${2}"').v == "12"


@pytest.mark.parametrize(("text", "detail"), [
    ('"a${null}"', "The expression result is null. Cannot include a null value in a string "
                   "template."),
    ('"a${[1]}"', "Cannot include the given value in a string template: string required"),
    ('"%{ for x in [null] }${x}%{ endfor }"', "The expression result is null."),
])
def test_template_interpolation_errors(text, detail):
    d = fails(text).diagnostic
    assert d.summary == "Invalid template interpolation value"
    assert d.detail.startswith(detail)


@pytest.mark.parametrize(("text", "summary"), [
    ('"%{ if null }a%{ endif }"', "Null condition"),
    ('"%{ if 1 }a%{ endif }"', "Incorrect condition type"),
    ('"%{ for x in null }a%{ endfor }"', "Iteration over null value"),
    ('"%{ for x in "s" }a%{ endfor }"', "Iteration over non-iterable value"),
    ('"%{ for x in u_str }a%{ endfor }"', "Iteration over non-iterable value"),
])
def test_template_directive_errors(text, summary):
    assert fails(text).diagnostic.summary == summary


def test_template_branch_not_taken_may_fail():
    assert py('"%{ if false }${null}%{ endif }"') == ""


# --- for expressions ----------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("[for x in [1, 2, 3] : x * 2 if x > 1]", [4, 6]),
    ("[for i, x in [5, 6] : i]", [0, 1]),
    ("{for k, v in {a = 1, b = 2} : v => k}", {"1": "a", "2": "b"}),
    ("{for k in {a = 1} : k => k}", {"1": 1}),
    ('{for i, x in ["a", "b", "a"] : x => i...}', {"a": [0, 2], "b": [1]}),
    ("{for x in [1] : x => x if x > 5}", {}),
    ('[for x in [1] : x if "true"]', [1]),
    ("[for k, v in strset : k]", ["a", "b"]),
    ("[for k, v in m : v]", [1, 2]),
])
def test_for_expressions(text, value):
    assert py(text) == value


@pytest.mark.parametrize(("text", "summary", "detail"), [
    ('{for x in ["a", "b", "a"] : x => x}', "Duplicate object key",
     'Two different items produced the key "a" in this \'for\' expression.'),
    ("[for x in null : x]", "Iteration over null value",
     "A null value cannot be used as the collection in a 'for' expression."),
    ('[for x in "a" : x]', "Iteration over non-iterable value",
     "A value of type string cannot be used as the collection in a 'for' expression."),
    ("[for x in [1] : x if 1]", "Invalid 'for' condition", "The 'if' clause value is invalid"),
    ("[for x in [1] : x if null]", "Condition is null",
     "The value of the 'if' clause must not be null."),
    ("[for x in [] : x if null]", "Condition is null", ""),
    ("{for x in [1] : null => x}", "Invalid object key",
     "Key expression in 'for' expression must not produce a null value."),
    ("{for x in [1] : [x] => x}", "Invalid object key",
     "The object key expression must produce a string"),
])
def test_for_errors(text, summary, detail):
    d = fails(text).diagnostic
    assert d.summary == summary
    assert d.detail.startswith(detail)


# --- objects ----------------------------------------------------------------------------

def test_object_constructor():
    assert py("{true = 1, null = 2, 1 = 3}") == {"true": 1, "null": 2, "1": 3}
    assert py('{a = 1, "a" = 2}') == {"a": 2}
    assert py('{("a${"b"}") = 1}') == {"ab": 1}
    assert fails("{(null) = 1}").diagnostic.summary == "Null value as key"
    assert fails("{([1]) = 1}").diagnostic.summary == "Incorrect key type"


# --- splats -----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value", "type_"), [
    ("[1, 2][*]", [1, 2], TupleType([NUMBER, NUMBER])),
    ("{a = 1}[*]", [{"a": 1}], None),
    ("null[*]", [], TupleType([])),
    ("1[*]", [1], TupleType([NUMBER])),
    ("[{a = 1}, {a = 2}][*].a", [1, 2], None),
    ("[{a = 1}, {a = 2}].*.a", [1, 2], None),
    ("[[1, 2], [3, 4]][*][0]", [1, 3], None),
    ("[[1, 2], [3, 4]].*.0", [1, 3], None),
    ("[{b = [1, 2]}, {b = [3, 4]}].*.b[0]", [1, 2], None),
    ("[{b = [1, 2]}, {b = [3, 4]}][*].b[0]", [1, 3], None),
    ("objs[*].id", ["i-1", "i-2"], ListType(STRING)),
    ("strset[*]", ["a", "b"], ListType(STRING)),
    ("u_str[*]", None, TupleType([STRING])),
])
def test_splats(text, value, type_):
    v = ev(text)
    if value is not None:
        assert v.to_python() == value
    if type_ is not None:
        assert v.type == type_


def test_splat_of_null_sequence_is_an_error():
    assert fails("nulllist[*]").diagnostic.summary == "Splat of null value"


def test_splat_attribute_error():
    d = fails("[{a = 1}, {b = 1}][*].a").diagnostic
    assert d.summary == "Unsupported attribute"


# --- indexing and attributes ------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ('[1, 2]["1"]', 2), ("[1, 2][1]", 2), ('{a = 1}["a"]', 1), ("{a = {b = [7]}}.a.b.0", 7),
    ("m.a", 1), ('m["b"]', 2), ("objs[1].id", "i-2"),
])
def test_indexing(text, value):
    assert py(text) == value


@pytest.mark.parametrize(("text", "summary", "detail", "col"), [
    ("[1, 2][2]", "Invalid index", "the given index is greater than or equal to the length of "
     "the collection.", 7),
    ("[][0]", "Invalid index", "the collection has no elements.", 3),
    ("[1, 2][-1]", "Invalid index", "a negative number is not a valid index for a sequence.", 7),
    ("[1, 2][1.5]", "Invalid index", "indexing a sequence requires a whole number", 7),
    ('[1, 2]["a"]', "Invalid index", "a number is required", 7),
    ("strset[0]", "Invalid index", "Elements of a set are identified only by their value", 7),
    ('{abc = 1}["abd"]', "Invalid index", 'Did you mean "abc"?', 10),
    ('m["c"]', "Invalid index", "The given key does not identify an element", 2),
    ("{a = 1}[0]", "Invalid index", "An object only supports looking up attributes by name", 8),
    ("null[0]", "Attempt to index null value", "This value is null", 5),
    ("[1][null]", "Invalid index", "Can't use a null value as an indexing key.", 4),
    ('"a"[0]', "Invalid index", "This value does not have any indices.", 4),
    ("{abc = 1}.abd", "Unsupported attribute",
     'This object does not have an attribute named "abd". Did you mean "abc"?', 10),
    ("m.c", "Missing map element", 'This map does not have an element with the key "c".', 2),
    ("null.a", "Attempt to get attribute from null value", "This value is null", 5),
    ('"a".b', "Unsupported attribute",
     "Can't access attributes on a primitive-typed value (string).", 4),
    ("[1].a", "Unsupported attribute", "This value does not have any attributes.", 4),
    ("objs.id", "Unsupported attribute",
     'Can\'t access attributes on a list of objects. Did you mean to access attribute "id"', 5),
    ("nope", "Unknown variable", 'There is no variable named "nope".', 1),
    ("s_nu", "Unknown variable", 'Did you mean "s_num"?', 1),
])
def test_traversal_errors(text, summary, detail, col):
    d = fails(text).diagnostic
    assert d.summary == summary
    assert detail in d.detail
    assert d.range.start.column == col


# --- function calls ----------------------------------------------------------------------

def test_calls_try_can_and_expansion():
    assert py("try([1][5], 2)") == 2
    assert py("can([1][5])") is False and py("can([1][0])") is True
    assert py("sensitive([1, 2]...)") == 1
    assert fails("nosuch(1)").diagnostic.summary == "Call to unknown function"
    d = fails("sensitive(null...)").diagnostic
    assert d.detail == "The expanding argument (indicated by ...) must not be null."
    assert "provider" in fails("provider::aws::arn_parse(1)").diagnostic.detail


# --- unknown propagation ----------------------------------------------------------------

@pytest.mark.parametrize(("text", "type_"), [
    ("u_num + 1", NUMBER), ("1 - u_num", NUMBER), ("u_num * 2", NUMBER), ("u_num / 2", NUMBER),
    ("u_num % 2", NUMBER), ("-u_num", NUMBER), ("u_str + 1", NUMBER),
    ("u_num < 1", BOOL), ("u_num >= 1", BOOL), ("u_str == \"a\"", BOOL), ("u_any == 1", BOOL),
    ("null == u_str", BOOL), ("[u_str, 1] == [\"a\", 1]", BOOL),
    ("u_bool && true", BOOL), ("true || u_bool", BOOL), ("!u_bool", BOOL),
    ("u_bool ? 1 : 2", NUMBER), ('u_bool ? 1 : "a"', STRING),
    ('u_bool ? [1] : ["a", "b"]', ListType(STRING)),
    ('"a${u_str}"', STRING), ('"${u_str}"', STRING), ('"%{ if u_bool }a%{ endif }"', STRING),
    ('"%{ for x in u_list }a%{ endfor }"', STRING), ('"%{ for x in u_any }a%{ endfor }"', STRING),
    ('"%{ for x in [1, u_str] }${x}%{ endfor }"', STRING),
    ("[for x in u_list : x]", DYNAMIC), ("[for x in [1, 2] : x if u_bool]", DYNAMIC),
    ("{for x in [1, 2] : u_str => x}", DYNAMIC), ("{(u_str) = 1}", DYNAMIC),
    ("u_any[*]", DYNAMIC), ("u_list[*]", ListType(STRING)),
    ("u_tuple[*]", TupleType([NUMBER, STRING])),
    ("u_obj.a", NUMBER), ("u_map.k", NUMBER), ("u_any.a", DYNAMIC), ("u_list[0]", STRING),
    ("u_tuple[0]", DYNAMIC), ("[1, 2][u_num]", DYNAMIC), ("m[u_str]", NUMBER),
    ("{a = 1}[u_str]", DYNAMIC), ("u_map[\"k\"]", NUMBER), ("u_any[0]", DYNAMIC),
    ("try(u_str, 1)", DYNAMIC), ("can(u_str)", BOOL), ("sensitive(u_any...)", DYNAMIC),
])
def test_unknown_operands_give_unknown_results_of_the_right_type(text, type_):
    v = ev(text)
    assert v.unknown, v
    assert v.type == type_


@pytest.mark.parametrize(("text", "value"), [
    ("u_str == 1", False),         # different types are never equal
    ("[u_str] == [1]", False),
    ("u_bool ? null : null", None),
    ("[for x in [1, 2] : u_str]", None),
])
def test_unknowns_that_still_decide(text, value):
    v = ev(text)
    if value is None:
        assert not v.unknown
    else:
        assert v.v is value


def test_unknown_inside_for_elements():
    v = ev("[for x in [1, 2] : u_str]")
    assert [e.unknown for e in v.v] == [True, True]
    assert ev("u_bool ? null : null").is_null


# --- sensitive propagation --------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "s_num + 1", "1 - s_num", "s_num * 2", "s_num / 2", "s_num % 2", "-s_num", "s_num < 3",
    "s_num == 2", "s_str != \"a\"", "s_inner == [1, 2]", "s_bool && true", "false || s_bool",
    "!s_bool", "s_bool ? 1 : 2", "true ? 1 : s_num", "false ? s_num : 1",
    '"a${s_str}"', '"${s_str}"', '"%{ if s_bool }a%{ endif }"',
    '"%{ if true }a%{ else }${s_str}%{ endif }"', '"%{ for x in s_list }${x}%{ endfor }"',
    "[for x in s_list : x]", "{for k, v in s_obj : k => v}", "[for x in [1] : x if s_bool]",
    "{for x in [1] : sensitive(\"k\") => x}", "{(s_str) = 1}",
    "s_list[*]", "s_obj.a", "s_obj[\"b\"]", "s_list[0]", "[1, 2][s_num - 1]", "m[sensitive(\"a\")]",
    "s_list[s_num - 1]", "try(s_num, 1)", "u_bool ? s_num : 1", "u_num + s_num",
])
def test_sensitive_operands_give_sensitive_results(text):
    v = ev(text)
    assert V.SENSITIVE in v.marks, v


def test_sensitive_elements_stay_on_their_elements():
    v = ev("[for x in s_inner : x]")
    assert not v.marks
    assert v.v[0].marks == S and not v.v[1].marks
    assert ev("s_inner[1]").marks == frozenset()
    assert ev("s_inner[0]").marks == S
    assert ev("{a = s_num, b = 2}.b").marks == frozenset()
    assert ev("sensitive(1)").marks == S
