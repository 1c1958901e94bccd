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

Before any of this the prior state is brought up to date with what the
configuration and the journal already say, on a copy (apply does the same
again on the state it writes, from the plan's changes and the configuration):

- `moved` blocks rename instances (govctl.config.moved);
- each intent (a create a crashed run started) is looked up with
  `provider.find`: an object found becomes the instance, so the plan shows a
  no-op or an update instead of a duplicate create; when the address already
  holds another object, that one is the old half of an interrupted
  create_before_destroy replacement and is planned for deletion as deposed;
- `import` blocks read their objects with `provider.import_`.

`-target` keeps the plan to the named instances and what they depend on;
`-exclude` to everything but the named instances and what depends on them.
Instances outside get no change: references to them see their state value.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from govctl.addrs import AddrError, InstanceAddr, ResourceAddr, parse_instance
from govctl.config import model as m
from govctl.config.evaluate import InputValue, Instance, ModuleEval, Options, Result
from govctl.diagnostics import Diagnostic, Range, error, warning
from govctl.hcl import ast
from govctl.lang.values import Value
from govctl.plan.model import Action, Change, OutputChange, Plan
from govctl.plan.providers import ProviderSet
from govctl.plugins.protocol import UNKNOWN, Provider, ProviderError
from govctl.state.model import InstanceState, State


@dataclass
class PlanOptions:
    mode: str = "normal"                   # normal | destroy | refresh-only
    refresh: bool = True
    targets: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    replace: list[str] = field(default_factory=list)
    parallelism: int = 10
    # told (done, total) as refresh reads come back: the CLI shows progress
    on_refresh: Callable[[int, int], None] | None = None
    # told ("start" | "complete", address, attributes, sensitive names) around each
    # refresh read, from the reading threads: the -json UI's refresh hooks
    on_read: Callable[[str, InstanceAddr, dict[str, Any], set[str]], None] | None = None


def config_digest(root: m.Module, inputs: dict[str, InputValue]) -> str:
    """Identifies the configuration a plan was made from (files and inputs)."""
    h = hashlib.sha256()

    def walk(mod: m.Module) -> None:
        for f in sorted(mod.files, key=lambda f: f.src.filename):
            h.update(f.src.filename.encode() + b"\0" + f.src.data + b"\0")
        for name in sorted(mod.children):
            walk(mod.children[name])

    walk(root)
    # approvers' keys are often files beside the configuration (file("x.pub")):
    # a key swapped after planning must make the plan stale, or anyone could
    # approve as anyone
    if root.approvers:
        from govctl.approvals.approvers import key_fingerprints

        for name, fp in key_fingerprints(root):
            h.update(b"approver\0" + name.encode() + b"=" + fp.encode() + b"\0")
    secret: frozenset[str] = frozenset()
    if root.settings.encryption_block is not None:
        from govctl.state.encryption.files import key_variables

        secret = key_variables(root)
    for name in sorted(set(inputs) - secret):
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


@dataclass
class Repairs:
    """What the planner did to the prior state before planning, for the Changes
    to tell apply (which redoes it on the state it writes)."""

    moved: dict[InstanceAddr, InstanceAddr] = field(default_factory=dict)   # to -> from
    recovered: set[InstanceAddr] = field(default_factory=set)
    deposed: list[Change] = field(default_factory=list)
    importing: dict[InstanceAddr, tuple[str, ast.Block]] = field(default_factory=dict)


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
        except Exception as exc:  # a provider bug too: see _message
            self.diagnostics.append(error(f"Error planning {addr}", _message(exc),
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
            except Exception as exc:  # a provider bug too: see _message
                self._err(f"Error planning {addr}", _message(exc), res.block)
                return inst.value
        # remembered in state: only an explicit `prevent_destroy = false` lifts it
        prevent = res.lifecycle.prevent_destroy if res.lifecycle.prevent_destroy_set else \
            bool(prior_inst and prior_inst.prevent_destroy)
        if action in (Action.REPLACE, Action.DELETE) and prevent:
            self._prevent(addr, res.block)
        imported = self.repairs.importing.get(addr)
        sensitive_names = {str(p[0]) for p in sensitive if p} | _schema_sensitive(schema)
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
        return from_provider(schema, prior, _path_names(prior_inst))

    def _triggered(self, me: ModuleEval, inst: Instance) -> str | None:
        """The first lifecycle.replace_triggered_by reference whose instance is
        planned for update or replace (for an attribute reference: whose value
        changes), as Terraform decides it; None when none is."""
        res = inst.resource
        extra = _repetition(me, inst)
        for expr in res.lifecycle.replace_triggered_by:
            me.eval(expr, extra)      # evaluation is lazy: this plans what it references
            found = _trigger_target(me, expr, extra)
            if found is None:
                continue
            raddr, key, attr = found
            for addr, change in self.changes.items():
                if addr.resource != raddr or (key is not _ANY and addr.key != key):
                    continue
                if change.action not in (Action.UPDATE, Action.REPLACE):
                    continue
                before = change.before or {}
                after = change.after or {}
                if attr is None or after.get(attr) is UNKNOWN \
                        or before.get(attr) != after.get(attr):
                    return _expr_text(expr)
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
        except Exception as exc:  # a provider bug too: see _message
            self._err(f"Error reading {addr}", _message(exc), inst.resource.block)
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
        except Exception as exc:  # a provider bug too: see _message
            problems = [ProviderError(_message(exc))]
        for p in problems:
            self.diagnostics.append(error(f"Invalid {res.type} configuration",
                                          f"{addr}: {p.message}", where(res, p)))
        return bool(problems)

    def _prevent(self, addr: InstanceAddr, block: Any) -> None:
        self.diagnostics.append(_prevented(addr, block.def_range if block else None))

    def _err(self, summary: str, detail: str, block: Any) -> None:
        self.diagnostics.append(error(summary, detail, block.def_range if block else None))


class _Any:
    def __repr__(self) -> str:
        return "ANY"


_ANY = _Any()


def _repetition(me: ModuleEval, inst: Instance) -> dict[str, Value]:
    """count.index / each.* of an instance (expansions are memoized per block)."""
    for key, extra in me.instance_keys(inst.resource, report=False) or []:
        if key == inst.key:
            return extra
    return {}


def _trigger_target(me: ModuleEval, expr: ast.Expr, extra: dict[str, Value]
                    ) -> tuple[ResourceAddr, Any, str | None] | None:
    """`aws_x.a`, `aws_x.a[count.index]`, `aws_x.a[0].attr` -> (resource,
    key or _ANY, attribute or None); None for anything else (the evaluator
    reports references it cannot resolve)."""
    links: list[ast.Expr] = []
    node: ast.Expr = expr
    while isinstance(node, ast.GetAttr | ast.Index):
        links.append(node)
        node = node.obj
    links.reverse()
    if not isinstance(node, ast.Variable) or not links or not isinstance(links[0], ast.GetAttr):
        return None
    res = me.module.resources.get(f"{node.name}.{links[0].name}")
    if res is None:
        return None
    raddr = ResourceAddr(me.module_path, "managed", res.type, res.name)
    rest = links[1:]
    key: Any = _ANY if (res.count is not None or res.for_each is not None) else None
    if rest and isinstance(rest[0], ast.Index):
        val = me.eval(rest[0].key, extra)
        if val is None or not val.is_wholly_known():
            return None
        plain = val.unmark_deep()[0].to_python()
        key = int(plain) if res.count is not None else plain
        rest = rest[1:]
    attr = rest[0].name if rest and isinstance(rest[0], ast.GetAttr) else None
    return raddr, key, attr


def _expr_text(expr: ast.Expr) -> str:
    return expr.src.data[expr.start:expr.end].decode("utf-8", "replace")


def where(res: m.Resource, exc: BaseException) -> Range | None:
    """Where a provider's error points: the attribute (or nested block) it names
    as written in the resource block, else the block's header."""
    attr = exc.attribute if isinstance(exc, ProviderError) else None
    body = res.body
    if attr and body is not None:
        first = attr.split(".")[0]
        if first in body.attributes:
            return body.attributes[first].expr.range
        blocks = body.blocks_of(first)
        if blocks:
            return blocks[0].def_range
    return res.block.def_range if res.block is not None else None


def _message(exc: Exception) -> str:
    """A provider's error for the user; an exception other than ProviderError is
    the provider's bug, reported as such instead of a traceback."""
    if isinstance(exc, ProviderError):
        return exc.message
    return f"the provider failed unexpectedly: {exc!r}"


def _path_names(inst: InstanceState | None) -> set[str]:
    """The attributes an instance's state records as sensitive."""
    return {str(p[0]) for p in inst.sensitive_paths if p} if inst is not None else set()


def _type_sensitive(providers: ProviderSet, provider: str, addr: InstanceAddr) -> set[str]:
    """The attributes a resource type's schema declares sensitive (drift must
    hide them as the plan does, whatever the state recorded)."""
    from govctl.plugins.schema import schema_from_model

    name = providers.key_from_state(provider).partition(".")[0]
    cls = providers.installed.get(name)
    model = cls.resources.get(addr.resource.type) if cls is not None else None
    return _schema_sensitive(schema_from_model(model)) if model is not None else set()


def _schema_sensitive(schema: Any) -> set[str]:
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
        secret = _path_names(inst) if on_read is not None else set()
        if on_read is not None:
            on_read("start", addr, inst.attributes, secret)
        try:
            now = provider.read(addr.resource.type, inst.attributes)
        except Exception as exc:  # a provider bug too: see _message
            return addr, rs, inst, inst.attributes, _message(exc)
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
        secret = _path_names(inst) | _type_sensitive(providers, rs.provider, addr)
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
        provider = providers.get(providers.key_from_state(intent.provider))
        if provider is None:
            diags.append(error(f"Cannot settle the interrupted create of {addr}",
                               f"The provider {intent.provider} is not available to look for "
                               "the object a previous run started creating."))
            continue
        try:
            found = provider.find(intent.type, intent.planned)
        except Exception as exc:  # a provider bug too: see _message
            diags.append(error(f"Cannot settle the interrupted create of {addr}",
                               f"Looking for the object a previous run started creating "
                               f"failed: {_message(exc)}"))
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
                sensitive=_path_names(current)))
        state.set_instance(addr, intent.provider, InstanceState(addr.key, found,
                                                                dependencies=deps))
        recovered.add(addr)
    return recovered, deposed, settled, diags


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
    except Exception as exc:  # a provider bug too: see _message
        return None, [error(f"Error importing {addr}", _message(exc), rng)]
    if obj is None:
        return None, [error(
            "Cannot import non-existent remote object",
            f'While attempting to import an existing object to "{addr}", the provider '
            f'detected that no object exists with the id "{id_}". Only pre-existing objects '
            "can be imported; check that the id is correct and that it is associated with "
            "the provider's configured region or endpoint, or use govctl apply to create a "
            "new remote object for this resource.", rng)]
    return obj, []


def _imports(root: m.Module, probe: ModuleEval, state: State, providers: ProviderSet,
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


def make_plan(root: m.Module, inputs: dict[str, InputValue], prior: State,
              providers: ProviderSet, opts: PlanOptions,
              plan_timestamp: str | None = None) -> tuple[Plan, list[Diagnostic]]:
    """The whole plan. Pure but for the provider calls it makes; `prior` is not
    changed (moves, refresh and repairs happen on a copy)."""
    from govctl.config.moved import apply_moves

    result = Result()
    plan = Plan(prior_serial=prior.serial, lineage=prior.lineage,
                config_digest=config_digest(root, inputs), mode=opts.mode,
                targets=list(opts.targets), excludes=list(opts.excludes),
                config_dir=str(root.path))
    # provider blocks may use variables: evaluate them with a plain evaluator first
    probe = ModuleEval(root, inputs, Options(validate_only=False), root.path, Result())
    providers.configure(probe)
    diags = list(providers.diagnostics) + probe.result.diagnostics
    if _errors(diags):
        return plan, diags
    state = prior.copy()
    repairs = Repairs()
    moves, mdiags = apply_moves(root, state)
    diags += mdiags
    if _errors(diags):
        return plan, diags
    repairs.moved = {mv.to: mv.from_ for mv in moves}
    if opts.refresh:
        state, plan.drift, rdiags = refresh(state, providers, opts.parallelism,
                                            opts.on_refresh, opts.on_read)
        diags += rdiags
    if opts.mode == "refresh-only":
        repairs.recovered, repairs.deposed, plan.settled, idiags = resolve_intents(
            state, providers)
        return plan, diags + idiags
    from govctl.graph import build, resource_dependencies

    graph, gdiags = build(root)
    diags += gdiags
    if _errors(diags):
        return plan, diags
    deps = resource_dependencies(graph)
    scope, sdiags = parse_scope(opts, deps)
    diags += sdiags
    if _errors(diags):
        return plan, diags
    in_scope = (lambda a: a in scope) if opts.mode != "destroy" else \
        (lambda a: scope.orphan(a) or not scope.active)
    repairs.recovered, repairs.deposed, plan.settled, idiags = resolve_intents(
        state, providers, in_scope)
    diags += idiags
    if opts.mode == "destroy":
        plan.changes = _destroy_all(state, repairs, scope, providers)
        diags += [_prevented(c.addr) for c in plan.changes
                  if c.action is Action.DELETE and c.prevent_destroy and not c.deposed]
        return plan, diags + destroy_notes(plan.changes, providers)
    repairs.importing, impdiags = _imports(root, probe, state, providers, scope)
    diags += impdiags
    planner = Planner(root, state, providers, opts, scope, repairs)
    planner.deps = deps
    me = ModuleEval(root, inputs, Options(validate_only=False, planner=planner,
                                          plan_timestamp=plan_timestamp),
                    root.path, result)
    me.run()
    diags += result.diagnostics + planner.diagnostics
    for addr, (_, block) in repairs.importing.items():
        if addr not in planner.changes and addr not in planner.skipped:
            diags.append(error("Configuration for import target does not exist",
                               f"The configuration for the given import {addr} does not "
                               "exist: the resource declares no such instance. All target "
                               "instances must have an associated configuration to be "
                               "imported.", block.def_range))
    configured = set(planner.changes) | planner.skipped | set(repairs.importing)
    for addr, rs, inst in state.instances():
        if addr in configured or addr.resource.mode != "managed":
            continue
        if not scope.orphan(addr):
            if addr in repairs.recovered or addr in repairs.moved:
                planner.changes[addr] = Change(addr, Action.NOOP, rs.provider, inst.attributes,
                                               inst.attributes, moved_from=repairs.moved.get(
                                                   addr), recovered=addr in repairs.recovered)
            continue
        if inst.prevent_destroy:
            planner._prevent(addr, None)
        planner.changes[addr] = Change(addr, Action.DELETE, rs.provider, inst.attributes,
                                       None, reason="no longer in the configuration",
                                       prevent_destroy=inst.prevent_destroy,
                                       sensitive=_path_names(inst) | _type_sensitive(
                                           planner.providers, rs.provider, addr),
                                       dependencies=list(inst.dependencies),
                                       moved_from=repairs.moved.get(addr),
                                       recovered=addr in repairs.recovered)
    diags += [d for d in planner.diagnostics if d not in diags]
    for c in planner.changes.values():
        if c.action is not Action.DELETE:
            c.dependencies = sorted(deps.get(c.addr.config_node, ()))
    # deposed objects are in scope (resolve_intents left the others alone): they
    # are the unfinished half of a replacement, whose new object is recorded now
    plan.changes = sorted([*planner.changes.values(), *repairs.deposed],
                          key=lambda c: (c.addr, c.deposed))
    plan.outputs = _outputs(prior, result)
    return plan, diags + destroy_notes(plan.changes, providers)


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


def _prevented(addr: InstanceAddr, rng: Any = None) -> Diagnostic:
    return error("Instance cannot be destroyed",
                 f"{addr} has lifecycle.prevent_destroy set, but the plan calls for this "
                 "resource to be destroyed. To avoid this error and continue with the plan, "
                 "either disable lifecycle.prevent_destroy or reduce the scope of the plan "
                 "using the -target flag. (prevent_destroy is remembered in state: removing "
                 "the block from the configuration does not lift it; set it to false and "
                 "apply first.)", rng)


def _destroy_all(state: State, repairs: Repairs, scope: Targeting,
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
                      sensitive=_path_names(i) | _type_sensitive(providers, rs.provider, a),
                      moved_from=repairs.moved.get(a), recovered=a in repairs.recovered)
               for a, rs, i in instances
               if a in chosen or a in repairs.recovered or a in repairs.moved]
    changes += repairs.deposed     # in scope: see resolve_intents
    return sorted(changes, key=lambda c: (c.addr, c.deposed))


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


__all__ = ["PlanOptions", "Planner", "Repairs", "Targeting", "config_digest", "config_resource",
           "import_address", "import_object", "make_plan", "parse_scope", "refresh",
           "resolve_intents", "same_object"]
