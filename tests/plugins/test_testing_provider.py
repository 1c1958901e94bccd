"""The in-memory provider: cloud-like CRUD, replacement, failure injection, and
a world shared between instances and between processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govctl import __version__
from govctl.lang import values as V
from govctl.plugins import testing as T
from govctl.plugins.protocol import UNKNOWN, ProviderError
from govctl.plugins.schema import from_provider, schema_from_model, to_provider
from govctl.plugins.testing import InMemoryProvider, object_id, parse_fail_env, world


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(T.FAIL_ENV, raising=False)
    InMemoryProvider.reset()
    yield
    InMemoryProvider.reset()


def create(p: InMemoryProvider, type_: str = "mem_object", **config: Any) -> dict[str, Any]:
    """plan + apply a create, as the engine does."""
    planned = p.plan(type_, None, config).planned
    new = p.apply(type_, None, planned)
    assert new is not None
    return new


def test_meta_and_schemas():
    assert InMemoryProvider.meta == T.ProviderMeta("mem", "govctl/mem", __version__)
    obj = schema_from_model(T.MemObject).attributes
    assert obj["name"].required and obj["name"].force_new
    assert obj["secret"].sensitive
    assert obj["id"].computed and obj["arn"].computed
    assert schema_from_model(T.MemPolicy).attributes["attached_to"].type.friendly() == \
        "list of string"
    assert set(InMemoryProvider.data_sources) == {"mem_lookup"}
    assert T.__all__ == ["FAIL_ENV", *sorted(n for n in T.__all__ if n != "FAIL_ENV")]


# --- CRUD ---------------------------------------------------------------------------

def test_create_read_update_delete():
    p = InMemoryProvider()
    plan = p.plan("mem_object", None, {"name": "a", "value": "1"})
    assert plan.planned["id"] is UNKNOWN and plan.planned["arn"] is UNKNOWN
    assert plan.requires_replace == set()
    assert plan.planned["tags"] is None
    new = p.apply("mem_object", None, plan.planned)
    assert new == {"name": "a", "value": "1", "tags": None, "secret": None,
                   "id": object_id("mem_object", "a"), "arn": "arn:mem:object/a"}
    assert p.read("mem_object", new) == new

    update = p.plan("mem_object", new, {**new, "value": "2", "id": None, "arn": None})
    assert update.requires_replace == set()
    assert (update.planned["id"], update.planned["arn"]) == (new["id"], new["arn"])
    changed = p.apply("mem_object", new, update.planned)
    assert changed is not None and changed["value"] == "2" and changed["id"] == new["id"]

    assert p.apply("mem_object", changed, None) is None
    assert p.read("mem_object", changed) is None
    assert p.apply("mem_object", changed, None) is None     # already gone: not an error


def test_rename_requires_replacement():
    p = InMemoryProvider()
    old = create(p, name="a")
    plan = p.plan("mem_object", old, {"name": "b", "value": None})
    assert plan.requires_replace == {"name"}
    assert plan.planned["id"] is UNKNOWN and plan.planned["arn"] is UNKNOWN
    unknown_name = p.plan("mem_object", old, {"name": UNKNOWN})
    assert unknown_name.requires_replace == {"name"}
    with pytest.raises(ProviderError, match="cannot change in place") as exc:
        p.apply("mem_object", old, {**old, "name": "b"})
    assert exc.value.attribute == "name"


def test_names_are_unique_like_a_real_cloud():
    p = InMemoryProvider()
    create(p, name="a")
    with pytest.raises(ProviderError, match='mem_object named "a" already exists'):
        create(p, name="a")
    create(p, "mem_policy", name="a")      # unique per type


def test_apply_refuses_unknown_configuration_and_unknown_attributes():
    p = InMemoryProvider()
    with pytest.raises(ProviderError, match=r"tags\.k is still unknown") as exc:
        p.apply("mem_object", None, {"name": "a", "tags": {"k": UNKNOWN}, "id": UNKNOWN})
    assert exc.value.attribute == "tags"
    with pytest.raises(ProviderError, match="no attribute colour"):
        p.plan("mem_object", None, {"name": "a", "colour": "red"})
    with pytest.raises(ProviderError, match='no type "mem_bucket"'):
        p.plan("mem_bucket", None, {"name": "a"})


def test_update_of_an_object_deleted_outside():
    p = InMemoryProvider()
    obj = create(p, name="a")
    world().delete("mem_object", obj["id"])
    with pytest.raises(ProviderError, match="no longer exists"):
        p.apply("mem_object", obj, {**obj, "value": "x"})


def test_policy_import_find_discover_and_validate():
    p = InMemoryProvider()
    pol = create(p, "mem_policy", name="p", policy='{"allow": ["*"]}', attached_to=["x"])
    assert pol["attached_to"] == ["x"] and "arn" not in pol
    assert p.import_("mem_policy", pol["id"]) == pol
    assert p.import_("mem_policy", "nope") is None
    assert p.find("mem_policy", {"name": "p", "id": UNKNOWN}) == pol
    assert p.find("mem_policy", {"name": "q"}) is None
    assert p.find("mem_policy", {"name": UNKNOWN}) is None
    create(p, "mem_policy", name="o")
    assert sorted(p.discover("mem_policy")) == sorted([pol["id"], object_id("mem_policy", "o")])
    assert p.validate("mem_policy", {"name": "p", "policy": '{"a": 1}'}) == []
    errs = p.validate("mem_policy", {"name": "", "policy": "[1"})
    assert [e.attribute for e in errs] == ["name", "policy"]
    assert p.validate("mem_policy", {"name": "p", "policy": "[1]"})[0].message == \
        "policy must be a JSON object"
    assert p.validate("mem_policy", {"name": "p", "policy": UNKNOWN}) == []


def test_lookup_data_source():
    p = InMemoryProvider()
    obj = create(p, name="a", value="v")
    assert p.read_data("mem_lookup", {"name": "a", "id": None, "value": None}) == \
        {"name": "a", "id": obj["id"], "value": "v"}
    with pytest.raises(ProviderError, match='no mem_object named "b"') as exc:
        p.read_data("mem_lookup", {"name": "b"})
    assert exc.value.attribute == "name"
    with pytest.raises(ProviderError, match="no data source"):
        p.read_data("mem_object", {"name": "a"})


def test_world_helper_simulates_drift():
    p = InMemoryProvider()
    obj = create(p, name="a", value="1", tags={"t": "1"})
    w = world()
    changed = w.get("mem_object", obj["id"])
    assert changed is not None
    changed["value"] = "changed outside"
    w.put("mem_object", changed)
    assert p.read("mem_object", obj)["value"] == "changed outside"    # type: ignore[index]
    stray = w.put("mem_object", {"name": "stray"})
    assert stray["id"] == object_id("mem_object", "stray")
    assert [o["name"] for o in w.list("mem_object")] == sorted(["a", "stray"], key=lambda n:
                                                                object_id("mem_object", n))
    assert p.read("mem_object", {"id": stray["id"]})["value"] is None  # type: ignore[index]
    assert w.delete("mem_object", obj["id"]) and not w.delete("mem_object", obj["id"])
    assert p.read("mem_object", obj) is None


def test_values_survive_the_schema_layer():
    """What the engine sends is what the provider stores, and back."""
    p = InMemoryProvider()
    schema = schema_from_model(T.MemObject)
    config = V.obj({"name": V.string("a"), "secret": V.string("s").mark({"sensitive"}),
                    "tags": V.obj({"k": V.string("v")})})
    proposed, sensitive = to_provider(schema, config)
    assert sensitive == {("secret",)}
    planned = p.plan("mem_object", None, proposed).planned
    planned_value = from_provider(schema, planned)
    assert planned_value.v["id"].unknown and planned_value.v["secret"].sensitive
    new = p.apply("mem_object", None, planned)
    assert from_provider(schema, new).v["arn"].v == "arn:mem:object/a"


# --- configuration -------------------------------------------------------------------

def test_configure_storage_and_latency(tmp_path):
    p = InMemoryProvider()
    p.configure({"storage": str(tmp_path / "w.json"), "latency_ms": 0})
    create(p, name="a")
    assert world(tmp_path / "w.json").find("mem_object", "a") is not None
    assert world().find("mem_object", "a") is None
    with pytest.raises(ProviderError, match="known"):
        p.configure({"storage": UNKNOWN})
    with pytest.raises(ProviderError, match="negative"):
        p.configure({"latency_ms": -1})
    slow = InMemoryProvider()
    slow.configure({"storage": None, "latency_ms": 30})
    t0 = time.monotonic()
    slow.read("mem_object", {"id": "x"})
    assert time.monotonic() - t0 >= 0.03


# --- failure injection ---------------------------------------------------------------

def test_nth_apply_fails():
    InMemoryProvider.inject(call="apply", nth=3, error="quota exceeded")
    p = InMemoryProvider()
    create(p, name="a")
    create(p, name="b")
    with pytest.raises(ProviderError, match="quota exceeded"):
        create(p, name="c")
    assert world().find("mem_object", "c") is None        # failed before any effect
    create(p, name="d")                                   # only the 3rd


def test_rule_by_operation_type_and_name_shared_by_instances():
    rule = InMemoryProvider.inject(call="create", type_="mem_object", name="x")
    first, second = InMemoryProvider(), InMemoryProvider()
    create(first, "mem_policy", name="x")
    create(first, name="y")
    with pytest.raises(ProviderError, match="injected failure: create mem_object x"):
        create(second, name="x")
    assert rule.seen == 1
    obj = create(first, name="z")
    first.apply("mem_object", obj, None)         # a delete does not match "create"


def test_delay_only_rule_slows_every_read():
    InMemoryProvider.inject(call="read", delay=0.05)
    p = InMemoryProvider()
    t0 = time.monotonic()
    assert p.read("mem_object", {"id": "x"}) is None
    assert p.read("mem_object", {"id": "y"}) is None
    assert time.monotonic() - t0 >= 0.1
    create(p, name="fast")


def test_retryable_errors_and_reset():
    InMemoryProvider.inject(call="plan", retryable=True)
    p = InMemoryProvider()
    with pytest.raises(ProviderError) as exc:
        p.plan("mem_object", None, {"name": "a"})
    assert exc.value.retryable
    InMemoryProvider.reset()
    p.plan("mem_object", None, {"name": "a"})
    assert InMemoryProvider.calls == [("plan", "mem_object", "a")]


def test_call_log():
    p = InMemoryProvider()
    obj = create(p, name="a")
    p.read("mem_object", obj)
    p.apply("mem_object", obj, None)
    assert InMemoryProvider.calls == [("plan", "mem_object", "a"), ("create", "mem_object", "a"),
                                      ("read", "mem_object", "a"),
                                      ("delete", "mem_object", "a")]


def test_environment_rules(monkeypatch):
    monkeypatch.setenv(T.FAIL_ENV, json.dumps([{"call": "apply", "nth": 2},
                                               {"call": "read", "type": "mem_policy",
                                                "error": "denied"}]))
    p = InMemoryProvider()
    create(p, name="a")
    with pytest.raises(ProviderError, match="injected failure"):
        create(p, name="b")
    create(p, name="c")
    with pytest.raises(ProviderError, match="denied"):
        p.read("mem_policy", {"id": "x"})
    monkeypatch.setenv(T.FAIL_ENV, "{not json")
    with pytest.raises(ProviderError, match="GOVCTL_MEM_FAIL is not JSON"):
        p.read("mem_object", {"id": "x"})


@pytest.mark.parametrize(("text", "message"), [
    ('{"call": "apply", "when": 3}', "unknown field"),
    ('{"nth": 0}', "nth must be a whole number"),
    ('{"action": "explode"}', "action must be one of"),
    ('{"delay": -1}', "delay must be"),
    ("[1]", "object or a list of objects"),
])
def test_environment_rule_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_fail_env(text)


def test_environment_rule_fields():
    (kill, slow) = parse_fail_env('[{"call": "apply", "nth": 3, "action": "kill"}, '
                                  '{"call": "read", "delay": 0.5}]')
    assert (kill.call, kill.nth, kill.action) == ("apply", 3, "kill")
    assert (slow.call, slow.delay, slow.action) == ("read", 0.5, "delay")
    (named,) = parse_fail_env('{"type": "mem_object", "name": "x", "error": "no"}')
    assert (named.type_, named.name, named.error, named.action) == \
        ("mem_object", "x", "no", "error")


# --- storage shared between instances, threads and processes ------------------------

def test_file_world_is_shared_by_instances(tmp_path):
    path = tmp_path / "world.json"
    a, b = InMemoryProvider(storage=path), InMemoryProvider(storage=path)
    obj = create(a, name="shared", value="1")
    assert b.read("mem_object", obj) == obj
    b.apply("mem_object", obj, None)
    assert a.read("mem_object", obj) is None
    data = json.loads(path.read_text())
    assert data == {"format": 1, "objects": {"mem_object": {}}}
    assert not list(tmp_path.glob("*.tmp"))


def test_file_world_serialises_concurrent_writers(tmp_path):
    path = tmp_path / "world.json"
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        p = InMemoryProvider(storage=path)
        try:
            for i in range(10):
                create(p, name=f"o-{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(world(path).list("mem_object")) == 40


SCRIPT = textwrap.dedent("""
    import sys
    from govctl.plugins.testing import InMemoryProvider

    p = InMemoryProvider()
    p.configure({"storage": sys.argv[1]})
    for name in sys.argv[2:]:
        planned = p.plan("mem_object", None, {"name": name}).planned
        p.apply("mem_object", None, planned)
        print("created", name, flush=True)
""")


def _run(path: Path, *names: str, fail: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != T.FAIL_ENV}
    if fail is not None:
        env[T.FAIL_ENV] = fail
    return subprocess.run([sys.executable, "-c", SCRIPT, str(path), *names], env=env,
                          capture_output=True, text=True, timeout=60)


def test_storage_shared_between_processes(tmp_path):
    path = tmp_path / "world.json"
    done = _run(path, "one", "two")
    assert done.returncode == 0, done.stderr
    p = InMemoryProvider(storage=path)
    found = p.find("mem_object", {"name": "two"})
    assert found is not None and found["id"] == object_id("mem_object", "two")
    p.apply("mem_object", found, None)
    again = _run(path, "two")
    assert again.returncode == 0, again.stderr


def test_killed_process_leaves_created_object_to_be_found(tmp_path):
    path = tmp_path / "world.json"
    done = _run(path, "a", "b", "c", fail='{"call": "apply", "nth": 2, "action": "kill"}')
    assert done.returncode == -9
    assert done.stdout.split("\n")[:1] == ["created a"]
    assert "created b" not in done.stdout            # killed before reporting b
    w = world(path)
    assert sorted(o["name"] for o in w.list("mem_object")) == ["a", "b"]
    settled = InMemoryProvider(storage=path).find("mem_object", {"name": "b", "id": UNKNOWN})
    assert settled is not None and settled["arn"] == "arn:mem:object/b"


def test_injected_error_in_subprocess(tmp_path):
    done = _run(tmp_path / "w.json", "a", "b",
                fail='{"call": "create", "name": "b", "error": "disk full"}')
    assert done.returncode == 1
    assert "disk full" in done.stderr
    assert [o["name"] for o in world(tmp_path / "w.json").list("mem_object")] == ["a"]
