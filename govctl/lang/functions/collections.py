"""Collection functions, with Terraform's result types.

The result *type* is most of the work here: Terraform keeps tuples and objects
structural (`concat(["a"], [1])` is a tuple, `keys({...})` a tuple of strings)
and only produces `list(...)` / `map(...)` when its inputs were collections.
Where Terraform looks only at the top level of an argument (an unknown list is
unknown, a known list with unknown elements still has a length), the
parameter opts into unknowns and the function checks the top level itself.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from govctl.lang.convert import ConversionError, convert, unify
from govctl.lang.functions.base import CallContext, FunctionError, Param, function
from govctl.lang.functions.numeric import arg_error, whole_number
from govctl.lang.functions.strings import graphemes
from govctl.lang.types import (
    BOOL,
    DYNAMIC,
    EMPTY_OBJECT,
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
from govctl.lang.values import (
    FALSE,
    NUMBER_CONTEXT,
    TRUE,
    Number,
    Value,
    list_,
    map_,
    normalize_number,
    null,
    number,
    obj,
    set_,
    tuple_,
    unknown,
)


def _equals(a: Value, b: Value) -> bool:
    """cty's Equals on known values: a string "1" is not the number 1."""
    return a.type == b.type and a.key() == b.key()


def _add(a: Number, b: Number) -> Number:
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    return normalize_number(NUMBER_CONTEXT.add(Decimal(a), Decimal(b)))


def _is_seq(t: Type) -> bool:
    return isinstance(t, ListType | SetType | TupleType)


def _convert(value: Value, want: Type) -> Value:
    try:
        return convert(value, want)
    except ConversionError as exc:
        raise FunctionError(f"{exc.describe()}.") from None


# ---------------------------------------------------------------------------
# Booleans over lists
# ---------------------------------------------------------------------------

@function("alltrue", params=[Param("list", ListType(BOOL), allow_unknown=True)],
          returns=BOOL)
def _alltrue(args: list[Value], ctx: CallContext) -> Value:
    """True for an empty list; a null element counts as false."""
    if args[0].unknown:
        return unknown(BOOL)
    for elem in args[0].elements():
        if elem.unknown:
            return unknown(BOOL)
        if elem.is_null or not elem.v:
            return FALSE
    return TRUE


@function("anytrue", params=[Param("list", ListType(BOOL), allow_unknown=True)],
          returns=BOOL)
def _anytrue(args: list[Value], ctx: CallContext) -> Value:
    """A known true element decides the answer even when others are unknown."""
    if args[0].unknown:
        return unknown(BOOL)
    pending = False
    for elem in args[0].elements():
        if elem.unknown:
            pending = True
        elif not elem.is_null and elem.v:
            return TRUE
    return unknown(BOOL) if pending else FALSE


# ---------------------------------------------------------------------------
# Building and reshaping lists
# ---------------------------------------------------------------------------

@function("chunklist", params=[Param("list", ListType(DYNAMIC)), Param("size", NUMBER)],
          returns=lambda args: ListType(args[0].type))
def _chunklist(args: list[Value], ctx: CallContext) -> Value:
    """Chunks of `size` elements; size 0 means one chunk holding the whole list."""
    lst, size_val = args
    try:
        size = whole_number(size_val.v)
    except ValueError as exc:
        raise FunctionError(f"invalid size: {exc}.") from None
    if size < 0:
        raise FunctionError("the size argument must be positive.")
    items = lst.elements()
    if not items:
        return list_([], lst.type)
    if size == 0:
        return list_([lst], lst.type)
    elem = lst.type.elem  # type: ignore[attr-defined]
    chunks = [list_(items[i:i + size], elem) for i in range(0, len(items), size)]
    return list_(chunks, lst.type)


@function("coalesce", params=[],
          variadic=Param("vals", DYNAMIC, allow_null=True, allow_unknown=True))
def _coalesce(args: list[Value], ctx: CallContext) -> Value:
    """The first argument that is neither null nor "", converted to their common type.

    An unknown argument before the answer makes the answer unknown; one after
    it does not matter.
    """
    types = [a.type for a in args]
    common = unify(types) if args else None
    if common is None and any(isinstance(t, Dynamic) for t in types):
        # cty falls back to "any" when only an untyped null stands in the way.
        common = DYNAMIC
    if common is None:
        raise FunctionError("all arguments must have the same type.")
    for arg in args:
        value = _convert(arg, common)
        if value.unknown:
            return unknown(common)
        if value.is_null or (value.type == STRING and value.v == ""):
            continue
        return value
    raise FunctionError("no non-null, non-empty-string arguments.")


@function("coalescelist", params=[],
          variadic=Param("vals", DYNAMIC, allow_null=True, allow_unknown=True))
def _coalescelist(args: list[Value], ctx: CallContext) -> Value:
    """The first non-empty list or tuple, returned as it is (no conversion)."""
    if not args:
        raise FunctionError("at least one argument is required.")
    if any(a.unknown for a in args):
        ret: Type = DYNAMIC
    else:
        for a in args:
            if not isinstance(a.type, ListType | TupleType):
                raise FunctionError("coalescelist arguments must be lists or tuples.")
        ret = args[0].type if all(a.type == args[0].type for a in args) else DYNAMIC
    for arg in args:
        if arg.unknown:
            return unknown(ret)
        if arg.is_null:
            continue
        if arg.length() > 0:
            return arg
    raise FunctionError("no non-null arguments.")


@function("compact", params=[Param("list", ListType(STRING))], returns=ListType(STRING))
def _compact(args: list[Value], ctx: CallContext) -> Value:
    """Drops null and empty-string elements."""
    kept = [e for e in args[0].elements() if not e.is_null and e.v != ""]
    return list_(kept, STRING)


def _concat_type(args: list[Value]) -> Type:
    for i, arg in enumerate(args):
        if not isinstance(arg.type, ListType | TupleType):
            raise arg_error("seqs", "all arguments must be lists or tuples; got "
                            f"{arg.type.friendly()}", i)
    if isinstance(args[0].type, ListType) and all(isinstance(a.type, ListType) for a in args):
        common = unify([a.type for a in args])
        if common is not None:
            return common
    elems: list[Type] = []
    for arg in args:
        if isinstance(arg.type, TupleType):
            elems.extend(arg.type.elems)
        elif arg.unknown:
            return DYNAMIC
        else:
            elems.extend([arg.type.elem] * arg.length())  # type: ignore[attr-defined]
    return TupleType(elems)


@function("concat", params=[], variadic=Param("seqs", DYNAMIC, allow_unknown=True))
def _concat(args: list[Value], ctx: CallContext) -> Value:
    """Lists of one element type give a list; any tuple in the mix gives a tuple."""
    if not args:
        raise FunctionError("at least one argument is required.")
    ret = _concat_type(args)
    if any(a.unknown for a in args):
        return unknown(ret)
    if isinstance(ret, ListType):
        items = [e for a in args for e in _convert(a, ret).elements()]
        return list_(items, ret.elem)
    return tuple_(e for a in args for e in a.elements())


@function("contains", params=[Param("list", DYNAMIC, allow_unknown=True),
                              Param("value", DYNAMIC, allow_unknown=True)], returns=BOOL)
def _contains(args: list[Value], ctx: CallContext) -> Value:
    """Membership by Terraform's equality: types must match, so "1" is not in [1]."""
    seq, value = args
    if not _is_seq(seq.type):
        raise FunctionError("argument must be list, tuple, or set.")
    if seq.unknown:
        return unknown(BOOL)
    if seq.length() == 0:
        return FALSE
    if not value.is_wholly_known():
        return unknown(BOOL)
    pending = False
    for elem in seq.elements():
        if not elem.is_wholly_known():
            pending = True
        elif _equals(elem, value):
            return TRUE
    return unknown(BOOL) if pending else FALSE


@function("distinct", params=[Param("list", ListType(DYNAMIC))],
          returns=lambda args: args[0].type)
def _distinct(args: list[Value], ctx: CallContext) -> Value:
    """First occurrences, in order."""
    seen: set[object] = set()
    kept = []
    for elem in args[0].elements():
        k = elem.key()
        if k not in seen:
            seen.add(k)
            kept.append(elem)
    return list_(kept, args[0].type.elem)  # type: ignore[attr-defined]


@function("element", params=[Param("list", DYNAMIC, allow_unknown=True),
                             Param("index", NUMBER)])
def _element(args: list[Value], ctx: CallContext) -> Value:
    """Indexes modulo the length, so element(list, length) is the first element."""
    seq, index_val = args
    if index_val.v < 0:
        raise FunctionError("cannot use element function with a negative index.")
    if not isinstance(seq.type, ListType | TupleType):
        raise FunctionError(f"cannot read elements from {seq.type.friendly()}.")
    try:
        index = whole_number(index_val.v)
    except ValueError as exc:
        raise FunctionError(f"invalid index: {exc}.") from None
    if isinstance(seq.type, TupleType):
        etys = seq.type.elems
        if not etys:
            raise FunctionError("cannot use element function with an empty list.")
        if seq.unknown:
            return unknown(etys[index % len(etys)])
    elif seq.unknown:
        return unknown(seq.type.elem)
    items = seq.elements()
    if not items:
        raise FunctionError("cannot use element function with an empty list.")
    return items[index % len(items)]


def _flatten_into(seq: Value, out: list[Value]) -> None:
    for elem in seq.elements():
        if _is_seq(elem.type) and not elem.is_null:
            _flatten_into(elem, out)
        else:
            out.append(elem)


@function("flatten", params=[Param("list", DYNAMIC)])
def _flatten(args: list[Value], ctx: CallContext) -> Value:
    """Always a tuple: nested lists, sets and tuples are spliced in, recursively."""
    if not _is_seq(args[0].type):
        raise FunctionError("can only flatten lists, sets and tuples.")
    out: list[Value] = []
    _flatten_into(args[0], out)
    return tuple_(out)


@function("index", params=[Param("list", DYNAMIC), Param("value", DYNAMIC)], returns=NUMBER)
def _index(args: list[Value], ctx: CallContext) -> Value:
    """Position of the first element equal to value (same type required)."""
    seq, value = args
    if not isinstance(seq.type, ListType | TupleType):
        raise FunctionError("argument must be a list or tuple.")
    items = seq.elements()
    if not items:
        raise FunctionError("cannot search an empty list.")
    for i, elem in enumerate(items):
        if _equals(elem, value):
            return number(i)
    raise FunctionError("item not found.")


# ---------------------------------------------------------------------------
# Maps and objects
# ---------------------------------------------------------------------------

@function("keys", params=[Param("inputMap", DYNAMIC, allow_unknown=True, allow_marked=True)])
def _keys(args: list[Value], ctx: CallContext) -> Value:
    """Sorted keys. An object's keys are known from its type even when its value is not.

    Only the map's own marks carry over: sensitive values do not make keys sensitive.
    """
    marks = args[0].marks
    m = args[0].unmark()
    if isinstance(m.type, ObjectType):
        return tuple_(Value(STRING, k) for k in m.type.attrs).mark(marks)
    if not isinstance(m.type, MapType):
        raise arg_error("inputMap", "must have map or object type", 0)
    if m.unknown:
        return unknown(ListType(STRING), marks)
    return list_((Value(STRING, k) for k in m.v), STRING).mark(marks)


@function("length", params=[Param("value", DYNAMIC, allow_unknown=True, allow_marked=True)],
          returns=NUMBER)
def _length(args: list[Value], ctx: CallContext) -> Value:
    """Characters of a string, or elements of a collection.

    Known whenever the number of elements is: a tuple or object by its type, a
    list even when its elements are unknown.
    """
    marks = args[0].marks
    v = args[0].unmark()
    t = v.type
    if isinstance(t, TupleType):
        return number(len(t.elems)).mark(marks)
    if isinstance(t, ObjectType):
        return number(len(t.attrs)).mark(marks)
    if not (t == STRING or isinstance(t, ListType | SetType | MapType | Dynamic)):
        raise FunctionError("argument must be a string, a collection type, or a structural "
                            "type.")
    if v.unknown or isinstance(t, Dynamic):
        return unknown(NUMBER, marks)
    if t == STRING:
        return number(len(graphemes(v.v))).mark(marks)
    return number(v.length()).mark(marks)


def _lookup_type(args: list[Value]) -> Type:
    m, key = args[0], args[1]
    if isinstance(m.type, ObjectType):
        if not key.is_known:
            return DYNAMIC
        if key.v in m.type.attrs:
            return m.type.attrs[key.v]
        if len(args) == 3:
            return args[2].type
        raise arg_error("inputMap", f'the given object has no attribute "{key.v}"', 0)
    if isinstance(m.type, MapType):
        if len(args) == 3:
            try:
                convert(args[2], m.type.elem)
            except ConversionError:
                raise arg_error("default", "the default value must have the same type as the "
                                "map elements", 2) from None
        return m.type.elem
    raise arg_error("inputMap", "lookup() requires a map as the first argument", 0)


@function("lookup", params=[Param("inputMap", DYNAMIC), Param("key", STRING)],
          variadic=Param("default", DYNAMIC, allow_null=True, allow_unknown=True),
          returns=_lookup_type)
def _lookup(args: list[Value], ctx: CallContext) -> Value:
    """The element at key, else the default (converted to the map's element type)."""
    if len(args) > 3:
        raise FunctionError(f"lookup() takes two or three arguments, got {len(args)}.")
    ret = _lookup_type(args)
    m, key = args[0], args[1].v
    if key in m.v:
        return m.v[key]
    if len(args) == 3:
        return _convert(args[2], ret)
    raise FunctionError(f'the given key "{key}" does not exist in the map.')


def _merge_type(args: list[Value]) -> Type:
    if not args:
        return EMPTY_OBJECT
    for arg in args:
        t = arg.type
        if not isinstance(t, MapType | ObjectType | Dynamic):
            raise FunctionError(f'arguments must be maps or objects, got "{t.friendly()}".')
    if any(isinstance(a.type, Dynamic) for a in args):
        return DYNAMIC
    if all(a.type == args[0].type for a in args):
        return args[0].type
    attrs: dict[str, Type] = {}
    for arg in args:
        if isinstance(arg.type, ObjectType):
            if not arg.is_null:
                attrs.update(arg.type.attrs)
        elif arg.unknown:
            return DYNAMIC
        elif not arg.is_null:
            assert isinstance(arg.type, MapType)
            attrs.update(dict.fromkeys(arg.v, arg.type.elem))
    return ObjectType(attrs)


@function("merge", params=[],
          variadic=Param("maps", DYNAMIC, allow_null=True, allow_unknown=True),
          returns=_merge_type)
def _merge(args: list[Value], ctx: CallContext) -> Value:
    """Later arguments win. Maps of one type stay a map; anything else gives an object."""
    ret = _merge_type(args)
    if any(a.unknown for a in args):
        return unknown(ret)
    merged: dict[str, Value] = {}
    for arg in args:
        if not arg.is_null:
            merged.update(arg.items())
    if isinstance(ret, MapType):
        return map_(merged, ret.elem)
    return obj(merged)


@function("transpose", params=[Param("values", MapType(ListType(STRING)))],
          returns=MapType(ListType(STRING)))
def _transpose(args: list[Value], ctx: CallContext) -> Value:
    """Swaps keys and values: {a = ["x"]} becomes {x = ["a"]}."""
    out: dict[str, list[Value]] = {}
    for key, lst in args[0].items():
        for elem in lst.elements():
            if elem.is_null:
                raise FunctionError("input list must not contain null string.")
            out.setdefault(elem.v, []).append(Value(STRING, key))
    return map_({k: list_(v, STRING) for k, v in out.items()}, ListType(STRING))


@function("values", params=[Param("mapping", DYNAMIC, allow_unknown=True)])
def _values(args: list[Value], ctx: CallContext) -> Value:
    """Values in key order: a list for a map, a tuple for an object."""
    m = args[0]
    if isinstance(m.type, MapType):
        if m.unknown:
            return unknown(ListType(m.type.elem))
        return list_(m.v.values(), m.type.elem)
    if isinstance(m.type, ObjectType):
        if m.unknown:
            return unknown(TupleType(list(m.type.attrs.values())))
        return tuple_(m.v.values())
    raise FunctionError("values() requires a map as the first argument.")


@function("zipmap", params=[Param("keys", ListType(STRING)),
                            Param("values", DYNAMIC, allow_unknown=True)])
def _zipmap(args: list[Value], ctx: CallContext) -> Value:
    """A list of values gives a map; a tuple gives an object. Later duplicates win."""
    keys, vals = args
    key_items = keys.elements()
    for i, k in enumerate(key_items):
        if k.is_null:
            raise FunctionError(f"keys list has null value at index {i}.")
    if isinstance(vals.type, ListType):
        ret: Type = MapType(vals.type.elem)
    elif isinstance(vals.type, TupleType):
        if len(key_items) != len(vals.type.elems):
            raise FunctionError(f"number of keys ({len(key_items)}) does not match number of "
                                f"values ({len(vals.type.elems)}).")
        ret = ObjectType({k.v: t for k, t in zip(key_items, vals.type.elems, strict=True)})
    else:
        raise FunctionError("values argument must be a list or tuple value.")
    if vals.unknown:
        return unknown(ret)
    val_items = vals.elements()
    if len(key_items) != len(val_items):
        raise FunctionError(f"number of keys ({len(key_items)}) does not match number of "
                            f"values ({len(val_items)}).")
    pairs = {k.v: v for k, v in zip(key_items, val_items, strict=True)}
    if isinstance(ret, MapType):
        return map_(pairs, ret.elem)
    return obj(pairs)


# ---------------------------------------------------------------------------
# Sequences
# ---------------------------------------------------------------------------

def _one_type(seq: Value) -> Type:
    t = seq.type
    if isinstance(t, ListType | SetType):
        return t.elem
    if isinstance(t, TupleType) and len(t.elems) <= 1:
        return t.elems[0] if t.elems else DYNAMIC
    raise arg_error("list", "must be a list, set, or tuple value with either zero or one "
                    "elements", 0)


@function("one", params=[Param("list", DYNAMIC, allow_unknown=True)])
def _one(args: list[Value], ctx: CallContext) -> Value:
    """The only element, null for none, an error for more than one."""
    seq = args[0]
    ret = _one_type(seq)
    if seq.unknown:
        return unknown(ret)
    items = seq.elements()
    if len(items) > 1:
        raise arg_error("list", "must be a list, set, or tuple value with either zero or one "
                        "elements", 0)
    return items[0] if items else null(ret)


@function("range", params=[], variadic=Param("params", NUMBER), returns=ListType(NUMBER))
def _range(args: list[Value], ctx: CallContext) -> Value:
    """range(end), range(start, end) or range(start, end, step), at most 1024 values.

    Like Terraform, a zero step is not rejected up front; it runs into the
    1024-value limit instead.
    """
    nums: list[Number] = [a.v for a in args]
    start: Number
    end: Number
    step: Number
    if len(nums) == 1:
        start, end, step = 0, nums[0], (-1 if nums[0] < 0 else 1)
    elif len(nums) == 2:
        start, end = nums
        step = -1 if end < start else 1
    elif len(nums) == 3:
        start, end, step = nums
    else:
        raise FunctionError("must have one, two, or three arguments.")
    down = step < 0
    if down and end > start:
        raise arg_error("params", "end must be less than start when step is negative", 1)
    if not down and end < start:
        raise arg_error("params", "end must be greater than start when step is positive", 1)
    out: list[Value] = []
    current: Number = start
    while (current > end) if down else (current < end):
        if len(out) >= 1024:
            raise FunctionError("more than 1024 values were generated; either decrease the "
                                "difference between start and end or use a smaller step.")
        out.append(number(current))
        current = _add(current, step)
    return list_(out, NUMBER)


@function("reverse", params=[Param("list", DYNAMIC, allow_unknown=True)])
def _reverse(args: list[Value], ctx: CallContext) -> Value:
    """A tuple stays a tuple; a list or set gives a list."""
    seq = args[0]
    t = seq.type
    ret: Type
    if isinstance(t, TupleType):
        ret = TupleType(list(reversed(t.elems)))
    elif isinstance(t, ListType | SetType):
        ret = ListType(t.elem)
    else:
        raise arg_error("list", f"can only reverse list or tuple values, not {t.friendly()}", 0)
    if seq.unknown:
        return unknown(ret)
    items = list(reversed(seq.elements()))
    return tuple_(items) if isinstance(ret, TupleType) else list_(items, ret.elem)


def _slice_bounds(seq: Value, start_val: Value, end_val: Value) -> tuple[int, int]:
    length = len(seq.type.elems) if isinstance(seq.type, TupleType) else seq.length()
    bounds = []
    for val, name, idx, what in ((start_val, "start_index", 1, "start"),
                                 (end_val, "end_index", 2, "end")):
        try:
            n = whole_number(val.v)
        except ValueError as exc:
            raise arg_error(name, f"invalid {what} index: {exc}", idx) from None
        if n < 0:
            raise arg_error(name, f"{what} index must not be less than zero", idx)
        if n > length:
            raise arg_error(name, f"{what} index must not be greater than the length of the "
                            "list", idx)
        bounds.append(n)
    if bounds[0] > bounds[1]:
        raise arg_error("start_index", "start index must not be greater than end index", 1)
    return bounds[0], bounds[1]


@function("slice", params=[Param("list", DYNAMIC, allow_unknown=True),
                           Param("start_index", NUMBER), Param("end_index", NUMBER)])
def _slice(args: list[Value], ctx: CallContext) -> Value:
    """Elements start..end-1; a list stays a list, a tuple a (shorter) tuple."""
    seq, start_val, end_val = args
    t = seq.type
    if isinstance(t, SetType):
        raise arg_error("list", "cannot slice a set, because its elements do not have "
                        "indices; explicitly convert to a list if the ordering of the result "
                        "is not important", 0)
    if not isinstance(t, ListType | TupleType):
        raise arg_error("list", "must be a list or tuple value", 0)
    if seq.unknown and isinstance(t, ListType):
        return unknown(t)
    start, end = _slice_bounds(seq, start_val, end_val)
    if isinstance(t, TupleType):
        if seq.unknown:
            return unknown(TupleType(t.elems[start:end]))
        return tuple_(seq.elements()[start:end])
    return list_(seq.elements()[start:end], t.elem)


@function("sort", params=[Param("list", ListType(STRING))], returns=ListType(STRING))
def _sort(args: list[Value], ctx: CallContext) -> Value:
    """Lexical order by code point, so numbers sort as strings ("10" before "9")."""
    items = args[0].elements()
    for i, elem in enumerate(items):
        if elem.is_null:
            raise FunctionError(f"given list element {i} is null; a null string cannot be "
                                "sorted.")
    return list_(sorted(items, key=lambda e: e.v), STRING)


@function("sum", params=[Param("list", DYNAMIC)], returns=NUMBER)
def _sum(args: list[Value], ctx: CallContext) -> Value:
    """Exact sum of a list, set or tuple of numbers (strings of digits convert)."""
    seq = args[0]
    t = seq.type
    if not isinstance(t, ListType | SetType | TupleType | MapType | ObjectType):
        raise arg_error("list", "cannot sum noniterable", 0)
    if seq.length() == 0:
        raise arg_error("list", "cannot sum an empty list", 0)
    if not _is_seq(t):
        raise arg_error("list", f"argument must be list, set, or tuple. Received {t.friendly()}",
                        0)
    total: Number = 0
    for elem in seq.elements():
        if elem.is_null:
            raise arg_error("list", "argument must be list, set, or tuple of number values", 0)
        try:
            total = _add(total, convert(elem, NUMBER).v)
        except ConversionError:
            raise arg_error("list", "argument must be list, set, or tuple of number values",
                            0) from None
    return number(total)


# ---------------------------------------------------------------------------
# Sets
# ---------------------------------------------------------------------------

def _set_op_type(args: list[Value]) -> Type:
    common = unify([a.type for a in args])
    if not isinstance(common, SetType):
        raise FunctionError("given sets must all have compatible element types.")
    return common


def _set_operands(args: list[Value]) -> tuple[SetType, list[Value]]:
    common = _set_op_type(args)
    assert isinstance(common, SetType)
    return common, [_convert(a, common) for a in args]


@function("setintersection", params=[Param("first_set", SetType(DYNAMIC))],
          variadic=Param("other_sets", SetType(DYNAMIC)), returns=_set_op_type)
def _setintersection(args: list[Value], ctx: CallContext) -> Value:
    """Elements present in every set; element types unify as in a set literal."""
    common, sets = _set_operands(args)
    others = [{e.key() for e in s.elements()} for s in sets[1:]]
    kept = [e for e in sets[0].elements() if all(e.key() in o for o in others)]
    return set_(kept, common.elem)


@function("setsubtract", params=[Param("a", SetType(DYNAMIC)), Param("b", SetType(DYNAMIC))],
          returns=_set_op_type)
def _setsubtract(args: list[Value], ctx: CallContext) -> Value:
    """Elements of a that are not in b."""
    common, (a, b) = _set_operands(args)
    remove = {e.key() for e in b.elements()}
    return set_((e for e in a.elements() if e.key() not in remove), common.elem)


@function("setunion", params=[Param("first_set", SetType(DYNAMIC))],
          variadic=Param("other_sets", SetType(DYNAMIC)), returns=_set_op_type)
def _setunion(args: list[Value], ctx: CallContext) -> Value:
    """Elements present in any of the sets."""
    common, sets = _set_operands(args)
    return set_((e for s in sets for e in s.elements()), common.elem)


def _setproduct_type(args: list[Value]) -> Type:
    if len(args) < 2:
        raise FunctionError("at least two arguments are required.")
    elems: list[Type] = []
    all_lists = True
    for i, arg in enumerate(args):
        t = arg.type
        if isinstance(t, SetType):
            elems.append(t.elem)
            all_lists = False
        elif isinstance(t, ListType):
            elems.append(t.elem)
        elif isinstance(t, TupleType):
            common = unify(list(t.elems)) if t.elems else DYNAMIC
            if common is None:
                raise arg_error("sets", "all elements must be of the same type", i)
            elems.append(common)
        else:
            raise arg_error("sets", "a set or a list is required", i)
    product = TupleType(elems)
    return ListType(product) if all_lists else SetType(product)


@function("setproduct", params=[], variadic=Param("sets", DYNAMIC), returns=_setproduct_type)
def _setproduct(args: list[Value], ctx: CallContext) -> Value:
    """Every combination, as tuples; all-list input gives a list (duplicates kept)."""
    ret = _setproduct_type(args)
    elem_types = ret.elem.elems  # type: ignore[attr-defined]
    columns = [[_convert(e, t) for e in a.elements()] for a, t in zip(args, elem_types,
                                                                       strict=True)]
    rows = [tuple_(combo) for combo in itertools.product(*columns)]
    product_type = ret.elem  # type: ignore[attr-defined]
    if isinstance(ret, ListType):
        return list_(rows, product_type)
    return set_(rows, product_type)

