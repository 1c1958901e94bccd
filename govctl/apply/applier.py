"""The evaluator hook of the apply pass and the executor of its changes
(the design is in the package docstring)."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from govctl.addrs import InstanceAddr
from govctl.apply.calls import Calls, NotStarted
from govctl.apply.conditions import Check, check_postconditions, postconditions
from govctl.apply.destroys import Destroys
from govctl.apply.outcomes import ApplyResult, DependencyFailed, Event, Outcome
from govctl.apply.repairs import Repairs
from govctl.config import model as m
from govctl.config.evaluate import Instance, ModuleEval
from govctl.diagnostics import error
from govctl.lang import values as V
from govctl.lang.values import Value
from govctl.plan.attributes import has_unknown
from govctl.plan.model import Action, Change, Plan
from govctl.plan.provider_errors import provider_message, where
from govctl.plan.providers import ProviderSet
from govctl.plugins.protocol import ProviderError
from govctl.state.model import State


class _Failed(Exception):
    """A change failed after its provider call succeeded (a postcondition)."""


class Applier(Repairs, Destroys):
    """The evaluator hook for the apply pass, and the executor of changes; its
    repairs, deletes and bookkeeping are in repairs.py, destroys.py and ledger.py."""

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
            except Exception as exc:  # a provider bug too: see plan.provider_errors
                self._fail(change or Change(addr, Action.READ, "", None, None),
                           provider_message(exc))
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
        checks = postconditions(me, inst)
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
             schema: Any, checks: list[Check]) -> Value:
        from govctl.plugins.schema import from_provider

        if self.stop.is_set():
            raise DependencyFailed("interrupted")
        if change.addr in self.destroy_failed:      # reported by destroy_early
            raise DependencyFailed("destroying the old object failed")
        provider = self.providers.get(self.providers.key_for(res))
        assert provider is not None
        t = res.type
        addr = change.addr
        call = Calls(self, change)
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
            # a create's intent is in the journal before its call (Calls)
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
            problem = check_postconditions(checks, value)
            if problem is not None:
                message, rng = problem
                with self.lock:
                    self.result.diagnostics.append(error("Resource postcondition failed",
                                                         f"{addr}: {message}", rng))
                raise _Failed(f"Resource postcondition failed: {message}")
        except NotStarted:
            raise DependencyFailed("interrupted") from None
        except (ProviderError, _Failed) as exc:
            self._half_done(change, cbd)
            self._fail(change, exc.message if isinstance(exc, ProviderError) else str(exc),
                       where(res, exc))
            raise
        except Exception as exc:  # a provider bug must not lose the rest of the apply
            self._half_done(change, cbd)
            self._fail(change, f"unexpected error: {exc!r}", where(res, exc))
            raise
        if not cbd:
            self._record(Outcome(addr, change.action, True))
            self.on_event("done", change, "")
        return value

    def _half_done(self, change: Change, cbd: bool) -> None:
        """A replacement that failed after destroying the old object: that
        destroy happened, and the summary counts it (Terraform's does too)."""
        if change.action is Action.REPLACE and not cbd and \
                self.state.instance(change.addr) is None:
            self._record(Outcome(change.addr, Action.DELETE, True))


def _with_ignored(proposed: dict[str, Any], prior: dict[str, Any] | None,
                  res: m.Resource) -> dict[str, Any]:
    """lifecycle.ignore_changes, as the planner applied it: the final
    configuration must not bring back what the plan left alone."""
    from govctl.plan.attributes import keep_ignored

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
