"""plan -> apply -> plan: every action, through the command line."""

from __future__ import annotations

import io

import pytest

CONFIG = """
resource "mem_object" "a" {
  name  = "a"
  value = "one"
}

resource "mem_object" "b" {
  name  = "b"
  value = "from ${mem_object.a.arn}"
}

output "b_value" {
  value = mem_object.b.value
}
"""


def test_create_then_no_changes(ws):
    ws.write(CONFIG)
    code, out, err = ws.plan("-detailed-exitcode")
    assert code == 2, err
    assert "Plan: 2 to add, 0 to change, 0 to destroy." in out
    assert "+ arn = (known after apply)" in out
    code, out, err = ws.apply()
    assert code == 0, err
    assert "Apply complete! Resources: 2 added, 0 changed, 0 destroyed." in out
    assert ws.addresses() == ["mem_object.a", "mem_object.b"]
    b = ws.world.find("mem_object", "b")
    a = ws.world.find("mem_object", "a")
    assert b["value"] == f"from {a['arn']}"
    assert ws.state()["outputs"]["b_value"]["value"] == f"from {a['arn']}"
    code, out, err = ws.plan("-detailed-exitcode")
    assert code == 0, err
    assert "No changes." in out


def test_update_in_place_and_replace(ws):
    ws.write(CONFIG)
    assert ws.apply()[0] == 0
    ws.write(CONFIG.replace('value = "one"', 'value = "two"'))
    _, out, _ = ws.plan()
    assert "# mem_object.a will be updated in-place" in out
    assert '~ value = "one" -> "two"' in out
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in out
    assert ws.apply()[0] == 0
    assert ws.world.find("mem_object", "a")["value"] == "two"
    ws.write(CONFIG.replace('value = "one"', 'value = "two"')
             .replace('name  = "b"', 'name  = "b2"'))
    _code, out, _ = ws.plan()
    assert "# mem_object.b must be replaced" in out
    assert "# forces replacement" in out
    assert "Plan: 1 to add, 0 to change, 1 to destroy." in out
    assert ws.apply()[0] == 0
    assert ws.world.find("mem_object", "b") is None
    assert ws.world.find("mem_object", "b2") is not None


def test_delete_removed_resources_and_destroy(ws):
    ws.write(CONFIG)
    assert ws.apply()[0] == 0
    ws.write(CONFIG.split("output")[0].split('resource "mem_object" "b"')[0])
    code, out, _ = ws.plan()
    assert "# mem_object.b will be destroyed" in out
    assert "(no longer in the configuration)" in out
    assert ws.apply()[0] == 0
    assert ws.addresses() == ["mem_object.a"]
    code, out, err = ws.run("destroy", "-no-color", "-auto-approve", str(ws.root))
    assert code == 0, err
    assert ws.addresses() == []
    assert ws.world.list("mem_object") == []


def test_drift_is_shown_and_repaired(ws):
    ws.write(CONFIG)
    assert ws.apply()[0] == 0
    a = ws.world.find("mem_object", "a")
    ws.world.put("mem_object", {**a, "value": "changed in the console"})
    _code, out, _ = ws.plan()
    assert "Objects have changed outside of govctl" in out
    assert '~ value = "changed in the console" -> "one"' in out
    assert ws.apply()[0] == 0
    assert ws.world.find("mem_object", "a")["value"] == "one"


def test_count_and_for_each_instances(ws):
    ws.write("""
        resource "mem_object" "n" {
          count = 2
          name  = "n${count.index}"
        }
        resource "mem_object" "t" {
          for_each = toset(["x", "y"])
          name     = "t-${each.key}"
          value    = mem_object.n[0].id
        }
    """)
    assert ws.apply()[0] == 0
    assert ws.addresses() == ['mem_object.n[0]', 'mem_object.n[1]', 'mem_object.t["x"]',
                              'mem_object.t["y"]']


def test_saved_plan_applies_and_goes_stale(ws, tmp_path):
    ws.write(CONFIG)
    plan = tmp_path / "the.plan"
    assert ws.plan("-out", str(plan))[0] == 0
    code, out, err = ws.run("apply", "-no-color", str(plan))
    assert code == 0, err + out
    assert ws.addresses() == ["mem_object.a", "mem_object.b"]
    code, out, err = ws.run("apply", "-no-color", str(plan))
    assert code == 1
    assert "Saved plan is stale" in err


def test_sensitive_attributes_are_never_shown(ws):
    ws.write("""
        resource "mem_object" "s" {
          name   = "s"
          secret = "hunter2"
        }
    """)
    _code, out, err = ws.plan()
    assert "hunter2" not in out + err
    assert "(sensitive value)" in out


def test_prevent_destroy_refuses_and_is_remembered(ws):
    ws.write("""
        resource "mem_object" "keep" {
          name = "keep"
          lifecycle {
            prevent_destroy = true
          }
        }
    """)
    assert ws.apply()[0] == 0
    ws.write("")
    code, _out, err = ws.plan()
    assert code == 1
    assert "Instance cannot be destroyed" in err


def test_destroy_honours_prevent_destroy(ws):
    ws.write("""
        resource "mem_object" "keep" {
          name = "keep"
          lifecycle {
            prevent_destroy = true
          }
        }
    """)
    assert ws.apply()[0] == 0
    code, _, err = ws.run("destroy", "-no-color", "-auto-approve", str(ws.root))
    assert code == 1
    assert "Instance cannot be destroyed" in err
    assert "main.hcl line 5, column 1:" in err, err     # the resource, still declared
    assert ws.world.find("mem_object", "keep") is not None


def test_prevent_destroy_is_lifted_only_by_an_explicit_false(ws):
    keep = """
        resource "mem_object" "keep" {
          name = "keep"
          lifecycle {
            prevent_destroy = %s
          }
        }
    """
    ws.write(keep % "true")
    assert ws.apply()[0] == 0
    ws.write('resource "mem_object" "keep" {\n  name = "keep"\n}\n')
    assert ws.apply()[0] == 0            # no change to make; the flag stays remembered
    assert ws.state()["resources"][0]["instances"][0]["prevent_destroy"] is True
    ws.write(keep % "false")
    assert ws.apply()[0] == 0            # a no-op that records the lifted flag
    assert ws.state()["resources"][0]["instances"][0]["prevent_destroy"] is False
    ws.write("")
    assert ws.apply()[0] == 0
    assert ws.world.find("mem_object", "keep") is None


def test_refresh_only_apply_records_drift(ws):
    ws.write(CONFIG)
    assert ws.apply()[0] == 0
    a = ws.world.find("mem_object", "a")
    ws.world.put("mem_object", {**a, "value": "edited"})
    ws.world.delete("mem_object", ws.world.find("mem_object", "b")["id"])
    code, _, err = ws.apply("-refresh-only")
    assert code == 0, err
    assert ws.addresses() == ["mem_object.a"]
    attrs = ws.state()["resources"][0]["instances"][0]["attributes"]
    assert attrs["value"] == "edited"


def test_destroy_clears_the_outputs(ws) -> None:
    ws.write('resource "mem_object" "a" {\n  name = "a"\n  secret = "s3cr3t"\n}\n'
             'output "secret" {\n  value = mem_object.a.secret\n  sensitive = true\n}\n')
    assert ws.apply()[0] == 0
    assert "secret" in ws.state()["outputs"]
    code, out, err = ws.run("destroy", "-no-color", "-auto-approve", str(ws.root))
    assert code == 0, out + err
    assert ws.state()["outputs"] == {}
    assert "s3cr3t" not in (ws.root / "govctl.tfstate").read_text()


@pytest.mark.parametrize("command, asked, cancelled", [
    ("apply", "Do you want to perform these actions?", "Apply cancelled."),
    ("destroy", "Do you really want to destroy all resources?", "Destroy cancelled."),
])
def test_an_answer_other_than_yes_changes_nothing(ws, monkeypatch, command, asked, cancelled):
    ws.write('resource "mem_object" "a" {\n  name = "a"\n}\n')
    if command == "destroy":
        assert ws.apply()[0] == 0
    before = ws.world.list("mem_object")
    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    code, out, err = ws.run(command, "-no-color", str(ws.root))
    assert code == 1, out + err
    assert asked in out and cancelled in out
    assert ws.world.list("mem_object") == before


def test_apply_ends_with_the_outputs_secrets_hidden(ws):
    ws.write("""
        resource "mem_object" "a" {
          name = "a"
        }
        output "name" {
          value = mem_object.a.name
        }
        output "token" {
          value     = "hunter2"
          sensitive = true
        }
    """)
    code, out, err = ws.apply()
    assert code == 0, err
    tail = out.split("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.", 1)[1]
    assert tail == '\n\nOutputs:\n\nname = "a"\ntoken = <sensitive>\n'
    assert "hunter2" not in out + err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_missing_required_variable_is_asked_for_at_a_terminal(ws, monkeypatch, capsys):
    ws.write("""
        variable "name" {
          description = "The object's name"
        }
        resource "mem_object" "a" {
          name = var.name
        }
    """)
    monkeypatch.setattr("sys.stdin", _Terminal("asked\n"))
    code, out, err = ws.plan()
    assert code == 0, err
    assert "var.name\n  The object's name\n\n  Enter a value: " in out
    assert 'name = "asked"' in out
    code, out, err = ws.plan("-input=false")     # no prompt: the plan says what is missing
    assert code == 1
    assert "Enter a value" not in out
    assert "No value for required variable" in err
