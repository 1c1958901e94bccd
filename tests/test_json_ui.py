"""`plan -json`, `apply -json` and `destroy -json`: Terraform's machine-readable
UI, driven through the real command line against the in-memory provider."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from govctl.cli import main
from govctl.plugins.testing import InMemoryProvider
from tests.engine.conftest import Workspace

SECRET = "hunter2-do-not-print"

CONFIG = f"""
resource "mem_object" "a" {{
  name   = "a"
  value  = "one"
  secret = "{SECRET}"
}}

resource "mem_object" "b" {{
  name  = "b"
  value = "from ${{mem_object.a.arn}}"
}}

output "b_value" {{
  value = mem_object.b.value
}}

output "a_secret" {{
  value     = mem_object.a.secret
  sensitive = true
}}
"""

_RESOURCE = {
    "type": "object",
    "required": ["addr", "module", "resource", "implied_provider", "resource_type",
                 "resource_name", "resource_key"],
    "properties": {"addr": {"type": "string"}, "module": {"type": "string"},
                   "resource": {"type": "string"}, "implied_provider": {"type": "string"},
                   "resource_type": {"type": "string"}, "resource_name": {"type": "string"},
                   "resource_key": {"type": ["string", "integer", "null"]}},
}
_ACTIONS = ["noop", "create", "read", "update", "replace", "delete", "move", "import"]
_CHANGE = {"type": "object", "required": ["resource", "action"],
           "properties": {"resource": _RESOURCE, "action": {"enum": _ACTIONS},
                          "reason": {"type": "string"}}}
_HOOK = {"type": "object", "required": ["resource", "action"],
         "properties": {"resource": _RESOURCE, "action": {"enum": _ACTIONS},
                        "elapsed_seconds": {"type": "integer", "minimum": 0},
                        "id_key": {"type": "string"}, "id_value": {"type": "string"}}}
_COUNTS = {"type": "object", "required": ["add", "change", "remove", "import", "operation"],
           "properties": {"add": {"type": "integer"}, "change": {"type": "integer"},
                          "remove": {"type": "integer"}, "import": {"type": "integer"},
                          "operation": {"enum": ["plan", "apply", "destroy"]}}}

# the message envelope and the type-specific objects, from Terraform's
# "Machine-readable UI Output Reference"
MESSAGE_SCHEMA = {
    "type": "object",
    "required": ["@level", "@message", "@module", "@timestamp", "type"],
    "properties": {
        "@level": {"enum": ["info", "warn", "error"]},
        "@message": {"type": "string"},
        "@module": {"const": "govctl.ui"},
        "@timestamp": {"type": "string",
                       "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$"},
        "type": {"type": "string"},
    },
    "allOf": [
        {"if": {"properties": {"type": {"const": "version"}}},
         "then": {"required": ["ui"], "properties": {"ui": {"const": "1.0"}}}},
        {"if": {"properties": {"type": {"enum": ["planned_change", "resource_drift"]}}},
         "then": {"required": ["change"], "properties": {"change": _CHANGE}}},
        {"if": {"properties": {"type": {"enum": ["apply_start", "apply_complete",
                                                 "apply_errored"]}}},
         "then": {"required": ["hook"], "properties": {"hook": _HOOK}}},
        {"if": {"properties": {"type": {"enum": ["apply_complete", "apply_errored"]}}},
         "then": {"properties": {"hook": {"required": ["elapsed_seconds"]}}}},
        {"if": {"properties": {"type": {"const": "change_summary"}}},
         "then": {"required": ["changes"], "properties": {"changes": _COUNTS}}},
        {"if": {"properties": {"type": {"const": "diagnostic"}}},
         "then": {"required": ["diagnostic"], "properties": {"diagnostic": {
             "type": "object", "required": ["severity", "summary", "detail"],
             "properties": {"severity": {"enum": ["error", "warning"]}}}}}},
        {"if": {"properties": {"type": {"const": "outputs"}}},
         "then": {"required": ["outputs"], "properties": {"outputs": {
             "type": "object", "additionalProperties": {
                 "type": "object", "required": ["sensitive"],
                 "if": {"properties": {"sensitive": {"const": True}}},
                 "then": {"not": {"required": ["value"]}}}}}}},
    ],
}


@pytest.fixture(autouse=True)
def _reset_provider():
    InMemoryProvider.reset()
    yield
    InMemoryProvider.reset()


@pytest.fixture
def ws(tmp_path, capsys) -> Workspace:
    """The engine tests' workspace: the real CLI against the in-memory provider."""
    return Workspace(tmp_path, capsys)


def run_json(ws: Workspace, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    """Exit code, the stdout lines parsed (each must be one valid message), stderr."""
    code = main([*args])
    captured = ws.capsys.readouterr()
    messages = []
    for line in captured.out.splitlines():
        doc = json.loads(line)
        jsonschema.validate(doc, MESSAGE_SCHEMA)
        messages.append(doc)
    assert SECRET not in captured.out and SECRET not in captured.err
    return code, messages, captured.err


def types(messages: list[dict[str, Any]]) -> list[str]:
    return [m["type"] for m in messages]


def of(messages: list[dict[str, Any]], type_: str) -> list[dict[str, Any]]:
    return [m for m in messages if m["type"] == type_]


def test_plan_json_streams_changes_and_summary(ws):
    ws.write(CONFIG)
    code, msgs, err = run_json(ws, "plan", "-json", str(ws.root))
    assert code == 0, err
    assert types(msgs) == ["version", "planned_change", "planned_change", "change_summary",
                           "outputs"]
    assert msgs[0]["@message"].startswith("govctl ")
    planned = {m["change"]["resource"]["addr"]: m for m in of(msgs, "planned_change")}
    a = planned["mem_object.a"]
    assert a["change"] == {"resource": {
        "addr": "mem_object.a", "module": "", "resource": "mem_object.a",
        "implied_provider": "mem", "resource_type": "mem_object", "resource_name": "a",
        "resource_key": None}, "action": "create"}
    assert a["@message"] == "mem_object.a: Plan to create"
    summary = of(msgs, "change_summary")[0]
    assert summary["changes"] == {"add": 2, "change": 0, "remove": 0, "import": 0,
                                  "operation": "plan"}
    assert summary["@message"] == "Plan: 2 to add, 0 to change, 0 to destroy."
    assert of(msgs, "outputs")[0]["outputs"] == {
        "b_value": {"sensitive": False, "action": "create"},
        "a_secret": {"sensitive": True, "action": "create"}}
    assert ws.world.list("mem_object") == []        # a plan changes nothing


def test_apply_json_hooks_summary_and_outputs(ws):
    ws.write(CONFIG)
    code, msgs, err = run_json(ws, "apply", "-json", "-auto-approve", str(ws.root))
    assert code == 0, err
    seq = types(msgs)
    assert seq[0] == "version"
    assert seq[1:4] == ["planned_change", "planned_change", "change_summary"]
    # each change starts, then completes; b waits for a (it reads a's arn)
    hooks = [(m["type"], m["hook"]["resource"]["addr"]) for m in msgs
             if m["type"].startswith("apply_")]
    assert hooks == [("apply_start", "mem_object.a"), ("apply_complete", "mem_object.a"),
                     ("apply_start", "mem_object.b"), ("apply_complete", "mem_object.b")]
    assert of(msgs, "apply_complete")[0]["@message"].startswith(
        "mem_object.a: Creation complete after ")
    summaries = of(msgs, "change_summary")
    assert [s["changes"]["operation"] for s in summaries] == ["plan", "apply"]
    assert summaries[1]["@message"] == "Apply complete! Resources: 2 added, 0 changed, " \
        "0 destroyed."
    assert seq[-2:] == ["change_summary", "outputs"]
    outputs = msgs[-1]["outputs"]
    assert outputs["b_value"] == {"sensitive": False, "type": "string",
                                  "value": "from arn:mem:object/a"}
    assert outputs["a_secret"] == {"sensitive": True, "type": "string"}
    assert ws.world.find("mem_object", "a")["secret"] == SECRET    # it was applied


def test_update_drift_and_destroy(ws):
    ws.write(CONFIG)
    assert run_json(ws, "apply", "-json", "-auto-approve", str(ws.root))[0] == 0
    a = ws.world.find("mem_object", "a")
    ws.world.put("mem_object", {**a, "value": "changed by hand"})
    ws.write(CONFIG.replace('value  = "one"', 'value  = "two"'))
    code, msgs, err = run_json(ws, "apply", "-json", "-auto-approve", str(ws.root))
    assert code == 0, err
    drift = of(msgs, "resource_drift")
    assert [(m["change"]["resource"]["addr"], m["change"]["action"]) for m in drift] == \
        [("mem_object.a", "update")]
    assert types(msgs).index("resource_drift") < types(msgs).index("planned_change")
    start = of(msgs, "apply_start")[0]
    assert start["hook"]["action"] == "update"
    assert start["hook"]["id_key"] == "id" and start["hook"]["id_value"] == a["id"]
    assert of(msgs, "change_summary")[-1]["changes"]["change"] == 1
    assert ws.world.find("mem_object", "a")["value"] == "two"

    code, msgs, err = run_json(ws, "destroy", "-json", "-auto-approve", str(ws.root))
    assert code == 0, err
    assert [m["hook"]["action"] for m in of(msgs, "apply_complete")] == ["delete", "delete"]
    last = msgs[-1]
    assert last["type"] == "change_summary"
    assert last["changes"] == {"add": 0, "change": 0, "remove": 2, "import": 0,
                               "operation": "destroy"}
    assert last["@message"] == "Destroy complete! Resources: 2 destroyed."
    assert ws.world.list("mem_object") == []


def test_failed_create_is_an_errored_hook_and_an_error_diagnostic(ws):
    ws.write(CONFIG)
    InMemoryProvider.inject(call="create", name="a", error="quota exceeded for objects")
    code, msgs, _ = run_json(ws, "apply", "-json", "-auto-approve", str(ws.root))
    assert code == 1
    errored = of(msgs, "apply_errored")
    assert [m["hook"]["resource"]["addr"] for m in errored] == ["mem_object.a"]
    assert errored[0]["@level"] == "error"
    assert errored[0]["@message"].startswith("mem_object.a: Creation errored after ")
    diags = [m for m in of(msgs, "diagnostic") if m["diagnostic"]["severity"] == "error"]
    failure = [d for d in diags if d.get("diagnostic", {}).get("address") == "mem_object.a"]
    assert failure, diags
    assert "quota exceeded for objects" in failure[0]["diagnostic"]["detail"]
    assert failure[0]["@message"] == "Error: Failed to create mem_object.a"
    # b depends on a: never started; no success summary for a failed apply
    assert "mem_object.b" not in [m["hook"]["resource"]["addr"]
                                  for m in of(msgs, "apply_start")]
    assert [s["changes"]["operation"] for s in of(msgs, "change_summary")] == ["plan"]
    assert ws.world.list("mem_object") == []


def test_apply_json_without_auto_approve_is_refused(ws):
    ws.write(CONFIG)
    code, msgs, _ = run_json(ws, "apply", "-json", str(ws.root))
    assert code == 1
    assert types(msgs) == ["version", "diagnostic"]
    assert msgs[1]["diagnostic"]["summary"] == "Plan file or auto-approve required"
    assert ws.world.list("mem_object") == []


def test_saved_plan_applies_with_json_and_no_human_text(ws):
    ws.write(CONFIG)
    plan_file = ws.root / "plan.bin"
    code, msgs, err = run_json(ws, "plan", "-json", "-out", str(plan_file), str(ws.root))
    assert code == 0, err
    assert plan_file.exists()
    assert "Saved the plan" not in err
    code, msgs, err = run_json(ws, "apply", "-json", str(plan_file))
    assert code == 0, err
    # a saved plan is not planned again: no planned_change, straight to the hooks
    assert types(msgs)[:2] == ["version", "apply_start"]
    assert "planned_change" not in types(msgs)
    assert of(msgs, "change_summary")[0]["changes"]["add"] == 2


def test_configuration_errors_are_diagnostics_with_ranges(ws):
    ws.write('resource "mem_object" "a" {\n  name = nope.thing\n}\n')
    code, msgs, _ = run_json(ws, "plan", "-json", str(ws.root))
    assert code == 1
    assert types(msgs)[0] == "version"
    errors = of(msgs, "diagnostic")
    assert errors and all(m["@level"] == "error" for m in errors)
    rng = errors[0]["diagnostic"]["range"]
    assert rng["filename"].endswith("main.hcl")
    assert rng["start"]["line"] == 5       # after the provider block ws.write adds


@pytest.mark.parametrize("command", ["plan", "apply", "destroy"])
def test_json_flag_is_accepted(command):
    from govctl.cli import _parser

    args = _parser().parse_args([command, "-json"])
    assert args.json_ui is True
    assert _parser().parse_args([command]).json_ui is False


def test_policy_verdicts_are_policy_result_lines(ws):
    ws.write(CONFIG + '\npolicy "named_b" {\n  enforcement_level = "advisory"\n'
             '  resource_types = ["mem_object"]\n  condition = self.name == "b"\n'
             '  error_message = "only b is allowed, not ${self.name}"\n}\n')
    code, msgs, err = run_json(ws, "plan", "-json", str(ws.root))
    assert code == 0, err
    results = of(msgs, "policy_result")
    assert len(results) == 1
    body = results[0]["policy_result"]
    assert body["policy"] == "named_b" and body["address"] == "mem_object.a"
    assert body["outcome"] == "failed" and body["blocking"] is False
    assert body["message"] == "only b is allowed, not a"
    assert results[0]["@level"] == "warn"


def test_refresh_reads_are_refresh_start_and_complete_hooks(ws):
    ws.write(CONFIG)
    assert run_json(ws, "apply", "-json", "-auto-approve", str(ws.root))[0] == 0
    a, b = ws.world.find("mem_object", "a"), ws.world.find("mem_object", "b")
    code, msgs, err = run_json(ws, "plan", "-json", str(ws.root))
    assert code == 0, err
    for kind in ("refresh_start", "refresh_complete"):
        hooks = sorted((m["hook"]["resource"]["addr"], m["hook"]["id_value"], m["@message"])
                       for m in of(msgs, kind))
        text = "Refreshing state..." if kind == "refresh_start" else "Refresh complete"
        assert hooks == [("mem_object.a", a["id"], f"mem_object.a: {text} [id={a['id']}]"),
                         ("mem_object.b", b["id"], f"mem_object.b: {text} [id={b['id']}]")]
    # reads come before the plan's changes are reported, and nothing secret is shown
    assert types(msgs).index("refresh_complete") < types(msgs).index("change_summary")
    assert SECRET not in json.dumps(msgs)
    code, msgs, err = run_json(ws, "plan", "-json", "-refresh=false", str(ws.root))
    assert code == 0 and not of(msgs, "refresh_start")
