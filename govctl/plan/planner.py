"""Planning: (configuration, prior state, provider reads) -> Plan. No printing,
no prompting: rendering and confirmation live in render/ and the CLI.

1. refresh every instance in the prior state through its provider, in
   parallel (drift is what changed outside govctl);
2. evaluate the configuration; the evaluator calls `instance()` once per
   resource instance, dependencies first, and the value returned is what
   references to that instance see (the planned object, unknowns included);
3. choose an action per instance (OpenTofu's rule: no prior object -> create;
   equal -> no-op; a changed attribute that forces replacement -> replace;
   otherwise update), then delete what is in state but no longer configured.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from govctl.addrs import InstanceAddr, parse_instance
from govctl.config import model as m
from govctl.config.evaluate import InputValue, Instance, ModuleEval, Options, Result
from govctl.diagnostics import Diagnostic, error
from govctl.lang.values import Value
from govctl.plan.model import Action, Change, OutputChange, Plan
from govctl.plan.providers import ProviderSet
from govctl.plugins.protocol import UNKNOWN, Provider, ProviderError
from govctl.state.model import State


@dataclass
class PlanOptions:
    mode: str = "normal"                   # normal | destroy | refresh-only
    refresh: bool = True
    targets: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    replace: list[str] = field(default_factory=list)
    parallelism: int = 10


def config_digest(root: m.Module, inputs: dict[str, InputValue]) -> str:
    """Identifies the configuration a plan was made from (files and inputs)."""
    h = hashlib.sha256()

    def walk(mod: m.Module) -> None:
        for f in sorted(mod.files, key=lambda f: f.src.filename):
            h.update(f.src.filename.encode() + b"\0" + f.src.data + b"\0")
        for name in sorted(mod.children):
            walk(mod.children[name])

    walk(root)
    for name in sorted(inputs):
        v = inputs[name].value
        h.update(name.encode() + b"=" + repr(v.key()).encode() + b"\0")
    return h.hexdigest()


def has_unknown(data: Any) -> bool:
    if data is UNKNOWN:
        return True
    if isinstance(data, dict):
        return any(has_unknown(v) for v in data.values())
    if isinstance(data, list):
        return any(has_unknown(v) for v in data)
    return False


class Planner:
    """The InstancePlanner hook for the evaluator, collecting Changes."""

    def __init__(self, root: m.Module, state: State, providers: ProviderSet,
                 opts: PlanOptions):
        self.root = root
        self.state = state            # refreshed
        self.providers = providers
        self.opts = opts
        self.changes: dict[InstanceAddr, Change] = {}
        self.diagnostics: list[Diagnostic] = []
        self.replace = {parse_instance(a) for a in opts.replace}

    # --- the evaluator hook -------------------------------------------------
    def instance(self, me: ModuleEval, inst: Instance) -> Value:
        from govctl.plugins.schema import check_config, from_provider, to_provider

        res = inst.resource
        addr = inst.address
        assert addr is not None
        key = self.providers.key_for(res)
        provider = self.providers.get(key)
        if provider is None:
            self._err("Provider configuration not present",
                      f'{addr} needs the provider "{key}", which is not installed or not '
                      "configured.", res.block)
            return inst.value
        table = provider.resources if res.mode == "managed" else provider.data_sources
        model = table.get(res.type)
        if model is None:
            from govctl.lang.eval import suggest

            kind = "data source" if res.mode == "data" else "resource"
            self._err("Invalid resource type",
                      f'The provider "{key}" does not support {kind} type "{res.type}".'
                      + suggest(res.type, table), res.block)
            return inst.value
        from govctl.plugins.schema import schema_from_model

        schema = schema_from_model(model)
        diags = check_config(schema, inst.config, res.body, res.type,
                             header=res.block.def_range)
        if diags:
            self.diagnostics.extend(diags)
            return inst.value
        proposed, sensitive = to_provider(schema, inst.config)
        if res.mode == "data":
            return self._data(provider, schema, addr, key, proposed, inst)
        prior_inst = self.state.instance(addr)
        prior = prior_inst.attributes if prior_inst is not None else None
        if prior is not None and res.lifecycle.ignore_changes:
            proposed = _ignore(proposed, prior, res.lifecycle.ignore_changes)
        if prior is not None and res.lifecycle.ignore_all_changes:
            proposed = dict(prior)
        try:
            result = provider.plan(res.type, prior, proposed)
        except ProviderError as exc:
            self._err(f"Error planning {addr}", exc.message, res.block)
            return inst.value
        action, reason = self._action(addr, prior, result.planned, result.requires_replace,
                                      prior_inst.tainted if prior_inst else False)
        prevent = res.lifecycle.prevent_destroy or bool(prior_inst and prior_inst.prevent_destroy)
        if action in (Action.REPLACE, Action.DELETE) and prevent:
            self._prevent(addr, res.block)
        self.changes[addr] = Change(
            addr, action, self.providers.state_name(key), prior, result.planned,
            set(result.requires_replace) if action is Action.REPLACE else set(), reason,
            res.lifecycle.create_before_destroy, prevent,
            {p[0] for p in sensitive if p} | _schema_sensitive(schema))
        return from_provider(schema, result.planned)

    def _data(self, provider: Provider, schema: Any, addr: InstanceAddr, key: str,
              config: dict[str, Any], inst: Instance) -> Value:
        from govctl.plugins.schema import from_provider

        if has_unknown(config):   # depends on values known only after apply
            self.changes[addr] = Change(addr, Action.READ, self.providers.state_name(key),
                                        None, config, reason="depends on values known only "
                                        "after apply")
            return inst.value
        try:
            data = provider.read_data(addr.resource.type, config)
        except ProviderError as exc:
            self._err(f"Error reading {addr}", exc.message, inst.resource.block)
            return inst.value
        return from_provider(schema, data)

    def _action(self, addr: InstanceAddr, prior: dict[str, Any] | None,
                planned: dict[str, Any], requires_replace: Iterable[str],
                tainted: bool) -> tuple[Action, str | None]:
        if prior is None:
            return Action.CREATE, None
        if tainted:
            return Action.REPLACE, "tainted: a create or replace did not finish"
        if addr in self.replace:
            return Action.REPLACE, "requested with -replace"
        if planned == prior:
            return Action.NOOP, None
        if set(requires_replace):
            return Action.REPLACE, None
        return Action.UPDATE, None

    def _prevent(self, addr: InstanceAddr, block: Any) -> None:
        self._err("Instance cannot be destroyed",
                  f"{addr} has lifecycle.prevent_destroy set, but the plan calls for this "
                  "resource to be destroyed. To avoid this error and continue with the plan, "
                  "either disable lifecycle.prevent_destroy or reduce the scope of the plan "
                  "using the -target flag. (prevent_destroy is remembered in state: removing "
                  "the block from the configuration does not lift it until an apply with "
                  "the block set to false.)", block)

    def _err(self, summary: str, detail: str, block: Any) -> None:
        self.diagnostics.append(error(summary, detail, block.def_range if block else None))


def _schema_sensitive(schema: Any) -> set[str]:
    return {name for name, a in schema.attributes.items() if a.sensitive}


def _ignore(proposed: dict[str, Any], prior: dict[str, Any], paths: list[Any]) -> dict[str, Any]:
    """lifecycle.ignore_changes: keep the prior value of each listed attribute."""
    from govctl.hcl import ast

    out = dict(proposed)
    for expr in paths:
        node = expr
        while isinstance(node, ast.GetAttr | ast.Index):
            node = node.obj
        if isinstance(node, ast.Variable) and node.name in prior:
            out[node.name] = prior[node.name]
    return out


def refresh(state: State, providers: ProviderSet, parallelism: int) -> tuple[
        State, list[Change], list[Diagnostic]]:
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
        try:
            return addr, rs, inst, provider.read(addr.resource.type, inst.attributes), None
        except ProviderError as exc:
            return addr, rs, inst, inst.attributes, exc.message

    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        results = list(pool.map(read, work))
    for addr, rs, inst, now, problem in results:
        if problem is not None:
            diags.append(error(f"Error refreshing {addr}", problem))
            continue
        if now is None:
            drift.append(Change(addr, Action.DELETE, rs.provider, inst.attributes, None,
                                reason="deleted outside govctl"))
            new.remove_instance(addr)
        elif now != inst.attributes:
            drift.append(Change(addr, Action.UPDATE, rs.provider, inst.attributes, now,
                                reason="changed outside govctl"))
            updated = new.instance(addr)
            assert updated is not None
            updated.attributes = now
    return new, drift, diags


def make_plan(root: m.Module, inputs: dict[str, InputValue], prior: State,
              providers: ProviderSet, opts: PlanOptions,
              plan_timestamp: str | None = None) -> tuple[Plan, list[Diagnostic]]:
    """The whole plan. Pure but for the provider calls it makes."""
    result = Result()
    planner_state = prior
    plan = Plan(prior_serial=prior.serial, lineage=prior.lineage,
                config_digest=config_digest(root, inputs), mode=opts.mode,
                targets=list(opts.targets), config_dir=str(root.path))
    # provider blocks may use variables: evaluate them with a plain evaluator first
    probe = ModuleEval(root, inputs, Options(validate_only=False), root.path, Result())
    providers.configure(probe)
    diags = list(providers.diagnostics) + probe.result.diagnostics
    if _errors(diags):
        return plan, diags
    if opts.refresh:
        planner_state, plan.drift, rdiags = refresh(prior, providers, opts.parallelism)
        diags += rdiags
    planner = Planner(root, planner_state, providers, opts)
    if opts.mode == "destroy":
        plan.changes = _destroy_all(planner_state)
        return plan, diags
    if opts.mode == "refresh-only":
        return plan, diags
    from govctl.graph import build, resource_dependencies

    graph, gdiags = build(root)
    diags += gdiags
    if _errors(diags):
        return plan, diags
    deps = resource_dependencies(graph)
    me = ModuleEval(root, inputs, Options(validate_only=False, planner=planner,
                                          plan_timestamp=plan_timestamp),
                    root.path, result)
    me.run()
    diags += result.diagnostics + planner.diagnostics
    configured = set(planner.changes)
    for addr, rs, inst in planner_state.instances():
        if addr in configured or addr.resource.mode != "managed":
            continue
        if inst.prevent_destroy:
            planner._prevent(addr, None)
        planner.changes[addr] = Change(addr, Action.DELETE, rs.provider, inst.attributes,
                                       None, reason="no longer in the configuration",
                                       prevent_destroy=inst.prevent_destroy,
                                       dependencies=list(inst.dependencies))
    diags += [d for d in planner.diagnostics if d not in diags]
    for c in planner.changes.values():
        if c.action is not Action.DELETE:
            c.dependencies = sorted(deps.get(c.addr.config_node, ()))
    plan.changes = sorted(planner.changes.values(), key=lambda c: c.addr)
    plan.outputs = _outputs(prior, result)
    return plan, diags


def _destroy_all(state: State) -> list[Change]:
    return [Change(a, Action.DELETE, rs.provider, i.attributes, None,
                   prevent_destroy=i.prevent_destroy, dependencies=list(i.dependencies))
            for a, rs, i in state.instances() if a.resource.mode == "managed"]


def _outputs(prior: State, result: Result) -> list[OutputChange]:
    out = []
    for name, val in sorted(result.outputs.items()):
        before = prior.outputs.get(name)
        known = val.is_wholly_known()
        after = val.unmark_deep()[0].to_python() if known else None
        if before is None:
            action = Action.CREATE
        elif known and before.value == after:
            action = Action.NOOP
        else:
            action = Action.UPDATE
        out.append(OutputChange(name, action, before.value if before else None, after,
                                val.has_marks_deep(), not known))
    for name, before in sorted(prior.outputs.items()):
        if name not in result.outputs:
            out.append(OutputChange(name, Action.DELETE, before.value, None, before.sensitive))
    return out


def _errors(diags: list[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diags)


__all__ = ["PlanOptions", "Planner", "config_digest", "make_plan", "refresh"]
