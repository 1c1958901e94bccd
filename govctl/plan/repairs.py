"""Repairs of the prior state before planning, chiefly settling the intents an
interrupted run left in the journal.

Apart because apply redoes the same repairs on the state it writes, and
because crash recovery deserves to be read on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from govctl.addrs import AddrError, InstanceAddr, parse_instance
from govctl.diagnostics import Diagnostic, error
from govctl.hcl import ast
from govctl.plan.attributes import path_names
from govctl.plan.model import Action, Change
from govctl.plan.provider_errors import provider_message
from govctl.plan.providers import ProviderSet
from govctl.state.model import InstanceState, State


@dataclass
class Repairs:
    """What the planner did to the prior state before planning, for the Changes
    to tell apply (which redoes it on the state it writes)."""

    moved: dict[InstanceAddr, InstanceAddr] = field(default_factory=dict)   # to -> from
    recovered: set[InstanceAddr] = field(default_factory=set)
    deposed: list[Change] = field(default_factory=list)
    importing: dict[InstanceAddr, tuple[str, ast.Block]] = field(default_factory=dict)


def same_object(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two attribute sets describe one cloud object: by `id` where both
    have one (every provider's objects do), else by every attribute."""
    if a.get("id") is not None and b.get("id") is not None:
        return bool(a["id"] == b["id"])
    return a == b


def resolve_intents(state: State, providers: ProviderSet,
                    in_scope: Callable[[InstanceAddr], bool] = lambda _: True) -> tuple[
        set[InstanceAddr], list[Change], list[str], list[Diagnostic]]:
    """Settle every intent in `state` (a copy: changed in place) by asking its
    provider whether the create it records happened.

    Not found: the create never happened; the intent is dropped. Found while
    the address is empty: the object is recorded as the instance (recovered).
    Found while the address holds another object: a create_before_destroy
    replacement was cut short after its create, so the found object is the
    instance and the one in state is deposed, planned for deletion. An intent
    whose provider cannot answer is kept (and reported): forgetting it could
    leave an object nobody knows of.

    A replacement cut short outside `in_scope` (-target, -exclude) is left as
    it is, intent included: deleting the old object is out of scope, and
    recording the new one without deleting the old would forget it. The next
    plan that includes the address finishes it.

    Returns (recovered addresses, deposed deletes, intents settled without
    finding anything new, diagnostics).
    """
    recovered: set[InstanceAddr] = set()
    settled: list[str] = []
    deposed: list[Change] = []
    diags: list[Diagnostic] = []
    for text, intent in sorted(state.intents.items()):
        try:
            addr = parse_instance(text)
        except AddrError as exc:
            diags.append(error("Invalid intent in state", f"{text}: {exc}"))
            continue
        if not intent.sent:         # the create was never sent: nothing to find
            state.settle(text)
            settled.append(text)
            continue
        provider = providers.get(providers.key_from_state(intent.provider))
        if provider is None:
            diags.append(error(f"Cannot settle the interrupted create of {addr}",
                               f"The provider {intent.provider} is not available to look for "
                               "the object a previous run started creating."))
            continue
        try:
            found = provider.find(intent.type, intent.planned)
        except Exception as exc:  # a provider bug too: see provider_message
            diags.append(error(f"Cannot settle the interrupted create of {addr}",
                               f"Looking for the object a previous run started creating "
                               f"failed: {provider_message(exc)}"))
            continue
        current = state.instance(addr)
        if (found is not None and current is not None and not in_scope(addr)
                and not same_object(current.attributes, found)):
            continue
        state.settle(text)
        if found is None or (current is not None and same_object(current.attributes, found)):
            settled.append(text)
            continue
        deps: list[str] = []
        if current is not None:
            deps = list(current.dependencies)
            deposed.append(Change(
                addr, Action.DELETE, intent.provider, current.attributes, None,
                reason="deposed: the old object of a create_before_destroy replacement "
                "that did not finish", dependencies=deps, deposed=True,
                sensitive=path_names(current)))
        state.set_instance(addr, intent.provider, InstanceState(addr.key, found,
                                                                dependencies=deps))
        recovered.add(addr)
    return recovered, deposed, settled, diags
