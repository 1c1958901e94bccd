"""`govctl drift -sarif`: valid SARIF 2.1.0 (checked against the OASIS schema),
one rule per drift kind and per policy, results placed on the resource
block, waived drift as suppressed notes, policy results by level."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from govctl.commands.drift import DriftOptions, build_report
from govctl.drift.sarif import base_directory, sarif
from govctl.policy.model import Level, Outcome, Override, Result
from tests.drift.conftest import DriftWorkspace

_SCHEMA_FILE = json.loads((Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json")
                          .read_text())
# this copy keeps the log's own schema under definitions/Root (its top level only
# holds definitions, so validating against it as it is would accept anything)
SCHEMA = {**_SCHEMA_FILE, "$ref": "#/definitions/Root"}

CONFIG = """
resource "mem_object" "a" {
  name  = "a"
  value = "one"
}

resource "mem_object" "b" {
  name  = "b"
  value = "two"
}

resource "mem_object" "c" {
  name  = "c"
  value = "three"
}

waiver "b" {
  address = "mem_object.b"
  owner   = "ml-platform@example.com"
  reason  = "SEC-7: being migrated"
  expires = "2999-06-30"
}
"""


def valid(doc: dict[str, Any]) -> dict[str, Any]:
    jsonschema.Draft7Validator(SCHEMA).validate(doc)
    return doc


def test_the_schema_rejects_invalid_sarif() -> None:
    doc = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "govctl"}},
                                         "results": [{"message": {"text": "m"},
                                                      "level": "fatal"}]}]}
    with pytest.raises(jsonschema.ValidationError):
        valid(doc)
    with pytest.raises(jsonschema.ValidationError):
        valid({"version": "2.1.0"})


def _drifted(dws: DriftWorkspace) -> None:
    dws.write(CONFIG)
    dws.applied()
    dws.change("a", value="manual")
    dws.change("b", value="manual")
    obj = dws.world.find("mem_object", "c")
    dws.world.delete("mem_object", obj["id"])
    dws.world.put("mem_object", {"name": "stray", "value": "v"})


def test_sarif_is_valid_and_points_at_the_resource_blocks(
        dws: DriftWorkspace, monkeypatch: pytest.MonkeyPatch) -> None:
    _drifted(dws)
    monkeypatch.chdir(dws.root)
    code, out, err = dws.drift("-sarif")
    assert code == 2, err
    doc = valid(json.loads(out))
    [run] = doc["runs"]
    assert run["tool"]["driver"]["name"] == "govctl"
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rule_ids == ["govctl.drift.modified", "govctl.drift.deleted", "govctl.drift.unmanaged"]
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for res in run["results"]:
        by_rule.setdefault(res["ruleId"], []).append(res)
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
    modified = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r
                for r in by_rule["govctl.drift.modified"]}
    a, b = modified["mem_object.a"], modified["mem_object.b"]
    assert a["level"] == "error" and "suppressions" not in a
    assert '"one" -> "manual"' in a["message"]["text"]
    phys = a["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"] == {"uri": "main.hcl", "uriBaseId": "%SRCROOT%"}
    assert (phys["region"]["startLine"], phys["region"]["startColumn"]) == (5, 1)
    lines = (dws.root / "main.hcl").read_text().splitlines()
    assert lines[4].startswith('resource "mem_object" "a"')
    # waived: a note carrying the waiver as an accepted, in-source suppression
    assert b["level"] == "note"
    [sup] = b["suppressions"]
    assert sup["status"] == "accepted" and sup["kind"] == "inSource"
    assert "SEC-7" in sup["justification"] and "ml-platform@example.com" in sup["justification"]
    assert sup["location"]["physicalLocation"]["region"]["startLine"] == \
        1 + next(i for i, line in enumerate(lines) if line.startswith('waiver "b"'))
    [deleted] = by_rule["govctl.drift.deleted"]
    assert deleted["level"] == "error" and "mem_object.c" in deleted["message"]["text"]
    assert deleted["locations"][0]["physicalLocation"]["region"]["startLine"] == 15
    [unmanaged] = by_rule["govctl.drift.unmanaged"]
    assert unmanaged["level"] == "warning"
    assert dws.world.find("mem_object", "stray")["id"] in unmanaged["message"]["text"]
    assert run["properties"]["coverage"]["text"] == "2 of 3 objects managed, 66.7%"


def test_uris_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "infra" / "prod").mkdir(parents=True)
    assert base_directory(repo / "infra" / "prod", cwd=tmp_path) == repo.resolve()
    assert base_directory(tmp_path / "elsewhere", cwd=tmp_path) == tmp_path.resolve()


def test_expired_waiver_is_an_error_again(dws: DriftWorkspace) -> None:
    _drifted(dws)
    dws.write(CONFIG.replace("2999-06-30", "2001-06-30"))
    code, out, _ = dws.drift("-sarif", "-fail-on-unmanaged")
    assert code == 2
    doc = valid(json.loads(out))
    results = doc["runs"][0]["results"]
    b = next(r for r in results if "mem_object.b" in r["message"]["text"])
    assert b["level"] == "error" and "suppressions" not in b
    assert "has expired" in b["message"]["text"]
    assert {r["level"] for r in results if r["ruleId"] == "govctl.drift.unmanaged"} == {"error"}


def test_policy_results_become_rules_and_results(dws: DriftWorkspace) -> None:
    """Hand-made policy results (the lead wires `check` in): one rule per policy,
    error for mandatory, warning for advisory, a suppressed note when overridden,
    nothing for passes."""
    _drifted(dws)
    block = dws.root / "main.hcl"
    report, diags = build_report(DriftOptions(dws.root), policy_results=[])
    assert report is not None, diags
    res_range = next(i.location for i in report.items if i.address == "mem_object.a")
    report.policy_results = [
        Result("no_public", Level.MANDATORY, "mem_object.a", "mem_object", Outcome.FAILED,
               "objects must not be public", resource_range=res_range),
        Result("tagged", Level.ADVISORY, "mem_object.a", "mem_object", Outcome.FAILED,
               "objects should carry an owner tag", resource_range=res_range),
        Result("rotation", Level.OVERRIDABLE, "mem_object.b", "mem_object", Outcome.FAILED,
               "keys rotate", overridden=Override("rotation", "vendor key, CHG-9", "alice"),
               resource_range=res_range),
        Result("tagged", Level.ADVISORY, "mem_object.b", "mem_object", Outcome.PASSED),
    ]
    doc = valid(sarif(report, dws.root))
    run = doc["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules[3:] == ["govctl.policy.no_public", "govctl.policy.rotation",
                         "govctl.policy.tagged"]
    policy = {r["ruleId"]: r for r in run["results"] if r["ruleId"].startswith("govctl.policy")}
    assert len([r for r in run["results"] if r["ruleId"] == "govctl.policy.tagged"]) == 1
    assert policy["govctl.policy.no_public"]["level"] == "error"
    assert policy["govctl.policy.tagged"]["level"] == "warning"
    assert policy["govctl.policy.rotation"]["level"] == "note"
    assert "CHG-9" in policy["govctl.policy.rotation"]["suppressions"][0]["justification"]
    loc = policy["govctl.policy.no_public"]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == block.name
    assert loc["region"]["startLine"] == 5
    assert report.exit_code == 2      # a blocking (mandatory) result fails the audit
