"""Refresh: reading every managed instance back from its provider, in parallel.

Apart because it is the one step that talks to providers for the whole state
at once (threads, progress hooks), and refresh-only plans run nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from govctl.addrs import InstanceAddr
from govctl.diagnostics import Diagnostic, error
from govctl.plan.attributes import path_names, type_sensitive
from govctl.plan.model import Action, Change
from govctl.plan.provider_errors import provider_message
from govctl.plan.providers import ProviderSet
from govctl.state.model import State


def refresh(state: State, providers: ProviderSet, parallelism: int,
            on_progress: Callable[[int, int], None] | None = None,
            on_read: Callable[[str, InstanceAddr, dict[str, Any], set[str]], None] | None
            = None) -> tuple[State, list[Change], list[Diagnostic]]:
    """Read every managed instance; None from a provider means it is gone."""
    new = state.copy()
    drift: list[Change] = []
    diags: list[Diagnostic] = []
    work = [(a, r, i) for a, r, i in state.instances() if a.resource.mode == "managed"]

    def read(item: tuple[InstanceAddr, Any, Any]) -> tuple[Any, ...]:
        addr, rs, inst = item
        provider = providers.get(providers.key_from_state(rs.provider))
        if provider is None:
            return addr, rs, inst, None, f"provider {rs.provider} is not available"
        secret = path_names(inst) if on_read is not None else set()
        if on_read is not None:
            on_read("start", addr, inst.attributes, secret)
        try:
            now = provider.read(addr.resource.type, inst.attributes)
        except Exception as exc:  # a provider bug too: see provider_message
            return addr, rs, inst, inst.attributes, provider_message(exc)
        if on_read is not None:
            on_read("complete", addr, now if now is not None else inst.attributes, secret)
        return addr, rs, inst, now, None

    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        results = []
        for item in pool.map(read, work):
            results.append(item)
            if on_progress is not None:
                on_progress(len(results), len(work))
    for addr, rs, inst, now, problem in results:
        if problem is not None:
            diags.append(error(f"Error refreshing {addr}", problem))
            continue
        secret = path_names(inst) | type_sensitive(providers, rs.provider, addr)
        if now is None:
            drift.append(Change(addr, Action.DELETE, rs.provider, inst.attributes, None,
                                reason="deleted outside govctl", sensitive=secret))
            new.remove_instance(addr)
        elif now != inst.attributes:
            drift.append(Change(addr, Action.UPDATE, rs.provider, inst.attributes, now,
                                reason="changed outside govctl", sensitive=secret))
            updated = new.instance(addr)
            assert updated is not None
            updated.attributes = now
    return new, drift, diags
