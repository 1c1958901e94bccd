"""Objects that exist but that no state records, and the coverage figure.

Discovery asks each provider configuration the configuration uses for the
ids of every object of each resource type the configuration uses (of every
type the provider has, with `-all-types`), and compares them with the `id`
of the instances in state. Discovery can be slow or denied; a failure is a
warning and leaves that type's counts marked incomplete, never the audit.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from govctl.config import model as m
from govctl.diagnostics import Diagnostic, Range, warning
from govctl.drift.model import Coverage, TypeCoverage, Unmanaged
from govctl.plan.providers import ProviderSet
from govctl.plugins.protocol import ProviderError
from govctl.state.model import State

Pair = tuple[str, str]          # (provider configuration key, resource type)


def scope(root: m.Module, providers: ProviderSet, all_types: bool) -> list[Pair]:
    """The (provider, type) pairs to discover: those of the managed resources
    in the configuration (all modules), or every type of those providers."""
    pairs: set[Pair] = set()

    def walk(mod: m.Module) -> None:
        for res in mod.resources.values():
            pairs.add((providers.key_for(res), res.type))
        for child in mod.children.values():
            walk(child)

    walk(root)
    if all_types:
        for key in {k for k, _ in pairs}:
            provider = providers.get(key)
            if provider is not None:
                pairs |= {(key, t) for t in provider.resources}
    return sorted(pairs)


def declared_at(root: m.Module, providers: ProviderSet) -> dict[Pair, Range]:
    """Where each pair is first used (a resource block's header), or for a type
    the configuration does not use, its provider's block: a place to point at
    for objects that have no block of their own."""
    out: dict[Pair, Range] = {}

    def walk(mod: m.Module) -> None:
        for res in mod.resources.values():
            out.setdefault((providers.key_for(res), res.type), res.block.def_range)
        for child in mod.children.values():
            walk(child)

    walk(root)
    return out


def managed_ids(state: State, pairs: Iterable[Pair],
                providers: ProviderSet) -> dict[Pair, set[str]]:
    """The `id` of every managed instance in `state`, for each pair."""
    out: dict[Pair, set[str]] = {pair: set() for pair in pairs}
    for addr, rs, inst in state.instances():
        if addr.resource.mode != "managed":
            continue
        pair = (providers.key_from_state(rs.provider), addr.resource.type)
        id_ = inst.attributes.get("id")
        if pair in out and id_ is not None:
            out[pair].add(str(id_))
    return out


def discover(root: m.Module, state: State, providers: ProviderSet, all_types: bool,
             parallelism: int = 10) -> tuple[list[Unmanaged], Coverage, list[Diagnostic]]:
    pairs = scope(root, providers, all_types)
    managed = managed_ids(state, pairs, providers)
    where = declared_at(root, providers)
    provider_blocks = {k: pc.block.def_range for k, pc in root.providers.items()}

    def list_ids(pair: Pair) -> tuple[Pair, list[str] | None, str | None]:
        key, type_ = pair
        provider = providers.get(key)
        if provider is None:
            return pair, None, None       # reported by the plan
        try:
            ids = provider.discover(type_, frozenset(managed.get(pair, ())))
            return pair, sorted({str(i) for i in ids}), None
        except Exception as exc:  # a provider bug too: a warning, never a crash
            return pair, None, _message(exc)

    unmanaged: list[Unmanaged] = []
    coverage = Coverage()
    diags: list[Diagnostic] = []
    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        found = list(pool.map(list_ids, pairs))
    for (key, type_), ids, problem in found:
        entry = TypeCoverage(key, type_, error=problem)
        coverage.types.append(entry)
        if problem is not None:
            diags.append(warning(
                f"Could not discover {type_} objects",
                f'The provider "{key}" failed to list them: {problem}. Unmanaged objects of '
                "this type are not counted, and the coverage figure leaves them out."))
        for id_ in ids or ():
            if id_ in managed[(key, type_)]:
                entry.managed += 1
            else:
                entry.unmanaged += 1
                unmanaged.append(Unmanaged(key, type_, id_, where.get((key, type_))
                                           or provider_blocks.get(key)))
    return unmanaged, coverage, diags


def _message(exc: Any) -> str:
    if isinstance(exc, ProviderError):
        return exc.message
    return f"the provider failed unexpectedly: {exc!r}"
