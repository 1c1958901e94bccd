"""The evaluator's planning hook: one Change per configured instance.

Apart from make_plan because this is the per-instance decision (create,
update, replace, no-op, read) the evaluator drives, dependencies first, while
make_plan only orders the steps around it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from govctl.addrs import AddrError, InstanceAddr, parse_instance
from govctl.config import model as m
from govctl.config.evaluate import Instance, ModuleEval
from govctl.diagnostics import Diagnostic, error, warning
from govctl.lang.values import Value
from govctl.plan.attributes import has_unknown, keep_ignored, path_names, schema_sensitive
from govctl.plan.destroy import prevented
from govctl.plan.model import Action, Change
from govctl.plan.options import PlanOptions
from govctl.plan.provider_errors import provider_message, where
from govctl.plan.providers import ProviderSet
from govctl.plan.repairs import Repairs
from govctl.plan.replace_triggers import ANY_KEY, expr_text, repetition, trigger_target
from govctl.plan.targeting import Targeting
from govctl.plugins.protocol import UNKNOWN, Provider, ProviderError
from govctl.state.model import State


class Planner:
    """The InstancePlanner hook for the evaluator, collecting Changes."""

    #: check postconditions against planned objects (apply checks the made ones)
    plans_postconditions = True

    def __init__(self, root: m.Module, state: State, providers: ProviderSet,
                 opts: PlanOptions, scope: Targeting | None = None,
                 repairs: Repairs | None = None):
        self.root = root
        self.state = state            # refreshed and repaired
        self.providers = providers
        self.opts = opts
        self.scope = scope or Targeting([], [], {})
        self.repairs = repairs or Repairs()
        self.changes: dict[InstanceAddr, Change] = {}
        self.skipped: set[InstanceAddr] = set()     # configured, outside -target/-exclude
        self.diagnostics: list[Diagnostic] = []
        self.replace: set[InstanceAddr] = set()
        # config node -> the resource/data nodes it depends on (graph.resource_dependencies)
        self.deps: dict[str, set[str]] = {}
        for a in opts.replace:
            try:
                self.replace.add(parse_instance(a))
            except AddrError as exc:
                self.diagnostics.append(error("Invalid replace address", f"-replace {a!r}: "
                                              f"{exc}"))

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
            return self._data(me, provider, schema, addr, key, proposed, inst)
        prior_inst = self.state.instance(addr)
        prior = prior_inst.attributes if prior_inst is not None else None
        if addr not in self.scope:
            return self._untouched(addr, key, prior, schema, inst)
        if prior is not None and res.lifecycle.ignore_changes:
            proposed = keep_ignored(proposed, prior, res.lifecycle.ignore_changes)
        if prior is not None and res.lifecycle.ignore_all_changes:
            proposed = dict(prior)
        if self._invalid(provider, res, addr, proposed):
            return inst.value
        try:
            result = provider.plan(res.type, prior, proposed)
        except Exception as exc:  # a provider bug too: see provider_message
            self.diagnostics.append(error(f"Error planning {addr}", provider_message(exc),
                                          where(res, exc)))
            return inst.value
        self.diagnostics.extend(warning(f"Warning for {addr}", w, res.block.def_range)
                                for w in result.warnings)
        action, reason = self._action(addr, prior, result.planned, result.requires_replace,
                                      prior_inst.tainted if prior_inst else False)
        if action in (Action.NOOP, Action.UPDATE) and res.lifecycle.replace_triggered_by:
            trigger = self._triggered(me, inst)
            if trigger is not None:
                action, reason = Action.REPLACE, f"replace_triggered_by: {trigger}"
        planned = result.planned
        if action is Action.REPLACE and not result.requires_replace:
            # a forced replacement makes a new object: plan it as one, so that
            # references see its computed attributes as unknown, not the old ones
            try:
                planned = provider.plan(res.type, None, proposed).planned
            except Exception as exc:  # a provider bug too: see provider_message
                self._err(f"Error planning {addr}", provider_message(exc), res.block)
                return inst.value
        # remembered in state: only an explicit `prevent_destroy = false` lifts it
        prevent = res.lifecycle.prevent_destroy if res.lifecycle.prevent_destroy_set else \
            bool(prior_inst and prior_inst.prevent_destroy)
        if action in (Action.REPLACE, Action.DELETE) and prevent:
            self._prevent(addr, res.block)
        imported = self.repairs.importing.get(addr)
        sensitive_names = {str(p[0]) for p in sensitive if p} | schema_sensitive(schema)
        flags_changed = prior_inst is not None and (
            prior_inst.prevent_destroy != prevent
            or prior_inst.sensitive_paths != [[n] for n in sorted(sensitive_names)])
        self.changes[addr] = Change(
            addr, action, self.providers.state_name(key), prior, planned,
            set(result.requires_replace) if action is Action.REPLACE else set(), reason,
            res.lifecycle.create_before_destroy, prevent,
            sensitive_names,
            moved_from=self.repairs.moved.get(addr),
            importing=imported[0] if imported else None,
            recovered=addr in self.repairs.recovered, flags_changed=flags_changed)
        return from_provider(schema, planned, sensitive_names)

    def _untouched(self, addr: InstanceAddr, key: str, prior: dict[str, Any] | None,
                   schema: Any, inst: Instance) -> Value:
        """An instance outside -target/-exclude: no change, its state value for
        references. A repair of its state entry (a move, a recovered object) is
        still a Change, so that apply records it: it is already true."""
        from govctl.plugins.schema import from_provider

        self.skipped.add(addr)
        if prior is None:
            return inst.value
        moved = self.repairs.moved.get(addr)
        if moved is not None or addr in self.repairs.recovered:
            self.changes[addr] = Change(addr, Action.NOOP, self.providers.state_name(key),
                                        prior, prior, moved_from=moved,
                                        recovered=addr in self.repairs.recovered)
        prior_inst = self.state.instance(addr)
        return from_provider(schema, prior, path_names(prior_inst))

    def _triggered(self, me: ModuleEval, inst: Instance) -> str | None:
        """The first lifecycle.replace_triggered_by reference whose instance is
        planned for update or replace (for an attribute reference: whose value
        changes), as Terraform decides it; None when none is."""
        res = inst.resource
        extra = repetition(me, inst)
        for expr in res.lifecycle.replace_triggered_by:
            me.eval(expr, extra)      # evaluation is lazy: this plans what it references
            found = trigger_target(me, expr, extra)
            if found is None:
                continue
            raddr, key, attr = found
            for addr, change in self.changes.items():
                if addr.resource != raddr or (key is not ANY_KEY and addr.key != key):
                    continue
                if change.action not in (Action.UPDATE, Action.REPLACE):
                    continue
                before = change.before or {}
                after = change.after or {}
                if attr is None or after.get(attr) is UNKNOWN \
                        or before.get(attr) != after.get(attr):
                    return expr_text(expr)
        return None

    def _data(self, me: ModuleEval, provider: Provider, schema: Any, addr: InstanceAddr,
              key: str, config: dict[str, Any], inst: Instance) -> Value:
        from govctl.plugins.schema import from_provider

        for expr in inst.resource.depends_on:
            me.eval(expr)         # evaluation is lazy: this plans what it references
        mine = self.deps.get(addr.config_node, set())
        pending = any(c.action is not Action.NOOP and a.config_node in mine
                      for a, c in self.changes.items())
        if has_unknown(config) or pending:   # depends on values known only after apply
            self.changes[addr] = Change(addr, Action.READ, self.providers.state_name(key),
                                        None, config, reason="depends on values known only "
                                        "after apply" if not pending else "depends on a "
                                        "resource with changes not yet applied")
            return inst.value
        try:
            data = provider.read_data(addr.resource.type, config)
        except Exception as exc:  # a provider bug too: see provider_message
            self._err(f"Error reading {addr}", provider_message(exc), inst.resource.block)
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

    def _invalid(self, provider: Provider, res: m.Resource, addr: InstanceAddr,
                 proposed: dict[str, Any]) -> bool:
        """The provider's own checks (formats, ranges, combinations) beyond the
        schema, each pointing at the attribute it names; True when any failed."""
        try:
            problems = provider.validate(res.type, proposed)
        except Exception as exc:  # a provider bug too: see provider_message
            problems = [ProviderError(provider_message(exc))]
        for p in problems:
            self.diagnostics.append(error(f"Invalid {res.type} configuration",
                                          f"{addr}: {p.message}", where(res, p)))
        return bool(problems)

    def _prevent(self, addr: InstanceAddr, block: Any) -> None:
        self.diagnostics.append(prevented(addr, block.def_range if block else None))

    def _err(self, summary: str, detail: str, block: Any) -> None:
        self.diagnostics.append(error(summary, detail, block.def_range if block else None))
