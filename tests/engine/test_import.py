"""Import: `import` blocks planned like any change, and `govctl import`."""

from __future__ import annotations

from govctl.commands import importing
from govctl.plan.model import Action
from govctl.plugins.testing import InMemoryProvider, object_id

from .support import capture_plans

CONFIG = """
resource "mem_object" "legacy" {
  name  = "legacy"
  value = "%s"
}
import {
  to = mem_object.legacy
  id = "%s"
}
"""


def _existing(ws, value: str = "old") -> str:
    obj = ws.world.put("mem_object", {"name": "legacy", "value": value,
                                      "arn": "arn:mem:object/legacy"})
    return obj["id"]


def test_import_block_is_planned_and_applied(ws, monkeypatch):
    id_ = _existing(ws)
    ws.write(CONFIG % ("new", id_))
    plans = capture_plans(monkeypatch)
    code, out, err = ws.plan()
    assert code == 0, err
    (change,) = plans[0].changes
    assert (change.action, change.importing) == (Action.UPDATE, id_)
    assert change.before["value"] == "old"
    assert "0 to add, 1 to change, 0 to destroy." in out
    InMemoryProvider.calls.clear()
    code, out, err = ws.apply()
    assert code == 0, err
    assert "Apply complete! Resources: 1 imported, 0 added, 1 changed, 0 destroyed." in out
    assert [c[0] for c in InMemoryProvider.calls if c[0] in ("create", "update", "delete")] \
        == ["update"]
    assert ws.addresses() == ["mem_object.legacy"]
    assert ws.world.list("mem_object") == [ws.world.get("mem_object", id_)]
    assert ws.world.get("mem_object", id_)["value"] == "new"
    # the block may stay: the object is managed now
    code, out, _ = ws.plan("-detailed-exitcode")
    assert code == 0 and "No changes." in out


def test_import_of_an_identical_object_changes_only_state(ws, monkeypatch):
    id_ = _existing(ws, "same")
    ws.write(CONFIG % ("same", id_))
    plans = capture_plans(monkeypatch)
    code, _out, err = ws.plan("-detailed-exitcode")
    assert code == 2, err
    assert [(c.action, c.importing) for c in plans[0].changes] == [(Action.NOOP, id_)]
    assert ws.apply()[0] == 0
    assert ws.addresses() == ["mem_object.legacy"]


def test_import_of_a_missing_object_is_an_error(ws):
    ws.write(CONFIG % ("x", object_id("mem_object", "nothing")))
    code, _out, err = ws.plan()
    assert code == 1
    assert "Cannot import non-existent remote object" in err


def test_import_without_configuration_is_an_error(ws):
    ws.write('import {\n  to = mem_object.nowhere\n  id = "x"\n}\n')
    code, _out, err = ws.plan()
    assert code == 1
    assert "Configuration for import target does not exist" in err


def test_import_command_writes_state(ws, capsys):
    id_ = _existing(ws)
    ws.write('resource "mem_object" "legacy" {\n  name  = "legacy"\n  value = "old"\n}\n')
    code = importing.run(ws.root, "mem_object.legacy", id_)
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "Import successful!" in out.out
    assert ws.addresses() == ["mem_object.legacy"]
    assert ws.state()["resources"][0]["instances"][0]["attributes"]["id"] == id_
    assert not (ws.root / "govctl.tfstate.lock.info").exists()
    code, out_, _ = ws.plan("-detailed-exitcode")
    assert code == 0 and "No changes." in out_
    # a second import to the same address is refused
    assert importing.run(ws.root, "mem_object.legacy", id_) == 1
    assert "Resource already managed by govctl" in capsys.readouterr().err


def test_import_command_needs_configuration(ws, capsys):
    id_ = _existing(ws)
    ws.write("")
    assert importing.run(ws.root, "mem_object.legacy", id_) == 1
    err = capsys.readouterr().err
    assert "Configuration for import target does not exist" in err
    assert not (ws.root / "govctl.tfstate").exists()


def test_import_command_missing_object_and_bad_address(ws, capsys):
    ws.write('resource "mem_object" "legacy" {\n  name = "legacy"\n}\n')
    assert importing.run(ws.root, "mem_object.legacy", "no-such-id") == 1
    assert "Cannot import non-existent remote object" in capsys.readouterr().err
    assert importing.run(ws.root, "mem_object", "x") == 1
    assert "Invalid address" in capsys.readouterr().err


def test_import_command_into_a_module_and_with_vars(ws, capsys):
    (ws.root / "mod").mkdir()
    (ws.root / "mod" / "main.hcl").write_text(
        'variable "n" {\n  type = string\n}\n'
        'resource "mem_object" "x" {\n  count = 1\n  name = var.n\n}\n')
    ws.write('variable "n" {\n  type = string\n}\n'
             'module "m" {\n  source = "./mod"\n  n = var.n\n}\n')
    id_ = _existing(ws)
    code = importing.run(ws.root, "module.m.mem_object.x[0]", id_, [("var", "n=legacy")])
    assert code == 0, capsys.readouterr().err
    assert ws.addresses() == ["module.m.mem_object.x[0]"]
    assert importing.run(ws.root, "module.m.mem_object.x", id_, [("var", "n=legacy")]) == 1
    assert "Invalid resource instance key" in capsys.readouterr().err


def test_import_through_the_command_line(ws):
    id_ = _existing(ws)
    ws.write('resource "mem_object" "legacy" {\n  name  = "legacy"\n  value = "old"\n}\n')
    code, out, err = ws.run("import", "-config", str(ws.root), "mem_object.legacy", id_)
    assert code == 0, err
    assert "Import successful!" in out
    assert ws.addresses() == ["mem_object.legacy"]


def test_import_block_through_a_saved_plan(ws, tmp_path):
    id_ = _existing(ws)
    ws.write(CONFIG % ("new", id_))
    saved = tmp_path / "import.plan"
    assert ws.plan("-out", str(saved))[0] == 0
    code, out, err = ws.run("apply", "-no-color", str(saved))
    assert code == 0, err + out
    assert ws.addresses() == ["mem_object.legacy"]
    assert ws.world.list("mem_object") == [ws.world.get("mem_object", id_)]
    assert ws.world.get("mem_object", id_)["value"] == "new"


def test_import_command_refuses_an_instance_the_configuration_does_not_declare(ws, capsys):
    """As for import blocks: mem_object.x[7] with count = 5 would be destroyed
    by the next plan, so it is refused, and nothing is written."""
    id_ = _existing(ws)
    ws.write('resource "mem_object" "x" {\n  count = 5\n  name  = "x${count.index}"\n}\n'
             'resource "mem_object" "e" {\n  for_each = toset(["a"])\n  name = each.key\n}\n')
    for addr in ("mem_object.x[7]", 'mem_object.e["b"]'):
        assert importing.run(ws.root, addr, id_) == 1
        err = capsys.readouterr().err
        assert "Configuration for import target does not exist" in err
        assert f"{addr} does not exist" in err
    assert not (ws.root / "govctl.tfstate").exists() or ws.state()["resources"] == []
    assert importing.run(ws.root, "mem_object.x[2]", id_) == 0
    assert ws.addresses() == ["mem_object.x[2]"]
