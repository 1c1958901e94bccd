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
        concrete = want if not want.has_dynamic() else (have if not isinstance(have, Dynamic)
                                                       else want)
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
    if not want_elem.has_dynamic():
        return want_elem
    t = unify([i.type for i in items])
    if t is None:
        raise ConversionError("all elements must have the same type", path)
    return t


def unify(types: list[Type]) -> Type | None:
    """The one type all `types` convert to, or None (cty's unify, simplified)."""
    concrete = [t for t in types if not isinstance(t, Dynamic)]
    if not concrete:
        return DYNAMIC
    first = concrete[0]
    if all(t == first for t in concrete):
        return first
    if all(isinstance(t, Primitive) for t in concrete):
        if STRING in concrete:
            return STRING
        return None
    if all(isinstance(t, ObjectType) for t in concrete):
        keys = {tuple(t.attrs) for t in concrete}  # type: ignore[attr-defined]
        if len(keys) == 1:
            attrs = {}
            for k in concrete[0].attrs:  # type: ignore[attr-defined]
                u = unify([t.attrs[k] for t in concrete])  # type: ignore[attr-defined]
                if u is None:
                    return None
                attrs[k] = u
            return ObjectType(attrs)
        elems = [e for t in concrete for e in t.attrs.values()]  # type: ignore[attr-defined]
        u = unify(elems)
        return MapType(u) if u is not None else None
    if all(isinstance(t, MapType | ObjectType) for t in concrete):
        elems = []
        for t in concrete:
            elems.extend(t.attrs.values() if isinstance(t, ObjectType) else [t.elem])  # type: ignore[attr-defined]
        u = unify(elems)
        return MapType(u) if u is not None else None
    if all(isinstance(t, TupleType | ListType) for t in concrete):
        elems = []
        for t in concrete:
            elems.extend(t.elems if isinstance(t, TupleType) else [t.elem])  # type: ignore[attr-defined]
        if all(isinstance(t, TupleType) for t in concrete) and \
                len({len(t.elems) for t in concrete}) == 1:  # type: ignore[attr-defined]
            cols = zip(*[t.elems for t in concrete], strict=True)  # type: ignore[attr-defined]
            us = [unify(list(c)) for c in cols]
            if all(u is not None for u in us):
                return TupleType(us)  # type: ignore[arg-type]
        u = unify(elems)
        return ListType(u) if u is not None else None
    if all(isinstance(t, SetType) for t in concrete):
        u = unify([t.elem for t in concrete])  # type: ignore[attr-defined]
        return SetType(u) if u is not None else None
    return None


def to_bool(val: Value) -> bool | None:
    """Python bool of a known bool-convertible value (None when unknown)."""
    if val.unknown:
        return None
    return bool(convert(val, BOOL).unmark().v)


def is_number(v: object) -> bool:
    return isinstance(v, int | Decimal) and not isinstance(v, bool)
