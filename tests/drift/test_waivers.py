"""Waivers: matching by address glob and attribute, before and after expiry,
and the diagnostics for a malformed waiver block."""

from __future__ import annotations

import pytest

from govctl.drift.waivers import matches
from tests.drift.conftest import DriftWorkspace

CONFIG = """
resource "mem_object" "many" {
  count = 2
  name  = "many-${count.index}"
  value = "v"
}

resource "mem_object" "solo" {
  name  = "solo"
  value = "v"
}
"""


def waiver(name: str, address: str, expires: str, attributes: str | None = None) -> str:
    attrs = f"  attributes = {attributes}\n" if attributes is not None else ""
    return (f'\nwaiver "{name}" {{\n  address = "{address}"\n{attrs}'
            f'  owner   = "platform-security@example.com"\n  reason  = "SEC-42: migration"\n'
            f'  expires = "{expires}"\n}}\n')


@pytest.mark.parametrize(("glob", "address", "expected"), [
    ("mem_object.many[*]", "mem_object.many[0]", True),
    ("mem_object.many[*]", "mem_object.many[12]", True),
    ("mem_object.many[*]", "mem_object.solo", False),
    ("mem_object.many[?]", "mem_object.many[1]", True),
    ("mem_object.many[?]", "mem_object.many[10]", False),
    ("mem_object.many", "mem_object.many[0]", False),       # exact unless a wildcard says
    ("module.*.mem_object.x", 'module.b["k.1"].mem_object.x', True),
    ("*", "module.a.mem_object.x", True),
    ("mem_object.[ab]", "mem_object.a", False),               # [ ] are literal
    ("mem_object.many[0]", "mem_object.many[0]", True),
])
def test_address_globs(glob: str, address: str, expected: bool) -> None:
    assert matches(glob, address) is expected


def _drift_all(dws: DriftWorkspace) -> None:
    for name in ("many-0", "many-1", "solo"):
        dws.change(name, value="manual", tags={"k": "v"})


def test_active_waiver_hides_drift_and_exit_is_0(dws: DriftWorkspace) -> None:
    dws.write(CONFIG)
    dws.applied()
    _drift_all(dws)
    dws.write(CONFIG + waiver("all_many", "mem_object.many[*]", "2999-12-31")
              + waiver("solo", "mem_object.solo", "2999-12-31"))
    code, doc = dws.drift_json()
    assert code == 0
    assert {i["address"]: (i["status"], i["waiver"]) for i in doc["drift"]} == {
        "mem_object.many[0]": ("waived", "all_many"), "mem_object.many[1]": ("waived", "all_many"),
        "mem_object.solo": ("waived", "solo")}
    assert {w["name"]: w["matched"] for w in doc["waivers"]} == {"all_many": 4, "solo": 2}
    assert doc["waivers"][0]["owner"] == "platform-security@example.com"
    code, out, _ = dws.drift()
    assert code == 0 and "waived (all_many)" in out and "No drift" in out


def test_expired_waiver_counts_as_drift_again(dws: DriftWorkspace) -> None:
    dws.write(CONFIG)
    dws.applied()
    dws.change("solo", value="manual")
    dws.write(CONFIG + waiver("solo", "mem_object.solo", "2020-01-31"))
    code, doc = dws.drift_json()
    assert code == 2
    [item] = doc["drift"]
    assert (item["status"], item["waiver"]) == ("waiver_expired", "solo")
    assert doc["waivers"][0]["expired"] is True
    code, out, _ = dws.drift()
    assert code == 2 and "waiver expired (solo)" in out
    code, out, _ = dws.drift("-markdown")
    assert "**waiver expired** (solo)" in out and "**expired**" in out


def test_an_active_waiver_wins_over_an_expired_one(dws: DriftWorkspace) -> None:
    dws.write(CONFIG)
    dws.applied()
    dws.change("solo", value="manual")
    dws.write(CONFIG + waiver("a_old", "mem_object.*", "2020-01-31")
              + waiver("b_new", "mem_object.solo", "2999-01-31"))
    code, doc = dws.drift_json()
    assert code == 0 and doc["drift"][0]["waiver"] == "b_new"


def test_waiver_limited_to_attributes(dws: DriftWorkspace) -> None:
    dws.write(CONFIG)
    dws.applied()
    dws.change("solo", value="manual", tags={"k": "v"})
    dws.write(CONFIG + waiver("tags", "mem_object.solo", "2999-12-31", '["tags"]'))
    code, doc = dws.drift_json()
    assert code == 2                  # value is still unwaived drift
    [item] = doc["drift"]
    assert {a["name"]: a["status"] for a in item["attributes"]} == {"tags": "waived",
                                                                    "value": "drift"}
    assert item["status"] == "drift"


def test_deletion_is_waived_only_by_a_waiver_of_all_attributes(dws: DriftWorkspace) -> None:
    dws.write(CONFIG)
    dws.applied()
    obj = dws.world.find("mem_object", "solo")
    dws.world.delete("mem_object", obj["id"])
    dws.write(CONFIG + waiver("tags", "mem_object.solo", "2999-12-31", '["tags"]'))
    assert dws.drift_json()[0] == 2
    dws.write(CONFIG + waiver("gone", "mem_object.solo", "2999-12-31"))
    code, doc = dws.drift_json()
    assert code == 0 and doc["drift"][0]["status"] == "waived"


def test_malformed_waivers_are_diagnostics_at_the_hcl(dws: DriftWorkspace) -> None:
    dws.write(CONFIG + '\nwaiver "w" {\n  address = "mem_object.solo"\n  owner = "x"\n'
              '  reason = "y"\n  expires = "31/12/2026"\n}\n'
              '\nwaiver "v" {\n  address = "mem_object.solo"\n}\n')
    code, out, err = dws.drift()
    assert out == ""
    assert code == 1
    assert "Invalid expiry date" in err and "main.hcl line 20, column 13" in err
    assert 'The argument "owner" is required in a waiver block.' in err
    code, _, err = dws.run("validate", "-no-color", str(dws.root))
    assert code == 1 and "Invalid expiry date" in err
