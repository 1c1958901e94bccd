"""Drift items from a plan made with refresh.

The planner already found what changed outside govctl while refreshing
(`plan.drift`: before = last applied, after = actual) and what the
configuration declares (`plan.changes`: after = planned); this module only
lines the three values up attribute by attribute, and marks what is
sensitive so that no format ever prints it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from govctl.config import model as m
from govctl.drift.model import ABSENT, AttributeDrift, DriftItem, Kind
from govctl.plan.importing import config_resource
from govctl.plan.model import Action, Change, Plan
from govctl.state.model import State

SchemaSensitive = Callable[[str, str], set[str]]   # (state provider, type) -> names


def drift_items(plan: Plan, prior: State, root: m.Module,
                schema_sensitive: SchemaSensitive | None = None) -> list[DriftItem]:
    """One item per instance changed or deleted outside govctl, in address order."""
    planned = {c.addr: c for c in plan.changes if not c.deposed}
    items = []
    for d in sorted(plan.drift, key=lambda c: c.addr):
        sensitive = _sensitive(d, prior, planned.get(d.addr), schema_sensitive)
        res = config_resource(root, d.addr)
        location = res.block.def_range if res is not None else None
        if d.action is Action.DELETE or d.after is None:
            items.append(DriftItem(str(d.addr), d.type, d.provider, Kind.DELETED,
                                   location=location))
            continue
        declared = _declared(planned.get(d.addr))
        attrs = [AttributeDrift(name, declared.get(name, ABSENT) if declared is not None
                                else ABSENT, (d.before or {}).get(name), d.after.get(name),
                                name in sensitive)
                 for name in _changed(d.before or {}, d.after)]
        items.append(DriftItem(str(d.addr), d.type, d.provider, Kind.MODIFIED, attrs,
                               location))
    return items


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(n for n in {*before, *after} if before.get(n) != after.get(n))


def _declared(change: Change | None) -> dict[str, Any] | None:
    """The planned object, or None when the configuration no longer declares
    the instance (its change is a delete) or the plan did not reach it."""
    if change is None or change.action is Action.DELETE or change.after is None:
        return None
    return change.after


def _sensitive(d: Change, prior: State, change: Change | None,
               schema_sensitive: SchemaSensitive | None) -> set[str]:
    """Every top-level attribute sensitive by any account: the state's record,
    the plan's (configuration marks), the provider's schema."""
    names: set[str] = set(d.sensitive)
    inst = prior.instance(d.addr)
    if inst is not None:
        names |= {str(p[0]) for p in inst.sensitive_paths if p}
    if change is not None:
        names |= change.sensitive
    if schema_sensitive is not None:
        names |= schema_sensitive(d.provider, d.type)
    return names


__all__ = ["SchemaSensitive", "drift_items"]
