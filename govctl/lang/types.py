"""Types as Terraform users know them (cty's model, in Python).

Structural types (tuple, object) describe literal values; collection types
(list, set, map) have one element type. DYNAMIC is `any`: in a constraint it
means "decide from the value".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Type:
    __slots__ = ()

    def friendly(self) -> str:
        """Short phrase for error messages ("list of string")."""
        raise NotImplementedError

    def is_collection(self) -> bool:
        return isinstance(self, ListType | SetType | MapType)

    def has_dynamic(self) -> bool:
        return False


class Primitive(Type):
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def friendly(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self) -> tuple[Any, ...]:
        return (_primitive, (self.name,))


class Dynamic(Type):
    __slots__ = ()

    def friendly(self) -> str:
        return "dynamic"

    def has_dynamic(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "any"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_primitive, ("any",))


STRING = Primitive("string")
NUMBER = Primitive("number")
BOOL = Primitive("bool")
DYNAMIC = Dynamic()


def _primitive(name: str) -> Type:
    return {"string": STRING, "number": NUMBER, "bool": BOOL, "any": DYNAMIC}[name]


class _Elem(Type):
    __slots__ = ("elem",)
    kind = ""

    def __init__(self, elem: Type):
        self.elem = elem

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.elem == self.elem  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.kind, self.elem))

    def has_dynamic(self) -> bool:
        return self.elem.has_dynamic()

    def friendly(self) -> str:
        return f"{self.kind} of {self.elem.friendly()}"

    def __repr__(self) -> str:
        return f"{self.kind}({self.elem!r})"


class ListType(_Elem):
    __slots__ = ()
    kind = "list"


class SetType(_Elem):
    __slots__ = ()
    kind = "set"


class MapType(_Elem):
    __slots__ = ()
    kind = "map"


class TupleType(Type):
    __slots__ = ("elems",)

    def __init__(self, elems: tuple[Type, ...] | list[Type]):
        self.elems = tuple(elems)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TupleType) and other.elems == self.elems

    def __hash__(self) -> int:
        return hash(("tuple", self.elems))

    def has_dynamic(self) -> bool:
        return any(e.has_dynamic() for e in self.elems)

    def friendly(self) -> str:
        return "tuple"

    def __repr__(self) -> str:
        return f"tuple([{', '.join(map(repr, self.elems))}])"


class ObjectType(Type):
    """`optional` names attributes a constraint may omit; `defaults` fills them."""

    __slots__ = ("attrs", "defaults", "optional")

    def __init__(self, attrs: Mapping[str, Type], optional: frozenset[str] = frozenset(),
                 defaults: Mapping[str, Any] | None = None):
        self.attrs = dict(sorted(attrs.items()))
        self.optional = optional
        self.defaults = dict(defaults or {})

    @classmethod
    def presorted(cls, attrs: dict[str, Type]) -> ObjectType:
        """Build from attributes already in key order (the hot path of object values)."""
        t = object.__new__(cls)
        t.attrs = attrs
        t.optional = frozenset()
        t.defaults = {}
        return t

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ObjectType) and other.attrs == self.attrs
                and other.optional == self.optional)

    def __hash__(self) -> int:
        return hash(("object", tuple(self.attrs.items()), self.optional))

    def has_dynamic(self) -> bool:
        return any(t.has_dynamic() for t in self.attrs.values())

    def friendly(self) -> str:
        return "object"

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.attrs.items())
        return f"object({{{inner}}})"


EMPTY_OBJECT = ObjectType({})
EMPTY_TUPLE = TupleType(())


def type_string(t: Type, indent: int = 0) -> str:
    """The type in Terraform's `type()` / console notation (multi-line objects)."""
    pad = "    " * (indent + 1)
    end = "    " * indent
    if isinstance(t, Primitive | Dynamic):
        return repr(t)
    if isinstance(t, _Elem):
        return f"{t.kind}({type_string(t.elem, indent)})"
    if isinstance(t, TupleType):
        if not t.elems:
            return "tuple([])"
        inner = "".join(f"{pad}{type_string(e, indent + 1)},\n" for e in t.elems)
        return f"tuple([\n{inner}{end}])"
    assert isinstance(t, ObjectType)
    if not t.attrs:
        return "object({})"
    inner = "".join(f"{pad}{k}: {type_string(v, indent + 1)},\n" for k, v in t.attrs.items())
    return f"object({{\n{inner}{end}}})"


def to_json(t: Type) -> Any:
    """Terraform's JSON type notation ("string", ["list", "number"], ["object", {...}]),
    as state files and JSON plans record types."""
    if isinstance(t, Primitive):
        return t.name
    if isinstance(t, _Elem):
        return [t.kind, to_json(t.elem)]
    if isinstance(t, TupleType):
        return ["tuple", [to_json(e) for e in t.elems]]
    if isinstance(t, ObjectType):
        return ["object", {k: to_json(a) for k, a in t.attrs.items()}]
    return "dynamic"


def from_json(data: Any) -> Type | None:
    """The inverse of to_json; None for notation it does not recognise."""
    if isinstance(data, str):
        return {"string": STRING, "number": NUMBER, "bool": BOOL, "dynamic": DYNAMIC}.get(data)
    if isinstance(data, list) and len(data) == 2:
        kind, arg = data
        elem = {"list": ListType, "set": SetType, "map": MapType}.get(kind)
        if elem is not None:
            inner = from_json(arg)
            return elem(inner if inner is not None else DYNAMIC)
        if kind == "tuple" and isinstance(arg, list):
            return TupleType([from_json(a) or DYNAMIC for a in arg])
        if kind == "object" and isinstance(arg, dict):
            return ObjectType({k: from_json(a) or DYNAMIC for k, a in arg.items()})
    return None
