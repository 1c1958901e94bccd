"""Before the walk: the repairs the planner made to its copy of the prior
state (moves, found intents, imports) are made to the real one."""

from __future__ import annotations

from govctl.addrs import InstanceAddr
from govctl.apply.ledger import Ledger, attribute_paths
from govctl.config import model as m
from govctl.plan.model import Action, Change
from govctl.state.model import InstanceState


class Repairs(Ledger):
    """Part of Applier (applier.py)."""

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
            inst = InstanceState(c.addr.key, c.before, sensitive_paths=attribute_paths(c.sensitive),
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
        from govctl.plan.repairs import same_object

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
