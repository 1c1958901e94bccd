"""`govctl drift` against the in-memory provider: drift kinds, every format,
coverage, -all-types, exit codes, and that the audit writes nothing."""

from __future__ import annotations

import json

from govctl.plugins.testing import InMemoryProvider
from govctl.state.local import LocalBackend
from tests.drift.conftest import DriftWorkspace

SECRET = "s3cr3t-before"
NEW_SECRET = "s3cr3t-after-xyz"

CONFIG = f"""
resource "mem_object" "a" {{
  name   = "a"
  value  = "one"
  secret = "{SECRET}"
}}

resource "mem_object" "b" {{
  name  = "b"
  value = "two"
}}
"""


def _setup(dws: DriftWorkspace, extra: str = "") -> None:
    dws.write(CONFIG + extra)
    dws.applied()


def test_no_drift_exits_0_with_full_coverage(dws: DriftWorkspace) -> None:
    _setup(dws)
    code, out, err = dws.drift()
    assert code == 0, out + err
    assert "No drift" in out
    assert "Coverage: 2 of 2 objects managed, 100%" in out
    code, doc = dws.drift_json()
    assert code == 0
    assert doc["format_version"] == "1.0"
    assert doc["drift"] == [] and doc["unmanaged"] == []
    assert doc["summary"]["drift_found"] is False


def test_modified_attribute_by_attribute(dws: DriftWorkspace) -> None:
    _setup(dws)
    dws.change("a", value="changed", tags={"owner": "someone"})
    code, doc = dws.drift_json()
    assert code == 2
    [item] = doc["drift"]
    assert item["address"] == "mem_object.a"
    assert item["kind"] == "modified" and item["status"] == "drift"
    assert item["location"]["line"] == 5         # three provider lines, a blank, then it
    attrs = {a["name"]: a for a in item["attributes"]}
    assert set(attrs) == {"value", "tags"}
    assert attrs["value"]["declared"] == "one"
    assert attrs["value"]["last_applied"] == "one"
    assert attrs["value"]["actual"] == "changed"
    assert attrs["tags"]["declared"] is None and attrs["tags"]["actual"] == {"owner": "someone"}
    code, out, _ = dws.drift()
    assert code == 2
    assert "mem_object.a" in out and '"changed"' in out and "Drift found" in out


def test_declared_differs_from_last_applied(dws: DriftWorkspace) -> None:
    """The declared column is the configuration now, not what was last applied."""
    _setup(dws)
    dws.change("b", value="manual")
    dws.write(CONFIG.replace('value = "two"', 'value = "three"'))
    _, doc = dws.drift_json()
    [attr] = doc["drift"][0]["attributes"]
    assert (attr["declared"], attr["last_applied"], attr["actual"]) == ("three", "two",
                                                                        "manual")


def test_deleted_outside_govctl(dws: DriftWorkspace) -> None:
    _setup(dws)
    obj = dws.world.find("mem_object", "b")
    assert obj is not None
    dws.world.delete("mem_object", obj["id"])
    code, doc = dws.drift_json()
    assert code == 2
    [item] = doc["drift"]
    assert (item["address"], item["kind"], item["attributes"]) == ("mem_object.b", "deleted",
                                                                   [])
    code, out, _ = dws.drift()
    assert code == 2 and "deleted" in out


def test_sensitive_values_never_shown_in_any_format(dws: DriftWorkspace) -> None:
    _setup(dws)
    dws.change("a", secret=NEW_SECRET)
    outputs = {}
    for flag in ((), ("-json",), ("-markdown",), ("-sarif",)):
        code, out, err = dws.drift(*flag)
        assert code == 2, err
        outputs[flag] = out + err
    for flag, text in outputs.items():
        assert SECRET not in text and NEW_SECRET not in text, flag
        assert "(sensitive)" in text, flag
    attr = json.loads(outputs[("-json",)])["drift"][0]["attributes"][0]
    assert attr["name"] == "secret" and attr["sensitive"] is True


def test_known_after_apply_declared_value(dws: DriftWorkspace) -> None:
    """A declared value that depends on another resource's pending change is unknown."""
    _setup(dws, """
resource "mem_object" "c" {
  name  = "c"
  value = "x"
}
""")
    dws.change("c", value="manual")
    dws.write(CONFIG + """
resource "mem_object" "c" {
  name  = "c"
  value = mem_object.d.id
}

resource "mem_object" "d" {
  name = "d"
}
""")
    _, doc = dws.drift_json()
    [item] = doc["drift"]
    [attr] = item["attributes"]
    assert attr["declared_state"] == "unknown" and attr["declared"] is None
    _, out, _ = dws.drift()
    assert "(known after apply)" in out


def test_unmanaged_objects_and_coverage(dws: DriftWorkspace) -> None:
    _setup(dws)
    dws.world.put("mem_object", {"name": "stray-1", "value": "v"})
    dws.world.put("mem_object", {"name": "stray-2", "value": "v"})
    code, doc = dws.drift_json()
    assert code == 0                  # unmanaged objects alone are not drift...
    assert sorted(u["id"] for u in doc["unmanaged"]) == sorted(
        dws.world.find("mem_object", n)["id"] for n in ("stray-1", "stray-2"))
    assert doc["coverage"]["managed"] == 2 and doc["coverage"]["total"] == 4
    assert doc["coverage"]["text"] == "2 of 4 objects managed, 50%"
    code, _ = dws.drift_json("-fail-on-unmanaged")
    assert code == 2                  # ...unless asked
    code, out, _ = dws.drift()
    assert "Coverage: 2 of 4 objects managed, 50%" in out
    assert "2 unmanaged object(s)" in out


def test_scope_is_the_configurations_types_unless_all_types(dws: DriftWorkspace) -> None:
    _setup(dws)
    dws.world.put("mem_policy", {"name": "orphan-policy", "policy": "{}"})
    _, doc = dws.drift_json()
    assert doc["unmanaged"] == []
    assert [t["type"] for t in doc["coverage"]["types"]] == ["mem_object"]
    _, doc = dws.drift_json("-all-types")
    assert [(u["type"], u["id"]) for u in doc["unmanaged"]] == [
        ("mem_policy", dws.world.find("mem_policy", "orphan-policy")["id"])]
    assert [t["type"] for t in doc["coverage"]["types"]] == ["mem_object", "mem_policy"]
    assert doc["coverage"]["text"] == "2 of 3 objects managed, 66.7%"
    assert doc["options"]["all_types"] is True


def test_discovery_failure_is_a_warning(dws: DriftWorkspace) -> None:
    _setup(dws)
    dws.change("a", value="changed")
    InMemoryProvider.inject(call="discover", error="listing denied")
    code, out, err = dws.drift("-json")
    assert code == 2, err             # the drift is still reported
    assert "Warning: Could not discover mem_object objects" in err and "listing denied" in err
    doc = json.loads(out)
    assert doc["coverage"]["types"][0]["error"] == "listing denied"
    assert len(doc["drift"]) == 1


def test_errors_exit_1(dws: DriftWorkspace) -> None:
    _setup(dws)
    InMemoryProvider.inject(call="read", error="access denied")
    code, out, err = dws.drift()
    assert code == 1
    assert "Error refreshing mem_object" in err and "access denied" in err
    InMemoryProvider.reset()
    dws.write(CONFIG + 'resource "mem_object" "bad" {\n  name = \n}\n')
    code, out, err = dws.drift("-json")
    assert code == 1 and out == ""
    assert "main.hcl" in err


def test_read_only_no_lock_no_write(dws: DriftWorkspace) -> None:
    _setup(dws)
    dws.change("a", value="changed")
    state_path = dws.root / "govctl.tfstate"
    backup_path = dws.root / "govctl.tfstate.backup"
    before = state_path.read_bytes()
    backup = backup_path.read_bytes() if backup_path.exists() else None
    backend = LocalBackend(state_path)
    with backend.lock("apply", 0):      # another run holds the lock: drift still runs
        code, _, err = dws.drift()
    assert code == 2, err
    assert state_path.read_bytes() == before
    assert (backup_path.read_bytes() if backup_path.exists() else None) == backup
    assert not (dws.root / "govctl.tfstate.lock.info").exists()
    # the drift is still there for plan to show: nothing was recorded
    code, out, _ = dws.plan("-detailed-exitcode")
    assert code == 2 and '"changed"' in out


def test_markdown(dws: DriftWorkspace) -> None:
    _setup(dws)
    dws.change("a", value="pipe|value")
    dws.world.put("mem_object", {"name": "stray", "value": "v"})
    code, out, _ = dws.drift("-markdown")
    assert code == 2
    assert out.startswith("## govctl drift audit\n")
    assert "**Drift found:** 1 resource(s) drifted; 1 unmanaged object(s)." in out
    assert "Coverage: **2 of 3 objects managed, 66.7%**" in out
    assert ('| `mem_object.a` | `value` | `"one"` | `"one"` | `"pipe\\|value"` | **drift** |'
            in out)
    assert "### Unmanaged objects" in out
