"""The engine's view of a provider's pydantic schema models.

Providers describe resource types with pydantic models (see protocol.py); the
engine needs something else: the language type of every attribute, which ones
the user must, may or must not set, and the shape of nested blocks. This
module derives that view once per model (cached), checks an evaluated
configuration against it with diagnostics that point into the HCL, and moves
values across the provider boundary in both directions: typed, marked
`Value`s on the engine side, plain Python data with `UNKNOWN` on the
provider side.
"""

from __future__ import annotations

import copy
import enum
import functools
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from govctl.diagnostics import Diagnostic, Range, error
from govctl.hcl import ast
from govctl.lang import values as V
from govctl.lang.convert import ConversionError, convert
from govctl.lang.eval import suggest
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
from govctl.lang.values import SENSITIVE, Value
from govctl.plugins.protocol import UNKNOWN, ProviderError

AttrPath = tuple[str | int, ...]


class SchemaError(TypeError):
    """A schema model the engine cannot use: a provider author's mistake."""


@dataclass(frozen=True)
class AttributeSchema:
    """One attribute. `required`: the user must set it; `optional`: the user
    may; `computed`: the provider decides it (when not set, if also optional)."""

    name: str
    type: Type
    required: bool = False
    optional: bool = False
    computed: bool = False
    force_new: bool = False
    sensitive: bool = False
    default: Any = None
    description: str = ""

    @property
    def configurable(self) -> bool:
        return self.required or self.optional

    def default_value(self) -> Any:
        """A fresh copy: a mutable default must never be shared between instances."""
        return copy.deepcopy(self.default)


@dataclass(frozen=True)
class NestedBlock:
    nesting: Literal["list", "single"]
    schema: BlockSchema
    min_items: int = 0
    max_items: int | None = None
    force_new: bool = False
    description: str = ""

    def value_type(self) -> Type:
        inner = self.schema.implied_type
        return ListType(inner) if self.nesting == "list" else inner


@dataclass(frozen=True)
class BlockSchema:
    attributes: dict[str, AttributeSchema]
    blocks: dict[str, NestedBlock]

    @cached_property
    def implied_type(self) -> ObjectType:
        """The object type of a value of this block (as from_provider builds it)."""
        attrs: dict[str, Type] = {n: a.type for n, a in self.attributes.items()}
        attrs.update((n, b.value_type()) for n, b in self.blocks.items())
        return ObjectType(attrs)

    def sensitive_paths(self) -> set[AttrPath]:
        """Attribute paths the schema itself declares sensitive ("*" for any list index)."""
        out: set[AttrPath] = {(n,) for n, a in self.attributes.items() if a.sensitive}
        for name, nb in self.blocks.items():
            prefix: AttrPath = (name, "*") if nb.nesting == "list" else (name,)
            out |= {(*prefix, *p) for p in nb.schema.sensitive_paths()}
        return out


# --- extraction ---------------------------------------------------------------

@functools.cache
def schema_from_model(model: type[BaseModel]) -> BlockSchema:
    """The engine's schema of `model`; computed once per model class."""
    attributes: dict[str, AttributeSchema] = {}
    blocks: dict[str, NestedBlock] = {}
    for field_name, info in model.model_fields.items():
        name = info.alias or field_name
        meta = _govctl_meta(info)
        where = f"{model.__name__}.{field_name}"
        if meta.get("kind") == "block":
            blocks[name] = _nested_block(info, meta, where)
        else:
            attributes[name] = _attribute(name, info, meta, where)
    return BlockSchema(attributes, blocks)


def _govctl_meta(info: FieldInfo) -> dict[str, Any]:
    extra = info.json_schema_extra
    if isinstance(extra, dict):
        meta = extra.get("govctl")
        if isinstance(meta, dict):
            return meta
    return {}


def _attribute(name: str, info: FieldInfo, meta: Mapping[str, Any],
               where: str) -> AttributeSchema:
    type_, nullable = type_of(info.annotation, where)
    computed = bool(meta.get("computed", False))
    default = info.get_default(call_default_factory=True)
    has_default = default is not PydanticUndefined
    # `optional` is not set by protocol.attribute() today; honoured when a
    # provider declares an optional+computed attribute through it later.
    optional_meta = bool(meta.get("optional", False))
    required = not has_default and not computed and not nullable and not optional_meta
    optional = (not computed and not required) or optional_meta
    return AttributeSchema(
        name=name, type=type_, required=required, optional=optional, computed=computed,
        force_new=bool(meta.get("force_new", False)),
        sensitive=bool(meta.get("sensitive", False)),
        default=default if has_default else None, description=info.description or "")


def _nested_block(info: FieldInfo, meta: Mapping[str, Any], where: str) -> NestedBlock:
    ann = _strip_annotated(info.annotation)
    args, nullable = _split_optional(ann)
    inner = args[0] if len(args) == 1 else None
    min_items = int(meta.get("min_items", 0))
    max_items = meta.get("max_items")
    force_new = bool(meta.get("force_new", False))
    origin = typing.get_origin(inner)
    if origin in (list, Sequence) and _is_model(typing.get_args(inner)[0]):
        model = typing.get_args(inner)[0]
        return NestedBlock("list", schema_from_model(model), min_items, max_items, force_new,
                           info.description or "")
    if _is_model(inner):
        assert isinstance(inner, type)
        min_items = min_items if nullable else max(min_items, 1)
        return NestedBlock("single", schema_from_model(inner), min(min_items, 1), 1,
                           force_new, info.description or "")
    raise SchemaError(f"{where}: a block must be annotated list[Model] or Model | None, "
                      f"not {info.annotation!r}")


def _is_model(t: object) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def _strip_annotated(ann: Any) -> Any:
    while typing.get_origin(ann) is typing.Annotated:
        ann = typing.get_args(ann)[0]
    return ann


def _split_optional(ann: Any) -> tuple[tuple[Any, ...], bool]:
    """(the non-None members, whether None is one) of a union; (ann,), False otherwise."""
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        args = typing.get_args(ann)
        rest = tuple(_strip_annotated(a) for a in args if a is not type(None))
        return rest, len(rest) != len(args)
    return (ann,), False


_SCALARS: dict[Any, Type] = {str: STRING, int: NUMBER, float: NUMBER, Decimal: NUMBER,
                             bool: BOOL, Any: DYNAMIC, object: DYNAMIC}


def type_of(annotation: Any, where: str = "annotation") -> tuple[Type, bool]:
    """The language type of a Python annotation, and whether it admits None."""
    ann = _strip_annotated(annotation)
    args, nullable = _split_optional(ann)
    if len(args) != 1:
        raise SchemaError(f"{where}: unions other than X | None are not supported "
                          f"({annotation!r})")
    return _type(args[0], where), nullable


def _type(ann: Any, where: str) -> Type:
    ann = _strip_annotated(ann)
    if ann in _SCALARS:
        return _SCALARS[ann]
    if isinstance(ann, type) and issubclass(ann, enum.Enum):
        return STRING
    if _is_model(ann):
        return _object_type(ann)
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is Literal:
        kinds = {_SCALARS.get(type(a)) for a in args}
        if len(kinds) == 1 and None not in kinds:
            return kinds.pop()  # type: ignore[return-value]
        raise SchemaError(f"{where}: Literal values must all be of one kind ({ann!r})")
    if origin in (list, Sequence) or (origin is tuple and len(args) == 2
                                      and args[1] is Ellipsis):
        return ListType(_type(args[0], where) if args else DYNAMIC)
    if origin in (set, frozenset, AbstractSet):
        return SetType(_type(args[0], where) if args else DYNAMIC)
    if origin in (dict, Mapping):
        if args and _strip_annotated(args[0]) is not str:
            raise SchemaError(f"{where}: map keys must be str ({ann!r})")
        return MapType(_type(args[1], where) if args else DYNAMIC)
    if ann in (list, tuple):
        return ListType(DYNAMIC)
    if ann in (set, frozenset):
        return SetType(DYNAMIC)
    if ann is dict:
        return MapType(DYNAMIC)
    if origin in (typing.Union, types.UnionType):
        rest, _ = _split_optional(ann)
        if len(rest) == 1:
            return _type(rest[0], where)
    raise SchemaError(f"{where}: unsupported annotation {ann!r}")


def _object_type(model: type[BaseModel]) -> ObjectType:
    """A model used as an attribute type (not a block): an object whose
    non-required attributes may be omitted."""
    schema = schema_from_model(model)
    t = schema.implied_type
    optional = frozenset(n for n, a in schema.attributes.items() if not a.required) | \
        frozenset(schema.blocks)
    return ObjectType(t.attrs, optional)


# --- checking configuration ---------------------------------------------------

@dataclass
class _Source:
    """Where the value of one nested block element was written."""

    body: ast.Body | None       # None: ambiguous (several dynamic blocks of one type)
    header: Range

    def attr_range(self, name: str) -> Range:
        if self.body is not None and name in self.body.attributes:
            return self.body.attributes[name].expr.range
        return self.header


def check_config(schema: BlockSchema, value: Value, body: ast.Body, what: str,
                 header: Range | None = None) -> list[Diagnostic]:
    """Every way the evaluated `value` of `body` disagrees with `schema`.

    `what` names the block for messages ('a "mem_object" resource'), or is
    empty for Terraform's own wording ("is not expected here", "is required,
    but ..."), which a provider block's users know; `header` is where
    "missing argument" errors point (the block's def_range). Unknown values
    pass: they are checked again once known.
    """
    checker = _Checker()
    hdr = header or body.range
    checker.structure(schema, body, what, hdr)
    checker.values(schema, value, _Source(body, hdr), what)
    seen: set[tuple[str, str, str]] = set()
    out: list[Diagnostic] = []
    for d in sorted(checker.diags, key=_source_order):
        key = (d.summary, d.detail, repr(d.range))
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def _in(what: str) -> str:
    """' in <what>' inside a message; nothing when the caller leaves the block
    unnamed, as Terraform words it: the snippet already shows which block."""
    return f" in {what}" if what else ""


def _source_order(d: Diagnostic) -> tuple[str, int]:
    return (d.range.filename, d.range.start.byte) if d.range else ("", -1)


def _block_type(block: ast.Block) -> str | None:
    """The nested block type a block stands for; None for a malformed dynamic
    block (the evaluator reported it)."""
    if block.type != "dynamic":
        return block.type
    return block.labels[0] if len(block.labels) == 1 else None


def _content(block: ast.Block) -> ast.Body | None:
    contents = block.body.blocks_of("content")
    return contents[0].body if len(contents) == 1 else None


class _Checker:
    def __init__(self) -> None:
        self.diags: list[Diagnostic] = []

    def err(self, summary: str, detail: str, rng: Range) -> None:
        self.diags.append(error(summary, detail, rng))

    # --- the shape of the source: names, labels, presence --------------------
    def structure(self, schema: BlockSchema, body: ast.Body, what: str, header: Range) -> None:
        for name, attr in body.attributes.items():
            a = schema.attributes.get(name)
            if a is None:
                hint = (f' Did you mean to define a block of type "{name}"?'
                        if name in schema.blocks
                        else (suggest(name, schema.attributes) or suggest(name, schema.blocks)))
                self.err("Unsupported argument", f'An argument named "{name}" is not '
                         f'expected{_in(what) or " here"}.{hint}', attr.name_range)
            elif not a.configurable:
                self.err("Value for unconfigurable attribute",
                         f'Can\'t configure a value for "{name}"{_in(what)}: its value will be '
                         "decided automatically based on the result of applying this "
                         "configuration.", attr.expr.range)
        for name, a in schema.attributes.items():
            if a.required and name not in body.attributes:
                self.err("Missing required argument",
                         f'The argument "{name}" is required{_in(what)}, but no definition '
                         "was found.", header)
        for block in body.blocks:
            self._block(schema, block, what)

    def _block(self, schema: BlockSchema, block: ast.Block, what: str) -> None:
        name = _block_type(block)
        if name is None:
            return
        nb = schema.blocks.get(name)
        if nb is None:
            hint = (f' Did you mean to define argument "{name}"? If so, use the equals sign '
                    "to assign it a value." if name in schema.attributes
                    else (suggest(name, schema.blocks) or suggest(name, schema.attributes)))
            self.err("Unsupported block type",
                     f'Blocks of type "{name}" are not expected{_in(what) or " here"}.{hint}',
                     block.def_range)
            return
        inner_what = f'a "{name}" block'
        if block.type == "dynamic":
            content = _content(block)
            if content is not None:
                self.structure(nb.schema, content, inner_what, block.def_range)
            return
        if block.labels:
            self.err(f"Extraneous label for {name}",
                     f'No labels are expected for "{name}" blocks.', block.label_range(0))
        self.structure(nb.schema, block.body, inner_what, block.def_range)

    # --- the evaluated values: types, nulls, block counts ---------------------
    def values(self, schema: BlockSchema, value: Value, src: _Source, what: str) -> None:
        if value.unknown or value.is_null or not isinstance(value.v, dict):
            return
        given: dict[str, Value] = value.v
        for name, a in schema.attributes.items():
            val = given.get(name)
            if val is None or not a.configurable:
                continue
            self._attribute_value(a, val, src, what)
        for name, nb in schema.blocks.items():
            if src.body is not None and name in src.body.attributes:
                continue  # an argument where a block belongs: reported by structure()
            self._nested_values(name, nb, given.get(name), src)

    def _attribute_value(self, a: AttributeSchema, val: Value, src: _Source, what: str) -> None:
        """The range is taken only for an error: converting its offsets costs more
        than the check (validate checks every resource instance's values)."""
        if val.is_null:
            if a.required:
                self.err("Missing required argument",
                         f'The argument "{a.name}" is required{_in(what)}, but its value is '
                         "null.", src.attr_range(a.name))
            return
        try:
            convert(val, a.type)
        except ConversionError as exc:
            reason = exc.describe()
            if val.has_marks_deep():
                reason = f"{a.type.friendly()} required (the given value is sensitive)"
            self.err("Incorrect attribute value type",
                     f'Inappropriate value for attribute "{a.name}": {reason}.',
                     src.attr_range(a.name))

    def _nested_values(self, name: str, nb: NestedBlock, val: Value | None,
                       src: _Source) -> None:
        sources = [b for b in src.body.blocks if _block_type(b) == name] if src.body else []
        has_dynamic = src.body is None or any(b.type == "dynamic" for b in sources)
        if val is None or val.unknown or not isinstance(val.v, tuple):
            elements: tuple[Value, ...] = ()
            count = sum(1 for b in sources if b.type != "dynamic")
        else:
            elements = val.v
            count = len(elements)
        if nb.max_items is not None and count > nb.max_items:
            dynamic = [b for b in sources if b.type == "dynamic"]
            at = (dynamic[0].def_range if dynamic
                  else sources[nb.max_items].def_range if len(sources) > nb.max_items
                  else src.header)
            detail = (f'Only one "{name}" block is allowed.' if nb.nesting == "single"
                      else f'No more than {nb.max_items} "{name}" blocks are allowed.')
            self.err(f"Too many {name} blocks", detail, at)
        if not has_dynamic and count < nb.min_items:
            self.err(f"Insufficient {name} blocks",
                     f'At least {nb.min_items} "{name}" blocks are required.', src.header)
        for element, where in _pair(elements, sources, src.header):
            self.values(nb.schema, element, where, f'a "{name}" block')


def _pair(elements: tuple[Value, ...], sources: list[ast.Block],
          fallback: Range) -> list[tuple[Value, _Source]]:
    """Match evaluated elements to the blocks that produced them.

    The evaluator appends elements in source order, one per static block and
    any number per dynamic block. Static blocks before the first dynamic block
    and after the last one are matched exactly; the elements in between belong
    to the dynamic block when there is one, and are ambiguous (pointed at the
    first dynamic block's header) when there are several.
    """
    def source(b: ast.Block) -> _Source:
        if b.type == "dynamic":
            return _Source(_content(b), b.def_range)
        return _Source(b.body, b.def_range)

    dyn = [i for i, b in enumerate(sources) if b.type == "dynamic"]
    if not dyn:
        if len(sources) != len(elements):   # not from this body: no precise ranges
            return [(e, _Source(None, fallback)) for e in elements]
        return [(e, source(b)) for e, b in zip(elements, sources, strict=True)]
    first, last = dyn[0], dyn[-1]
    prefix, suffix = sources[:first], sources[last + 1:]
    n_mid = len(elements) - len(prefix) - len(suffix)
    if n_mid < 0:
        return [(e, _Source(None, fallback)) for e in elements]
    middle = (source(sources[first]) if first == last
              else _Source(None, sources[first].def_range))
    out = [(e, source(b)) for e, b in zip(elements[:len(prefix)], prefix, strict=True)]
    out += [(e, middle) for e in elements[len(prefix):len(prefix) + n_mid]]
    out += [(e, source(b)) for e, b in zip(elements[len(prefix) + n_mid:], suffix,
                                           strict=True)]
    return out


# --- engine -> provider ---------------------------------------------------------

def to_provider(schema: BlockSchema, value: Value) -> tuple[dict[str, Any], set[AttrPath]]:
    """Plain provider data for an evaluated object value, and the paths that
    carried a sensitive mark.

    Each attribute is converted to its schema type (raising ConversionError if
    check_config was skipped and it does not fit); missing or null attributes
    take their default; unknown becomes UNKNOWN at any depth.
    """
    sensitive: set[AttrPath] = set()
    data = _block_to_py(schema, value, (), sensitive)
    if data is UNKNOWN:
        data = {n: UNKNOWN for n in (*schema.attributes, *schema.blocks)}
    return data, sensitive


def _block_to_py(schema: BlockSchema, value: Value, path: AttrPath,
                 sensitive: set[AttrPath]) -> Any:
    if SENSITIVE in value.marks and path:
        sensitive.add(path)
    if value.unknown:
        return UNKNOWN
    given: Mapping[str, Value] = value.v if isinstance(value.v, dict) else {}
    out: dict[str, Any] = {}
    for name, a in schema.attributes.items():
        p = (*path, name)
        val = given.get(name)
        if val is None or (val.is_null and not val.unknown):
            if val is not None and SENSITIVE in val.marks:
                sensitive.add(p)
            out[name] = a.default_value()
            continue
        out[name] = _to_py(convert(val, a.type), p, sensitive)
    for name, nb in schema.blocks.items():
        out[name] = _nested_to_py(nb, given.get(name), (*path, name), sensitive)
    return out


def _nested_to_py(nb: NestedBlock, val: Value | None, path: AttrPath,
                  sensitive: set[AttrPath]) -> Any:
    if val is not None and SENSITIVE in val.marks:
        sensitive.add(path)
    if val is None or val.is_null:
        return [] if nb.nesting == "list" else None
    if val.unknown:
        return UNKNOWN
    if isinstance(val.v, dict):         # a single block given as an object
        elements: tuple[Value, ...] = (val,)
    else:
        elements = val.v
    if nb.nesting == "list":
        return [_block_to_py(nb.schema, e, (*path, i), sensitive)
                for i, e in enumerate(elements)]
    return _block_to_py(nb.schema, elements[0], path, sensitive) if elements else None


def _to_py(val: Value, path: AttrPath, sensitive: set[AttrPath]) -> Any:
    if SENSITIVE in val.marks:
        sensitive.add(path)
    if val.unknown:
        return UNKNOWN
    v = val.v
    if isinstance(v, tuple):
        return [_to_py(e, (*path, i), sensitive) for i, e in enumerate(v)]
    if isinstance(v, dict):
        return {k: _to_py(e, (*path, k), sensitive) for k, e in v.items()}
    return v


# --- provider -> engine ---------------------------------------------------------

def from_provider(schema: BlockSchema, data: Mapping[str, Any] | None,
                  sensitive: Iterable[str] = ()) -> Value:
    """A typed object value for provider data; the schema's sensitive attributes
    are marked, and so are the attributes named in `sensitive` (those whose
    configuration carried a sensitive value). Data that does not fit the schema
    is the provider's bug and raises ProviderError naming the attribute."""
    data = data or {}
    marked = set(sensitive)
    attrs: dict[str, Value] = {}
    for name, a in schema.attributes.items():
        val = _from_py(data.get(name), a.type, (name,))
        attrs[name] = val.mark({SENSITIVE}) if a.sensitive or name in marked else val
    for name, nb in schema.blocks.items():
        attrs[name] = _nested_from_py(nb, data.get(name), name)
    return V.obj(attrs)


def _nested_from_py(nb: NestedBlock, raw: Any, name: str) -> Value:
    t = nb.value_type()
    if raw is UNKNOWN:
        return V.unknown(t)
    if nb.nesting == "single":
        if raw is None:
            return V.null(t)
        if not isinstance(raw, Mapping):
            raise _misfit((name,), raw, t)
        return from_provider(nb.schema, raw)
    if raw is None:
        return V.list_((), nb.schema.implied_type)
    if not isinstance(raw, list | tuple):
        raise _misfit((name,), raw, t)
    items = [V.unknown(nb.schema.implied_type) if e is UNKNOWN
             else from_provider(nb.schema, e) for e in raw]
    return V.list_(items, nb.schema.implied_type)


def _misfit(path: AttrPath, raw: Any, t: Type) -> ProviderError:
    where = ".".join(str(p) for p in path)
    return ProviderError(f"the provider returned {type(raw).__name__} for {where}, where "
                         f"{t.friendly()} is expected", attribute=str(path[0]))


def _from_py(raw: Any, t: Type, path: AttrPath) -> Value:
    if raw is UNKNOWN:
        return V.unknown(t)
    if raw is None:
        return V.null(t)
    if isinstance(t, Dynamic):
        return _infer(raw, path)
    if isinstance(t, Primitive):
        if not isinstance(raw, str | int | float | Decimal):
            raise _misfit(path, raw, t)
        try:
            return convert(V.from_python(raw), t)
        except (ConversionError, ValueError):
            raise _misfit(path, raw, t) from None
    if isinstance(t, ListType | SetType):
        if not isinstance(raw, list | tuple | set | frozenset):
            raise _misfit(path, raw, t)
        items = [_from_py(e, t.elem, (*path, i)) for i, e in enumerate(raw)]
        if t.elem.has_dynamic():
            return convert(V.tuple_(items), t)
        return V.list_(items, t.elem) if isinstance(t, ListType) else V.set_(items, t.elem)
    if isinstance(t, MapType):
        if not isinstance(raw, Mapping):
            raise _misfit(path, raw, t)
        entries = {str(k): _from_py(e, t.elem, (*path, str(k))) for k, e in raw.items()}
        if t.elem.has_dynamic():
            return convert(V.obj(entries), t)
        return V.map_(entries, t.elem)
    if isinstance(t, ObjectType):
        if not isinstance(raw, Mapping):
            raise _misfit(path, raw, t)
        return V.obj({k: _from_py(raw.get(k), at, (*path, k)) for k, at in t.attrs.items()})
    if isinstance(t, TupleType):
        if not isinstance(raw, list | tuple) or len(raw) != len(t.elems):
            raise _misfit(path, raw, t)
        return V.tuple_(_from_py(e, et, (*path, i))
                        for i, (e, et) in enumerate(zip(raw, t.elems, strict=True)))
    raise _misfit(path, raw, t)


def _infer(raw: Any, path: AttrPath) -> Value:
    """A value of type `any`: its shape decides its type, as for decoded JSON."""
    if raw is UNKNOWN:
        return V.unknown()
    if isinstance(raw, list | tuple):
        return V.tuple_(_infer(e, (*path, i)) for i, e in enumerate(raw))
    if isinstance(raw, Mapping):
        return V.obj({str(k): _infer(e, (*path, str(k))) for k, e in raw.items()})
    try:
        return V.from_python(raw)
    except (TypeError, ValueError):
        raise _misfit(path, raw, DYNAMIC) from None


__all__ = ["AttrPath", "AttributeSchema", "BlockSchema", "NestedBlock", "SchemaError",
           "check_config", "from_provider", "schema_from_model", "to_provider", "type_of"]
