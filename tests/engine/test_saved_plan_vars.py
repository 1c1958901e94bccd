"""-var and -var-file when applying a saved plan: the plan's values stand. The
same value is accepted; another one is refused (as Terraform 1.10+ does), with
nothing applied and a sensitive value never shown."""

from __future__ import annotations

CONFIG = """
variable "name" {
  type = string
}
variable "secret" {
  type      = string
  default   = "d"
  sensitive = true
}
resource "mem_object" "o" {
  name  = var.name
  value = var.secret
}
"""


def _plan(ws, tmp_path, *flags):
    out = tmp_path / "p.plan"
    code, _, err = ws.plan("-out", str(out), *flags)
    assert code == 0, err
    return str(out)


def test_the_same_value_is_accepted(ws, tmp_path):
    ws.write(CONFIG)
    plan = _plan(ws, tmp_path, "-var", "name=one")
    code, out, err = ws.run("apply", "-no-color", "-var", "name=one", "--var=secret=d", plan)
    assert code == 0, out + err
    assert [o["name"] for o in ws.world.list("mem_object")] == ["one"]


def test_another_value_is_refused_and_nothing_is_applied(ws, tmp_path):
    ws.write(CONFIG)
    plan = _plan(ws, tmp_path, "-var", "name=one")
    code, out, err = ws.run("apply", "-no-color", "-var", "name=two", plan)
    assert code == 1, out + err
    assert "Can't change variable when applying a saved plan" in err
    assert 'The saved plan specifies "one" as the value whereas during apply the value ' \
        '"two" was given' in err
    assert ws.world.list("mem_object") == []
    code, out, err = ws.run("apply", "-no-color", plan)     # the plan itself still applies
    assert code == 0, out + err
    assert [o["name"] for o in ws.world.list("mem_object")] == ["one"]


def test_a_sensitive_variable_is_refused_without_showing_either_value(ws, tmp_path):
    ws.write(CONFIG)
    plan = _plan(ws, tmp_path, "-var", "name=one", "-var", "secret=hunter2")
    var_file = tmp_path / "x.tfvars"
    var_file.write_text('secret = "swordfish"\n')
    code, out, err = ws.run("apply", "-no-color", "--var-file", str(var_file), plan)
    assert code == 1
    assert "Can't change variable when applying a saved plan" in err
    assert "hunter2" not in out + err and "swordfish" not in out + err
    assert "(sensitive value)" in err


def test_a_default_the_plan_used_may_be_given_again(ws, tmp_path):
    ws.write(CONFIG)
    plan = _plan(ws, tmp_path, "-var", "name=one")
    code, out, err = ws.run("apply", "-no-color", "-var", "secret=d", plan)
    assert code == 0, out + err


def test_an_undeclared_variable_is_an_error(ws, tmp_path):
    ws.write(CONFIG)
    plan = _plan(ws, tmp_path, "-var", "name=one")
    code, _, err = ws.run("apply", "-no-color", "-var", "nmae=one", plan)
    assert code == 1
    assert 'Did you mean "name"?' in err
    assert ws.world.list("mem_object") == []
