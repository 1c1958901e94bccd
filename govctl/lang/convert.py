"""Automatic type conversion and unification, following cty's rules.

Conversion is what lets `"5"` stand where a number is wanted and what turns a
tuple literal into `list(string)` for a variable; it fails with a message that
names the path inside the value that could not be converted.
"""

from __future__ import annotations

from decimal import Decimal

from govctl.lang import values as V
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
from govctl.lang.values import Value


class ConversionError(Exception):
    def __init__(self, message: str, path: tuple[str | int, ...] = ()):
        self.message = message
        self.path = path
        super().__init__(self.describe())

    def describe(self) -> str:
        if not self.path:
            return self.message
        parts = []
        for p in self.path:
            parts.append(f"[{p}]" if isinstance(p, int) else f'["{p}"]' if "." in p or not
                         p.isidentifier() else f".{p}")
        where = "".join(parts).lstrip(".")
        return f"attribute {where}: {self.message}" if not where.startswith("[") \
            else f"element {where}: {self.message}"


def convert(val: Value, want: Type) -> Value:
    """Convert or raise ConversionError. Marks are kept."""
    if isinstance(want, Dynamic):
        return val
    if val.marks:
        return _convert(val.unmark(), want, ()).mark(val.marks)
    return _convert(val, want, ())


def _convert(val: Value, want: Type, path: tuple[str | int, ...]) -> Value:
    if isinstance(want, Dynamic):
        return val
    if val.marks:
        return _convert(val.unmark(), want, path).mark(val.marks)
    have = val.type
    if have == want and not want.has_dynamic():
        return val
    if val.unknown or val.v is None:
        if not _type_convertible(have, want):
            raise ConversionError(f"{want.friendly()} required", path)
        concrete = want if not want.has_dynamic() else _concrete_type(have, want)
        if isinstance(want, ObjectType) and want.optional and isinstance(concrete, ObjectType):
            concrete = ObjectType(concrete.attrs)
        return V.unknown(concrete) if val.unknown else V.null(concrete)
    if isinstance(want, Primitive):
        return _to_primitive(val, want, path)
    if isinstance(want, ListType | SetType):
        items = _sequence_items(val, want, path)
        conv = [_convert(e, want.elem, (*path, i)) for i, e in enumerate(items)]
        elem = _unify_converted(conv, want.elem, path)
        conv = [_convert(e, elem, (*path, i)) for i, e in enumerate(conv)] if \
            want.elem.has_dynamic() else conv
        return V.list_(conv, elem) if isinstance(want, ListType) else V.set_(conv, elem)
    if isinstance(want, TupleType):
        items = _sequence_items(val, want, path)
        if isinstance(val.type, SetType):
            raise ConversionError("tuple required", path)
        if len(items) != len(want.elems):
            raise ConversionError(f"tuple required with {len(want.elems)} elements", path)
        return V.tuple_(_convert(e, t, (*path, i))
                        for i, (e, t) in enumerate(zip(items, want.elems, strict=True)))
    if isinstance(want, MapType):
        if not isinstance(val.type, MapType | ObjectType):
            raise ConversionError("map of " + want.elem.friendly() + " required", path)
        conv = {k: _convert(e, want.elem, (*path, k)) for k, e in val.items()}
        elem = _unify_converted(list(conv.values()), want.elem, path)
        if want.elem.has_dynamic():
            conv = {k: _convert(e, elem, (*path, k)) for k, e in conv.items()}
        return V.map_(conv, elem)
    if isinstance(want, ObjectType):
        return _to_object(val, want, path)
    raise ConversionError(f"{want.friendly()} required", path)


def _to_primitive(val: Value, want: Primitive, path: tuple[str | int, ...]) -> Value:
    v = val.v
    have = val.type
    if want is STRING:
        if have is NUMBER:
            return V.string(V.format_number(v))
        if have is BOOL:
            return V.string("true" if v else "false")
        if have is STRING:
            return val
    elif want is NUMBER:
        if have is STRING:
            try:
                return V.Value(NUMBER, V.parse_number(v))
            except ValueError:
                raise ConversionError(
                    f'a number is required; cannot convert "{v}" to number', path) from None
        if have is NUMBER:
            return val
    elif want is BOOL:
        if have is STRING:
            if v == "true":
                return V.TRUE
            if v == "false":
                return V.FALSE
            raise ConversionError(
                f'a bool is required; cannot convert "{v}" to bool: only the strings '
                '"true" or "false" are allowed', path)
        if have is BOOL:
            return val
    raise ConversionError(f"{want.friendly()} required, but have {have.friendly()}", path)


def _sequence_items(val: Value, want: Type, path: tuple[str | int, ...]) -> tuple[Value, ...]:
    if isinstance(val.type, ListType | SetType | TupleType):
        return val.elements()
    raise ConversionError(f"{want.friendly()} required, but have {val.type.friendly()}", path)


def _to_object(val: Value, want: ObjectType, path: tuple[str | int, ...]) -> Value:
    if not isinstance(val.type, ObjectType | MapType):
        raise ConversionError(f"object required, but have {val.type.friendly()}", path)
    src = dict(val.items())
    out: dict[str, Value] = {}
    for name, t in want.attrs.items():
        if name in src:
            got = _convert(src[name], t, (*path, name))
            if got.is_null and name in want.defaults:
                got = _convert(want.defaults[name], t, (*path, name))
            out[name] = got
        elif name in want.optional:
            if name in want.defaults:
                out[name] = _convert(want.defaults[name], t, (*path, name))
            else:
                out[name] = V.null(_strip_optional(t))
        else:
            raise ConversionError(f'attribute "{name}" is required', path)
    return V.obj(out)


def _strip_optional(t: Type) -> Type:
    if isinstance(t, ObjectType) and t.optional:
        return ObjectType({k: _strip_optional(v) for k, v in t.attrs.items()})
    return t


def _concrete_type(have: Type, want: Type) -> Type:
    """The type an unknown or null `have` takes when converted to `want`
    (which contains `any`): tuple -> list(unified elements), object -> map."""
    if isinstance(want, Dynamic):
        return have
    if isinstance(have, Dynamic):
        return want
    if isinstance(want, ListType | SetType | MapType):
        if isinstance(have, TupleType):
            elem = unify(list(have.elems)) or DYNAMIC
        elif isinstance(have, ObjectType):
            elem = unify(list(have.attrs.values())) or DYNAMIC
        elif isinstance(have, ListType | SetType | MapType):
            elem = have.elem
        else:
            return want
        return type(want)(_concrete_type(elem, want.elem))
    return want if not isinstance(have, type(want)) else have


def _type_convertible(have: Type, want: Type) -> bool:
    """A cheap type-level check used for unknown and null values."""
    if isinstance(have, Dynamic) or isinstance(want, Dynamic):
        return True
    if isinstance(want, Primitive):
        return isinstance(have, Primitive) and (have == want or STRING in (have, want))
    if isinstance(want, ListType | SetType):
        return isinstance(have, ListType | SetType | TupleType)
    if isinstance(want, TupleType):
        return isinstance(have, ListType | TupleType)
    if isinstance(want, MapType | ObjectType):
        return isinstance(have, MapType | ObjectType)
    return have == want


def _unify_converted(items: list[Value], want_elem: Type, path: tuple[str | int, ...]) -> Type:
    if not want_elem.has_dynamic() or not items:
        return want_elem
    t = unify([i.type for i in items])
    if t is None:
        raise ConversionError("all elements must have the same type", path)
    return t


def unify(types: list[Type]) -> Type | None:
    """The one type all `types` convert to, or None: cty's (unsafe) unification.

    Same-kind collections unify element-wise; tuples of one length and objects
    of one attribute set unify position- or attribute-wise, and otherwise fall
    back to a list or map of one element type (so `[]` and `["a"]` give
    list(string), `{a=1}` and `{b="x"}` map(string)). A nested `any` among
    collections makes the result `any`, since the eventual shape is unknowable.
    """
    if not types:
        return None
    counts = {"map": 0, "list": 0, "set": 0, "object": 0, "tuple": 0, "dynamic": 0}
    for t in types:
        if isinstance(t, MapType):
            counts["map"] += 1
        elif isinstance(t, ListType):
            counts["list"] += 1
        elif isinstance(t, SetType):
            counts["set"] += 1
        elif isinstance(t, ObjectType):
            counts["object"] += 1
        elif isinstance(t, TupleType):
            counts["tuple"] += 1
        elif isinstance(t, Dynamic):
            counts["dynamic"] += 1
    n, dyn = len(types), counts["dynamic"]
    if counts["map"] and counts["map"] + dyn == n:
        return _unify_elems(MapType, types, dyn > 0)
    if counts["map"] and counts["map"] + counts["object"] + dyn == n:
        u = _unify_as_collection(MapType, types)
        if u is not None:
            return u
    elif counts["list"] and counts["list"] + dyn == n:
        return _unify_elems(ListType, types, dyn > 0)
    elif counts["list"] and counts["list"] + counts["tuple"] + dyn == n:
        u = _unify_as_collection(ListType, types)
        if u is not None:
            return u
    elif counts["set"] and counts["set"] + dyn == n:
        return _unify_elems(SetType, types, dyn > 0)
    elif counts["object"] and counts["object"] + dyn == n:
        if dyn:
            return DYNAMIC
        return _unify_objects(types)  # type: ignore[arg-type]
    elif counts["tuple"] and counts["tuple"] + dyn == n:
        if dyn:
            return DYNAMIC
        return _unify_tuples(types)  # type: ignore[arg-type]
    elif counts["object"] and counts["tuple"]:
        return None
    # Otherwise: the most general given type that every other one converts to.
    for want in sorted(types, key=_generality):
        if all(t == want or (_type_convertible(t, want) and _convertible_deep(t, want))
               for t in types):
            return want
    return None


def _generality(t: Type) -> int:
    """Preference order of cty's sortTypes: string first, `any` last."""
    if isinstance(t, Dynamic):
        return 3
    if t is STRING:
        return 0
    if isinstance(t, ListType | MapType):
        return 1
    return 2


def _convertible_deep(have: Type, want: Type) -> bool:
    if isinstance(want, Primitive) and isinstance(have, Primitive):
        return have == want or want is STRING or have is STRING
    if isinstance(want, ListType | SetType) and isinstance(have, TupleType):
        return all(_type_convertible(e, want.elem) for e in have.elems)
    if isinstance(want, MapType) and isinstance(have, ObjectType):
        return all(_type_convertible(e, want.elem) for e in have.attrs.values())
    return True


def _unify_elems(kind: type, types: list[Type], has_dynamic: bool) -> Type | None:
    if has_dynamic:
        return DYNAMIC
    u = unify([t.elem for t in types])  # type: ignore[attr-defined]
    return kind(u) if u is not None else None


def _unify_as_collection(kind: type, types: list[Type]) -> Type | None:
    """Objects as maps, tuples as lists: all their element types unified."""
    elems: list[Type] = []
    for t in types:
        if isinstance(t, Dynamic):
            continue
        if isinstance(t, ObjectType):
            elems.extend(t.attrs.values())
        elif isinstance(t, TupleType):
            elems.extend(t.elems)
        else:
            elems.append(t.elem)  # type: ignore[attr-defined]
    u = unify(elems)
    return kind(u) if u is not None else None


def _unify_objects(types: list[ObjectType]) -> Type | None:
    names = set(types[0].attrs)
    if any(set(t.attrs) != names for t in types[1:]):
        return _unify_as_collection(MapType, list(types))
    attrs: dict[str, Type] = {}
    for name in names:
        u = unify([t.attrs[name] for t in types])
        if u is None:
            return None
        attrs[name] = u
    return ObjectType(attrs)


def _unify_tuples(types: list[TupleType]) -> Type | None:
    size = len(types[0].elems)
    if any(len(t.elems) != size for t in types[1:]):
        return _unify_as_collection(ListType, list(types))
    elems: list[Type] = []
    for i in range(size):
        u = unify([t.elems[i] for t in types])
        if u is None:
            return None
        elems.append(u)
    return TupleType(elems)


def to_bool(val: Value) -> bool | None:
    """Python bool of a known bool-convertible value (None when unknown)."""
    if val.unknown:
        return None
    return bool(convert(val, BOOL).unmark().v)


def is_number(v: object) -> bool:
    return isinstance(v, int | Decimal) and not isinstance(v, bool)
