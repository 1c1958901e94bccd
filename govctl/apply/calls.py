"""A change's provider calls, each in one of the `-parallelism` slots."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from govctl.plan.model import Change

if TYPE_CHECKING:
    from govctl.apply.applier import Applier


class NotStarted(Exception):
    """An interrupt came while the change waited for its turn to call the provider."""


class Calls:
    """One change's provider calls, each in one of the applier's `parallelism`
    slots. Before its first call a change has done nothing: an interrupt then
    stops it (NotStarted), while a change already under way makes all its
    calls (a replacement is not left half done)."""

    def __init__(self, applier: Applier, change: Change):
        self.applier = applier
        self.change = change
        self.started = False

    def __call__(self, fn: Callable[..., Any], *args: Any,
                 intent: dict[str, Any] | None = None) -> Any:
        """fn(*args) in a slot; `intent` (a create's) is recorded durably first.

        The intent is written, with an fsync, before the slot is taken, while
        other calls hold the slots (inside the slot that fsync, with the
        handoff to the journal's writer thread and back, cost 1-1.3 ms of
        every slot: 0.15-0.3 s of an apply of 1,000 creates at 20 ms,
        -parallelism=10). It is written `sent: false`; in the slot, just
        before the call, a `sent` mark follows, without an fsync (see
        Journal.append_unsynced). So the next plan looks for an object only
        for creates that were being sent: one of the same name made outside
        govctl is never taken for a create that was still waiting. An
        interrupt before the call settles the intent at once."""
        applier = self.applier
        if not self.started and applier.stop.is_set():
            raise NotStarted
        if intent is not None:
            applier._journal({**intent, "sent": False})
        try:
            with applier.calls:
                if not self.started:
                    if applier.stop.is_set():
                        raise NotStarted
                    self.started = True
                    applier.on_event("start", self.change, "")
                if intent is not None:
                    _mark_sent(applier.journal, intent["addr"])
                return fn(*args)
        except NotStarted:
            if intent is not None:
                applier._journal({"kind": "settle", "addr": intent["addr"]})
            raise


def _mark_sent(journal: Any, addr: str) -> None:
    mark = {"kind": "sent", "addr": addr}
    unsynced = getattr(journal, "append_unsynced", None)
    if unsynced is not None:
        unsynced(mark)
    else:           # a journal without it (an embedding program's): durably
        journal.append(mark)
