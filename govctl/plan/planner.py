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

The steps live in modules of their own, so each can be changed with only its
own context: options, targeting (-target/-exclude), refresh, repairs (moves,
intents), importing (import blocks), instance_planner (the evaluator hook
deciding each instance's action), replace_triggers, destroy, attributes
(unknowns, ignore_changes, sensitive names), provider_errors and digest. This
module puts them in order (make_plan).
"""

from __future__ import annotations

from govctl.config import model as m
from govctl.config.evaluate import InputValue, ModuleEval, Options, Result
from govctl.diagnostics import Diagnostic, Range, error
from govctl.plan.attributes import path_names, type_sensitive
from govctl.plan.destroy import destroy_all, destroy_notes, prevented
from govctl.plan.digest import config_digest
from govctl.plan.importing import config_resource, plan_imports
from govctl.plan.instance_planner import Planner
from govctl.plan.model import Action, Change, OutputChange, Plan
from govctl.plan.options import PlanOptions
from govctl.plan.providers import ProviderSet
from govctl.plan.refresh import refresh
from govctl.plan.repairs import Repairs, resolve_intents
from govctl.plan.targeting import parse_scope
from govctl.state.model import State


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
        plan.changes = destroy_all(state, repairs, scope, providers)
        diags += [prevented(c.addr, _declared_at(root, c)) for c in plan.changes
                  if c.action is Action.DELETE and c.prevent_destroy and not c.deposed]
        return plan, diags + destroy_notes(plan.changes, providers)
    repairs.importing, impdiags = plan_imports(root, probe, state, providers, scope)
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
                                       sensitive=path_names(inst) | type_sensitive(
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


def _declared_at(root: m.Module, change: Change) -> Range | None:
    """Where the resource of `change` is declared, when it still is: a refusal
    points there, as the same refusal in a normal plan does."""
    res = config_resource(root, change.addr)
    return res.block.def_range if res is not None else None


def _errors(diags: list[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diags)


__all__ = ["PlanOptions", "make_plan"]
