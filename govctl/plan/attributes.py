"""Questions about an object's attributes that both planning and apply ask:
does it hold unknown values, what does ignore_changes keep, which names are
sensitive.

Apart so that apply (and refresh, destroy) share one answer without pulling
in the instance planner.
"""

from __future__ import annotations

from typing import Any

from govctl.addrs import InstanceAddr
from govctl.hcl import ast
from govctl.plan.providers import ProviderSet
from govctl.plugins.protocol import UNKNOWN
from govctl.state.model import InstanceState


def has_unknown(data: Any) -> bool:
    if data is UNKNOWN:
        return True
    if isinstance(data, dict):
        return any(has_unknown(v) for v in data.values())
    if isinstance(data, list):
        return any(has_unknown(v) for v in data)
    return False


def path_names(inst: InstanceState | None) -> set[str]:
    """The attributes an instance's state records as sensitive."""
    return {str(p[0]) for p in inst.sensitive_paths if p} if inst is not None else set()


def type_sensitive(providers: ProviderSet, provider: str, addr: InstanceAddr) -> set[str]:
    """The attributes a resource type's schema declares sensitive (drift must
    hide them as the plan does, whatever the state recorded)."""
    from govctl.plugins.schema import schema_from_model

    name = providers.key_from_state(provider).partition(".")[0]
    cls = providers.installed.get(name)
    model = cls.resources.get(addr.resource.type) if cls is not None else None
    return schema_sensitive(schema_from_model(model)) if model is not None else set()


def schema_sensitive(schema: Any) -> set[str]:
    return {name for name, a in schema.attributes.items() if a.sensitive}


def keep_ignored(proposed: dict[str, Any], prior: dict[str, Any],
                 paths: list[Any]) -> dict[str, Any]:
    """lifecycle.ignore_changes: keep the prior value of each listed attribute."""
    out = dict(proposed)
    for expr in paths:
        node = expr
        while isinstance(node, ast.GetAttr | ast.Index):
            node = node.obj
        if isinstance(node, ast.Variable) and node.name in prior:
            out[node.name] = prior[node.name]
    return out
