"""Policies as code with the in-memory provider: selectors, each enforcement
level, overrides (recorded in the saved plan), unknown outcomes, errors in
policy blocks, policy directories, and `govctl check` on the live estate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govctl.plan import planfile
from tests.engine.conftest import Workspace

OBJECTS = """
resource "mem_object" "plain" {
  name  = "plain"
  value = "plain"
  tags  = { team = "ml" }
}

resource "mem_object" "sealed" {
  name   = "sealed"
  value  = "encrypted"
  secret = "hunter2"
}
"""


def policy(name: str, level: str, condition: str, extra: str = "") -> str:
    return (f'policy "{name}" {{\n  enforcement_level = "{level}"\n'
            f'  resource_types = ["mem_object"]\n{extra}  condition = {condition}\n'
            f'  error_message = "${{self.name}} breaks {name}"\n}}\n')


ENCRYPTED = 'self.value == "encrypted"'


@pytest.mark.parametrize("level, code", [("advisory", 0), ("overridable", 1),
                                         ("mandatory", 1)])
def test_levels_decide_whether_the_plan_may_go_ahead(ws: Workspace, level: str,
                                                     code: int) -> None:
    ws.write(OBJECTS + policy("encrypted", level, ENCRYPTED))
    got, out, err = ws.plan()
    assert got == code, out + err
    assert f'# policy "encrypted" failed ({level}): plain breaks encrypted' in out
    assert "Policies: 1 passed, 1 failed" in out
    if code:
        assert "Policy check failed" in err
        assert ws.apply()[0] == 1
        assert ws.world.list("mem_object") == []          # nothing was made
    else:
        assert ws.apply()[0] == 0


def test_override_with_reason_is_recorded_in_the_saved_plan(ws: Workspace) -> None:
    ws.write(OBJECTS + policy("encrypted", "overridable", ENCRYPTED))
    out_file = ws.root / "reviewed.plan"
    code, out, err = ws.plan("-override-policy", "encrypted", "-reason", "legacy, ML-42",
                             "-out", str(out_file))
    assert code == 0, out + err
    assert "overridden: legacy, ML-42" in out and "1 overridden" in out
    saved, _ = planfile.loads(out_file.read_bytes(), "reviewed.plan")
    assert [(o.policy, o.reason) for o in saved.overrides] == [("encrypted", "legacy, ML-42")]
    failed = [r for r in saved.policy_results if r.outcome == "failed"]
    assert failed[0].overridden is not None and not failed[0].blocking
    code, out, err = ws.run("apply", "-no-color", str(out_file))
    assert code == 0, out + err
    assert len(ws.world.list("mem_object")) == 2


def test_a_saved_plan_is_checked_again_at_apply(ws: Workspace) -> None:
    """What the file says of its own results is not trusted: editing it can
    neither lift a block nor drop an override's trace."""
    ws.write(OBJECTS + policy("encrypted", "overridable", ENCRYPTED))
    out_file = ws.root / "p.plan"
    assert ws.plan("-override-policy", "encrypted", "-reason", "r", "-out", str(out_file))[0] == 0
    doc = json.loads(out_file.read_bytes())
    doc["overrides"] = []                           # drop the override...
    doc["policy_results"] = []                      # ...and claim nothing failed
    out_file.write_text(json.dumps(doc))
    code, _out, err = ws.run("apply", "-no-color", str(out_file))
    assert code == 1 and "Policy check failed" in err
    assert ws.world.list("mem_object") == []
    # a policy directory in force at apply time counts too
    ws.write(OBJECTS)
    assert ws.plan("-out", str(out_file))[0] == 0
    pack = ws.root / "pack"
    pack.mkdir()
    (pack / "rules.hcl").write_text(policy("strict", "mandatory", ENCRYPTED))
    code, _out, err = ws.run("apply", "-no-color", "-policy-dir", str(pack), str(out_file))
    assert code == 1 and "strict" in err


@pytest.mark.parametrize("flags, message", [
    (["-override-policy", "encrypted"], "needs -reason"),
    (["-override-policy", "encryptd", "-reason", "x"], 'Did you mean "encrypted"?'),
])
def test_bad_overrides(ws: Workspace, flags: list[str], message: str) -> None:
    ws.write(OBJECTS + policy("encrypted", "overridable", ENCRYPTED))
    code, _out, err = ws.plan(*flags)
    assert code == 1 and message in err


def test_mandatory_cannot_be_overridden(ws: Workspace) -> None:
    ws.write(OBJECTS + policy("encrypted", "mandatory", ENCRYPTED))
    code, _out, err = ws.plan("-override-policy", "encrypted", "-reason", "please")
    assert code == 1 and "is mandatory and cannot be overridden" in err


@pytest.mark.parametrize("selector, selected", [
    ('  addresses = ["mem_object.p*"]\n', ["plain"]),
    ('  addresses = ["mem_object.s?aled"]\n', ["sealed"]),
    ('  tags = { team = "ml" }\n', ["plain"]),
    ('  tags = { team = "nlp" }\n', []),
])
def test_selectors(ws: Workspace, selector: str, selected: list[str]) -> None:
    ws.write(OBJECTS + policy("never", "advisory", "false", selector))
    code, out, _err = ws.plan()
    assert code == 0
    failed = sorted(n for n in ("plain", "sealed") if f"{n} breaks never" in out)
    assert failed == selected


def test_address_globs_take_instance_keys_literally(ws: Workspace) -> None:
    ws.write('resource "mem_object" "many" {\n  for_each = toset(["a", "b"])\n'
             '  name = each.key\n}\n'
             + policy("never", "advisory", "false", '  addresses = ["mem_object.many[\\"a\\"]"]\n'))
    _code, out, _err = ws.plan()
    assert "a breaks never" in out and "b breaks never" not in out


def test_condition_on_a_value_known_after_apply_is_undecided(ws: Workspace) -> None:
    ws.write(OBJECTS + policy("has_id", "mandatory", 'self.id != ""'))
    code, out, err = ws.plan()
    assert code == 0, out + err
    assert "decided after apply" in out
    assert "2 decided after apply" in out


def test_before_and_action_and_resources(ws: Workspace) -> None:
    rule = policy("no_value_change", "mandatory",
                  'action != "update" || try(before.value == self.value, true)')
    ws.write(OBJECTS + rule)
    assert ws.apply()[0] == 0
    ws.write(OBJECTS.replace('value = "plain"', 'value = "changed"') + rule)
    code, out, _err = ws.plan()
    assert code == 1 and "plain breaks no_value_change" in out
    across = policy("count", "mandatory", "length(resources.mem_object) == 2")
    ws.write(OBJECTS + across)
    assert ws.plan()[0] == 0
    # a type with no object at all is an empty tuple, not an error
    none = policy("none", "mandatory", "length(resources.mem_policy) == 0")
    ws.write(OBJECTS + none)
    assert ws.plan()[0] == 0


def test_sensitive_values_never_reach_the_message(ws: Workspace) -> None:
    rule = ('policy "secret" {\n  enforcement_level = "advisory"\n'
            '  resource_types = ["mem_object"]\n'
            '  condition = self.secret == null\n'
            '  error_message = "secret is ${self.secret}"\n}\n')
    ws.write(OBJECTS + rule)
    _code, out, err = ws.plan()
    assert "hunter2" not in out + err
    assert "is not shown" in out


@pytest.mark.parametrize("body, message", [
    ('  enforcement_level = "strict"\n  condition = true\n', "enforcement_level must be"),
    ('  enforcement_level = "advisory"\n', "needs a condition"),
    ('  condition = var.x\n', 'not to "var"'),
    ('  condition = true\n  resource_type = ["x"]\n', 'Did you mean "resource_types"?'),
    ('  condition = true\n  resource_types = [self.type]\n', "must be constant"),
    ('  condition = true\n  tags = ["a"]\n', "tags must be a map"),
])
def test_policy_block_errors_point_at_the_policy(ws: Workspace, body: str,
                                                 message: str) -> None:
    ws.write(OBJECTS + f'policy "p" {{\n{body}}}\n')
    code, _out, err = ws.plan()
    assert code == 1 and message in err
    assert "main.hcl line" in err


def test_condition_that_is_not_a_bool(ws: Workspace) -> None:
    ws.write(OBJECTS + policy("p", "advisory", "self.name"))
    code, _out, err = ws.plan()
    assert code == 1 and "must be true or false" in err


def test_policy_dir(ws: Workspace, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "rules.hcl").write_text(policy("encrypted", "mandatory", ENCRYPTED))
    ws.write(OBJECTS)
    code, out, _err = ws.plan("-policy-dir", str(pack))
    assert code == 1 and "plain breaks encrypted" in out
    (pack / "bad.hcl").write_text('resource "mem_object" "x" {\n  name = "x"\n}\n')
    code, _out, err = ws.plan("-policy-dir", str(pack))
    assert code == 1 and "holds only" in err
    code, _out, err = ws.plan("-policy-dir", str(tmp_path / "missing"))
    assert code == 1 and "not a directory" in err


def test_duplicate_policy_names(ws: Workspace, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "rules.hcl").write_text(policy("encrypted", "advisory", "true"))
    ws.write(OBJECTS + policy("encrypted", "advisory", "true"))
    code, _out, err = ws.plan("-policy-dir", str(pack))
    assert code == 1 and "Duplicate policy" in err


def test_check_judges_the_live_estate(ws: Workspace) -> None:
    rule = policy("encrypted", "mandatory", ENCRYPTED)
    ws.write(OBJECTS.replace('value = "plain"', 'value = "encrypted"') + rule)
    assert ws.apply()[0] == 0
    code, out, _err = ws.run("check", "-no-color", str(ws.root))
    assert code == 0, out
    assert "Policies: 2 passed, 0 failed" in out
    # someone changes an object by hand: the configuration still complies, the estate not
    obj = ws.world.find("mem_object", "plain")
    assert obj is not None
    ws.world.put("mem_object", {**obj, "value": "plain"})
    code, out, _err = ws.run("check", "-no-color", str(ws.root))
    assert code == 2
    assert 'mem_object.plain: policy "encrypted" failed (mandatory): plain breaks' in out
    code, out, _err = ws.run("check", "-json", str(ws.root))
    doc = json.loads(out)
    assert {(r["address"], r["outcome"]) for r in doc["results"]} == {
        ("mem_object.plain", "failed"), ("mem_object.sealed", "passed")}


def test_no_policies_no_summary(ws: Workspace) -> None:
    ws.write(OBJECTS)
    _code, out, _err = ws.plan()
    assert "Policies:" not in out


def test_a_policy_that_fails_to_evaluate_is_reported_once(ws: Workspace) -> None:
    ws.write(OBJECTS + policy("needs_before", "advisory", 'before.value == "x"'))
    code, _out, err = ws.plan()
    assert code == 1
    assert err.count('Policy "needs_before" could not be checked') == 1
    assert "Attempt to get attribute from null value" in err


def test_validate_checks_policy_blocks(ws: Workspace) -> None:
    ws.write(OBJECTS + 'policy "p" {\n  enforcement_level = "strict"\n  condition = true\n}\n')
    code, _out, err = ws.run("validate", "-no-color", str(ws.root))
    assert code == 1 and "enforcement_level must be" in err


def test_an_applied_override_is_its_own_audit_record(ws: Workspace) -> None:
    ws.write(OBJECTS + policy("encrypted", "overridable", ENCRYPTED))
    code, out, err = ws.apply("-override-policy", "encrypted", "-reason", "legacy, ML-42")
    assert code == 0, out + err
    records = [json.loads(line) for line in
               (ws.root / "govctl.audit.jsonl").read_text().splitlines()]
    assert [r["kind"] for r in records] == ["override", "apply"]
    assert records[0]["policy"] == "encrypted" and records[0]["reason"] == "legacy, ML-42"
    assert records[0]["addresses"] == ["mem_object.plain"]
    assert records[0]["plan_digest"] == records[1]["plan_digest"]
    code, out, _err = ws.run("audit", "verify", "-state", str(ws.root / "govctl.tfstate"),
                             "-log", str(ws.root / "govctl.audit.jsonl"))
    assert code == 0, out


def test_retagging_does_not_escape_a_tag_selected_policy(ws: Workspace) -> None:
    rule = policy("prod_values", "mandatory", 'self.value == "encrypted"',
                  '  tags = { env = "prod" }\n')
    cfg = ('resource "mem_object" "a" {\n  name = "a"\n  value = "%s"\n'
           '  tags = { env = "%s" }\n}\n')
    ws.write(cfg % ("encrypted", "prod") + rule)
    assert ws.apply()[0] == 0
    ws.write(cfg % ("plain", "dev") + rule)       # retag and break it in one change
    code, out, _err = ws.plan()
    assert code == 1 and "a breaks prod_values" in out


def test_deletes_are_checked_only_by_rules_about_the_action(ws: Workspace) -> None:
    settings = policy("encrypted", "mandatory", ENCRYPTED)
    ws.write(OBJECTS.replace('value = "plain"', 'value = "encrypted"'))
    assert ws.apply()[0] == 0
    obj = ws.world.find("mem_object", "plain")
    assert obj is not None
    ws.world.put("mem_object", {**obj, "value": "plain"})   # drifted out of compliance
    ws.write(OBJECTS.split('resource "mem_object" "sealed"')[0] + settings)
    code, out, err = ws.plan("-target", "mem_object.sealed")
    assert code == 0, out + err                  # removing it is allowed
    guard = policy("keep_sealed", "mandatory", 'action != "delete"')
    ws.write(OBJECTS.split('resource "mem_object" "sealed"')[0] + guard)
    code, out, _err = ws.plan()
    assert code == 1 and "sealed breaks keep_sealed" in out


def test_drift_with_a_broken_policy_exits_1(ws: Workspace) -> None:
    ws.write(OBJECTS)
    assert ws.apply()[0] == 0
    ws.write(OBJECTS + policy("numeric", "advisory", "tonumber(self.value) > 3"))
    code, out, err = ws.run("drift", "-no-color", str(ws.root))
    assert code == 1, out + err
    assert 'Policy "numeric" could not be checked' in err


def test_a_policy_undecided_at_plan_is_decided_after_apply(ws: Workspace) -> None:
    ws.write('resource "mem_object" "seed" {\n  name = "seed"\n}\n'
             'resource "mem_object" "a" {\n  name = "a"\n'
             '  value = substr(mem_object.seed.id, 0, 0) == "" ? "public" : "private"\n}\n'
             + policy("never_public", "mandatory", 'self.value != "public"'))
    code, out, _err = ws.plan()
    assert code == 0 and "decided after apply" in out
    code, out, err = ws.apply()
    assert code == 1
    assert "Policy failed after apply" in err and "a breaks never_public" in err
    records = [json.loads(line) for line in
               (ws.root / "govctl.audit.jsonl").read_text().splitlines()]
    decided = [r for r in records[-1]["policy_results"] if r["address"] == "mem_object.a"]
    assert decided[0]["outcome"] == "failed"
