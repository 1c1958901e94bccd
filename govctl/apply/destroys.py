"""Deletes: planned ones, deposed objects, the old halves of replacements,
and the destroys that must go before any create."""

from __future__ import annotations

from govctl.apply.ledger import Ledger, attribute_paths
from govctl.apply.outcomes import Outcome
from govctl.plan.model import Action, Change
from govctl.plan.provider_errors import provider_message
from govctl.plugins.protocol import ProviderError
from govctl.state.model import InstanceState


class Destroys(Ledger):
    """Part of Applier (applier.py)."""

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
        except Exception as exc:  # a provider bug too: see plan.provider_errors
            what = "the new object was created, but destroying the old one failed: " \
                if replaced is not None else ""
            self._fail(shown, what + provider_message(exc))
            return
        if change.deposed:
            with self.lock:
                new = self.hold.pop(addr, None)
            if new is not None:
                own = replaced or self.changes.get(addr) or change
                inst = InstanceState(addr.key, new, sensitive_paths=attribute_paths(own.sensitive),
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
        except Exception as exc:  # a provider bug too: see plan.provider_errors
            with self.lock:
                self.destroy_failed.add(change.addr)
            self._fail(change, f"destroying the old object failed: {provider_message(exc)}")
            return
        self._gone(change.addr)
        with self.lock:
            self.destroyed.add(change.addr)
