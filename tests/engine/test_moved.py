"""moved blocks: renames keep their objects (no destroy, no create)."""

from __future__ import annotations

from govctl.plan.model import Action
from govctl.plugins.testing import InMemoryProvider

from .support import capture_plans


def _destructive_calls() -> list[tuple[str, str | None, str | None]]:
    return [c for c in InMemoryProvider.calls if c[0] in ("create", "delete")]


def _moves(plan) -> dict[str, str]:
    return {str(c.addr): str(c.moved_from) for c in plan.changes if c.moved_from}


def test_renamed_resource_keeps_its_object(ws, monkeypatch):
    ws.write('resource "mem_object" "a" {\n  name = "keep"\n}\n')
    assert ws.apply()[0] == 0
    obj = ws.world.find("mem_object", "keep")
    ws.write('resource "mem_object" "b" {\n  name = "keep"\n}\n'
             'moved {\n  from = mem_object.a\n  to   = mem_object.b\n}\n')
    plans = capture_plans(monkeypatch)
    code, out, err = ws.plan("-detailed-exitcode")
    assert code == 2, err            # the move is a change to state
    assert _moves(plans[0]) == {"mem_object.b": "mem_object.a"}
    assert [c.action for c in plans[0].changes] == [Action.NOOP]
    InMemoryProvider.calls.clear()
    code, out, err = ws.apply()
    assert code == 0, err
    assert _destructive_calls() == []
    assert ws.addresses() == ["mem_object.b"]
    assert ws.world.list("mem_object") == [obj]
    plans.clear()
    code, out, _ = ws.plan("-detailed-exitcode")
    assert code == 0 and "No changes." in out
    assert _moves(plans[0]) == {}


def test_moved_and_changed_is_an_update(ws, monkeypatch):
    ws.write('resource "mem_object" "a" {\n  name = "keep"\n  value = "1"\n}\n')
    assert ws.apply()[0] == 0
    ws.write('resource "mem_object" "b" {\n  name = "keep"\n  value = "2"\n}\n'
             'moved {\n  from = mem_object.a\n  to   = mem_object.b\n}\n')
    plans = capture_plans(monkeypatch)
    _code, out, _ = ws.plan()
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in out
    (change,) = plans[0].changes
    assert (change.action, str(change.moved_from)) == (Action.UPDATE, "mem_object.a")
    assert ws.apply()[0] == 0
    assert ws.world.find("mem_object", "keep")["value"] == "2"
    assert ws.addresses() == ["mem_object.b"]


def test_adding_count_moves_to_index_zero(ws, monkeypatch):
    ws.write('resource "mem_object" "a" {\n  name = "a0"\n}\n')
    assert ws.apply()[0] == 0
    ws.write('resource "mem_object" "a" {\n  count = 2\n  name = "a${count.index}"\n}\n')
    plans = capture_plans(monkeypatch)
    _code, out, _ = ws.plan()
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in out
    assert _moves(plans[0]) == {"mem_object.a[0]": "mem_object.a"}
    assert ws.apply()[0] == 0
    assert ws.addresses() == ["mem_object.a[0]", "mem_object.a[1]"]


def test_instance_keys_and_chains(ws):
    ws.write('resource "mem_object" "a" {\n  count = 1\n  name = "x"\n}\n')
    assert ws.apply()[0] == 0
    # written in the "wrong" order on purpose: chains are followed anyway
    ws.write("""
        resource "mem_object" "c" {
          for_each = toset(["x"])
          name     = each.key
        }
        moved {
          from = mem_object.b["x"]
          to   = mem_object.c["x"]
        }
        moved {
          from = mem_object.a[0]
          to   = mem_object.b["x"]
        }
    """)
    InMemoryProvider.calls.clear()
    code, _out, err = ws.apply()
    assert code == 0, err
    assert _destructive_calls() == []
    assert ws.addresses() == ['mem_object.c["x"]']


def test_module_call_rename(ws, monkeypatch):
    (ws.root / "mod").mkdir()
    (ws.root / "mod" / "main.hcl").write_text('resource "mem_object" "x" {\n  name = "mx"\n}\n')
    ws.write('module "old" {\n  source = "./mod"\n}\n')
    assert ws.apply()[0] == 0
    ws.write('module "new" {\n  source = "./mod"\n}\n'
             'moved {\n  from = module.old\n  to   = module.new\n}\n')
    plans = capture_plans(monkeypatch)
    InMemoryProvider.calls.clear()
    code, _out, err = ws.apply()
    assert code == 0, err
    assert _moves(plans[0]) == {"module.new.mem_object.x": "module.old.mem_object.x"}
    assert _destructive_calls() == []
    assert ws.addresses() == ["module.new.mem_object.x"]


def test_moved_block_inside_a_module(ws):
    (ws.root / "mod").mkdir()
    (ws.root / "mod" / "main.hcl").write_text('resource "mem_object" "x" {\n  name = "mx"\n}\n')
    ws.write('module "m" {\n  source = "./mod"\n}\n')
    assert ws.apply()[0] == 0
    (ws.root / "mod" / "main.hcl").write_text(
        'resource "mem_object" "y" {\n  name = "mx"\n}\n'
        'moved {\n  from = mem_object.x\n  to   = mem_object.y\n}\n')
    InMemoryProvider.calls.clear()
    code, _out, err = ws.apply()
    assert code == 0, err
    assert _destructive_calls() == []
    assert ws.addresses() == ["module.m.mem_object.y"]


def test_destination_already_in_state_is_an_error_at_the_block(ws):
    ws.write('resource "mem_object" "a" {\n  name = "a"\n}\n'
             'resource "mem_object" "b" {\n  name = "b"\n}\n')
    assert ws.apply()[0] == 0
    ws.write('resource "mem_object" "b" {\n  name = "b"\n}\n'
             'moved {\n  from = mem_object.a\n  to   = mem_object.b\n}\n')
    code, _out, err = ws.plan()
    assert code == 1
    assert "Moved object already exists" in err
    assert "main.hcl line 7" in err      # after the 3-line provider header and b
    assert ws.addresses() == ["mem_object.a", "mem_object.b"]


def test_moving_a_resource_that_is_still_declared_is_an_error(ws):
    ws.write('resource "mem_object" "a" {\n  name = "a"\n}\n'
             'resource "mem_object" "b" {\n  name = "b"\n}\n'
             'moved {\n  from = mem_object.a\n  to   = mem_object.b\n}\n')
    code, _out, err = ws.plan()
    assert code == 1
    assert "Moved object still exists" in err


def test_moves_between_types_are_refused(ws):
    ws.write('resource "mem_policy" "b" {\n  name = "b"\n}\n'
             'moved {\n  from = mem_object.a\n  to   = mem_policy.b\n}\n')
    code, _out, err = ws.plan()
    assert code == 1
    assert 'Invalid "moved" addresses' in err
