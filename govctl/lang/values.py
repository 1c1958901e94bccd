"""Values with a type, an unknown flag and marks (cty's model, in Python).

An unknown value is one only apply will know; a mark (today only SENSITIVE)
follows a value through every operation so that it can be redacted wherever it
ends up. Payloads: str, int | Decimal (arbitrary precision, as HCL), bool,
tuple[Value, ...] for list/set/tuple, dict[str, Value] (sorted keys) for
map/object; None for null and unknown.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

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

SENSITIVE = "sensitive"
NO_MARKS: frozenset[str] = frozenset()

# HCL numbers are 512-bit binary floats; about 154 significant decimal digits.
NUMBER_CONTEXT = decimal.Context(prec=154, Emax=10**9, Emin=-(10**9))

Number = int | Decimal


def normalize_number(n: int | float | Decimal) -> Number:
    """Integral values become int so that 3.0 and 3 are one number."""
    if isinstance(n, bool):
        raise TypeError("bool is not a number")
    if isinstance(n, int):
        return n
    if isinstance(n, float):
        n = Decimal(repr(n))
    if not n.is_finite():
        raise ValueError("numbers must be finite")
    if n == n.to_integral_value():
        return int(n)
    return n.normalize(NUMBER_CONTEXT)


class Value:
    __slots__ = ("marks", "type", "unknown", "v")

    def __init__(self, type_: Type, v: Any, unknown: bool = False,
                 marks: frozenset[str] = NO_MARKS):
        self.type = type_
        self.v = v
        self.unknown = unknown
        self.marks = marks

    # --- predicates -----------------------------------------------------
    @property
    def is_null(self) -> bool:
        return self.v is None and not self.unknown

    @property
    def is_known(self) -> bool:
        return not self.unknown

    @property
    def sensitive(self) -> bool:
        return SENSITIVE in self.marks

    def is_wholly_known(self) -> bool:
        if self.unknown:
            return False
        if isinstance(self.v, tuple):
            return all(e.is_wholly_known() for e in self.v)
        if isinstance(self.v, dict):
            return all(e.is_wholly_known() for e in self.v.values())
        return True

    def has_marks_deep(self) -> bool:
        if self.marks:
            return True
        if isinstance(self.v, tuple):
            return any(e.has_marks_deep() for e in self.v)
        if isinstance(self.v, dict):
            return any(e.has_marks_deep() for e in self.v.values())
        return False

    # --- marks ----------------------------------------------------------
    def mark(self, marks: Iterable[str]) -> Value:
        new = self.marks | frozenset(marks)
        if new == self.marks:
            return self
        return Value(self.type, self.v, self.unknown, new)

    def unmark(self) -> Value:
        if not self.marks:
            return self
        return Value(self.type, self.v, self.unknown)

    def unmark_deep(self) -> tuple[Value, frozenset[str]]:
        """The value with every nested mark removed, and the union of them.

        Hot: every function call does this to every argument, so a value with no
        marks anywhere comes back as itself, without copying.
        """
        if not self.has_marks_deep():
            return self, NO_MARKS
        marks: set[str] = set(self.marks)
        v = self.v
        if not self.unknown and isinstance(v, tuple):
            items = []
            for e in v:
                ue, m = e.unmark_deep()
                marks |= m
                items.append(ue)
            v = tuple(items)
        elif not self.unknown and isinstance(v, dict):
            d = {}
            for k, e in v.items():
                ue, m = e.unmark_deep()
                marks |= m
                d[k] = ue
            v = d
        return Value(self.type, v, self.unknown), frozenset(marks)

    # --- access ---------------------------------------------------------
    def elements(self) -> tuple[Value, ...]:
        """Elements of a known list, set or tuple."""
        assert isinstance(self.v, tuple), self.type
        return self.v

    def items(self) -> Iterable[tuple[str, Value]]:
        assert isinstance(self.v, dict), self.type
        return self.v.items()

    def length(self) -> int:
        return len(self.v)

    # --- equality -------------------------------------------------------
    def key(self) -> Any:
        """A hashable identity of a known value (type-insensitive for numbers)."""
        if self.unknown:
            return ("?", repr(self.type))
        v = self.v
        if isinstance(v, tuple):
            return ("t", tuple(e.key() for e in v))
        if isinstance(v, dict):
            return ("o", tuple((k, e.key()) for k, e in v.items()))
        return (type(v).__name__ if not isinstance(v, int | Decimal) or isinstance(v, bool)
                else "n", v)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Value):
            return NotImplemented
        return (self.type == other.type and self.unknown == other.unknown
                and self.marks == other.marks and self.key() == other.key())

    def __hash__(self) -> int:
        return hash(self.key())

    def __repr__(self) -> str:
        if self.unknown:
            body = "unknown"
        elif self.v is None:
            body = "null"
        else:
            body = repr(self.v)
        m = f", marks={set(self.marks)}" if self.marks else ""
        return f"Value({self.type!r}, {body}{m})"

    # --- python bridge --------------------------------------------------
    def to_python(self) -> Any:
        """Plain Python data for a wholly known value (marks dropped)."""
        if self.unknown:
            raise ValueError("value is unknown")
        v = self.v
        if isinstance(v, tuple):
            return [e.to_python() for e in v]
        if isinstance(v, dict):
            return {k: e.to_python() for k, e in v.items()}
        return v


# --- constructors -------------------------------------------------------

def string(s: str) -> Value:
    return Value(STRING, s)


def number(n: int | float | Decimal) -> Value:
    return Value(NUMBER, normalize_number(n))


def boolean(b: bool) -> Value:
    return TRUE if b else FALSE


TRUE = Value(BOOL, True)
FALSE = Value(BOOL, False)
NULL = Value(DYNAMIC, None)


def null(t: Type = DYNAMIC) -> Value:
    return Value(t, None)


def unknown(t: Type = DYNAMIC, marks: frozenset[str] = NO_MARKS) -> Value:
    return Value(t, None, True, marks)


def tuple_(items: Iterable[Value]) -> Value:
    items = tuple(items)
    return Value(TupleType(tuple(i.type for i in items)), items)


def obj(attrs: Mapping[str, Value]) -> Value:
    d = dict(sorted(attrs.items())) if len(attrs) > 1 else dict(attrs)
    return Value(ObjectType.presorted({k: v.type for k, v in d.items()}), d)


def list_(items: Iterable[Value], elem: Type | None = None) -> Value:
    items = tuple(items)
    if elem is None:
        elem = items[0].type if items else DYNAMIC
    return Value(ListType(elem), items)


def map_(attrs: Mapping[str, Value], elem: Type | None = None) -> Value:
    d = dict(sorted(attrs.items()))
    if elem is None:
        elem = next(iter(d.values())).type if d else DYNAMIC
    return Value(MapType(elem), d)


def set_(items: Iterable[Value], elem: Type | None = None) -> Value:
    uniq: dict[Any, Value] = {}
    for i in items:
        uniq.setdefault(i.key(), i)
    ordered = tuple(sorted(uniq.values(), key=set_order))
    if elem is None:
        elem = ordered[0].type if ordered else DYNAMIC
    return Value(SetType(elem), ordered)


def set_order(v: Value) -> tuple[int, Any]:
    """cty's set order: numbers numerically, strings lexically, others stably."""
    if v.unknown:
        return (3, 0)
    if isinstance(v.v, bool):
        return (1, v.v)
    if isinstance(v.v, int | Decimal):
        return (0, v.v)
    if isinstance(v.v, str):
        return (2, v.v)
    return (4, repr(v.key()))


def from_python(data: Any) -> Value:
    """Infer a value from decoded JSON/YAML: lists become tuples, dicts objects."""
    if isinstance(data, Value):
        return data
    if data is None:
        return NULL
    if isinstance(data, bool):
        return boolean(data)
    if isinstance(data, int | float | Decimal):
        return number(data)
    if isinstance(data, str):
        return string(data)
    if isinstance(data, list | tuple):
        return tuple_(from_python(x) for x in data)
    if isinstance(data, Mapping):
        return obj({str(k): from_python(v) for k, v in data.items()})
    raise TypeError(f"cannot convert {type(data).__name__} to a value")


def format_number(n: Number) -> str:
    """Decimal text without exponent, as Terraform prints numbers."""
    if isinstance(n, int):
        return str(n)
    text = format(n, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


_NUMBER_TEXT = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def parse_number(text: str) -> Number:
    """Parse number text as Terraform does: no spaces, underscores, inf or nan."""
    t = text
    if not _NUMBER_TEXT.fullmatch(t):
        raise ValueError(text)
    try:
        return normalize_number(Decimal(t))
    except decimal.InvalidOperation as exc:
        raise ValueError(text) from exc
