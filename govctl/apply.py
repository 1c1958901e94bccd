"""Apply a plan: walk the configuration again, now with real values, and make
each planned change through its provider, in dependency order, several at a
time.

The configuration is evaluated once more, lazily, exactly as for planning;
the evaluator asks `instance()` for each instance dependencies first. Here
that submits the change to a thread pool and returns at once; a dependent
that reads an instance's attributes waits (`value_of`) until that change is
done, so independent changes run in parallel and dependent ones in order.

Every finished change is appended to the state journal before anything else
happens (a crash loses nothing); a create is recorded as an intent before the
provider is called, so an interrupted create is found again, not duplicated.
A failed change stops only what depends on it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from govctl.addrs import InstanceAddr
from govctl.config import model as m
from govctl.config.evaluate import InputValue, Instance, ModuleEval, Options, Result
from govctl.diagnostics import Diagnostic, error
from govctl.lang import values as V
from govctl.lang.values import Value
from govctl.plan.model import Action, Change, Plan
from govctl.plan.planner import has_unknown
from govctl.plan.providers import ProviderSet
from govctl.plugins.protocol import ProviderError
from govctl.state.model import InstanceState, State


class DependencyFailed(Exception):
    pass


@dataclass
class Outcome:
    addr: InstanceAddr
    action: Action
    ok: bool
    message: str = ""


@dataclass
class ApplyResult:
    outcomes: list[Outcome] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    interrupted: bool = False

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


Event = Callable[[str, Change, str], None]   # ("start"|"done"|"error", change, message)


class Applier:
    """The evaluator hook for the apply pass, and the executor of changes."""

    def __init__(self, plan: Plan, state: State, journal: Any, providers: ProviderSet,
                 parallelism: int, on_event: Event | None = None):
        self.changes = {c.addr: c for c in plan.changes}
        self.state = state
        self.journal = journal
        self.providers = providers
        self.pool = ThreadPoolExecutor(max_workers=max(1, parallelism))
        self.futures: dict[InstanceAddr, Future[Value]] = {}
        self.result = ApplyResult()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.on_event = on_event or (lambda kind, change, msg: None)

    # --- evaluator hook -------------------------------------------------------
    def instance(self, me: ModuleEval, inst: Instance) -> Value:
        from govctl.plugins.schema import from_provider, schema_from_model, to_provider

        addr = inst.address
        assert addr is not None
        res = inst.resource
        change = self.changes.get(addr)
        provider = self.providers.get(self.providers.key_for(res))
        if provider is None:
            return V.unknown()
        table = provider.resources if res.mode == "managed" else provider.data_sources
        schema = schema_from_model(table[res.type])
        if res.mode == "data":
            config, _ = to_provider(schema, inst.config)
            if has_unknown(config):
                return V.unknown()
            try:
                return from_provider(schema, provider.read_data(res.type, config))
            except ProviderError as exc:
                self._fail(change or Change(addr, Action.READ, "", None, None), exc.message)
                return V.unknown()
        current = self.state.instance(addr)
        if change is None or change.action is Action.NOOP or self.stop.is_set():
            return from_provider(schema, current.attributes) if current else V.unknown()
        if any(self._failed(d) for d in self._deps_of(change)):
            self._record(Outcome(addr, change.action, False,
                                 "skipped: a change it depends on failed"))
            return V.unknown()
        proposed, _ = to_provider(schema, inst.config)
        if has_unknown(proposed):
            self._fail(change, "skipped: its configuration depends on a value that is still "
                       "unknown (a change it depends on failed or was skipped)")
            return V.unknown()
        fut = self.pool.submit(self._run, change, res, proposed, schema)
        self.futures[addr] = fut
        return V.unknown()

    def value_of(self, inst: Instance) -> Value:
        """Wait for the instance's change, if any, and give its new value."""
        fut = self.futures.get(inst.address) if inst.address is not None else None
        if fut is None:
            return inst.value
        try:
            return fut.result()
        except Exception:
            return V.unknown()

    # --- the work -------------------------------------------------------------
    def _run(self, change: Change, res: m.Resource, proposed: dict[str, Any],
             schema: Any) -> Value:
        from govctl.plugins.schema import from_provider

        if self.stop.is_set():
            raise DependencyFailed("interrupted")
        provider = self.providers.get(self.providers.key_for(res))
        assert provider is not None
        t = res.type
        self.on_event("start", change, "")
        try:
            prior = change.before
            if change.action is Action.REPLACE and not change.create_before_destroy:
                provider.apply(t, prior, None)
                self._journal_remove(change.addr)
                prior = None
            planned = provider.plan(t, prior, proposed).planned
            if prior is None:
                self._journal({"kind": "intent", "addr": str(change.addr),
                               "provider": change.provider, "type": t, "planned": planned})
            new = provider.apply(t, prior, planned)
            if new is None:
                raise ProviderError(f"the provider returned no object for {change.addr}")
            self._journal_set(change, res, new)
            if change.action is Action.REPLACE and change.create_before_destroy:
                provider.apply(t, change.before, None)
        except ProviderError as exc:
            self._fail(change, exc.message)
            raise
        except Exception as exc:  # a provider bug must not lose the rest of the apply
            self._fail(change, f"unexpected error: {exc!r}")
            raise
        self._record(Outcome(change.addr, change.action, True))
        self.on_event("done", change, "")
        return from_provider(schema, new)

    def delete(self, change: Change) -> None:
        provider = self.providers.get(self.providers.key_from_state(change.provider))
        if provider is None:
            self._fail(change, f"provider {change.provider} is not available")
            return
        self.on_event("start", change, "")
        try:
            provider.apply(change.type, change.before, None)
        except ProviderError as exc:
            self._fail(change, exc.message)
            return
        self._journal_remove(change.addr)
        self._record(Outcome(change.addr, change.action, True))
        self.on_event("done", change, "")

    # --- bookkeeping ----------------------------------------------------------
    def _journal(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.journal.append(entry)

    def _journal_set(self, change: Change, res: m.Resource, new: dict[str, Any]) -> None:
        inst = InstanceState(change.addr.key, new,
                             dependencies=list(change.dependencies),
                             create_before_destroy=res.lifecycle.create_before_destroy,
                             prevent_destroy=res.lifecycle.prevent_destroy)
        with self.lock:
            self.state.set_instance(change.addr, change.provider, inst)
            self.journal.append({"kind": "set", "addr": str(change.addr),
                                 "provider": change.provider, "instance": _inst_json(inst)})
            self.journal.append({"kind": "settle", "addr": str(change.addr)})

    def _journal_remove(self, addr: InstanceAddr) -> None:
        with self.lock:
            self.state.remove_instance(addr)
            self.journal.append({"kind": "remove", "addr": str(addr)})

    def _fail(self, change: Change, message: str) -> None:
        self._record(Outcome(change.addr, change.action, False, message))
        self.on_event("error", change, message)

    def _record(self, outcome: Outcome) -> None:
        with self.lock:
            self.result.outcomes.append(outcome)

    def _failed(self, addr: InstanceAddr) -> bool:
        fut = self.futures.get(addr)
        if fut is None:
            return False
        try:
            fut.result()
        except Exception:
            return True
        return False

    def _deps_of(self, change: Change) -> list[InstanceAddr]:
        deps = set(change.dependencies)
        return [a for a in self.futures if a.config_node in deps]


def _inst_json(inst: InstanceState) -> dict[str, Any]:
    from govctl.state.statefile import instance_to_json

    return instance_to_json(inst)


def delete_order(changes: list[Change]) -> list[list[Change]]:
    """Deletes in reverse dependency order, as generations that may run together."""
    g: nx.DiGraph = nx.DiGraph()
    by_res: dict[str, list[Change]] = {}
    for c in changes:
        g.add_node(c.addr)
        by_res.setdefault(c.addr.config_node, []).append(c)
    for c in changes:
        for dep in c.dependencies:
            for d in by_res.get(dep, []):
                if d.addr != c.addr:
                    g.add_edge(c.addr, d.addr)   # c must go before what it depends on
    index = {c.addr: c for c in changes}
    return [[index[a] for a in sorted(gen)] for gen in nx.topological_generations(g)]


def apply_plan(root: m.Module, inputs: dict[str, InputValue], plan: Plan, state: State,
               journal: Any, providers: ProviderSet, parallelism: int = 10,
               on_event: Event | None = None) -> ApplyResult:
    applier = Applier(plan, state, journal, providers, parallelism, on_event)
    result = applier.result
    probe = ModuleEval(root, inputs, Options(validate_only=False), root.path, Result())
    providers.configure(probe)
    result.diagnostics += providers.diagnostics
    try:
        if plan.mode != "destroy":
            evaluation = Result()
            me = ModuleEval(root, inputs, Options(validate_only=False, planner=applier,
                                                  plan_time=False), root.path, evaluation)
            me.run()
            for fut in list(applier.futures.values()):
                fut.exception()      # wait for everything submitted
            result.diagnostics += [d for d in evaluation.diagnostics
                                   if d.severity == "error"]
            _save_outputs(applier, evaluation)
        deletes = [c for c in plan.changes if c.action is Action.DELETE]
        for generation in delete_order(deletes):
            if applier.stop.is_set():
                break
            list(applier.pool.map(applier.delete, generation))
    except KeyboardInterrupt:
        applier.stop.set()
        result.interrupted = True
    finally:
        applier.pool.shutdown(wait=True, cancel_futures=True)
    if result.interrupted:
        result.diagnostics.append(error("Interrupted", "Changes in flight were allowed to "
                                        "finish and are recorded in state; the rest were not "
                                        "started."))
    return result


def _save_outputs(applier: Applier, evaluation: Result) -> None:
    from govctl.state.model import OutputState

    outputs = {}
    for name, val in evaluation.outputs.items():
        if not val.is_wholly_known():
            continue
        plain, marks = val.unmark_deep()
        outputs[name] = OutputState(plain.to_python(), _type_json(plain),
                                    V.SENSITIVE in marks)
    with applier.lock:
        applier.state.outputs = outputs
        applier.journal.append({"kind": "outputs", "outputs": {
            k: {"value": o.value, "type": o.type, "sensitive": o.sensitive}
            for k, o in outputs.items()}})


def _type_json(v: Value) -> Any:
    from govctl.lang.types import (
        BOOL,
        NUMBER,
        STRING,
        ListType,
        MapType,
        ObjectType,
        SetType,
        TupleType,
    )

    t = v.type

    def conv(t: Any) -> Any:
        if t is STRING:
            return "string"
        if t is NUMBER:
            return "number"
        if t is BOOL:
            return "bool"
        if isinstance(t, ListType | SetType | MapType):
            return [t.kind, conv(t.elem)]
        if isinstance(t, TupleType):
            return ["tuple", [conv(e) for e in t.elems]]
        if isinstance(t, ObjectType):
            return ["object", {k: conv(a) for k, a in t.attrs.items()}]
        return "dynamic"

    return conv(t)
