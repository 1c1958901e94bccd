"""Expression evaluation: AST + Scope -> Value, with HCL's semantics.

Unknown values flow through every operator (the result is unknown of the
right type); marks (sensitive) are unioned onto every result derived from a
marked operand. Errors are raised as EvalError carrying a Diagnostic that
points at the sub-expression at fault.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from govctl.diagnostics import Diagnostic, error
from govctl.hcl import ast
from govctl.lang import values as V
from govctl.lang.convert import ConversionError, convert, unify
from govctl.lang.functions import FUNCTIONS, CallContext, FunctionError, load_all
from govctl.lang.types import (
    BOOL,
    DYNAMIC,
    NUMBER,
    STRING,
    Dynamic,
    ListType,
    MapType,
    ObjectType,
    Primitive,
    SetType,
    TupleType,
    Type,
)
from govctl.lang.values import NO_MARKS, Value

load_all()


class EvalError(Exception):
    def __init__(self, diag: Diagnostic):
        self.diagnostic = diag
        super().__init__(diag.summary)


def suggest(name: str, candidates: list[str] | Any) -> str:
    """' Did you mean "x"?' or ''."""
    match = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f' Did you mean "{match[0]}"?' if match else ""


@dataclass
class Scope:
    variables: Mapping[str, Value] = field(default_factory=dict)
    ctx: CallContext = field(default_factory=CallContext)
    functions: Mapping[str, Any] = field(default_factory=lambda: FUNCTIONS)
    extra_functions: Mapping[str, Any] = field(default_factory=dict)

    def child(self, names: Mapping[str, Value]) -> Scope:
        merged = dict(self.variables)
        merged.update(names)
        return Scope(merged, self.ctx, self.functions, self.extra_functions)


def _fail(node: ast.Node, summary: str, detail: str) -> EvalError:
    return EvalError(error(summary, detail, node.range))


def evaluate(expr: ast.Expr, scope: Scope) -> Value:
    return _DISPATCH[type(expr)](expr, scope)


# --- leaves ----------------------------------------------------------------

def _literal(e: ast.Literal, scope: Scope) -> Value:
    v = e.value
    if v is None:
        return V.NULL
    if isinstance(v, bool):
        return V.boolean(v)
    if isinstance(v, str):
        return V.string(v)
    return Value(NUMBER, v)


def _variable(e: ast.Variable, scope: Scope) -> Value:
    try:
        return scope.variables[e.name]
    except KeyError:
        raise _fail(e, "Unknown variable",
                    f'There is no variable named "{e.name}".'
                    + suggest(e.name, scope.variables)) from None


def _splat_item(e: ast.SplatItem, scope: Scope) -> Value:
    return scope.variables["\0splat"]


def _paren(e: ast.Paren, scope: Scope) -> Value:
    return evaluate(e.inner, scope)


# --- traversal -------------------------------------------------------------

def _step_node(e: ast.GetAttr | ast.Index) -> ast.Node:
    """The `.name` or `[key]` part of a traversal, where HCL points its errors."""
    start = max(e.start, e.obj.end) if e.obj.end <= e.end else e.start
    return ast.Node(e.src, start, e.end)


def _get_attr(e: ast.GetAttr, scope: Scope) -> Value:
    return get_attr(evaluate(e.obj, scope), e.name, _step_node(e))


def get_attr(obj: Value, name: str, node: ast.Node) -> Value:
    """hcl.GetAttr: messages as HCL's, plus a did-you-mean for objects."""
    t = obj.type
    marks = obj.marks
    if obj.is_null:
        raise _fail(node, "Attempt to get attribute from null value",
                    "This value is null, so it does not have any attributes.")
    if isinstance(t, ObjectType):
        if name not in t.attrs:
            raise _fail(node, "Unsupported attribute",
                        f'This object does not have an attribute named "{name}".'
                        + suggest(name, t.attrs))
        if obj.unknown:
            return V.unknown(t.attrs[name], marks)
        return obj.v[name].mark(marks)
    if isinstance(t, MapType):
        if obj.unknown:
            return V.unknown(t.elem, marks)
        if name not in obj.v:
            raise _fail(node, "Missing map element",
                        f'This map does not have an element with the key "{name}".'
                        + suggest(name, obj.v))
        return obj.v[name].mark(marks)
    if isinstance(t, Dynamic):
        return V.unknown(DYNAMIC, marks)
    if isinstance(t, ListType) and isinstance(t.elem, ObjectType):
        if name in t.elem.attrs:
            detail = ("Can't access attributes on a list of objects. Did you mean to access "
                      f'attribute "{name}" for a specific element of the list, or across all '
                      "elements of the list?")
        else:
            detail = ("Can't access attributes on a list of objects. Did you mean to access "
                      "an attribute for a specific element of the list, or across all "
                      "elements of the list?")
        raise _fail(node, "Unsupported attribute", detail)
    if isinstance(t, SetType) and isinstance(t.elem, ObjectType):
        raise _fail(node, "Unsupported attribute",
                    "Can't access attributes on a set of objects. Did you mean to access an "
                    "attribute across all elements of the set?")
    if isinstance(t, Primitive):
        raise _fail(node, "Unsupported attribute",
                    f"Can't access attributes on a primitive-typed value ({t.friendly()}).")
    raise _fail(node, "Unsupported attribute", "This value does not have any attributes.")


def _index(e: ast.Index, scope: Scope) -> Value:
    return index(evaluate(e.obj, scope), evaluate(e.key, scope), _step_node(e))


_BAD_KEY = "The given key does not identify an element in this collection value"


def index(coll: Value, key: Value, node: ast.Node) -> Value:
    """hcl.Index: messages as HCL's, plus a did-you-mean for map and object keys."""
    marks = coll.marks | key.marks
    key = key.unmark()
    t = coll.type
    if coll.is_null:
        raise _fail(node, "Attempt to index null value",
                    "This value is null, so it does not have any indices.")
    if key.is_null:
        raise _fail(node, "Invalid index", "Can't use a null value as an indexing key.")
    if isinstance(t, Dynamic) or isinstance(key.type, Dynamic):
        return V.unknown(DYNAMIC, marks)
    if isinstance(t, SetType):
        raise _fail(node, "Invalid index",
                    "Elements of a set are identified only by their value and don't have any "
                    "separate index or key to select with, so it's only possible to perform "
                    "operations across all elements of the set.")
    if isinstance(t, ListType | TupleType):
        k = _index_key(key, NUMBER, node)
        if k.unknown or coll.unknown:
            return V.unknown(t.elem if isinstance(t, ListType) else DYNAMIC, marks)
        n = k.v
        if n != int(n):
            raise _fail(node, "Invalid index",
                        f"{_BAD_KEY}: indexing a sequence requires a whole number, but the "
                        "given index has a fractional part.")
        i = int(n)
        items = coll.v
        if i < 0:
            raise _fail(node, "Invalid index", f"{_BAD_KEY}: a negative number is not a "
                        "valid index for a sequence.")
        if i >= len(items):
            raise _fail(node, "Invalid index",
                        f"{_BAD_KEY}: the collection has no elements." if not items else
                        f"{_BAD_KEY}: the given index is greater than or equal to the length "
                        "of the collection.")
        return items[i].mark(marks)
    if isinstance(t, MapType | ObjectType):
        k = _index_key(key, STRING, node)
        if k.unknown or coll.unknown:
            return V.unknown(t.elem if isinstance(t, MapType) else DYNAMIC, marks)
        if k.v not in coll.v:
            extra = suggest(k.v, coll.v)
            if isinstance(t, ObjectType) and key.type is NUMBER:
                extra = (" An object only supports looking up attributes by name, not by "
                         "numeric index.")
            raise _fail(node, "Invalid index", f"{_BAD_KEY}.{extra}")
        return coll.v[k.v].mark(marks)
    raise _fail(node, "Invalid index", "This value does not have any indices.")


def _index_key(key: Value, want: Type, node: ast.Node) -> Value:
    """A key converted to what the collection is indexed by (number or string)."""
    try:
        return convert(key, want)
    except ConversionError as exc:
        raise _fail(node, "Invalid index", f"{_BAD_KEY}: {exc.describe()}.") from None


def _splat(e: ast.Splat, scope: Scope) -> Value:
    """HCL's SplatExpr: a non-sequence value is a one-element tuple, null an empty one.

    The result is a list for a list or set source and a tuple for a tuple;
    an unknown source still gives a result of the right type.
    """
    src = evaluate(e.source, scope)
    marks = src.marks
    t = src.type
    sequence = isinstance(t, ListType | SetType | TupleType)
    if src.is_null:
        if not sequence:
            return V.tuple_(()).mark(marks)
        raise _fail(e, "Splat of null value",
                    "Splat expressions (with the * symbol) cannot be applied to null "
                    "sequences.")
    if isinstance(t, Dynamic):
        return V.unknown(DYNAMIC, marks)
    if not sequence:
        src = V.tuple_((src,))
        t = src.type
        marks = NO_MARKS

    def each(item: Value) -> Value:
        return evaluate(e.each, scope.child({"\0splat": item}))

    if src.unknown:
        if isinstance(t, TupleType):
            return V.unknown(TupleType([each(V.unknown(et)).type for et in t.elems]), marks)
        return V.unknown(ListType(each(V.unknown(t.elem)).type), marks)  # type: ignore[attr-defined]
    out = [each(item) for item in src.elements()]
    if isinstance(t, ListType | SetType):
        if not out:
            return V.list_((), each(V.unknown(t.elem)).type).mark(marks)
        elem = unify([o.type for o in out])
        if elem is not None:
            try:
                return V.list_([convert(o, elem) for o in out], elem).mark(marks)
            except ConversionError:
                pass
    return V.tuple_(out).mark(marks)


# --- operators -------------------------------------------------------------

def _to(val: Value, want: Type, node: ast.Node, what: str) -> Value:
    try:
        return convert(val, want)
    except ConversionError as exc:
        raise _fail(node, "Invalid operand",
                    f"Unsuitable value for {what} operand: {exc.describe()}.") from None


_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
}


def _binary(e: ast.Binary, scope: Scope) -> Value:
    op = e.op
    left = evaluate(e.left, scope)
    right = evaluate(e.right, scope)
    marks = left.marks | right.marks
    if op in ("==", "!="):
        eq = equals_value(left, right)
        if eq.unknown or op == "==":
            return eq
        return V.boolean(not eq.v).mark(eq.marks)
    want = BOOL if op in ("&&", "||") else NUMBER
    lv = _to(left, want, e.left, "left")
    rv = _to(right, want, e.right, "right")
    if lv.is_null or rv.is_null:
        # cty's operator functions refuse null arguments
        raise _fail(e, "Operation failed", "Error during operation: argument must not be null.")
    result_type = BOOL if op in _COMPARE or want is BOOL else NUMBER
    if lv.unknown or rv.unknown:
        return V.unknown(result_type, marks)
    a, b = lv.v, rv.v
    if op == "&&":
        return V.boolean(a and b).mark(marks)
    if op == "||":
        return V.boolean(a or b).mark(marks)
    if op in _COMPARE:
        return V.boolean(_COMPARE[op](a, b)).mark(marks)
    if op in _ARITH:
        res = _ARITH[op](Decimal(a) if isinstance(b, Decimal) else a,
                         Decimal(b) if isinstance(a, Decimal) else b)
        return _num(res, marks)
    if b == 0:
        if op == "%":
            return _num(a, marks)  # cty: x % 0 is x
        # cty gives infinity here, which no value of ours can hold
        raise _fail(e, "Operation failed", "Error during operation: can't divide by zero.")
    da, db = Decimal(a), Decimal(b)
    if op == "/":
        return _num(V.NUMBER_CONTEXT.divide(da, db), marks)
    return _num(V.NUMBER_CONTEXT.remainder(da, db), marks)


def _num(n: Any, marks: frozenset[str]) -> Value:
    if isinstance(n, Decimal):
        n = V.NUMBER_CONTEXT.plus(n)
    return Value(NUMBER, V.normalize_number(n), False, marks)


def equals(a: Value, b: Value) -> bool:
    """HCL equality of wholly known, unmarked values (no conversion, as cty)."""
    return bool(_equals(a, b))


def equals_value(a: Value, b: Value) -> Value:
    """`a == b` as cty computes it: a bool, unknown while it can't be decided.

    Values of different types are never equal, so `1 == unknown string` is
    already false; nulls of any type are equal. Every mark of both sides,
    nested ones included, marks the result.
    """
    ua, ma = a.unmark_deep()
    ub, mb = b.unmark_deep()
    res = _equals(ua, ub)
    if res is None:
        return V.unknown(BOOL, ma | mb)
    return V.boolean(res).mark(ma | mb)


def _equals(a: Value, b: Value) -> bool | None:
    if a.unknown or b.unknown:
        if a.unknown and b.unknown:
            return None
        known, unk = (a, b) if b.unknown else (b, a)
        if known.is_null or unk.type.has_dynamic():
            return None
        return None if known.type == unk.type else False
    if a.is_null or b.is_null:
        return a.is_null and b.is_null
    if a.type.has_dynamic() or b.type.has_dynamic():
        if not _type_compatible(a.type, b.type):
            return False
    elif a.type != b.type:
        return False
    va, vb = a.v, b.v
    if isinstance(va, tuple) and isinstance(vb, tuple):
        if len(va) != len(vb):
            return False
        if isinstance(a.type, SetType):
            if all(x.is_wholly_known() for x in va + vb):
                return {x.key() for x in va} == {x.key() for x in vb}
            return None
        for x, y in zip(va, vb, strict=True):
            r = _equals(x, y)
            if r is not True:
                return r
        return True
    if isinstance(va, dict) and isinstance(vb, dict):
        if va.keys() != vb.keys():
            return False
        for k in va:
            r = _equals(va[k], vb[k])
            if r is not True:
                return r
        return True
    if isinstance(va, tuple | dict) or isinstance(vb, tuple | dict):
        return False
    return bool(va == vb)  # same primitive type here


def _type_compatible(a: Type, b: Type) -> bool:
    """Could the two types become equal once their `any` parts are known?"""
    if isinstance(a, Dynamic) or isinstance(b, Dynamic):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, ListType | SetType | MapType):
        return _type_compatible(a.elem, b.elem)  # type: ignore[attr-defined]
    if isinstance(a, TupleType):
        return len(a.elems) == len(b.elems) and all(  # type: ignore[attr-defined]
            _type_compatible(x, y) for x, y in zip(a.elems, b.elems, strict=True))  # type: ignore[attr-defined]
    if isinstance(a, ObjectType):
        return a.attrs.keys() == b.attrs.keys() and all(  # type: ignore[attr-defined]
            _type_compatible(a.attrs[k], b.attrs[k]) for k in a.attrs)  # type: ignore[attr-defined]
    return a == b


def _unary(e: ast.Unary, scope: Scope) -> Value:
    val = evaluate(e.operand, scope)
    want = BOOL if e.op == "!" else NUMBER
    v = _to(val, want, e.operand, "unary")
    if v.is_null:
        raise _fail(e, "Operation failed", "Error during operation: argument must not be null.")
    if v.unknown:
        return V.unknown(want, v.marks)
    if e.op == "!":
        return V.boolean(not v.v).mark(v.marks)
    return Value(NUMBER, V.normalize_number(-v.v), False, v.marks)


def _try_evaluate(expr: ast.Expr, scope: Scope) -> tuple[Value, EvalError | None]:
    """A branch's value, or unknown `any` and the error (HCL reports it only if chosen)."""
    try:
        return evaluate(expr, scope), None
    except EvalError as exc:
        return V.unknown(DYNAMIC), exc


def _condition(cond: Value, node: ast.Node) -> Value:
    """A conditional's (or %{if}'s) condition as a bool, with HCL's messages."""
    if cond.is_null:
        raise _fail(node, "Null condition",
                    "The condition value is null. Conditions must either be true or false.")
    try:
        return convert(cond, BOOL)
    except ConversionError:
        raise _fail(node, "Incorrect condition type",
                    "The condition expression must be of type bool.") from None


def _conditional(e: ast.Conditional, scope: Scope) -> Value:
    """HCL's ConditionalExpr.

    Both results are evaluated: their types unify into the result type (so
    `true ? 1 : "a"` is the string "1"), and the marks of the condition and
    of both results mark the result whichever is chosen, as in Terraform.
    """
    t, t_err = _try_evaluate(e.true, scope)
    f, f_err = _try_evaluate(e.false, scope)
    result_type = _result_type(e, t, f)
    cond = evaluate(e.cond, scope)
    marks = cond.marks | t.marks | f.marks
    cb = _condition(cond, e.cond)
    if cb.unknown:
        if t.is_null and f.is_null:
            return V.null(result_type).mark(marks)
        return V.unknown(result_type, marks)
    chosen, err, which = (t, t_err, "true") if cb.v else (f, f_err, "false")
    if err is not None:
        raise err
    try:
        out = convert(chosen.unmark(), result_type)
    except ConversionError as exc:
        raise _fail(e.true if cb.v else e.false, "Inconsistent conditional result types",
                    f"The {which} result value has the wrong type: {exc.describe()}.") from None
    return out.mark(marks)


def _is_null_any(v: Value) -> bool:
    return v.is_null and isinstance(v.type, Dynamic)


def _result_type(e: ast.Conditional, t: Value, f: Value) -> Type:
    if _is_null_any(t):
        return f.type
    if _is_null_any(f):
        return t.type
    if isinstance(t.type, Dynamic) or isinstance(f.type, Dynamic):
        return DYNAMIC
    u = unify([t.type, f.type])
    if u is None:
        raise EvalError(error(
            "Inconsistent conditional result types",
            "The true and false result expressions must have consistent types. "
            f"{_describe_mismatch(t.type, f.type)}.",
            e.src.range(e.true.start, e.false.end)))
    return u


def _describe_mismatch(a: Type, b: Type) -> str:
    """HCL's describeConditionalTypeMismatch."""
    if isinstance(a, ObjectType) and isinstance(b, ObjectType):
        for name in sorted(a.attrs):
            if name not in b.attrs:
                return (f'The \'true\' value includes object attribute "{name}", which is '
                        "absent in the 'false' value")
            if a.attrs[name] != b.attrs[name]:
                return (f'Type mismatch for object attribute "{name}": '
                        + _describe_mismatch(a.attrs[name], b.attrs[name]))
        for name in sorted(b.attrs):
            if name not in a.attrs:
                return (f'The \'false\' value includes object attribute "{name}", which is '
                        "absent in the 'true' value")
    if isinstance(a, TupleType) and isinstance(b, TupleType):
        if len(a.elems) != len(b.elems):
            return (f"The 'true' tuple has length {len(a.elems)}, but the 'false' tuple has "
                    f"length {len(b.elems)}")
        for i, (x, y) in enumerate(zip(a.elems, b.elems, strict=True)):
            if x != y:
                return f"Type mismatch for tuple element {i}: " + _describe_mismatch(x, y)
    return f"The 'true' value is {a.friendly()}, but the 'false' value is {b.friendly()}"


# --- constructors ----------------------------------------------------------

def _tuple(e: ast.TupleCons, scope: Scope) -> Value:
    return V.tuple_([evaluate(i, scope) for i in e.items])


def _object(e: ast.ObjectCons, scope: Scope) -> Value:
    out: dict[str, Value] = {}
    marks: frozenset[str] = NO_MARKS
    unknown_key = False
    for key_expr, val_expr in e.items:
        k = evaluate(key_expr, scope)
        val = evaluate(val_expr, scope)
        if k.is_null:
            raise _fail(key_expr, "Null value as key", "Can't use a null value as a key.")
        try:
            ks = convert(k, STRING)
        except ConversionError as exc:
            raise _fail(key_expr, "Incorrect key type",
                        f"Can't use this value as a key: {exc.describe()}.") from None
        marks |= ks.marks
        if ks.unknown:
            unknown_key = True
            continue
        out[ks.v] = val
    if unknown_key:
        return V.unknown(DYNAMIC, marks)
    return V.obj(out).mark(marks)


def _iteration_pairs(coll: Value, node: ast.Node) -> list[tuple[Value, Value]] | None:
    """(key, value) pairs of a `for` collection, or None while it is unknown.

    HCL's checks, in its order: null, then whether the type can be iterated
    (an unknown string is an error already), then unknown.
    """
    if coll.is_null:
        raise _fail(node, "Iteration over null value",
                    "A null value cannot be used as the collection in a 'for' expression.")
    t = coll.type
    if isinstance(t, Dynamic):
        return None
    if not isinstance(t, ListType | TupleType | SetType | MapType | ObjectType):
        raise _fail(node, "Iteration over non-iterable value",
                    f"A value of type {t.friendly()} cannot be used as the collection in a "
                    "'for' expression.")
    if coll.unknown:
        return None
    if isinstance(t, ListType | TupleType):
        return [(V.number(i), v) for i, v in enumerate(coll.v)]
    if isinstance(t, SetType):
        return [(v, v) for v in coll.v]
    return [(V.string(k), v) for k, v in coll.v.items()]


def _for_condition(c: Value, node: ast.Node, summary_if_null: str) -> Value:
    if c.is_null:
        raise _fail(node, summary_if_null, "The value of the 'if' clause must not be null.")
    try:
        return convert(c, BOOL)
    except ConversionError as exc:
        raise _fail(node, "Invalid 'for' condition",
                    f"The 'if' clause value is invalid: {exc.describe()}.") from None


def _for(e: ast.ForExpr, scope: Scope) -> Value:
    """HCL's ForExpr: the marks of the collection, of every condition and key
    mark the whole result (the iteration variables themselves are not marked)."""
    coll = evaluate(e.coll, scope)
    marks: frozenset[str] = coll.marks
    pairs = _iteration_pairs(coll.unmark(), e.coll)
    if e.cond is not None:
        # as HCL: an early check with unknown variables catches a null or
        # non-bool condition even when there is nothing to iterate
        names = {e.val_var: V.unknown(DYNAMIC)}
        if e.key_var:
            names[e.key_var] = V.unknown(DYNAMIC)
        marks |= _for_condition(evaluate(e.cond, scope.child(names)), e.cond,
                                "Condition is null").marks
    if pairs is None:
        return V.unknown(DYNAMIC, marks)
    items_out: list[Value] = []
    obj_out: dict[str, Any] = {}
    known = True
    for k, v in pairs:
        names = {e.val_var: v}
        if e.key_var:
            names[e.key_var] = k
        inner = scope.child(names)
        if e.cond is not None:
            cb = _for_condition(evaluate(e.cond, inner), e.cond, "Invalid 'for' condition")
            if cb.unknown:
                known = False
                continue
            marks |= cb.marks
            if not cb.v:
                continue
        if e.key_expr is None:
            items_out.append(evaluate(e.val_expr, inner))
            continue
        kv = evaluate(e.key_expr, inner)
        if kv.is_null:
            raise _fail(e.key_expr, "Invalid object key", "Key expression in 'for' "
                        "expression must not produce a null value.")
        if kv.unknown:
            known = False
            continue
        try:
            ks = convert(kv, STRING)
        except ConversionError as exc:
            raise _fail(e.key_expr, "Invalid object key",
                        "The object key expression must produce a string: "
                        f"{exc.describe()}.") from None
        marks |= ks.marks
        val = evaluate(e.val_expr, inner)
        key = ks.v
        if e.group:
            obj_out.setdefault(key, []).append(val)
        elif key in obj_out:
            raise _fail(e.key_expr, "Duplicate object key",
                        f'Two different items produced the key "{key}" in this \'for\' '
                        "expression. If duplicates are expected, use the ellipsis (...) after "
                        "the value expression to enable grouping by key.")
        else:
            obj_out[key] = val
    if not known:
        return V.unknown(DYNAMIC, marks)
    if e.key_expr is None:
        return V.tuple_(items_out).mark(marks)
    if e.group:
        return V.obj({k: V.tuple_(v) for k, v in obj_out.items()}).mark(marks)
    return V.obj(obj_out).mark(marks)


# --- templates -------------------------------------------------------------

def _template(e: ast.Template, scope: Scope) -> Value:
    parts = e.parts
    if len(parts) == 1 and isinstance(parts[0], ast.Expr) and not e.heredoc:
        return evaluate(parts[0], scope)  # "${x}" yields x itself, unconverted
    marks: set[str] = set()
    text = _render_parts(parts, scope, marks)
    if text is None:
        return V.unknown(STRING, frozenset(marks))
    return Value(STRING, text, False, frozenset(marks))


def _render_parts(parts: list[object], scope: Scope, marks: set[str]) -> str | None:
    """Render template parts; None when unknown. Marks of every part land in `marks`.

    A `%{if}` behaves as HCL's conditional (both branches are rendered and
    mark the result) and a `%{for}` as its `for` expression.
    """
    out: list[str] = []
    unknown = False
    for p in parts:
        if isinstance(p, str):
            out.append(p)
        elif isinstance(p, ast.TemplateIf):
            sub = _render_if(p, scope, marks)
            if sub is None:
                unknown = True
            else:
                out.append(sub)
        elif isinstance(p, ast.TemplateFor):
            sub = _render_for(p, scope, marks)
            if sub is None:
                unknown = True
            else:
                out.append(sub)
        else:
            assert isinstance(p, ast.Expr)
            val = evaluate(p, scope)
            if val.is_null:
                raise _fail(p, "Invalid template interpolation value",
                            "The expression result is null. Cannot include a null value in a "
                            "string template.")
            marks |= val.marks
            if val.unknown:
                unknown = True
                continue
            try:
                s = convert(val.unmark(), STRING)
            except ConversionError as exc:
                raise _fail(p, "Invalid template interpolation value",
                            "Cannot include the given value in a string template: "
                            f"{exc.describe()}.") from None
            out.append(s.v)
    return None if unknown else "".join(out)


def _render_if(p: ast.TemplateIf, scope: Scope, marks: set[str]) -> str | None:
    branches: list[tuple[str | None, set[str], EvalError | None]] = []
    for body in (p.then_parts, p.else_parts):
        bm: set[str] = set()
        try:
            branches.append((_render_parts(body, scope, bm), bm, None))
        except EvalError as exc:
            branches.append((None, bm, exc))
    c = evaluate(p.cond, scope)
    marks |= c.marks
    for _, bm, _ in branches:
        marks |= bm
    cb = _condition(c, p.cond)
    if cb.unknown:
        return None
    text, _, err = branches[0] if cb.v else branches[1]
    if err is not None:
        raise err
    return text


def _render_for(p: ast.TemplateFor, scope: Scope, marks: set[str]) -> str | None:
    coll = evaluate(p.coll, scope)
    marks |= coll.marks
    pairs = _iteration_pairs(coll.unmark(), p.coll)
    if pairs is None:
        return None
    out: list[str] = []
    unknown = False
    for k, v in pairs:
        names = {p.val_var: v}
        if p.key_var:
            names[p.key_var] = k
        sub = _render_parts(p.body, scope.child(names), marks)
        if sub is None:
            unknown = True
        else:
            out.append(sub)
    return None if unknown else "".join(out)


def render_template_text(text: str, filename: str, names: Mapping[str, Value],
                         scope: Scope) -> Value:
    """templatefile(): parse `text` as a template and evaluate it with only `names`."""
    from govctl.hcl.parser import parse_template

    expr, diags = parse_template(text, filename)
    if expr is None:
        raise FunctionError(diags[0].summary + ": " + diags[0].detail if diags
                            else "invalid template")
    inner = Scope(dict(names), scope.ctx, scope.functions, scope.extra_functions)
    return evaluate(expr, inner)


# --- calls -----------------------------------------------------------------

def _call(e: ast.Call, scope: Scope) -> Value:
    name = e.name
    if name == "try":
        return _try(e, scope)
    if name == "can":
        return _can(e, scope)
    fn = scope.functions.get(name) or scope.extra_functions.get(name)
    if fn is None:
        if name.startswith("provider::"):
            raise EvalError(error("Call to unknown function",
                                  f'There is no function named "{name}": provider functions '
                                  "need the provider installed and required.",
                                  e.src.range(e.start, e.name_end)))
        names = list(scope.functions) + list(scope.extra_functions)
        raise EvalError(error("Call to unknown function",
                              f'There is no function named "{name}".' + suggest(name, names),
                              e.src.range(e.start, e.name_end)))
    args = [evaluate(a, scope) for a in e.args]
    if e.expand:
        if not args:
            raise _fail(e, "Invalid expanding argument",
                        "An expanding argument (...) needs a value.")
        last = args.pop()
        if last.is_null:
            raise _fail(e.args[-1], "Invalid expanding argument value",
                        "The expanding argument (indicated by ...) must not be null.")
        if last.unknown:
            return V.unknown(DYNAMIC, last.marks)
        if not isinstance(last.type, ListType | SetType | TupleType):
            raise _fail(e.args[-1], "Invalid expanding argument value",
                        "The expanding argument (indicated by ...) must be of a tuple, list, "
                        "or set type.")
        args.extend(el.mark(last.marks) for el in last.v)
    if callable(getattr(fn, "call", None)):
        ctx = scope.ctx
        if ctx.render_template is None:
            ctx.render_template = lambda t, f, n: render_template_text(t, f, n, scope)
        try:
            return fn.call(args, ctx)
        except FunctionError as exc:
            at: ast.Node = e
            if exc.arg is not None and exc.arg < len(e.args):
                at = e.args[exc.arg]
            elif exc.arg is not None and e.args:
                at = e.args[-1]
            if exc.arg is not None:  # Terraform names the parameter, not the call
                raise EvalError(error("Invalid function argument", exc.message,
                                      at.range)) from None
            raise EvalError(error("Error in function call", f'Call to function "{name}" '
                                  f"failed: {exc.message}", at.range)) from None
    return fn(args, e)


def _try(e: ast.Call, scope: Scope) -> Value:
    if not e.args:
        raise _fail(e, "Error in function call",
                    'Call to function "try" failed: at least one argument is required.')
    last: EvalError | None = None
    for a in e.args:
        try:
            v = evaluate(a, scope)
        except EvalError as exc:
            last = exc
            continue
        if not v.is_wholly_known():
            return V.unknown(DYNAMIC, v.marks)
        return v
    assert last is not None
    raise _fail(e, "Error in function call",
                'Call to function "try" failed: no expression succeeded:\n- '
                + last.diagnostic.summary + ": " + last.diagnostic.detail)


def _can(e: ast.Call, scope: Scope) -> Value:
    if len(e.args) != 1:
        raise _fail(e, "Error in function call",
                    'Call to function "can" failed: exactly one argument is required.')
    try:
        v = evaluate(e.args[0], scope)
    except EvalError:
        return V.FALSE
    if not v.is_wholly_known():
        return V.unknown(BOOL)
    return V.TRUE


_DISPATCH: dict[type, Callable[[Any, Scope], Value]] = {
    ast.Literal: _literal,
    ast.Variable: _variable,
    ast.SplatItem: _splat_item,
    ast.Paren: _paren,
    ast.GetAttr: _get_attr,
    ast.Index: _index,
    ast.Splat: _splat,
    ast.Binary: _binary,
    ast.Unary: _unary,
    ast.Conditional: _conditional,
    ast.TupleCons: _tuple,
    ast.ObjectCons: _object,
    ast.ForExpr: _for,
    ast.Template: _template,
    ast.Call: _call,
}
