"""What a plan says about destroying: destroy-mode plans, prevent_destroy
errors, and providers' notes on what a delete really does.

Apart because destroy mode plans from the state alone (the configuration may
be gone), unlike every other plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from govctl.addrs import InstanceAddr
from govctl.diagnostics import Diagnostic, error, warning
from govctl.plan.attributes import path_names, type_sensitive
from govctl.plan.model import Action, Change
from govctl.plan.providers import ProviderSet
from govctl.plan.repairs import Repairs
from govctl.plan.targeting import Targeting
from govctl.state.model import State


def destroy_notes(changes: Iterable[Change], providers: ProviderSet) -> list[Diagnostic]:
    """What destroying really does where it is not plain deletion (a KMS key is
    only scheduled for deletion), said before anyone confirms it."""
    out = []
    for c in changes:
        if c.action not in (Action.DELETE, Action.REPLACE) or c.before is None:
            continue
        provider = providers.get(providers.key_from_state(c.provider))
        try:
            note = provider.destroy_note(c.type, c.before) if provider is not None else None
        except Exception:  # a note is advice: a provider bug must not stop the plan
            note = None
        if note:
            out.append(warning(f"Destroying {c.addr}", note))
    return out


def prevented(addr: InstanceAddr, rng: Any = None) -> Diagnostic:
    return error("Instance cannot be destroyed",
                 f"{addr} has lifecycle.prevent_destroy set, but the plan calls for this "
                 "resource to be destroyed. To avoid this error and continue with the plan, "
                 "either disable lifecycle.prevent_destroy or reduce the scope of the plan "
                 "using the -target flag. (prevent_destroy is remembered in state: removing "
                 "the block from the configuration does not lift it; set it to false and "
                 "apply first.)", rng)


def destroy_all(state: State, repairs: Repairs, scope: Targeting,
                 providers: ProviderSet) -> list[Change]:
    """Every managed instance, deposed objects too; with -target only the named
    instances and what depends on them (by the dependencies recorded in state,
    the configuration may be gone), with -exclude all but the named ones and
    what they depend on. Repairs outside the scope (a recovered or moved
    instance) are no-op Changes, so that apply still records them."""
    instances = [(a, rs, i) for a, rs, i in state.instances() if a.resource.mode == "managed"]
    chosen = {a for a, _, _ in instances}
    if scope.targets:
        chosen = {a for a in chosen if any(t.contains(a) for t in scope.targets)}
        grew = True
        while grew:
            nodes = {a.config_node for a in chosen}
            more = {a for a, _, i in instances if a not in chosen
                    and nodes.intersection(i.dependencies)}
            grew = bool(more)
            chosen |= more
    if scope.excludes:
        kept = {a for a in chosen if any(t.contains(a) for t in scope.excludes)}
        grew = True
        while grew:
            needed = {d for a, _, i in instances if a in kept for d in i.dependencies}
            more = {a for a in chosen if a not in kept and a.config_node in needed}
            grew = bool(more)
            kept |= more
        chosen -= kept
    changes = [Change(a, Action.DELETE if a in chosen else Action.NOOP, rs.provider,
                      i.attributes, None if a in chosen else i.attributes,
                      prevent_destroy=i.prevent_destroy, dependencies=list(i.dependencies),
                      sensitive=path_names(i) | type_sensitive(providers, rs.provider, a),
                      moved_from=repairs.moved.get(a), recovered=a in repairs.recovered)
               for a, rs, i in instances
               if a in chosen or a in repairs.recovered or a in repairs.moved]
    changes += repairs.deposed     # in scope: see resolve_intents
    return sorted(changes, key=lambda c: (c.addr, c.deposed))
