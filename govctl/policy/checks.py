"""The `policy` blocks' own errors for `govctl validate`, cheap when there are
none (the policy machinery is imported only for a configuration that has
policies)."""

from __future__ import annotations

from govctl.config import model as m
from govctl.diagnostics import Diagnostic


def policy_diagnostics(module: m.Module, own_files: frozenset[str] | None = None
                       ) -> list[Diagnostic]:
    """`own_files`: only blocks declared in these files (parallel validation)."""
    if not _has_policies(module):
        return []
    from govctl.policy.decode import from_modules

    diags = from_modules(module)[1]
    if own_files is not None:
        diags = [d for d in diags if d.range is None or d.range.filename in own_files]
    return diags


def _has_policies(module: m.Module) -> bool:
    return bool(module.policies) or any(_has_policies(c) for c in module.children.values())
