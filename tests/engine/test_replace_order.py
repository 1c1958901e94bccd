"""Destroy-then-create replacement in Terraform's order: a dependent's old
object goes before the object it depends on, and is made again after it."""

from __future__ import annotations

from govctl.plugins.testing import InMemoryProvider
from tests.engine.conftest import Workspace

CONFIG = """
resource "mem_object" "a" {
  name = "%s"
}
%s
"""

POLICY = """
resource "mem_policy" "p" {
  name        = "${mem_object.a.name}-policy"
  attached_to = [mem_object.a.id]
}
"""


def _apply_calls() -> list[tuple[str, str | None]]:
    return [(op, name) for op, _t, name in InMemoryProvider.calls
            if op in ("create", "update", "delete")]


def test_dependent_replacement_is_destroyed_first_and_created_last(ws: Workspace) -> None:
    ws.write(CONFIG % ("a1", POLICY))
    assert ws.apply()[0] == 0
    ws.write(CONFIG % ("a2", POLICY))
    InMemoryProvider.calls.clear()
    code, out, err = ws.apply()
    assert code == 0, out + err
    assert _apply_calls() == [("delete", "a1-policy"), ("delete", "a1"),
                              ("create", "a2"), ("create", "a2-policy")]
    assert ws.addresses() == ["mem_object.a", "mem_policy.p"]


def test_removed_dependent_goes_before_its_replaced_dependency(ws: Workspace) -> None:
    ws.write(CONFIG % ("b1", POLICY))
    assert ws.apply()[0] == 0
    ws.write(CONFIG % ("b2", ""))
    InMemoryProvider.calls.clear()
    code, out, err = ws.apply()
    assert code == 0, out + err
    assert _apply_calls() == [("delete", "b1-policy"), ("delete", "b1"), ("create", "b2")]
    assert ws.addresses() == ["mem_object.a"]


def test_failed_destroy_stops_the_replacement_and_its_dependents(ws: Workspace) -> None:
    ws.write(CONFIG % ("c1", POLICY))
    assert ws.apply()[0] == 0
    ws.write(CONFIG % ("c2", POLICY))
    InMemoryProvider.inject(call="delete", name="c1", error="still in use")
    code, _out, err = ws.apply()
    assert code == 1
    assert "still in use" in err
    names = {o["name"] for o in ws.world.list("mem_object")}
    assert names == {"c1"}                      # nothing new was made
    assert ws.world.list("mem_policy") == []    # the dependent went first
    assert ws.addresses() == ["mem_object.a"]   # and state says so
