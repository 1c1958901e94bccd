"""The order of deletes: dependents first, as generations that may run
together; a deposed object before the instance at its address; and no
traceback when a hand-edited state makes the dependencies circular."""

from __future__ import annotations

from govctl.addrs import parse_instance
from govctl.apply import delete_order
from govctl.plan.model import Action, Change


def _delete(addr: str, *deps: str, deposed: bool = False) -> Change:
    return Change(parse_instance(addr), Action.DELETE, "provider.mem", {"name": addr}, None,
                  dependencies=list(deps), deposed=deposed)


def _names(generations: list[list[Change]]) -> list[list[str]]:
    return [[f"{c.addr}{' (deposed)' if c.deposed else ''}" for c in gen]
            for gen in generations]


def test_dependents_go_first_and_independents_together() -> None:
    changes = [_delete("mem_object.role"),
               _delete("mem_policy.p", "mem_object.role"),
               _delete("mem_object.other"),
               _delete("mem_object.user", "mem_policy.p")]
    assert _names(delete_order(changes)) == [
        ["mem_object.other", "mem_object.user"],
        ["mem_policy.p"],
        ["mem_object.role"]]


def test_every_instance_of_a_dependency_waits_for_every_dependent() -> None:
    changes = [_delete("mem_object.a[0]"), _delete("mem_object.a[1]"),
               _delete('mem_object.b["x"]', "mem_object.a")]
    assert _names(delete_order(changes)) == [['mem_object.b["x"]'],
                                             ["mem_object.a[0]", "mem_object.a[1]"]]


def test_a_deposed_object_goes_before_the_instance_at_its_address() -> None:
    changes = [_delete("mem_object.a"), _delete("mem_object.a", deposed=True)]
    assert _names(delete_order(changes)) == [["mem_object.a (deposed)"], ["mem_object.a"]]


def test_circular_dependencies_from_a_hand_edited_state_go_one_at_a_time() -> None:
    changes = [_delete("mem_object.b", "mem_object.a"), _delete("mem_object.a", "mem_object.b"),
               _delete("mem_object.c")]
    assert _names(delete_order(changes)) == [["mem_object.a"], ["mem_object.b"],
                                             ["mem_object.c"]]
