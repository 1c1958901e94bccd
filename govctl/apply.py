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

Before the walk, the repairs the planner made to its copy of the state are
made to the real one, through the journal: moves (recomputed from the
configuration, so a saved plan needs nothing more), objects found again for
intents, imported objects, and intents found to be empty.

create_before_destroy, and deposed objects. The state holds one object per
address, so while a replacement has two, the old one stays the instance in
state and the new one is recorded as an intent (refined to the exact object
once it exists), until the old one is destroyed; only then does the new one
take the address. Dependents see the new object at once, and the old one is
destroyed with the other deletes, after every create and update, so that
nothing still uses it. A failure or crash in between leaves exactly that
pair, which the next plan reads as "the new object is the instance, the old
one is deposed" (planner.resolve_intents) and finishes by deleting the old.

Interrupts (SIGINT): the first lets changes in flight finish and starts no
new ones; what finished is in the journal, which the caller folds into the
state file. A second stops waiting: apply returns at once (`forced`) and the
caller folds what the journal holds; calls still in flight are recorded when
they return, or found again from their intents by the next plan.
"""

from __future__ import annotations

import contextlib
import graphlib
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from govctl.addrs import InstanceAddr
from govctl.config import model as m
from govctl.config.evaluate import InputValue, Instance, ModuleEval, Options, Result
from govctl.diagnostics import Diagnostic, Range, error
from govctl.lang import values as V
from govctl.lang.values import Value
from govctl.plan.model import Action, Change, Plan
from govctl.plan.planner import _message, has_unknown, where
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
    skipped: bool = False       # not attempted: something it depends on failed
    where: Range | None = None  # the configuration the failure is about, when known


@dataclass
class ApplyResult:
    outcomes: list[Outcome] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    interrupted: bool = False
    forced: bool = False        # a second interrupt: returned without waiting

    @property
    def failed(self) -> list[Outcome]:
        """Changes that were attempted and failed (each with the provider's message)."""
        return [o for o in self.outcomes if not o.ok and not o.skipped]

    @property
    def skipped(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.skipped]


Event = Callable[[str, Change, str], None]   # ("start"|"done"|"error", change, message)


@dataclass
class _Check:
    """A postcondition with its scope resolved on the evaluating thread; only
    `self` is filled in by the worker once the object exists."""

    condition: Any
    message: Any
    scope: Any


class _Failed(Exception):
    """A change failed after its provider call succeeded (a postcondition)."""


class _NotStarted(Exception):
    """An interrupt came while the change waited for its turn to call the provider."""


class Applier:
    """The evaluator hook for the apply pass, and the executor of changes."""

    def __init__(self, plan: Plan, state: State, journal: Any, providers: ProviderSet,
                 parallelism: int, on_event: Event | None = None):
        self.plan = plan
        self.changes = {c.addr: c for c in plan.changes if not c.deposed}
        self.deposed = [c for c in plan.changes if c.deposed]
        self.state = state
        self.journal = journal
        self.providers = providers
        # `parallelism` bounds the provider calls in flight (`calls`), not the
        # threads: after its call a change still records its object durably and
        # reports it, and holding one of the N slots through that wait (and the
        # interpreter lock it needs back) left slots idle while changes were
        # ready. Twice as many threads keep N calls going.
        self.calls = threading.BoundedSemaphore(max(1, parallelism))
        self.pool = ThreadPoolExecutor(max_workers=2 * max(1, parallelism),
                                       thread_name_prefix="govctl-apply")
        self.futures: dict[InstanceAddr, Future[Value]] = {}
        self.by_node: dict[str, list[InstanceAddr]] = {}   # config node -> submitted
        self.result = ApplyResult()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.on_event = on_event or (lambda kind, change, msg: None)
        # addresses whose state entry still holds an old (deposed) object: the
        # new object (None: none yet) lives in an intent until the old one goes
        self.hold: dict[InstanceAddr, dict[str, Any] | None] = {}
        self.replaced: dict[InstanceAddr, Change] = {}     # create_before_destroy in flight
        self.interrupts = 0
        self._critical = 0          # main-thread journal writes in progress
        # old objects destroyed before the walk (see early_destroys): done, or failed
        self.destroyed: set[InstanceAddr] = set()
        self.destroy_failed: set[InstanceAddr] = set()

    # --- before the walk ---------------------------------------------------------
    def prepare(self, root: m.Module) -> None:
        """Make the planner's repairs of the prior state in the real state."""
        from govctl.config.moved import apply_moves

        scratch = self.state.copy()
        moves, diags = apply_moves(root, scratch)
        self.result.diagnostics += [d for d in diags if d.severity == "error"]
        for mv in moves:
            rs = self.state.resources.get(mv.from_.resource)
            inst = self.state.instance(mv.from_)
            if rs is None or inst is None:
                continue
            # the destination first: a crash between leaves both, which the next
            # plan completes (config.moved), never neither
            self._set(mv.to, rs.provider, inst, settle=False)
            self._remove(mv.from_)
        self._infer_repairs()
        pending = {c.addr for c in self.deposed}
        for c in self.changes.values():
            if not (c.recovered or c.importing is not None) or c.before is None:
                continue
            if c.addr in pending:
                self.hold[c.addr] = c.before
                continue
            inst = InstanceState(c.addr.key, c.before, sensitive_paths=_paths(c.sensitive),
                                 dependencies=list(c.dependencies),
                                 prevent_destroy=c.prevent_destroy)
            self._set(c.addr, c.provider, inst, settle=c.recovered)
        for text in self.plan.settled:
            if text in self.state.intents:
                self._journal({"kind": "settle", "addr": text})

    def _infer_repairs(self) -> None:
        """The same repairs read from the changes themselves, for a saved plan
        whose file does not carry the flags: a second Change for an address can
        only be a deposed object, and a `before` that the state does not hold
        at its address is an object the planner found (an intent's or an
        import's), which apply must record or it is lost."""
        from govctl.plan.planner import same_object

        seen: dict[InstanceAddr, Change] = {}
        for c in self.plan.changes:
            if c.deposed:
                continue
            if c.addr in seen and c.action is Action.DELETE:
                c.deposed = True
                self.deposed.append(c)
                self.changes[c.addr] = seen[c.addr]
                continue
            seen[c.addr] = c
        for c in self.changes.values():
            if c.recovered or c.importing is not None or c.before is None:
                continue
            current = self.state.instance(c.addr)
            if current is None or (str(c.addr) in self.state.intents
                                   and not same_object(current.attributes, c.before)):
                c.recovered = True

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
                with self.calls:
                    data = provider.read_data(res.type, config)
                return from_provider(schema, data)
            except Exception as exc:  # a provider bug too: see _message
                self._fail(change or Change(addr, Action.READ, "", None, None), _message(exc))
                return V.unknown()
        if change is not None and change.action is Action.NOOP:
            self._keep_flags(change)
        if change is None or change.action is Action.NOOP or self.stop.is_set():
            current = self._current(addr)
            known = self.state.instance(addr)
            marked = change.sensitive if change is not None else \
                {str(p[0]) for p in known.sensitive_paths if p} if known is not None else ()
            return from_provider(schema, current, marked) if current is not None \
                else V.unknown()
        if any(self._failed(d) for d in self._deps_of(change)):
            self._skip(change, "a change it depends on failed")
            return V.unknown()
        proposed, _ = to_provider(schema, inst.config)
        proposed = _with_ignored(proposed, change.before, res)
        if has_unknown(proposed):
            self._skip(change, "its configuration depends on a value that is still unknown "
                       "(a change it depends on failed or was not made)")
            return V.unknown()
        checks = _postconditions(me, inst)
        fut = self.pool.submit(self._run, change, res, proposed, schema, checks)
        self.futures[addr] = fut
        self.by_node.setdefault(addr.config_node, []).append(addr)
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

    def _current(self, addr: InstanceAddr) -> dict[str, Any] | None:
        if addr in self.hold:
            return self.hold[addr]
        current = self.state.instance(addr)
        return current.attributes if current is not None else None

    # --- the work -------------------------------------------------------------
    def _run(self, change: Change, res: m.Resource, proposed: dict[str, Any],
             schema: Any, checks: list[_Check]) -> Value:
        from govctl.plugins.schema import from_provider

        if self.stop.is_set():
            raise DependencyFailed("interrupted")
        if change.addr in self.destroy_failed:      # reported by destroy_early
            raise DependencyFailed("destroying the old object failed")
        provider = self.providers.get(self.providers.key_for(res))
        assert provider is not None
        t = res.type
        addr = change.addr
        call = _Calls(self, change)
        # a second object cannot be held while one already is (a recovered
        # instance whose deposed object is still there): replace in place then
        cbd = change.action is Action.REPLACE and change.create_before_destroy \
            and addr not in self.hold
        try:
            prior = change.before
            if change.action is Action.REPLACE:
                if not cbd and addr not in self.destroyed:
                    call(provider.apply, t, prior, None)
                    self._gone(addr)
                prior = None
            planned = _still_planned(change, prior, proposed, schema)
            if planned is None:
                # planning is local work, as in the planner: not a call in a slot
                planned = provider.plan(t, prior, proposed).planned
            # a create's intent is in the journal before its call (_Calls)
            intent = {"kind": "intent", "addr": str(addr), "provider": change.provider,
                      "type": t, "planned": planned} if prior is None else None
            new = call(provider.apply, t, prior, planned, intent=intent)
            if new is None:
                raise ProviderError(f"the provider returned no object for {addr}")
            if cbd:
                # the old object stays the instance until it is destroyed (module
                # docstring); the intent now names the new object exactly
                with self.lock:
                    self.hold[addr] = new
                    self.replaced[addr] = change
                self._journal({"kind": "intent", "addr": str(addr),
                               "provider": change.provider, "type": t, "planned": new})
            else:
                self._journal_set(change, res, new)
            value = from_provider(schema, new, change.sensitive)
            problem = _check_postconditions(checks, value)
            if problem is not None:
                message, rng = problem
                with self.lock:
                    self.result.diagnostics.append(error("Resource postcondition failed",
                                                         f"{addr}: {message}", rng))
                raise _Failed(f"Resource postcondition failed: {message}")
        except _NotStarted:
            raise DependencyFailed("interrupted") from None
        except (ProviderError, _Failed) as exc:
            self._fail(change, exc.message if isinstance(exc, ProviderError) else str(exc),
                       where(res, exc))
            raise
        except Exception as exc:  # a provider bug must not lose the rest of the apply
            self._fail(change, f"unexpected error: {exc!r}", where(res, exc))
            raise
        if not cbd:
            self._record(Outcome(addr, change.action, True))
            self.on_event("done", change, "")
        return value

    def delete(self, change: Change) -> None:
        """A planned delete, a deposed object, or the old object of a
        create_before_destroy replacement made in this run."""
        if self.stop.is_set():
            return
        addr = change.addr
        if not change.deposed and addr in self.hold:
            self._skip(change, "the deposed object at this address could not be destroyed")
            return
        provider = self.providers.get(self.providers.key_from_state(change.provider))
        replaced = self.replaced.get(addr) if change.deposed else None
        shown = replaced or change
        if provider is None:
            self._fail(shown, f"provider {change.provider} is not available")
            return
        try:
            with self.calls:
                if self.stop.is_set():
                    return
                if replaced is None:
                    self.on_event("start", change, "")
                provider.apply(change.type, change.before, None)
        except Exception as exc:  # a provider bug too: see _message
            what = "the new object was created, but destroying the old one failed: " \
                if replaced is not None else ""
            self._fail(shown, what + _message(exc))
            return
        if change.deposed:
            with self.lock:
                new = self.hold.pop(addr, None)
            if new is not None:
                own = replaced or self.changes.get(addr) or change
                inst = InstanceState(addr.key, new, sensitive_paths=_paths(own.sensitive),
                                     dependencies=list(own.dependencies),
                                     create_before_destroy=own.create_before_destroy,
                                     prevent_destroy=own.prevent_destroy)
                self._set(addr, own.provider, inst, settle=True)
            else:
                self._remove(addr)
                self._journal({"kind": "settle", "addr": str(addr)})
        else:
            self._remove(addr)
        if replaced is not None and any(o.addr == addr and not o.ok
                                        for o in self.result.outcomes):
            return      # its postcondition failed: already reported
        self._record(Outcome(addr, shown.action, True))
        self.on_event("done", shown, "")

    # --- bookkeeping ----------------------------------------------------------
    def _journal(self, *entries: dict[str, Any]) -> None:
        """The one way to the journal (entries of one change, one flush). On the
        main thread it is a critical section: a second interrupt waits for the
        lines to be whole."""
        main = threading.current_thread() is threading.main_thread()
        if main:
            self._critical += 1
        try:
            # not under self.lock: the journal orders its own writes, and changes
            # finishing together then share one fsync (group commit)
            append_many = getattr(self.journal, "append_many", None)
            if append_many is not None:
                append_many(list(entries))
            else:
                with self.lock:
                    for entry in entries:
                        self.journal.append(entry)
        finally:
            if main:
                self._critical -= 1
        if main and self.result.forced and self._critical == 0:
            raise KeyboardInterrupt

    def _set(self, addr: InstanceAddr, provider: str, inst: InstanceState,
             settle: bool) -> None:
        with self.lock:
            self.state.set_instance(addr, provider, inst)
            if settle:
                self.state.settle(str(addr))
        entry = {"kind": "set", "addr": str(addr), "provider": provider,
                 "instance": _inst_json(inst)}
        if settle:
            self._journal(entry, {"kind": "settle", "addr": str(addr)})
        else:
            self._journal(entry)

    def _keep_flags(self, change: Change) -> None:
        """A no-op still records what state remembers about the instance when that
        changed: prevent_destroy lifted or set, sensitive attributes."""
        with self.lock:
            inst = self.state.instance(change.addr)
        if inst is None:
            return
        paths = _paths(change.sensitive)
        if inst.prevent_destroy == change.prevent_destroy and inst.sensitive_paths == paths:
            return
        inst = InstanceState(inst.key, inst.attributes, inst.schema_version, paths,
                             list(inst.dependencies), inst.create_before_destroy,
                             change.prevent_destroy, inst.tainted)
        self._set(change.addr, change.provider, inst, settle=False)

    def persist_drift(self, drift: list[Change]) -> None:
        """What refresh found is recorded, as Terraform's apply does: objects
        deleted outside govctl leave state, changed ones take their real values."""
        for d in drift:
            with self.lock:
                inst = self.state.instance(d.addr)
            if inst is None:
                continue
            if d.after is None:
                self._remove(d.addr)
                continue
            inst = InstanceState(inst.key, d.after, inst.schema_version,
                                 list(inst.sensitive_paths), list(inst.dependencies),
                                 inst.create_before_destroy, inst.prevent_destroy, inst.tainted)
            self._set(d.addr, d.provider, inst, settle=False)

    def _remove(self, addr: InstanceAddr) -> None:
        with self.lock:
            self.state.remove_instance(addr)
        self._journal({"kind": "remove", "addr": str(addr)})

    def _gone(self, addr: InstanceAddr) -> None:
        """The object at `addr` was destroyed; the state entry goes unless it
        holds a deposed object still to destroy (then the intent tracks the new)."""
        with self.lock:
            if addr in self.hold:
                self.hold[addr] = None
                return
        self._remove(addr)

    def _journal_set(self, change: Change, res: m.Resource, new: dict[str, Any]) -> None:
        addr = change.addr
        with self.lock:
            held = addr in self.hold
            if held:
                self.hold[addr] = new
        if held:
            self._journal({"kind": "intent", "addr": str(addr), "provider": change.provider,
                           "type": change.type, "planned": new})
            return
        inst = InstanceState(addr.key, new,
                             sensitive_paths=_paths(change.sensitive),
                             dependencies=list(change.dependencies),
                             create_before_destroy=res.lifecycle.create_before_destroy,
                             prevent_destroy=change.prevent_destroy)
        self._set(addr, change.provider, inst, settle=True)

    def _fail(self, change: Change, message: str, at: Range | None = None) -> None:
        self._record(Outcome(change.addr, change.action, False, message, where=at))
        self.on_event("error", change, message)

    def _skip(self, change: Change, why: str) -> None:
        self._record(Outcome(change.addr, change.action, False, f"skipped: {why}",
                             skipped=True))

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
        return [a for node in change.dependencies for a in self.by_node.get(node, ())]

    def deletes(self) -> list[Change]:
        """Planned deletes, deposed objects, and the old objects of this run's
        create_before_destroy replacements."""
        runtime = [Change(a, Action.DELETE, c.provider, c.before, None,
                          dependencies=list(c.dependencies), deposed=True)
                   for a, c in sorted(self.replaced.items())]
        return [*(c for c in self.plan.changes if c.action is Action.DELETE
                  and (c.deposed or c.addr not in self.destroyed)), *runtime]

    def early_destroys(self) -> list[Change]:
        """Destroys that go before any create, as in Terraform's destroy-then-create
        order: the old object of every replacement that is not
        create_before_destroy, and every planned delete or such replacement of
        an object that depends on one of them, since a dependent must go first
        (an IAM role cannot be deleted while a policy is still attached to it)."""
        replacing = [c for c in self.changes.values() if c.action is Action.REPLACE
                     and not c.create_before_destroy and c.addr not in self.hold]
        if not replacing:
            return []
        deletes = [c for c in self.plan.changes if c.action is Action.DELETE and not c.deposed]
        chosen = {c.addr: c for c in replacing}
        nodes = {c.addr.config_node for c in replacing}
        grew = True
        while grew:
            grew = False
            for c in deletes:
                if c.addr not in chosen and nodes.intersection(c.dependencies):
                    chosen[c.addr] = c
                    nodes.add(c.addr.config_node)
                    grew = True
        return list(chosen.values())

    def destroy_early(self, change: Change) -> None:
        """The destroy half of a replacement, or a dependent's delete, before the walk."""
        if self.stop.is_set():
            return
        if change.action is Action.DELETE:
            self.delete(change)
            with self.lock:
                self.destroyed.add(change.addr)
            return
        provider = self.providers.get(self.providers.key_from_state(change.provider))
        try:
            if provider is None:
                raise ProviderError(f"provider {change.provider} is not available")
            with self.calls:
                if self.stop.is_set():
                    return
                provider.apply(change.type, change.before, None)
        except Exception as exc:  # a provider bug too: see _message
            with self.lock:
                self.destroy_failed.add(change.addr)
            self._fail(change, f"destroying the old object failed: {_message(exc)}")
            return
        self._gone(change.addr)
        with self.lock:
            self.destroyed.add(change.addr)


class _Calls:
    """One change's provider calls, each in one of the applier's `parallelism`
    slots. Before its first call a change has done nothing: an interrupt then
    stops it (_NotStarted), while a change already under way makes all its
    calls (a replacement is not left half done)."""

    def __init__(self, applier: Applier, change: Change):
        self.applier = applier
        self.change = change
        self.started = False

    def __call__(self, fn: Callable[..., Any], *args: Any,
                 intent: dict[str, Any] | None = None) -> Any:
        """fn(*args) in a slot; `intent` (a create's) is recorded durably first.

        The intent is written before the slot is taken, while other calls hold
        the slots: written inside it, its fsync kept a slot from the provider
        (0.16 s of a 2.9 s apply of 1,000 creates at 20 ms, -parallelism=10).
        So a crash can leave the intents of creates still waiting for a slot
        too, at most one per apply thread (2 x parallelism); the next plan
        looks each one up and drops those with nothing behind them. An
        interrupt before the call settles the intent at once."""
        applier = self.applier
        if not self.started and applier.stop.is_set():
            raise _NotStarted
        if intent is not None:
            applier._journal(intent)
        try:
            with applier.calls:
                if not self.started:
                    if applier.stop.is_set():
                        raise _NotStarted
                    self.started = True
                    applier.on_event("start", self.change, "")
                return fn(*args)
        except _NotStarted:
            if intent is not None:
                applier._journal({"kind": "settle", "addr": intent["addr"]})
            raise


def _postconditions(me: ModuleEval, inst: Instance) -> list[_Check]:
    """Resolve each postcondition's references now, on the evaluating thread
    (the evaluator is not thread-safe); `self` is the only name left to fill."""
    from govctl.plan.planner import _repetition

    posts = inst.resource.lifecycle.postconditions
    if not posts:
        return []
    extra = {**_repetition(me, inst), "self": V.unknown()}
    out = []
    for post in posts:
        scope = me.scope_for(post.condition, extra)
        mscope = me.scope_for(post.error_message, extra)
        if scope is None or mscope is None:
            continue
        merged = mscope.child(scope.variables)
        out.append(_Check(post.condition, post.error_message, merged))
    return out


def _check_postconditions(checks: list[_Check], value: Value) -> tuple[str, Any] | None:
    """(message, range) of the first postcondition that fails for `value`."""
    from govctl.lang.convert import ConversionError, convert
    from govctl.lang.eval import EvalError, evaluate
    from govctl.lang.types import BOOL, STRING

    for check in checks:
        scope = check.scope.child({"self": value})
        try:
            cond = evaluate(check.condition, scope)
        except EvalError as exc:
            return exc.diagnostic.summary + ": " + exc.diagnostic.detail, \
                check.condition.range
        if not cond.is_wholly_known():
            continue
        try:
            ok = convert(cond, BOOL).unmark()
        except ConversionError:
            return "The condition must produce a bool.", check.condition.range
        if ok.is_null or ok.v:
            continue
        try:
            msg = evaluate(check.message, scope)
            text = "(the error message refers to sensitive values)" if msg.sensitive else \
                str(convert(msg.unmark(), STRING).v)
        except (EvalError, ConversionError):
            text = "(the error message could not be evaluated)"
        return text, check.condition.range
    return None


def _paths(names: set[str]) -> list[list[str | int]]:
    """Sensitive top-level attributes as state's attribute paths."""
    return [[name] for name in sorted(names)]


def _inst_json(inst: InstanceState) -> dict[str, Any]:
    from govctl.state.statefile import instance_to_json

    return instance_to_json(inst)


def delete_order(changes: list[Change]) -> list[list[Change]]:
    """Deletes in reverse dependency order, as generations that may run together.
    A deposed object goes before the instance at its address (whose state entry
    it occupies until then). Dependencies come from the state; if a hand-edited
    state makes them circular, the deletes go one at a time, in address order,
    and the provider's own errors say what could not go."""
    after: dict[tuple[InstanceAddr, bool], set[tuple[InstanceAddr, bool]]] = {}
    by_res: dict[str, list[Change]] = {}
    index: dict[tuple[InstanceAddr, bool], Change] = {}
    for c in changes:
        node = (c.addr, c.deposed)
        index[node] = c
        after[node] = set()         # node -> what must be deleted before it
        by_res.setdefault(c.addr.config_node, []).append(c)
    for c in changes:
        for dep in c.dependencies:
            for d in by_res.get(dep, []):
                if d.addr != c.addr:
                    after[(d.addr, d.deposed)].add((c.addr, c.deposed))   # c before d
        if c.deposed and (c.addr, False) in index:
            after[(c.addr, False)].add((c.addr, True))
    order = graphlib.TopologicalSorter(after)
    try:
        order.prepare()
    except graphlib.CycleError:
        return [[index[n]] for n in sorted(index, key=_deposed_first)]
    generations = []
    while order.is_active():
        ready = order.get_ready()
        generations.append([index[n] for n in sorted(ready, key=_deposed_first)])
        order.done(*ready)
    return generations


def _deposed_first(node: tuple[InstanceAddr, bool]) -> tuple[InstanceAddr, bool]:
    return node[0], not node[1]


@contextlib.contextmanager
def _interrupts(applier: Applier, on_interrupt: Callable[[int], None] | None
                ) -> Iterator[None]:
    """SIGINT while applying (module docstring). Signal handlers can only be set
    on the main thread; elsewhere (an embedding program) interrupts are theirs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        applier.interrupts += 1
        applier.stop.set()
        applier.result.interrupted = True
        if on_interrupt is not None:
            on_interrupt(applier.interrupts)
        if applier.interrupts >= 2:
            applier.result.forced = True
            if applier._critical == 0:
                raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def apply_plan(root: m.Module, inputs: dict[str, InputValue], plan: Plan, state: State,
               journal: Any, providers: ProviderSet, parallelism: int = 10,
               on_event: Event | None = None,
               on_interrupt: Callable[[int], None] | None = None) -> ApplyResult:
    """Apply `plan` to `state` (changed in place, every change journaled).
    `on_interrupt(n)` is called on the n-th SIGINT, for the caller to tell the user."""
    applier = Applier(plan, state, journal, providers, parallelism, on_event)
    result = applier.result
    if not providers.configured:   # a saved plan: nothing has configured them yet
        probe = ModuleEval(root, inputs, Options(validate_only=False), root.path, Result())
        providers.configure(probe)
        result.diagnostics += providers.diagnostics
    try:
        with _interrupts(applier, on_interrupt):
            applier.persist_drift(plan.drift)
            applier.prepare(root)
            for generation in delete_order(applier.early_destroys()):
                if applier.stop.is_set():
                    break
                list(applier.pool.map(applier.destroy_early, generation))
            if plan.mode not in ("destroy", "refresh-only"):
                evaluation = Result()
                me = ModuleEval(root, inputs, Options(validate_only=False, planner=applier,
                                                      plan_time=False), root.path, evaluation)
                _evaluate_by_readiness(me, root, applier)
                me.run()
                for fut in list(applier.futures.values()):
                    fut.exception()      # wait for everything submitted
                result.diagnostics += [d for d in evaluation.diagnostics
                                       if d.severity == "error"]
                if not applier.stop.is_set():
                    _save_outputs(applier, evaluation)
            for generation in delete_order(applier.deletes()):
                if applier.stop.is_set():
                    break
                list(applier.pool.map(applier.delete, generation))
            if plan.mode == "destroy" and not applier.stop.is_set() \
                    and not result.failed and not applier.state.resources:
                _clear_outputs(applier)     # as Terraform: nothing left, no outputs
    except KeyboardInterrupt:
        applier.stop.set()
        result.interrupted = True
        result.forced = result.forced or applier.interrupts >= 2
    finally:
        applier.pool.shutdown(wait=not result.forced, cancel_futures=True)
    if result.interrupted:
        detail = ("Changes in flight were allowed to finish and are recorded in state; the "
                  "rest were not started.") if not result.forced else (
                  "Stopped without waiting for the changes in flight: what finished is "
                  "recorded in state, and an object whose create was cut short is found "
                  "again by the next plan.")
        result.diagnostics.append(error("Interrupted", detail))
    return result


def _with_ignored(proposed: dict[str, Any], prior: dict[str, Any] | None,
                  res: m.Resource) -> dict[str, Any]:
    """lifecycle.ignore_changes, as the planner applied it: the final
    configuration must not bring back what the plan left alone."""
    from govctl.plan.planner import keep_ignored

    if prior is None:
        return proposed
    if res.lifecycle.ignore_all_changes:
        return dict(prior)
    if res.lifecycle.ignore_changes:
        return keep_ignored(proposed, prior, res.lifecycle.ignore_changes)
    return proposed


def _still_planned(change: Change, prior: dict[str, Any] | None, proposed: dict[str, Any],
                   schema: Any) -> dict[str, Any] | None:
    """The plan's object when it still holds: every attribute the user sets was
    known at plan time and is what the configuration gives now. Then asking the
    provider to plan again (one more remote call per change) would change
    nothing; otherwise None, and the provider plans with the final values."""
    from govctl.plan.planner import has_unknown

    after = change.after
    if after is None or change.before is not prior or change.action is Action.REPLACE:
        return None
    for name, attr in schema.attributes.items():
        if attr.computed and not attr.optional:
            continue
        value = after.get(name)
        if has_unknown(value) or proposed.get(name) != value:
            return None
    for name in schema.blocks:          # nested blocks hold configuration too
        value = after.get(name)
        if has_unknown(value) or proposed.get(name) != value:
            return None
    return after


def _evaluate_by_readiness(me: ModuleEval, root: m.Module, applier: Applier) -> None:
    """Evaluate each root-module resource as soon as everything it depends on
    is applied (dataflow order).

    Evaluating an instance waits for the changes it reads; in declaration order
    the first such wait would hold back every independent change declared after
    it, and in generations each generation would wait for the slowest change of
    the one before. Here a resource is evaluated, and its changes submitted, the
    moment its last dependency finishes, so `parallelism` changes stay in flight.
    """
    import contextlib
    import queue

    from govctl.config.evaluate import _Cycle
    from govctl.graph import resource_dependencies_of

    all_deps = resource_dependencies_of(root)
    if all_deps is None:
        return   # cycles: the plain walk reports them
    nodes = {n for n in all_deps if not n.startswith("module.")}
    deps = {n: needs & nodes for n, needs in all_deps.items() if n in nodes}
    waiting = {n: len(d) for n, d in deps.items()}
    dependents: dict[str, list[str]] = {}
    for n, needs in deps.items():
        for d in needs:
            dependents.setdefault(d, []).append(n)
    finished: queue.SimpleQueue[str] = queue.SimpleQueue()
    ready = sorted(n for n, count in waiting.items() if count == 0)
    left = len(deps)
    while left:
        for node in ready:
            left -= 1
            res = root.resources.get(node) or root.data.get(node)
            if res is not None:
                with contextlib.suppress(_Cycle):
                    me.instances_of(res)
            _when_applied(applier, node, finished)
        ready = []
        if not left:
            break
        node = finished.get()          # blocks until some resource's changes are done
        for dependent in dependents.get(node, ()):
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                ready.append(dependent)
        ready.sort()


def _when_applied(applier: Applier, node: str, finished: Any) -> None:
    """Put `node` on `finished` once every change submitted for it is done."""
    futures = [applier.futures[a] for a in applier.by_node.get(node, ())]
    if not futures:
        finished.put(node)
        return
    remaining = [len(futures)]
    lock = threading.Lock()

    def one_done(_: Future[Value]) -> None:
        with lock:
            remaining[0] -= 1
            last = remaining[0] == 0
        if last:
            finished.put(node)

    for fut in futures:
        fut.add_done_callback(one_done)


def _clear_outputs(applier: Applier) -> None:
    with applier.lock:
        applier.state.outputs = {}
    applier._journal({"kind": "outputs", "outputs": {}})


def _save_outputs(applier: Applier, evaluation: Result) -> None:
    from govctl.lang.types import to_json
    from govctl.state.model import OutputState

    outputs = {}
    for name, val in evaluation.outputs.items():
        if not val.is_wholly_known():
            continue
        plain, marks = val.unmark_deep()
        outputs[name] = OutputState(plain.to_python(), to_json(plain.type),
                                    V.SENSITIVE in marks)
    with applier.lock:
        applier.state.outputs = outputs
    applier._journal({"kind": "outputs", "outputs": {
        k: {"value": o.value, "type": o.type, "sensitive": o.sensitive}
        for k, o in outputs.items()}})

