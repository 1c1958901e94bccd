"""The walk: each resource evaluated, and its changes submitted, as soon as
everything it depends on is applied."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from govctl.config import model as m
from govctl.config.evaluate import ModuleEval
from govctl.lang.values import Value

if TYPE_CHECKING:
    from govctl.apply.applier import Applier


def evaluate_by_readiness(me: ModuleEval, root: m.Module, applier: Applier) -> None:
    """Evaluate each root-module resource as soon as everything it depends on
    is applied (dataflow order).

    Evaluating an instance waits for the changes it reads; in declaration order
    the first such wait would hold back every independent change declared after
    it, and in generations each generation would wait for the slowest change of
    the one before. Here a resource is evaluated, and its changes submitted, the
    moment its last dependency finishes, so `parallelism` changes stay in flight.
    """
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
