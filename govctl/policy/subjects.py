"""Plans and refreshed states as policy subjects.

A planned subject's `self` is the object the plan will leave (unknown where
known only after apply), `before` the object as it is now. A delete's `self`
is the object being removed, so a rule like `action != "delete"` can guard
it while a rule about its settings still holds. A live subject (`govctl
check`) is the refreshed object, with action "live".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govctl.addrs import InstanceAddr
from govctl.config import model as m
from govctl.diagnostics import Range
from govctl.lang import values as V
from govctl.lang.values import Value
from govctl.plan.model import Action, Plan
from govctl.plugins.protocol import Provider
from govctl.policy.check import Subject


def _schema(installed: Mapping[str, type[Provider]], type_: str) -> Any:
    from govctl.plugins.schema import schema_from_model

    for cls in installed.values():
        model = cls.resources.get(type_)
        if model is not None:
            return schema_from_model(model)
    return None


def _value(schema: Any, data: dict[str, Any] | None, sensitive: set[str]) -> Value:
    from govctl.plugins.schema import _infer, from_provider

    if data is None:
        return V.NULL
    if schema is None:
        return _infer(data, ())
    return from_provider(schema, data, sensitive)


def resource_range(root: m.Module, addr: InstanceAddr) -> Range | None:
    module: m.Module | None = root
    for name, _key in addr.module:
        module = module.children.get(name) if module is not None else None
    res = module.resources.get(f"{addr.resource.type}.{addr.resource.name}") \
        if module is not None else None
    return res.block.def_range if res is not None and res.block is not None else None


def planned(plan: Plan, root: m.Module,
            installed: Mapping[str, type[Provider]]) -> list[Subject]:
    out = []
    for c in plan.changes:
        if c.deposed or c.addr.resource.mode != "managed" or c.action is Action.READ:
            continue
        schema = _schema(installed, c.type)
        before = _value(schema, c.before, c.sensitive)
        after = before if c.action is Action.DELETE else _value(schema, c.after, c.sensitive)
        out.append(Subject(str(c.addr), c.type, after, before, str(c.action),
                           resource_range(root, c.addr)))
    return out


def live(plan: Plan, root: m.Module, installed: Mapping[str, type[Provider]],
         last_applied: Mapping[str, dict[str, Any]]) -> list[Subject]:
    """The refreshed objects of a normal plan (its changes' `before`), with what
    was last applied (the state before refresh) as `before`."""
    out = []
    for c in plan.changes:
        if c.deposed or c.addr.resource.mode != "managed" or c.before is None:
            continue
        schema = _schema(installed, c.type)
        now = _value(schema, c.before, c.sensitive)
        prior = _value(schema, last_applied.get(str(c.addr)), c.sensitive)
        out.append(Subject(str(c.addr), c.type, now, prior, "live",
                           resource_range(root, c.addr)))
    return out




def applied(plan: Plan, root: m.Module, installed: Mapping[str, type[Provider]],
            state: Any, addresses: set[str]) -> list[Subject]:
    """The objects apply has just made for `addresses` (those whose policies
    could not be decided at plan time), with the plan's action and prior."""
    out = []
    for c in plan.changes:
        addr = str(c.addr)
        if addr not in addresses or c.deposed:
            continue
        inst = state.instance(c.addr)
        if inst is None:
            continue
        schema = _schema(installed, c.type)
        out.append(Subject(addr, c.type, _value(schema, inst.attributes, c.sensitive),
                           _value(schema, c.before, c.sensitive), str(c.action),
                           resource_range(root, c.addr)))
    return out
