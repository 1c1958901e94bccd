"""Schema extraction from pydantic models, and values across the provider boundary."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from govctl.lang import values as V
from govctl.lang.types import (
    BOOL,
    DYNAMIC,
    NUMBER,
    STRING,
    ListType,
    MapType,
    ObjectType,
    SetType,
)
from govctl.lang.values import SENSITIVE
from govctl.plugins import schema as S
from govctl.plugins.protocol import UNKNOWN, ProviderError, attribute, block
from govctl.plugins.schema import from_provider, schema_from_model, to_provider
from tests.plugins.models import Bucket, Needs, Rule


def test_public_api():
    assert sorted(S.__all__) == S.__all__
    assert S.__all__ == ["AttrPath", "AttributeSchema", "BlockSchema", "NestedBlock",
                         "SchemaError", "check_config", "from_provider", "schema_from_model",
                         "to_provider", "type_of"]


# --- extraction -------------------------------------------------------------------

@pytest.mark.parametrize(("name", "type_"), [
    ("name", STRING), ("size", NUMBER), ("ratio", NUMBER), ("price", NUMBER),
    ("public", BOOL), ("labels", ListType(STRING)), ("members", SetType(STRING)),
    ("tags", MapType(STRING)), ("extra", DYNAMIC), ("color", STRING), ("mode", STRING),
    ("note", STRING), ("password", STRING), ("arn", STRING),
    ("origin", ObjectType({"x": NUMBER, "y": NUMBER}, frozenset({"y"}))),
])
def test_annotations_map_to_language_types(name, type_):
    assert schema_from_model(Bucket).attributes[name].type == type_


def test_required_optional_computed_and_flags():
    attrs = schema_from_model(Bucket).attributes
    name, size, public, arn, pw = (attrs[n] for n in ("name", "size", "public", "arn",
                                                      "password"))
    assert (name.required, name.optional, name.computed, name.force_new) == \
        (True, False, False, True)
    assert (size.required, size.optional, size.default) == (False, True, None)
    assert (public.required, public.optional, public.default) == (False, True, False)
    assert (arn.required, arn.optional, arn.computed, arn.configurable) == \
        (False, False, True, False)
    assert pw.sensitive and not name.sensitive
    assert attrs["mode"].default == "fast"


def test_nested_blocks_list_and_single():
    s = schema_from_model(Bucket)
    assert set(s.blocks) == {"rule", "logging"}
    rule, logging = s.blocks["rule"], s.blocks["logging"]
    assert (rule.nesting, rule.min_items, rule.max_items) == ("list", 0, 3)
    assert (logging.nesting, logging.min_items, logging.max_items) == ("single", 0, 1)
    assert rule.schema is schema_from_model(Rule)
    assert rule.schema.blocks["filter"].schema.attributes["prefix"].required
    assert schema_from_model(Needs).blocks["step"].min_items == 2


def test_schema_is_cached_and_implied_type():
    assert schema_from_model(Bucket) is schema_from_model(Bucket)
    t = schema_from_model(Rule).implied_type
    assert t.attrs["filter"] == ListType(ObjectType({"prefix": STRING}))
    assert schema_from_model(Bucket).implied_type.attrs["logging"] == \
        ObjectType({"target": STRING})
    assert schema_from_model(Bucket).sensitive_paths() == {("password",),
                                                           ("rule", "*", "token")}


def test_plain_pydantic_fields_and_required_single_block():
    class Inner(BaseModel):
        a: str

    class Plain(BaseModel):
        a: str
        b: int = 3
        c: str | None
        inner: Inner = block()

    s = schema_from_model(Plain)
    assert s.attributes["a"].required
    assert not s.attributes["b"].required and s.attributes["b"].default == 3
    assert s.attributes["c"].optional and not s.attributes["c"].required
    assert (s.blocks["inner"].nesting, s.blocks["inner"].min_items) == ("single", 1)


@pytest.mark.parametrize("annotation", [int | str, dict[int, str], complex, tuple[int, str]])
def test_unsupported_annotations_are_schema_errors(annotation):
    with pytest.raises(S.SchemaError):
        S.type_of(annotation, "M.f")


def test_block_with_non_model_annotation_is_a_schema_error():
    class Bad(BaseModel):
        rule: list[str] = block()

    with pytest.raises(S.SchemaError, match=r"Bad\.rule"):
        schema_from_model(Bad)


def test_type_of_reports_nullability():
    assert S.type_of(str | None) == (STRING, True)
    assert S.type_of(list[int]) == (ListType(NUMBER), False)
    assert S.type_of(list) == (ListType(DYNAMIC), False)
    assert S.type_of(tuple[str, ...]) == (ListType(STRING), False)


# --- engine -> provider -------------------------------------------------------------

def _config(**attrs: V.Value) -> V.Value:
    return V.obj(attrs)


def test_to_provider_converts_defaults_and_blocks():
    value = _config(
        name=V.string("b"), size=V.string("5"), ratio=V.number(Decimal("0.5")),
        labels=V.tuple_([V.string("x"), V.number(1)]),
        members=V.tuple_([V.string("b"), V.string("a"), V.string("a")]),
        tags=V.obj({"k": V.string("v")}), extra=V.obj({"n": V.number(1)}),
        public=V.null(),
        rule=V.tuple_([V.obj({"action": V.string("allow"),
                              "filter": V.tuple_([V.obj({"prefix": V.string("p/")})])})]),
        logging=V.tuple_([V.obj({"target": V.string("t")})]))
    data, sensitive = to_provider(schema_from_model(Bucket), value)
    assert sensitive == set()
    assert data == {
        "name": "b", "size": 5, "ratio": Decimal("0.5"), "price": None, "public": False,
        "labels": ["x", "1"], "members": ["a", "b"], "tags": {"k": "v"},
        "extra": {"n": 1}, "color": None, "mode": "fast", "note": None, "origin": None,
        "password": None, "arn": None,
        "rule": [{"action": "allow", "priority": None, "token": None,
                  "filter": [{"prefix": "p/"}]}],
        "logging": {"target": "t"},
    }
    assert type(data["size"]) is int


def test_to_provider_unknown_at_every_depth():
    value = _config(name=V.unknown(STRING),
                    labels=V.tuple_([V.string("a"), V.unknown(STRING)]),
                    tags=V.unknown(),
                    rule=V.tuple_([V.obj({"action": V.unknown()}), V.unknown()]),
                    logging=V.unknown())
    data, _ = to_provider(schema_from_model(Bucket), value)
    assert data["name"] is UNKNOWN and data["tags"] is UNKNOWN
    assert data["labels"] == ["a", UNKNOWN]
    assert data["rule"][0]["action"] is UNKNOWN and data["rule"][1] is UNKNOWN
    assert data["logging"] is UNKNOWN
    whole, _ = to_provider(schema_from_model(Rule), V.unknown())
    assert whole == {"action": UNKNOWN, "priority": UNKNOWN, "token": UNKNOWN,
                     "filter": UNKNOWN}


def test_to_provider_reports_sensitive_paths_and_drops_marks():
    s = {SENSITIVE}
    value = _config(name=V.string("b").mark(s), password=V.null().mark(s),
                    tags=V.obj({"a": V.string("1"), "b": V.string("2").mark(s)}),
                    rule=V.tuple_([V.obj({"action": V.string("x"),
                                          "token": V.string("t").mark(s)})]))
    data, sensitive = to_provider(schema_from_model(Bucket), value)
    assert data["name"] == "b" and data["tags"] == {"a": "1", "b": "2"}
    assert sensitive == {("name",), ("password",), ("tags", "b"), ("rule", 0, "token")}


def test_to_provider_conversion_failure_raises():
    from govctl.lang.convert import ConversionError

    with pytest.raises(ConversionError):
        to_provider(schema_from_model(Bucket), _config(name=V.string("b"),
                                                       size=V.string("big")))


def test_mutable_defaults_are_not_shared():
    class M(BaseModel):
        xs: list[str] = attribute(["a"])

    schema = schema_from_model(M)
    first, _ = to_provider(schema, V.obj({}))
    first["xs"].append("b")
    second, _ = to_provider(schema, V.obj({}))
    assert second["xs"] == ["a"]


# --- provider -> engine -------------------------------------------------------------

FULL: dict[str, Any] = {
    "name": "b", "size": 5, "ratio": Decimal("0.25"), "price": Decimal("9.99"),
    "public": True, "labels": ["x", "y"], "members": ["a", "b"], "tags": {"k": "v"},
    "extra": {"deep": [1, "two", None]}, "color": "red", "mode": "slow", "note": "n",
    "origin": {"x": 1, "y": None}, "password": "hunter2", "arn": "arn:b",
    "rule": [{"action": "allow", "priority": 1, "token": "tok",
              "filter": [{"prefix": "a"}, {"prefix": "b"}]}],
    "logging": {"target": "t"},
}


def test_round_trip_provider_data():
    schema = schema_from_model(Bucket)
    value = from_provider(schema, FULL)
    assert isinstance(value.type, ObjectType)
    assert set(value.type.attrs) == set(schema.implied_type.attrs)
    back, sensitive = to_provider(schema, value)
    assert back == FULL
    assert sensitive == {("password",), ("rule", 0, "token")}


def test_from_provider_types_marks_and_unknowns():
    schema = schema_from_model(Bucket)
    data = {**FULL, "arn": UNKNOWN, "labels": ["x", UNKNOWN], "rule": UNKNOWN,
            "logging": None, "size": None}
    value = from_provider(schema, data)
    attrs = value.v
    assert attrs["arn"].unknown and attrs["arn"].type == STRING
    assert attrs["labels"].type == ListType(STRING)
    assert attrs["labels"].v[1].unknown
    assert attrs["rule"].unknown and attrs["rule"].type == schema.blocks["rule"].value_type()
    assert attrs["logging"].is_null
    assert attrs["size"].is_null and attrs["size"].type == NUMBER
    assert attrs["password"].sensitive and not attrs["name"].sensitive
    assert attrs["members"].type == SetType(STRING)
    back, _ = to_provider(schema, value)
    assert back["arn"] is UNKNOWN and back["labels"] == ["x", UNKNOWN]
    assert back["rule"] is UNKNOWN


def test_from_provider_nested_sensitive_and_missing_keys():
    schema = schema_from_model(Bucket)
    value = from_provider(schema, {"name": "b", "rule": [{"action": "a", "token": "t"}]})
    rule = value.v["rule"].v[0]
    assert rule.v["token"].sensitive
    assert value.v["rule"].type == ListType(schema_from_model(Rule).implied_type)
    assert value.v["tags"].is_null and value.v["tags"].type == MapType(STRING)
    assert value.v["logging"].is_null


def test_from_provider_coerces_primitives_and_rejects_misfits():
    schema = schema_from_model(Bucket)
    value = from_provider(schema, {"name": 7, "size": "12"})
    assert value.v["name"].v == "7" and value.v["size"].v == 12
    with pytest.raises(ProviderError) as exc:
        from_provider(schema, {"name": "b", "tags": ["not", "a", "map"]})
    assert exc.value.attribute == "tags"
    with pytest.raises(ProviderError, match="size"):
        from_provider(schema, {"name": "b", "size": "big"})
    with pytest.raises(ProviderError, match="rule"):
        from_provider(schema, {"name": "b", "rule": {"action": "x"}})


def test_from_provider_any_infers_shapes():
    schema = schema_from_model(Bucket)
    value = from_provider(schema, {"extra": {"a": [1, UNKNOWN]}})
    extra = value.v["extra"]
    assert isinstance(extra.type, ObjectType)
    assert extra.v["a"].v[1].unknown


def test_values_equal_after_second_round_trip():
    schema = schema_from_model(Bucket)
    first = from_provider(schema, FULL)
    again = from_provider(schema, to_provider(schema, first)[0])
    assert first == again


def test_optional_computed_metadata_is_honoured():
    """protocol.attribute() cannot declare optional+computed yet; the schema layer
    reads an `optional` flag in the metadata so that it works once it can."""
    from pydantic import Field

    class M(BaseModel):
        region: str | None = Field(None, json_schema_extra={
            "govctl": {"kind": "attribute", "computed": True, "optional": True}})

    a = schema_from_model(M).attributes["region"]
    assert a.computed and a.optional and a.configurable and not a.required


def test_attribute_alias_is_the_configuration_name():
    from pydantic import Field

    class M(BaseModel):
        class_: str = Field(alias="class")

    assert list(schema_from_model(M).attributes) == ["class"]


def test_block_helper_min_items_on_list():
    class M(BaseModel):
        item: list[Rule] = block(min_items=1, max_items=2, force_new=True)

    nb = schema_from_model(M).blocks["item"]
    assert (nb.min_items, nb.max_items, nb.force_new) == (1, 2, True)
