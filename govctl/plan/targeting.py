"""-target / -exclude: which instances a plan may change.

Apart because the rules (a target takes its dependencies, an exclusion its
dependents) are graph reasoning independent of how each instance is planned,
and destroy plans apply them too.
"""

from __future__ import annotations

from typing import Any

from govctl.addrs import AddrError, InstanceAddr
from govctl.diagnostics import Diagnostic, error, warning
from govctl.plan.options import PlanOptions


class Targeting:
    """Which managed instances a -target / -exclude plan may change.

    Terraform's rules: a target takes what it depends on, transitively (it
    cannot be made without them); an exclusion takes what depends on it (that
    cannot be made without it). Dependencies are between resources in the
    configuration (graph.resource_dependencies), so they reach every instance
    of a resource; the named addresses themselves are matched exactly.
    """

    def __init__(self, targets: list[Any], excludes: list[Any],
                 deps: dict[str, set[str]]):
        self.targets = targets
        self.excludes = excludes
        self.closure: set[str] = set()
        if targets:
            self.closure = _reach([n for t in targets for n in _nodes_of(t, deps)], deps)
        self.dependents: set[str] = set()
        if excludes:
            back: dict[str, set[str]] = {}
            for node, ds in deps.items():
                for d in ds:
                    back.setdefault(d, set()).add(node)
            self.dependents = _reach([n for t in excludes for n in _nodes_of(t, deps)], back)

    @property
    def active(self) -> bool:
        return bool(self.targets or self.excludes)

    def __contains__(self, addr: InstanceAddr) -> bool:
        if self.targets and not (any(t.contains(addr) for t in self.targets)
                                 or addr.config_node in self.closure):
            return False
        return not (self.excludes and (any(t.contains(addr) for t in self.excludes)
                                       or addr.config_node in self.dependents))

    def orphan(self, addr: InstanceAddr) -> bool:
        """Whether an instance no longer configured may be deleted: only when
        named itself (no dependency edges lead to what is not configured)."""
        if self.targets and not any(t.contains(addr) for t in self.targets):
            return False
        return not (self.excludes and any(t.contains(addr) for t in self.excludes))


def _nodes_of(target: Any, deps: dict[str, set[str]]) -> list[str]:
    """Config nodes a target names: one resource, or every resource of a module."""
    if target.resource is not None:
        return [InstanceAddr(target.resource).config_node]
    prefix = "".join(f"module.{name}." for name, _ in target.module)
    return [n for n in deps if n.startswith(prefix)]


def _reach(start: list[str], edges: dict[str, set[str]]) -> set[str]:
    """Everything reachable from `start` along `edges`, not counting `start`
    unless reached again (a[0] targeted does not take a[1])."""
    seen: set[str] = set()
    todo = [d for n in start for d in edges.get(n, ())]
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        todo.extend(edges.get(n, ()))
    return seen


def parse_scope(opts: PlanOptions, deps: dict[str, set[str]]) -> tuple[Targeting, list[Diagnostic]]:
    """The -target / -exclude addresses, and the warning Terraform gives for them."""
    from govctl.state.commands import parse_target

    diags: list[Diagnostic] = []
    parsed: dict[str, list[Any]] = {"target": [], "exclude": []}
    for flag, texts in (("target", opts.targets), ("exclude", opts.excludes)):
        for text in texts:
            try:
                parsed[flag].append(parse_target(text))
            except AddrError as exc:
                diags.append(error(f"Invalid {flag} address", f"-{flag} {text!r}: {exc}"))
    if opts.targets and opts.excludes:
        diags.append(error("Incompatible options", "-target and -exclude cannot be used "
                           "together: name what to plan, or what to leave out, not both."))
    if opts.targets:
        diags.append(warning(
            "Resource targeting is in effect",
            "You are creating a plan with the -target option, which means that the result of "
            "this plan may not represent all of the changes requested by the current "
            "configuration.\n\nThe -target option is not for routine use, and is provided only "
            "for exceptional situations such as recovering from errors or mistakes, or when "
            "govctl specifically suggests to use it as part of an error message."))
    if opts.excludes:
        diags.append(warning(
            "Resource exclusion is in effect",
            "You are creating a plan with the -exclude option, which means that the result of "
            "this plan may not represent all of the changes requested by the current "
            "configuration.\n\nThe -exclude option is not for routine use, and is provided "
            "only for exceptional situations such as recovering from errors or mistakes, or "
            "when govctl specifically suggests to use it as part of an error message."))
    return Targeting(parsed["target"], parsed["exclude"], deps), diags
