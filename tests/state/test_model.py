"""State model operations."""

from __future__ import annotations

from decimal import Decimal

from govctl.addrs import parse_instance
from govctl.plugins.protocol import UNKNOWN
from govctl.state.model import InstanceState, Intent, State, same_value, strip_unknown

from .conftest import AWS, put, sample_state


def test_set_and_get_instance():
    s = State()
    a = parse_instance("aws_s3_bucket.b[3]")
    inst = InstanceState(None, {"bucket": "x"})
    s.set_instance(a, AWS, inst)
    assert s.instance(a) is inst
    assert inst.key == 3                        # the address decides the key
    assert s.resources[a.resource].provider == AWS
    assert s.instance(parse_instance("aws_s3_bucket.b[4]")) is None
    assert s.instance(parse_instance("aws_s3_bucket.c")) is None


def test_set_instance_takes_the_latest_provider():
    s = State()
    put(s, "aws_s3_bucket.b", {})
    put(s, "aws_s3_bucket.b", {}, provider='provider["govctl/aws"].west')
    (rs,) = s.resources.values()
    assert rs.provider == 'provider["govctl/aws"].west'


def test_remove_last_instance_drops_the_resource():
    s = State()
    put(s, "aws_s3_bucket.b[0]", {})
    put(s, "aws_s3_bucket.b[1]", {})
    removed = s.remove_instance(parse_instance("aws_s3_bucket.b[0]"))
    assert removed is not None and removed.key == 0
    assert len(s.resources) == 1
    s.remove_instance(parse_instance("aws_s3_bucket.b[1]"))
    assert s.resources == {}
    assert s.remove_instance(parse_instance("aws_s3_bucket.b[1]")) is None


def test_instances_in_address_order():
    s = State()
    for addr in ['module.m["b"].x_t.a', "x_t.b", 'x_t.a["k"]', "x_t.a[10]", "x_t.a[2]",
                 "data.x_t.a", "module.m[0].x_t.a", "module.m.x_t.a", "module.a.x_t.z"]:
        put(s, addr, {})
    assert [str(a) for a, _, _ in s.instances()] == [
        "data.x_t.a", "x_t.a[2]", "x_t.a[10]", 'x_t.a["k"]', "x_t.b", "module.a.x_t.z",
        "module.m.x_t.a", "module.m[0].x_t.a", 'module.m["b"].x_t.a']


def test_copy_is_deep():
    s = sample_state()
    c = s.copy()
    assert c.equal_content(s)
    c.instance(parse_instance("aws_kms_key.k")).attributes["id"] = "changed"  # type: ignore[union-attr]
    c.outputs["names"].value.append("b2")
    assert s.instance(parse_instance("aws_kms_key.k")).attributes["id"] == "k-1"  # type: ignore[union-attr]
    assert s.outputs["names"].value == ["b0", "b1"]
    assert not c.equal_content(s)


def test_equal_content_ignores_serial_and_version_only():
    s = sample_state()
    c = s.copy()
    c.serial += 5
    c.govctl_version = "9.9.9"
    assert c.equal_content(s)
    c.lineage = "other"
    assert not c.equal_content(s)


def test_equal_content_tells_bools_from_numbers():
    a, b = State(lineage="L"), State(lineage="L")
    put(a, "x_t.a", {"v": True})
    put(b, "x_t.a", {"v": 1})
    assert not a.equal_content(b)        # although True == 1 in Python


def test_equal_content_reads_floats_as_written():
    a, b = State(lineage="L"), State(lineage="L")
    put(a, "x_t.a", {"v": 0.1, "w": 3})
    put(b, "x_t.a", {"v": Decimal("0.1"), "w": Decimal(3)})
    assert a.equal_content(b)


def test_same_value_shapes():
    assert same_value([1, {"a": None}], ({"a": None}, 1)[::-1])
    assert not same_value({"a": 1}, {"a": 1, "b": 2})
    assert not same_value([1], [1, 2])
    assert not same_value("1", 1)
    assert not same_value(None, False)


def test_intents_strip_unknown_and_settle():
    s = State()
    s.add_intent(Intent("x_t.a", AWS, "x_t", {"name": "a", "arn": UNKNOWN,
                                              "rules": [UNKNOWN, {"id": UNKNOWN, "k": 1}]}))
    assert s.intents["x_t.a"].planned == {"name": "a", "rules": [None, {"k": 1}]}
    s.settle("x_t.a")
    s.settle("x_t.a")       # settling twice is harmless (journal replays)
    assert s.intents == {}


def test_strip_unknown_leaves_plain_values():
    v = {"a": [1, {"b": "c"}], "d": None}
    assert strip_unknown(v) == v


def test_defaults():
    s = State()
    assert (s.version, s.serial, s.outputs, s.resources, s.intents) == (1, 0, {}, {}, {})
    assert len(s.lineage) == 36 and State().lineage != s.lineage
    inst = InstanceState(None, {})
    assert (inst.schema_version, inst.sensitive_paths, inst.dependencies,
            inst.create_before_destroy, inst.prevent_destroy, inst.tainted) == (
        0, [], [], False, False, False)
