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
    ListType,
    MapType,
    ObjectType,
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

def _get_attr(e: ast.GetAttr, scope: Scope) -> Value:
    return get_attr(evaluate(e.obj, scope), e.name, e)


def get_attr(obj: Value, name: str, node: ast.Node) -> Value:
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
                        f'This map does not have an element with the key "{name}".')
        return obj.v[name].mark(marks)
    if t is DYNAMIC and obj.unknown:
        return V.unknown(DYNAMIC, marks)
    if isinstance(t, ListType | SetType | TupleType):
        kind = "tuple" if isinstance(t, TupleType) else t.friendly()
        raise _fail(node, "Unsupported attribute",
                    f"Can't access attributes on a {kind}"
                    f'. Did you mean to access attribute "{name}" for a specific element of '
                    "the list, or across all elements of the list?")
    raise _fail(node, "Unsupported attribute",
                f"Can't access attributes on a primitive-typed value ({t.friendly()}).")


def _index(e: ast.Index, scope: Scope) -> Value:
    return index(evaluate(e.obj, scope), evaluate(e.key, scope), e)


def index(coll: Value, key: Value, node: ast.Node) -> Value:
    marks = coll.marks | key.marks
    key = key.unmark()
    t = coll.type
    if coll.is_null:
        raise _fail(node, "Attempt to index null value",
                    "This value is null, so it does not have any indices.")
    if isinstance(t, SetType):
        raise _fail(node, "Invalid index",
                    "Elements of a set are identified only by their value and don't have any "
                    "separate index or key to select with, so it's only possible to perform "
                    "operations across all elements of the set.")
    if isinstance(t, ListType | TupleType):
        if key.unknown or coll.unknown:
            elem = t.elem if isinstance(t, ListType) else DYNAMIC
            return V.unknown(elem, marks)
        try:
            k = convert(key, NUMBER).v
        except ConversionError:
            raise _fail(node, "Invalid index", "The given key does not identify an element "
                        "in this collection value: a number is required.") from None
        if k != int(k):
            raise _fail(node, "Invalid index", "The given key does not identify an element "
                        "in this collection value: the index must be a whole number.")
        i = int(k)
        items = coll.v
        if i < 0 or i >= len(items):
            raise _fail(node, "Invalid index",
                        "The given key does not identify an element in this collection value: "
                        f"the collection has {len(items)} element(s)." if i >= 0 else
                        "The given key does not identify an element in this collection value: "
                        "a negative number is not a valid index for a sequence.")
        return items[i].mark(marks)
    if isinstance(t, MapType | ObjectType):
        if key.unknown or coll.unknown:
            elem = t.elem if isinstance(t, MapType) else DYNAMIC
            return V.unknown(elem, marks)
        try:
            k = convert(key, STRING).v
        except ConversionError:
            raise _fail(node, "Invalid index", "The given key does not identify an element "
                        "in this collection value: a string is required.") from None
        if k not in coll.v:
            what = "map" if isinstance(t, MapType) else "object"
            raise _fail(node, "Invalid index",
                        f'The given key does not identify an element in this collection value. '
                        f'This {what} has no element with the key "{k}".'
                        + suggest(k, coll.v))
        return coll.v[k].mark(marks)
    if coll.unknown:
        return V.unknown(DYNAMIC, marks)
    raise _fail(node, "Invalid index",
                f"This value does not have any indices: it is a {t.friendly()}.")


def _splat(e: ast.Splat, scope: Scope) -> Value:
    src = evaluate(e.source, scope)
    marks = src.marks
    if src.unknown:
        return V.unknown(DYNAMIC, marks)
    if src.is_null:
        return V.tuple_(()).mark(marks)
    t = src.type
    if isinstance(t, ListType | SetType | TupleType):
        items = src.elements()
    else:
        items = (src,)  # a single value splats as a one-element tuple
    out = [evaluate(e.each, scope.child({"\0splat": item})) for item in items]
    if isinstance(t, ListType | SetType):
        elem = unify([o.type for o in out]) if out else DYNAMIC
        if elem is not None:
            return V.list_([convert(o, elem) for o in out], elem).mark(marks)
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
        if not left.is_wholly_known() or not right.is_wholly_known():
            return V.unknown(BOOL, marks)
        eq = equals(left.unmark_deep()[0], right.unmark_deep()[0])
        return V.boolean(eq if op == "==" else not eq).mark(marks)
    if op in ("&&", "||"):
        lb = _to(left, BOOL, e.left, "left")
        rb = _to(right, BOOL, e.right, "right")
        if lb.is_null or rb.is_null:
            raise _fail(e, "Invalid operand", "Unsuitable value for logical operand: "
                        "a null value cannot be used as a bool.")
        if lb.unknown or rb.unknown:
            return V.unknown(BOOL, marks)
        res = (lb.v and rb.v) if op == "&&" else (lb.v or rb.v)
        return V.boolean(res).mark(marks)
    ln = _to(left, NUMBER, e.left, "left")
    rn = _to(right, NUMBER, e.right, "right")
    for side, v in ((e.left, ln), (e.right, rn)):
        if v.is_null:
            raise _fail(side, "Invalid operand", "Unsuitable value for operand: a null "
                        "value cannot be used in arithmetic or comparison.")
    if ln.unknown or rn.unknown:
        return V.unknown(BOOL if op in _COMPARE else NUMBER, marks)
    a, b = ln.v, rn.v
    if op in _COMPARE:
        return V.boolean(_COMPARE[op](a, b)).mark(marks)
    if op in _ARITH:
        res = _ARITH[op](Decimal(a) if isinstance(b, Decimal) else a,
                         Decimal(b) if isinstance(a, Decimal) else b)
        return _num(res, marks)
    if b == 0:
        raise _fail(e, "Error in function call", "Call to function \"divide\" failed: "
                    "can't divide by zero." if op == "/" else
                    "Call to function \"modulo\" failed: can't use modulo with zero.")
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
    if a.is_null or b.is_null:
        return a.is_null and b.is_null
    if a.type != b.type:
        # a tuple literal equals a list only in cty when types match exactly
        if isinstance(a.v, int | Decimal) and isinstance(b.v, int | Decimal) and \
                not isinstance(a.v, bool) and not isinstance(b.v, bool):
            return a.v == b.v
        return False
    return a.key() == b.key()


def _unary(e: ast.Unary, scope: Scope) -> Value:
    val = evaluate(e.operand, scope)
    if e.op == "!":
        b = _to(val, BOOL, e.operand, "logical")
        if b.unknown:
            return V.unknown(BOOL, b.marks)
        if b.is_null:
            raise _fail(e, "Invalid operand", "A null value cannot be negated.")
        return V.boolean(not b.v).mark(b.marks)
    n = _to(val, NUMBER, e.operand, "negation")
    if n.unknown:
        return V.unknown(NUMBER, n.marks)
    if n.is_null:
        raise _fail(e, "Invalid operand", "A null value cannot be negated.")
    return Value(NUMBER, V.normalize_number(-n.v), False, n.marks)


def _conditional(e: ast.Conditional, scope: Scope) -> Value:
    cond = evaluate(e.cond, scope)
    try:
        cb = convert(cond, BOOL)
    except ConversionError as exc:
        raise _fail(e.cond, "Incorrect condition type",
                    f"The condition expression must be of type bool: {exc.describe()}.") from None
    if cb.is_null:
        raise _fail(e.cond, "Null condition",
                    "The condition value is null. Conditions must either be true or false.")
    if cb.unknown:
        t = evaluate(e.true, scope)
        f = evaluate(e.false, scope)
        u = unify([t.type, f.type])
        return V.unknown(u if u is not None else DYNAMIC, cb.marks | t.marks | f.marks)
    chosen = evaluate(e.true if cb.v else e.false, scope)
    return chosen.mark(cb.marks)


# --- constructors ----------------------------------------------------------

def _tuple(e: ast.TupleCons, scope: Scope) -> Value:
    return V.tuple_([evaluate(i, scope) for i in e.items])


def _object(e: ast.ObjectCons, scope: Scope) -> Value:
    out: dict[str, Value] = {}
    marks: frozenset[str] = NO_MARKS
    unknown_key = False
    for key_expr, val_expr in e.items:
        k = evaluate(key_expr, scope)
        try:
            ks = convert(k, STRING)
        except ConversionError:
            raise _fail(key_expr, "Incorrect key type",
                        "Can't use this value as a key: string required.") from None
        if ks.is_null:
            raise _fail(key_expr, "Invalid object key", "Key expression results in null.")
        val = evaluate(val_expr, scope)
        if ks.unknown:
            unknown_key = True
            continue
        marks |= ks.marks
        out[ks.v] = val
    if unknown_key:
        return V.unknown(DYNAMIC, marks)
    return V.obj(out).mark(marks)


def _for(e: ast.ForExpr, scope: Scope) -> Value:
    coll = evaluate(e.coll, scope)
    marks = coll.marks
    if coll.unknown:
        return V.unknown(DYNAMIC, marks)
    if coll.is_null:
        raise _fail(e.coll, "Iteration over null value",
                    "A null value cannot be used as the collection in a 'for' expression.")
    t = coll.type
    if isinstance(t, ListType | TupleType):
        pairs = [(V.number(i), v) for i, v in enumerate(coll.v)]
    elif isinstance(t, SetType):
        pairs = [(v, v) for v in coll.v]
    elif isinstance(t, MapType | ObjectType):
        pairs = [(V.string(k), v) for k, v in coll.v.items()]
    else:
        raise _fail(e.coll, "Iteration over non-iterable value",
                    f"A value of type {t.friendly()} cannot be used as the collection in a "
                    "'for' expression.")
    items_out: list[Value] = []
    obj_out: dict[str, Any] = {}
    any_unknown = False
    for k, v in pairs:
        names = {e.val_var: v.mark(marks)}
        if e.key_var:
            names[e.key_var] = k.mark(marks)
        inner = scope.child(names)
        if e.cond is not None:
            c = evaluate(e.cond, inner)
            try:
                cb = convert(c, BOOL)
            except ConversionError:
                raise _fail(e.cond, "Invalid 'for' condition",
                            "The 'if' clause value is invalid: bool required.") from None
            if cb.unknown:
                any_unknown = True
                continue
            if cb.is_null:
                raise _fail(e.cond, "Invalid 'for' condition",
                            "The value of the 'if' clause must not be null.")
            if not cb.v:
                continue
        val = evaluate(e.val_expr, inner)
        if e.key_expr is None:
            items_out.append(val)
            continue
        kv = evaluate(e.key_expr, inner)
        try:
            ks = convert(kv, STRING)
        except ConversionError:
            raise _fail(e.key_expr, "Invalid object key",
                        "The object key expression must produce a string.") from None
        if ks.unknown:
            any_unknown = True
            continue
        if ks.is_null:
            raise _fail(e.key_expr, "Invalid object key", "Key expression in 'for' "
                        "expression must not produce a null value.")
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
    if any_unknown:
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
    out: list[str] = []
    unknown = False
    for p in parts:
        if isinstance(p, str):
            out.append(p)
        elif isinstance(p, ast.TemplateIf):
            c = evaluate(p.cond, scope)
            marks |= c.marks
            try:
                cb = convert(c, BOOL)
            except ConversionError:
                raise _fail(p.cond, "Invalid template if condition",
                            "The 'if' condition must be a bool.") from None
            if cb.unknown:
                unknown = True
                continue
            sub = _render_parts(p.then_parts if cb.v else p.else_parts, scope, marks)
            if sub is None:
                unknown = True
            else:
                out.append(sub)
        elif isinstance(p, ast.TemplateFor):
            coll = evaluate(p.coll, scope)
            marks |= coll.marks
            if coll.unknown:
                unknown = True
                continue
            for k, v in _iter_pairs(coll, p.coll):
                names = {p.val_var: v}
                if p.key_var:
                    names[p.key_var] = k
                sub = _render_parts(p.body, scope.child(names), marks)
                if sub is None:
                    unknown = True
                else:
                    out.append(sub)
        else:
            assert isinstance(p, ast.Expr)
            val = evaluate(p, scope)
            marks |= val.marks
            if val.unknown:
                unknown = True
                continue
            if val.is_null:
                raise _fail(p, "Invalid template interpolation value",
                            "The expression result is null. Cannot include a null value in a "
                            "string template.")
            try:
                s = convert(val.unmark(), STRING)
            except ConversionError:
                raise _fail(p, "Invalid template interpolation value",
                            "Cannot include the given value in a string template: string "
                            "required.") from None
            if not s.is_wholly_known():
                unknown = True
                continue
            out.append(s.v)
    return None if unknown else "".join(out)


def _iter_pairs(coll: Value, node: ast.Node) -> list[tuple[Value, Value]]:
    t = coll.type
    if isinstance(t, ListType | TupleType):
        return [(V.number(i), v) for i, v in enumerate(coll.v)]
    if isinstance(t, SetType):
        return [(v, v) for v in coll.v]
    if isinstance(t, MapType | ObjectType):
        return [(V.string(k), v) for k, v in coll.v.items()]
    raise _fail(node, "Invalid template for directive",
                f"A value of type {t.friendly()} cannot be iterated.")


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
        if last.unknown:
            return V.unknown(DYNAMIC, last.marks)
        if not isinstance(last.type, ListType | SetType | TupleType) or last.is_null:
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
            summary = "Invalid function argument" if exc.arg is not None else \
                "Error in function call"
            raise EvalError(error(summary, f'Call to function "{name}" failed: '
                                  f"{exc.message}", at.range)) from None
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
