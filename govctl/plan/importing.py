"""Import blocks: reading existing objects into the plan's copy of the state.

Apart because the import command and drift detection use the same address
and object lookups without planning anything.
"""

from __future__ import annotations

from typing import Any

from govctl.addrs import InstanceAddr, ResourceAddr
from govctl.config import model as m
from govctl.config.evaluate import ModuleEval
from govctl.diagnostics import Diagnostic, error
from govctl.hcl import ast
from govctl.plan.provider_errors import provider_message
from govctl.plan.providers import ProviderSet
from govctl.plan.targeting import Targeting
from govctl.plugins.protocol import Provider
from govctl.state.model import InstanceState, State


def import_address(expr: ast.Expr) -> InstanceAddr:
    """An import block's `to`: a static resource instance address."""
    from govctl.config.moved import ALL, parse_endpoint

    end = parse_endpoint(expr)
    if end.resource is None or any(k is ALL for _, k in end.module):
        raise ValueError("it must be a resource instance address")
    module = tuple((n, k) for n, k in end.module)
    mode, type_, name = end.resource
    return InstanceAddr(ResourceAddr(module, mode, type_, name),   # type: ignore[arg-type]
                        None if end.key is ALL else end.key)        # type: ignore[arg-type]


def config_resource(root: m.Module, addr: InstanceAddr) -> m.Resource | None:
    """The resource block an address belongs to, or None when none is declared."""
    mod: m.Module | None = root
    for name, _ in addr.module:
        mod = mod.children.get(name) if mod is not None else None
    if mod is None:
        return None
    table = mod.resources if addr.resource.mode == "managed" else mod.data
    return table.get(InstanceAddr(ResourceAddr((), addr.resource.mode, addr.resource.type,
                                               addr.resource.name)).config_node)


def import_object(provider: Provider, addr: InstanceAddr, id_: str,
                  rng: Any = None) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """Read an existing object by id for `addr` (import block or command)."""
    try:
        obj = provider.import_(addr.resource.type, id_)
    except Exception as exc:  # a provider bug too: see provider_message
        return None, [error(f"Error importing {addr}", provider_message(exc), rng)]
    if obj is None:
        return None, [error(
            "Cannot import non-existent remote object",
            f'While attempting to import an existing object to "{addr}", the provider '
            f'detected that no object exists with the id "{id_}". Only pre-existing objects '
            "can be imported; check that the id is correct and that it is associated with "
            "the provider's configured region or endpoint, or use govctl apply to create a "
            "new remote object for this resource.", rng)]
    return obj, []


def plan_imports(root: m.Module, probe: ModuleEval, state: State, providers: ProviderSet,
             scope: Targeting) -> tuple[dict[InstanceAddr, tuple[str, ast.Block]],
                                    list[Diagnostic]]:
    """Read the objects of the root module's import blocks into `state`. A target
    already in state is left alone, as Terraform does: the block has done its
    work and may stay in the configuration."""
    from govctl.lang.convert import ConversionError, convert
    from govctl.lang.types import STRING

    out: dict[InstanceAddr, tuple[str, ast.Block]] = {}
    diags: list[Diagnostic] = []
    for imp in root.imports:
        try:
            addr = import_address(imp.to)
        except Exception as exc:  # _BadAddress or ValueError, both worded for the user
            diags.append(error("Invalid import address", f"The \"to\" address is not valid: "
                               f"{exc}.", imp.to.range))
            continue
        res = config_resource(root, addr)
        if res is None or res.mode != "managed":
            if addr.module:   # the evaluator checks the root module's targets
                diags.append(error("Configuration for import target does not exist",
                                   f"The configuration for the given import {addr} does not "
                                   "exist. All target instances must have an associated "
                                   "configuration to be imported.", imp.to.range))
            continue
        if addr in out:
            diags.append(error("Duplicate import configuration",
                               f"{addr} is the target of more than one import block.",
                               imp.block.def_range))
            continue
        if addr not in scope or state.instance(addr) is not None:
            continue
        val = probe.eval(imp.id)
        if val is None:
            continue
        if not val.is_wholly_known() or val.is_null:
            diags.append(error("Invalid import id argument", "The import ID must be a known, "
                               "non-null string before apply.", imp.id.range))
            continue
        try:
            id_ = str(convert(val.unmark_deep()[0], STRING).v)
        except ConversionError:
            continue      # reported by the evaluator
        key = providers.key_for(res)
        provider = providers.get(key)
        if provider is None:
            continue      # reported when the instance is planned
        obj, idiags = import_object(provider, addr, id_, imp.block.def_range)
        diags += idiags
        if obj is None:
            continue
        state.set_instance(addr, providers.state_name(key), InstanceState(addr.key, obj))
        out[addr] = (id_, imp.block)
    return out, diags
