"""The applier's bookkeeping: every change to the state goes through the
journal here, so that a crash at any point loses nothing that finished."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from govctl.addrs import InstanceAddr
from govctl.apply.outcomes import ApplyResult, Event, Outcome
from govctl.config import model as m
from govctl.diagnostics import Range
from govctl.lang.values import Value
from govctl.plan.model import Change, Plan
from govctl.state.model import InstanceState, State

if TYPE_CHECKING:
    from govctl.plan.providers import ProviderSet


class Ledger:
    """Part of Applier (applier.py), whose __init__ sets these attributes; the
    other parts (Repairs, Destroys) build on this one."""

    plan: Plan
    changes: dict[InstanceAddr, Change]
    deposed: list[Change]
    state: State
    journal: Any
    providers: ProviderSet
    calls: threading.BoundedSemaphore
    futures: dict[InstanceAddr, Future[Value]]
    by_node: dict[str, list[InstanceAddr]]
    result: ApplyResult
    lock: threading.Lock
    stop: threading.Event
    on_event: Event
    hold: dict[InstanceAddr, dict[str, Any] | None]
    replaced: dict[InstanceAddr, Change]
    interrupts: int
    _critical: int
    destroyed: set[InstanceAddr]
    destroy_failed: set[InstanceAddr]

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
                 "instance": instance_json(inst)}
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
        paths = attribute_paths(change.sensitive)
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
                             sensitive_paths=attribute_paths(change.sensitive),
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


def attribute_paths(names: set[str]) -> list[list[str | int]]:
    """Sensitive top-level attributes as state's attribute paths."""
    return [[name] for name in sorted(names)]


def instance_json(inst: InstanceState) -> dict[str, Any]:
    from govctl.state.statefile import instance_to_json

    return instance_to_json(inst)
