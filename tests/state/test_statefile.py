"""The state file format: round trips, determinism, and a clear diagnostic for
every kind of damaged or foreign file."""

from __future__ import annotations

import json
import math
import random
from decimal import Decimal

import pytest

from govctl.addrs import parse_instance
from govctl.diagnostics import DiagnosticError
from govctl.plugins.protocol import UNKNOWN
from govctl.state.jsonenc import EncodeError, Fixed, decode, encode, encode_bytes
from govctl.state.model import InstanceState, Intent, OutputState, State
from govctl.state.statefile import dumps, loads, read_header

from .conftest import AWS, put, sample_state


def roundtrip(s: State) -> State:
    data = dumps(s)
    back = loads(data, "test.tfstate")
    assert dumps(back) == data
    assert back.equal_content(s)
    return back


def diag(data: bytes | str) -> str:
    """The rendered diagnostics for loading `data`; fails if it loads."""
    if isinstance(data, str):
        data = data.encode()
    with pytest.raises(DiagnosticError) as exc:
        loads(data, "s.tfstate")
    return "\n".join(d.render() for d in exc.value.diagnostics)


def valid_doc() -> dict:
    return json.loads(dumps(sample_state()))


# --- round trips ------------------------------------------------------------

def test_sample_roundtrip_and_layout():
    s = sample_state()
    s.serial = 4
    back = roundtrip(s)
    assert back.serial == 4 and back.lineage == s.lineage
    doc = json.loads(dumps(s))
    assert list(doc) == ["version", "serial", "lineage", "govctl_version", "outputs",
                         "resources", "intents"]
    mod = next(r for r in doc["resources"] if "module" in r)
    assert mod["module"] == 'module.net["eu"]'
    assert mod["provider"] == 'module.net.provider["govctl/aws"]'
    root = next(r for r in doc["resources"] if r["name"] == "k")
    assert "module" not in root
    inst = root["instances"][0]
    assert "index_key" not in inst and "status" not in inst
    assert list(inst) == ["schema_version", "attributes", "sensitive_attributes",
                          "dependencies", "create_before_destroy", "prevent_destroy"]
    assert doc["outputs"]["secret"] == {"value": "s3cr3t", "type": "string", "sensitive": True}
    assert "sensitive" not in doc["outputs"]["bucket"]


def test_every_field_roundtrips():
    s = State(serial=9)
    a = parse_instance('module.a[1].module.b["x y"].x_t.n["k\\"q"]')
    s.set_instance(a, 'module.a.module.b.provider["govctl/aws"].west', InstanceState(
        None, {"deep": {"list": [[1, 2], {"x": None}], "empty": {}, "none": []}},
        schema_version=3, sensitive_paths=[["deep", "list", 1, "x"], ["top"]],
        dependencies=["x_t.other", "module.a.data.y_t.z"], create_before_destroy=True,
        prevent_destroy=True, tainted=True))
    s.add_intent(Intent("x_t.pending[2]", AWS, "x_t", {"name": "p", "n": Decimal("1.5")}))
    s.outputs["obj"] = OutputState({"a": [1, "b"]}, ["object", {"a": ["tuple",
                                                                      ["number", "string"]]}])
    back = roundtrip(s)
    inst = back.instance(a)
    assert inst is not None
    assert inst.sensitive_paths == [["deep", "list", 1, "x"], ["top"]]
    assert (inst.schema_version, inst.tainted, inst.create_before_destroy,
            inst.prevent_destroy) == (3, True, True, True)
    assert back.intents["x_t.pending[2]"].planned == {"name": "p", "n": Decimal("1.5")}
    doc = json.loads(dumps(s))
    assert doc["resources"][0]["instances"][0]["status"] == "tainted"
    assert doc["resources"][0]["instances"][0]["sensitive_attributes"][0][2] == {
        "type": "index", "value": {"value": 1, "type": "number"}}


def test_decimal_and_big_numbers_are_exact():
    digits = Decimal("3.14159265358979323846264338327950288419716939937510582097494459")
    s = State()
    put(s, "x_t.n", {"pi": digits, "big": 10**40, "neg": Decimal("-0.000000000000000001"),
                     "exp": Decimal("1E+400"), "float": 0.1, "int": -7})
    back = roundtrip(s)
    attrs = back.instance(parse_instance("x_t.n")).attributes  # type: ignore[union-attr]
    assert attrs["pi"] == digits and str(attrs["pi"]) == str(digits)
    assert attrs["big"] == 10**40 and type(attrs["big"]) is int
    assert attrs["exp"] == Decimal("1E+400")
    assert attrs["float"] == Decimal("0.1")         # floats come back as their text
    assert b'"pi": 3.14159265358979323846264338327950288419716939937510582097494459' in dumps(s)


def test_unicode_is_written_as_utf8():
    s = State()
    put(s, "x_t.u", {"name": "données ✓ 日本語 🚀", "ctl": "tab\tnl\nquote\"back\\", "k": {
        "clé": "v"}})
    data = dumps(s)
    assert "données ✓ 日本語 🚀".encode() in data
    back = roundtrip(s)
    assert back.instance(parse_instance("x_t.u")).attributes["k"] == {"clé": "v"}  # type: ignore[union-attr]


def test_lone_surrogates_survive_as_escapes():
    s = State()
    put(s, "x_t.u", {"bad": "a\ud800b"})
    data = dumps(s)
    assert b"\\ud800" in data
    assert roundtrip(s).instance(parse_instance("x_t.u")).attributes["bad"] == "a\ud800b"  # type: ignore[union-attr]


def test_dumps_is_deterministic_whatever_the_insertion_order():
    a, b = State(lineage="L"), State(lineage="L")
    addrs = ["x_t.b", "x_t.a[1]", "x_t.a[0]", "module.m.x_t.a", "data.x_t.d"]
    for addr in addrs:
        put(a, addr, {"z": 1, "a": {"y": 2, "b": 3}})
    for addr in reversed(addrs):
        put(b, addr, {"a": {"b": 3, "y": 2}, "z": 1})
    assert dumps(a) == dumps(b)
    assert dumps(a).endswith(b"}\n")
    assert b'\n  "serial": 0,\n' in dumps(a)


def test_dumps_refuses_unknown_naming_the_place():
    s = State()
    put(s, "x_t.a", {"nested": {"arn": UNKNOWN}})
    with pytest.raises(ValueError, match=r'UNKNOWN.*\["resources"\]\[0\]\["instances"\]\[0\]'
                                         r'\["attributes"\]\["nested"\]\["arn"\]'):
        dumps(s)


def test_header_is_read_without_parsing():
    s = sample_state()
    s.serial = 12
    h = read_header(dumps(s))
    assert h is not None and (h.version, h.serial, h.lineage) == (1, 12, s.lineage)
    assert read_header(b'{"version": 1}') is None


# --- the encoder ----------------------------------------------------------------

def _random_value(rng: random.Random, depth: int = 0) -> object:
    r = rng.random()
    if depth > 3 or r < 0.5:
        return rng.choice(["x", "é\n\"\\\u2028", 1, -2, 3.5, 1e300, True, False, None, "",
                           10**30])
    if r < 0.75:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {f"k{rng.randint(0, 9)}": _random_value(rng, depth + 1)
            for _ in range(rng.randint(0, 4))}


def test_encoder_matches_the_standard_library():
    rng = random.Random(7)
    for _ in range(500):
        v = _random_value(rng)
        assert encode(v) == json.dumps(v, indent=2, sort_keys=True, ensure_ascii=False)
        assert encode(v, None) == json.dumps(v, separators=(",", ":"), sort_keys=True,
                                             ensure_ascii=False)


def test_encoder_keeps_fixed_order_and_sorts_data():
    assert encode(Fixed(b=1, a={"d": 1, "c": 2}), None) == '{"b":1,"a":{"c":2,"d":1}}'


@pytest.mark.parametrize("bad, where", [
    ({"a": [1, math.nan]}, '["a"][1]'),
    ({"a": Decimal("Infinity")}, '["a"]'),
    ({"a": {1: 2}}, '["a"]'),
    ({"a": {1, 2}}, '["a"]'),
    ([UNKNOWN], "[0]"),
])
def test_encoder_refuses_non_json(bad, where):
    with pytest.raises(EncodeError) as exc:
        encode_bytes(bad)
    assert str(exc.value).endswith(f"at {where}")


def test_decode_reads_fractions_as_decimal_and_refuses_nan():
    assert decode('{"a": 1.50, "b": 2, "c": 1e2}') == {"a": Decimal("1.50"), "b": 2,
                                                         "c": Decimal("1E+2")}
    with pytest.raises(ValueError):
        decode('{"a": NaN}')


# --- damaged and foreign files -----------------------------------------------------

def test_empty_file():
    text = diag(b"  \n")
    assert "State file is empty" in text and "s.tfstate.backup" in text


def test_truncated_file():
    data = dumps(sample_state())
    text = diag(data[: len(data) // 2])
    assert "State file is truncated" in text
    assert "s.tfstate.backup" in text and "line " in text


def test_invalid_json_in_the_middle():
    data = dumps(sample_state()).replace(b'"serial": 0,', b'"serial": 0,,')
    text = diag(data)
    assert "State file is not valid JSON" in text
    assert "on s.tfstate line 3" in text


def test_not_utf8():
    assert "not UTF-8 (byte 1)" in diag(b"{\xff}")


def test_not_an_object():
    assert "expected a JSON object at the top level, found list" in diag("[1, 2]")


def test_nan_is_refused():
    doc = dumps(sample_state()).replace(b'"size": 2', b'"size": NaN')
    assert "NaN is not a JSON number" in diag(doc)


def test_terraform_state_is_recognised():
    text = diag('{"version": 4, "terraform_version": "1.9.0", "serial": 1, "lineage": "x",'
                ' "outputs": {}, "resources": []}')
    assert "This is a Terraform state file" in text and "1.9.0" in text


def test_newer_version():
    doc = valid_doc()
    doc["version"] = 2
    doc["govctl_version"] = "3.0.0"
    text = diag(json.dumps(doc))
    assert "State file from a newer govctl" in text
    assert "format version 2 (written by govctl 3.0.0)" in text and "Upgrade" in text


@pytest.mark.parametrize("version, message", [
    (None, "version: expected the format version number, got nothing"),
    ("1", "version: expected the format version number, got '1'"),
    (0, "version: unknown state format version 0"),
])
def test_bad_version(version, message):
    doc = valid_doc()
    if version is None:
        del doc["version"]
    else:
        doc["version"] = version
    assert message in diag(json.dumps(doc))


def _mutate(change) -> str:
    doc = valid_doc()
    change(doc)
    return diag(json.dumps(doc))


def test_shape_errors_name_the_place():
    def change(doc):
        doc["serial"] = "3"
        doc["resources"][0]["mode"] = "weird"
        doc["resources"][1]["instances"][0]["schema_version"] = -1
        doc["resources"][2]["provider"] = "aws"
        doc["resources"][2]["instances"][0]["attributes"] = []
        doc["resources"][3]["unexpected"] = 1
        del doc["lineage"]
    text = _mutate(change)
    assert "Invalid state file" in text
    for expected in ["serial: Input should be a valid integer",
                     "lineage: Field required",
                     "resources[0].mode: Input should be 'managed' or 'data'",
                     "resources[1].instances[0].schema_version: Input should be greater",
                     "resources[2].provider: String should match pattern",
                     "resources[2].instances[0].attributes: Input should be a valid dict",
                     "resources[3].unexpected: Extra inputs are not permitted"]:
        assert expected in text, expected


def test_bad_sensitive_path_step():
    def change(doc):
        doc["resources"][0]["instances"][0]["sensitive_attributes"] = [[{"type": "x"}]]
    assert "resources[0].instances[0].sensitive_attributes[0][0]" in _mutate(change)


def test_semantic_errors():
    def change(doc):
        res = doc["resources"]
        res.append(dict(res[0]))                                 # the same resource twice
        bucket = next(r for r in res if r["name"] == "b")
        bucket["instances"][1]["index_key"] = 0                  # two instances keyed 0
        bucket["instances"][0]["dependencies"] = ["not an address", "x_t.a[0]"]
        next(r for r in res if r["name"] == "r")["module"] = "module."
        doc["intents"] = [{"addr": "x_t.", "provider": AWS, "type": "x_t", "planned": {}}]
    text = _mutate(change)
    assert "appears twice" in text
    assert "a second instance with index_key 0" in text
    assert 'dependencies[0]: not a resource address' in text
    assert '"x_t.a[0]" has an instance key' in text
    assert "resources[3].module" in text or "module: Invalid" in text
    assert "intents[0].addr" in text


def test_mixed_keyed_and_unkeyed_instances():
    def change(doc):
        bucket = next(r for r in doc["resources"] if r["name"] == "b")
        del bucket["instances"][0]["index_key"]
    assert "an instance without index_key beside instances with one" in _mutate(change)


def test_many_errors_are_capped():
    def change(doc):
        doc["resources"] = [{"mode": "x"} for _ in range(30)]
    text = _mutate(change)
    assert "... and " in text and " more" in text


def test_optional_fields_default():
    doc = valid_doc()
    inst = doc["resources"][0]["instances"][0]
    for k in ("sensitive_attributes", "dependencies", "create_before_destroy",
              "prevent_destroy", "schema_version"):
        inst.pop(k)
    del doc["intents"]
    state = loads(json.dumps(doc).encode(), "s")
    assert state.intents == {}
