"""`govctl show [-json] [PLANFILE]`: saved plans and the state in Terraform's
JSON representations, validated against a schema written from Terraform's
documentation, and used by a policy check of the kind conftest/OPA users write."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from govctl.plugins.protocol import UNKNOWN
from govctl.plugins.testing import InMemoryProvider
from govctl.render.json_plan import dumps, sensitive_as_bool, state_sensitive, unknown_as_bool
from tests.engine.conftest import Workspace

SCHEMA = json.loads((Path(__file__).parent / "data" / "terraform-plan-schema.json")
                    .read_text())
STATE_SCHEMA = {**SCHEMA, "$ref": "#/$defs/state", "required": [], "properties": {}}

MODULE = """
variable "keys" {
  type = set(string)
}

resource "mem_object" "x" {
  for_each = var.keys
  name     = "x-${each.key}"
  tags     = { team = "ml" }
}
"""

V1 = """
resource "mem_object" "a" {
  name   = "a"
  value  = "one"
  tags   = { team = "ml", env = "dev" }
  secret = "hunter2"
}

resource "mem_object" "many" {
  count = 2
  name  = "many-${count.index}"
  value = mem_object.a.arn
  tags  = { team = "ml" }
}

resource "mem_object" "cbd" {
  name = "cbd"
  tags = { team = "ml" }
  lifecycle {
    create_before_destroy = true
  }
}

resource "mem_object" "gone" {
  name = "gone"
  tags = { team = "ml" }
}

module "m" {
  source = "./mod"
  keys   = ["k"]
}

output "rate" {
  value = 1.25
}

output "big" {
  value = 12345678901234567890.000000000000000001
}

output "arn" {
  value = mem_object.a.arn
}

output "pw" {
  value     = mem_object.a.secret
  sensitive = true
}
"""

# a changes in place, many[0] and cbd are renamed (replaced), gone is removed,
# and a new object comes without tags
V2 = (V1.replace('value  = "one"', 'value  = "two"')
      .replace('name  = "many-${count.index}"',
               'name  = count.index == 0 ? "many-renamed" : "many-1"')
      .replace('name = "cbd"', 'name = "cbd2"')
      .replace('resource "mem_object" "gone" {\n  name = "gone"\n  tags = { team = "ml" }\n}\n',
               'resource "mem_object" "untagged" {\n  name = "untagged"\n}\n'))


@pytest.fixture(autouse=True)
def _reset_provider():
    InMemoryProvider.reset()
    yield
    InMemoryProvider.reset()


@pytest.fixture
def ws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Workspace:
    w = Workspace(tmp_path, capsys)
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.hcl").write_text(MODULE)
    return w


def _show(ws: Workspace, *args: str) -> tuple[dict[str, Any], str]:
    code = ws.run("show", "-json", *args)
    # compact JSON on one line: folding runs of spaces leaves it as printed
    assert code[0] == 0, code[2]
    text = code[1]
    doc = json.loads(text)
    return doc, text


def _plan_json(ws: Workspace, name: str) -> tuple[dict[str, Any], str]:
    path = ws.root / name
    code, _, err = ws.plan("-out", str(path))
    assert code == 0, err
    doc, text = _show(ws, str(path))
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)
    return doc, text


def _changes(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rc["address"]: rc for rc in doc["resource_changes"]}


# --- a policy, as one would write it for conftest, in Python over the JSON ---
def policy_violations(doc: dict[str, Any]) -> list[str]:
    out = []
    for rc in doc["resource_changes"]:
        acts = rc["change"]["actions"]
        if "delete" in acts and "create" not in acts:
            out.append(f"{rc['address']} is deleted")
        after = rc["change"]["after"]
        if rc["type"] == "mem_object" and after is not None and not after.get("tags"):
            out.append(f"{rc['address']} has no tags")
    return out


def test_plan_json_create(ws):
    ws.write(V1)
    doc, text = _plan_json(ws, "create.plan")
    assert doc["format_version"] == "1.2"
    from govctl import __version__
    assert doc["terraform_version"] == __version__
    rcs = _changes(doc)
    assert sorted(rcs) == ['mem_object.a', 'mem_object.cbd', 'mem_object.gone',
                           'mem_object.many[0]', 'mem_object.many[1]',
                           'module.m.mem_object.x["k"]']
    assert all(rc["change"]["actions"] == ["create"] for rc in rcs.values())
    a = rcs["mem_object.a"]
    assert a["mode"] == "managed" and a["type"] == "mem_object" and a["name"] == "a"
    assert "index" not in a and "module_address" not in a
    assert a["provider_name"].endswith("mem")
    change = a["change"]
    assert change["before"] is None and change["before_sensitive"] is False
    # unknown values: null in after, flagged in after_unknown
    assert change["after"]["id"] is None and change["after"]["arn"] is None
    assert change["after_unknown"] == {"id": True, "arn": True}
    # sensitive values: present, flagged
    assert change["after"]["secret"] == "hunter2"
    assert change["after_sensitive"]["secret"] is True
    assert change["after_sensitive"]["tags"] == {}
    assert change["after"]["tags"] == {"team": "ml", "env": "dev"}
    many = rcs["mem_object.many[1]"]
    assert many["index"] == 1 and many["name"] == "many"
    assert many["change"]["after_unknown"] == {"id": True, "arn": True, "value": True}
    x = rcs['module.m.mem_object.x["k"]']
    assert x["index"] == "k" and x["module_address"] == "module.m"
    # planned values: unknowns left out; the module's resources under child_modules
    root = doc["planned_values"]["root_module"]
    pa = next(r for r in root["resources"] if r["address"] == "mem_object.a")
    assert "id" not in pa["values"] and pa["values"]["secret"] == "hunter2"
    assert pa["sensitive_values"]["secret"] is True
    (child,) = root["child_modules"]
    assert child["address"] == "module.m"
    assert [r["address"] for r in child["resources"]] == ['module.m.mem_object.x["k"]']
    # outputs; numbers are JSON numbers, exact
    outs = doc["output_changes"]
    assert outs["rate"]["actions"] == ["create"] and outs["rate"]["after"] == 1.25
    assert '"after":12345678901234567890.000000000000000001' in text
    assert outs["arn"]["after_unknown"] is True and outs["arn"]["after"] is None
    assert outs["pw"]["after_sensitive"] is True
    assert "value" not in doc["planned_values"]["outputs"]["arn"]
    assert doc["planned_values"]["outputs"]["pw"]["sensitive"] is True
    config = doc["configuration"]
    key = config["root_module"]["resources"][0]["provider_config_key"]
    assert key in config["provider_config"]
    assert doc["govctl"]["moved"] == [] and doc["govctl"]["imports"] == []
    assert policy_violations(doc) == []


def test_plan_json_update_replace_delete(ws):
    ws.write(V1)
    assert ws.apply()[0] == 0
    ws.write(V2)
    doc, _ = _plan_json(ws, "change.plan")
    rcs = _changes(doc)
    acts = {addr: rc["change"]["actions"] for addr, rc in rcs.items()}
    assert acts["mem_object.a"] == ["update"]
    assert acts["mem_object.many[0]"] == ["delete", "create"]
    assert acts["mem_object.cbd"] == ["create", "delete"]
    assert acts["mem_object.gone"] == ["delete"]
    assert acts["mem_object.untagged"] == ["create"]
    assert acts['module.m.mem_object.x["k"]'] == ["no-op"]
    a = rcs["mem_object.a"]["change"]
    assert a["before"]["value"] == "one" and a["after"]["value"] == "two"
    assert a["before"]["secret"] == "hunter2"
    assert a["before_sensitive"]["secret"] is True and a["after_sensitive"]["secret"] is True
    assert a["after_unknown"] == {}
    m0 = rcs["mem_object.many[0]"]
    assert m0["action_reason"] == "replace_because_cannot_update"
    assert m0["change"]["replace_paths"] == [["name"]]
    assert m0["change"]["after_unknown"] == {"id": True, "arn": True}
    gone = rcs["mem_object.gone"]
    assert gone["action_reason"] == "delete_because_no_resource_config"
    assert gone["change"]["after"] is None and gone["change"]["after_sensitive"] is False
    assert "mem_object.gone" not in {
        r["address"] for r in doc["planned_values"]["root_module"]["resources"]}
    assert policy_violations(doc) == ["mem_object.gone is deleted",
                                      "mem_object.untagged has no tags"]


def test_plan_json_drift(ws):
    ws.write(V1)
    assert ws.apply()[0] == 0
    obj = ws.world.find("mem_object", "a")
    ws.world.put("mem_object", {**obj, "value": "changed outside"})
    doc, _ = _plan_json(ws, "drift.plan")
    drift = {rc["address"]: rc for rc in doc["resource_drift"]}
    assert drift["mem_object.a"]["change"]["actions"] == ["update"]
    assert drift["mem_object.a"]["change"]["after"]["value"] == "changed outside"


def test_plan_json_requested_replace(ws):
    ws.write(V1)
    assert ws.apply()[0] == 0
    doc, _ = _plan_json(ws, "replace.plan")
    assert all(rc["change"]["actions"] == ["no-op"] for rc in doc["resource_changes"])
    code, _, err = ws.plan("-replace", "mem_object.a", "-out", str(ws.root / "r.plan"))
    assert code == 0, err
    doc, _ = _show(ws, str(ws.root / "r.plan"))
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)
    a = _changes(doc)["mem_object.a"]
    assert a["change"]["actions"] == ["delete", "create"]
    assert a["action_reason"] == "replace_by_request"


def test_show_state_json(ws, monkeypatch):
    ws.write(V1)
    assert ws.apply()[0] == 0
    monkeypatch.chdir(ws.root)
    doc, _ = _show(ws)
    jsonschema.validate(doc, STATE_SCHEMA, cls=jsonschema.Draft202012Validator)
    assert doc["format_version"] == "1.0"
    values = doc["values"]
    assert values["outputs"]["rate"] == {"value": 1.25, "type": "number", "sensitive": False}
    assert values["outputs"]["pw"]["sensitive"] is True
    res = {r["address"]: r for r in values["root_module"]["resources"]}
    assert res["mem_object.a"]["values"]["arn"] == ws.world.find("mem_object", "a")["arn"]
    assert res["mem_object.a"]["sensitive_values"]["secret"] is True
    assert res["mem_object.many[0]"]["index"] == 0
    assert res["mem_object.many[0]"]["depends_on"] == ["mem_object.a"]
    (child,) = values["root_module"]["child_modules"]
    assert child["address"] == "module.m"
    assert child["resources"][0]["index"] == "k"
    # -state names the file explicitly
    doc2, _ = _show(ws, "-state", str(ws.root / "govctl.tfstate"))
    assert doc2 == doc


def test_show_empty_state_json(ws, monkeypatch):
    monkeypatch.chdir(ws.root)
    doc, _ = _show(ws)
    assert doc["format_version"] == "1.0" and "values" not in doc


def test_show_text(ws, monkeypatch):
    ws.write(V1)
    path = ws.root / "p.plan"
    assert ws.plan("-out", str(path))[0] == 0
    code, out, err = ws.run("show", "-no-color", str(path))
    assert code == 0, err
    assert "# mem_object.a will be created" in out
    assert "Plan: 6 to add, 0 to change, 0 to destroy." in out
    assert ws.apply()[0] == 0
    monkeypatch.chdir(ws.root)
    code, out, err = ws.run("show", "-no-color")
    assert code == 0, err
    assert "# mem_object.a:" in out
    assert 'resource "mem_object" "a" {' in out
    assert "hunter2" not in out
    assert "pw = (sensitive value)" in out


def test_show_bad_plan_file(ws):
    (ws.root / "bad.plan").write_text("{}")
    code, _, err = ws.run("show", "-json", str(ws.root / "bad.plan"))
    assert code == 1 and "Invalid plan file" in err
    code, _, err = ws.run("show", "-json", str(ws.root / "missing.plan"))
    assert code == 1 and "Failed to read the plan file" in err


def test_value_helpers():
    after = {"id": UNKNOWN, "tags": {"a": "b"}, "list": [UNKNOWN, "x"], "n": Decimal("1.5")}
    assert unknown_as_bool(after) == {"id": True, "list": [True, False]}
    assert sensitive_as_bool(after, {"n"}) == {"tags": {}, "list": [], "n": True}
    assert sensitive_as_bool(None) is False
    assert state_sensitive({"a": {"b": "c"}, "l": ["x", "y"]}, [["a", "b"], ["l", 1]]) == \
        {"a": {"b": True}, "l": [False, True]}
    text = dumps({"n": Decimal("1.50"), "i": Decimal("10"), "e": Decimal("1E-9"),
                  "big": Decimal("1E+50"), "s": 'q"', "b": [True, None]})
    assert text == '{"b":[true,null],"big":1E+50,"e":1E-9,"i":10,"n":1.50,"s":"q\\""}'
    assert json.loads(text, parse_float=Decimal)["n"] == Decimal("1.50")


# --- configuration, variables, prior state, govctl's extras ------------------
def _config_resources(module: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["address"]: r for r in module.get("resources", [])}


def test_plan_json_configuration(ws):
    ws.write(V1)
    doc, _ = _plan_json(ws, "config.plan")
    config = doc["configuration"]
    mem = config["provider_config"]["mem"]
    assert mem["name"] == "mem" and mem["full_name"] == "govctl/mem"
    assert mem["expressions"]["storage"] == {"constant_value": str(ws.world_path)}
    root = config["root_module"]
    res = _config_resources(root)
    assert sorted(res) == ["mem_object.a", "mem_object.cbd", "mem_object.gone",
                           "mem_object.many"]
    a = res["mem_object.a"]
    assert (a["mode"], a["type"], a["name"], a["provider_config_key"]) == \
        ("managed", "mem_object", "a", "mem")
    assert a["expressions"]["name"] == {"constant_value": "a"}
    assert a["expressions"]["tags"] == {"constant_value": {"team": "ml", "env": "dev"}}
    # the schema declares `secret` sensitive: its literal is not repeated here
    assert a["expressions"]["secret"] == {}
    many = res["mem_object.many"]
    assert many["count_expression"] == {"constant_value": 2}
    assert many["expressions"]["value"] == {"references": ["mem_object.a.arn", "mem_object.a"]}
    assert many["expressions"]["name"] == {"references": ["count.index"]}
    assert root["outputs"]["arn"]["expression"] == {"references": ["mem_object.a.arn",
                                                                   "mem_object.a"]}
    assert root["outputs"]["pw"]["sensitive"] is True
    assert root["outputs"]["rate"]["expression"] == {"constant_value": 1.25}
    call = root["module_calls"]["m"]
    assert call["source"] == "./mod"
    assert call["expressions"]["keys"] == {"constant_value": ["k"]}
    x = _config_resources(call["module"])["mem_object.x"]     # relative to its module
    assert x["for_each_expression"] == {"references": ["var.keys"]}
    assert x["expressions"]["name"] == {"references": ["each.key"]}
    assert x["provider_config_key"] == "mem"
    assert call["module"]["variables"] == {"keys": {}}
    assert "hunter2" not in json.dumps(config)


VARS = """
variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "owner" {
  type = string
}

variable "token" {
  type      = string
  sensitive = true
}

resource "mem_object" "v" {
  name   = "v-${var.owner}"
  value  = var.region
  secret = var.token
  tags   = { team = "ml" }
}
"""


def test_plan_json_variables(ws):
    ws.write(VARS)
    path = ws.root / "vars.plan"
    code, _, err = ws.plan("-var", "owner=ana", "-var", "token=t0k3n", "-out", str(path))
    assert code == 0, err
    doc, _ = _show(ws, str(path))
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)
    # as Terraform: every root variable with its value, sensitive ones too
    # (the file is the user's, as the plan file is), defaults included
    assert doc["variables"] == {"owner": {"value": "ana"}, "region": {"value": "eu-west-1"},
                                "token": {"value": "t0k3n"}}
    declared = doc["configuration"]["root_module"]["variables"]
    assert declared["region"] == {"default": "eu-west-1"}
    assert declared["token"] == {"sensitive": True}
    expr = _config_resources(doc["configuration"]["root_module"])["mem_object.v"]
    assert expr["expressions"]["value"] == {"references": ["var.region"]}


def test_plan_json_prior_state(ws):
    ws.write(V1)
    doc, _ = _plan_json(ws, "first.plan")
    assert "prior_state" not in doc           # nothing in state yet: as Terraform
    assert ws.apply()[0] == 0
    obj = ws.world.find("mem_object", "a")
    ws.world.put("mem_object", {**obj, "value": "changed outside"})
    ws.world.delete("mem_object", ws.world.find("mem_object", "gone")["id"])
    ws.write(V2)
    path = ws.root / "second.plan"
    doc, _ = _plan_json(ws, "second.plan")
    prior = doc["prior_state"]
    jsonschema.validate(prior, STATE_SCHEMA, cls=jsonschema.Draft202012Validator)
    res = {r["address"]: r for r in prior["values"]["root_module"]["resources"]}
    # the state the plan was made from, as its refresh saw it
    assert res["mem_object.a"]["values"]["value"] == "changed outside"
    assert res["mem_object.a"]["values"]["secret"] == "hunter2"
    assert res["mem_object.a"]["sensitive_values"]["secret"] is True
    assert "mem_object.gone" not in res
    assert res["mem_object.many[0]"]["depends_on"] == ["mem_object.a"]
    assert prior["values"]["outputs"]["rate"]["value"] == 1.25
    (child,) = prior["values"]["root_module"]["child_modules"]
    assert child["resources"][0]["address"] == 'module.m.mem_object.x["k"]'
    # the saved plan keeps it: applying (which moves the state on) changes nothing
    assert ws.run("apply", "-no-color", str(path))[0] == 0
    again, _ = _show(ws, str(path))
    assert again["prior_state"] == prior
    assert again["configuration"] == doc["configuration"]


def test_plan_json_out_matches_show(ws):
    ws.write(V1)
    assert ws.apply()[0] == 0
    ws.write(V2)
    plan_path, json_path = ws.root / "p.plan", ws.root / "p.json"
    code, out, err = ws.plan("-out", str(plan_path), "-json-out", str(json_path))
    assert code == 0, err
    assert "# mem_object.a will be updated in-place" in out      # the normal output too
    assert json_path.stat().st_mode & 0o777 == 0o600
    _, shown = _show(ws, str(plan_path))
    assert json_path.read_text() == shown
    doc = json.loads(json_path.read_text())
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert doc["prior_state"]["values"]["root_module"]["resources"]
    # without -out too
    (ws.root / "q.json").write_text("old")
    code, _, err = ws.plan("-json-out", str(ws.root / "q.json"))
    assert code == 0, err
    q = json.loads((ws.root / "q.json").read_text())
    assert _changes(q).keys() == _changes(doc).keys()
    assert not list(ws.root.glob(".q.json.*"))                  # no temporary left behind
    code, _, err = ws.plan("-json-out", str(ws.root / "missing" / "r.json"))
    assert code == 1 and "Failed to write the JSON plan" in err


GUARDED = """
policy "tagged" {
  enforcement_level = "overridable"
  resource_types    = ["mem_object"]
  condition         = self.tags != null
  error_message     = "${self.name} has no tags"
}

resource "mem_object" "bare" {
  name = "bare"
}

resource "mem_object" "tidy" {
  name = "tidy"
  tags = { team = "ml" }
}
"""


def test_plan_json_govctl_extras(ws):
    from tests.policy.keys import write_keys

    keys = write_keys(ws.root / "keys", ["ana", "bo"])
    approvers = "".join(f'approver "{n}" {{\n  public_key = file("{keys[n]}.pub")\n}}\n'
                        for n in ("ana", "bo"))
    ws.write(GUARDED + approvers + """
policy "two_person_rule" {
  enforcement_level  = "mandatory"
  addresses          = ["mem_object.tidy"]
  required_approvals = 2
  condition          = true
}
""")
    path = ws.root / "extras.plan"
    code, _, err = ws.plan("-override-policy", "tagged", "-reason", "legacy, ML-42",
                           "-out", str(path))
    assert code == 0, err
    doc, _ = _show(ws, str(path))
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)
    extras = doc["govctl"]
    results = {(r["policy"], r["address"]): r for r in extras["policy_results"]}
    bare = results[("tagged", "mem_object.bare")]
    assert bare["outcome"] == "failed" and bare["enforcement_level"] == "overridable"
    assert bare["overridden"]["reason"] == "legacy, ML-42"
    assert results[("tagged", "mem_object.tidy")]["outcome"] == "passed"
    assert extras["overrides"] == [{"policy": "tagged", "reason": "legacy, ML-42",
                                    "by": bare["overridden"]["by"]}]
    (req,) = extras["approvals_required"]
    assert req["policy"] == "two_person_rule" and req["required"] == 2
    assert req["addresses"] == ["mem_object.tidy"]
    # what policy tools read is unchanged by them
    assert {rc["address"] for rc in doc["resource_changes"]} == {"mem_object.bare",
                                                                 "mem_object.tidy"}


# --- a conftest-style rule that follows references through `configuration` ---
GUARD = """
resource "mem_object" "data" {
  name = "data"
  tags = { class = "restricted" }
}

resource "mem_object" "open" {
  name = "open"
  tags = { class = "restricted" }
}

resource "mem_object" "public" {
  name = "public"
  tags = { class = "public" }
}

resource "mem_policy" "data" {
  name        = "guard-data"
  policy      = "{}"
  attached_to = [mem_object.data.id]
}
"""


def unguarded(doc: dict[str, Any]) -> list[str]:
    """Deny creating a restricted object without a policy attached to it: the
    attachment is known only after apply, so the rule follows the policy's
    `attached_to` references in the configuration, as conftest rules for an
    S3 bucket and its encryption configuration do."""
    def walk(module: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
        out = [{**r, "address": prefix + r["address"]} for r in module.get("resources", [])]
        for name, call in module.get("module_calls", {}).items():
            out += walk(call["module"], f"{prefix}module.{name}.")
        return out

    config = walk(doc["configuration"]["root_module"], "")
    guarded = {ref for r in config if r["type"] == "mem_policy"
               for ref in r["expressions"].get("attached_to", {}).get("references", [])}
    return [rc["address"] for rc in doc["resource_changes"]
            if rc["type"] == "mem_object" and "create" in rc["change"]["actions"]
            and (rc["change"]["after"].get("tags") or {}).get("class") == "restricted"
            and rc["address"] not in guarded]


def test_conftest_style_rule_follows_references(ws):
    ws.write(GUARD)
    doc, _ = _plan_json(ws, "guard.plan")
    assert unguarded(doc) == ["mem_object.open"]
    ws.write(GUARD + """
resource "mem_policy" "open" {
  name        = "guard-open"
  attached_to = [mem_object.open.id]
}
""")
    doc, _ = _plan_json(ws, "guarded.plan")
    assert unguarded(doc) == []


def test_reference_strings():
    from govctl.hcl.parser import parse_expression
    from govctl.render.json_config import expression

    def refs(text: str) -> dict[str, Any]:
        expr, diags = parse_expression(text, "t.hcl")
        assert expr is not None and not diags
        return expression(expr)

    assert refs('aws_s3_bucket.b["x"].arn') == {"references": [
        'aws_s3_bucket.b["x"].arn', 'aws_s3_bucket.b["x"]', "aws_s3_bucket.b"]}
    assert refs("data.mem_lookup.l.value") == {"references": [
        "data.mem_lookup.l.value", "data.mem_lookup.l"]}
    assert refs("module.m[0].out.deep") == {"references": [
        "module.m[0].out.deep", "module.m[0].out", "module.m[0]"]}
    assert refs("aws_s3_bucket.b[var.i].arn") == {"references": ["aws_s3_bucket.b", "var.i"]}
    assert refs("upper(local.x)") == {"references": ["local.x"]}
    assert refs('{ a = [1, -2.5, "s"], b = null }') == {
        "constant_value": {"a": [1, Decimal("-2.5"), "s"], "b": None}}
    assert refs('"${1}"') == {}              # neither a literal nor a reference
