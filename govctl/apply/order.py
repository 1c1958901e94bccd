"""The order of deletes."""

from __future__ import annotations

import graphlib

from govctl.addrs import InstanceAddr
from govctl.plan.model import Change


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
