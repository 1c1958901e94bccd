"""apply_plan: the whole apply, from repairs to outputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from govctl.apply.applier import Applier
from govctl.apply.interrupts import interrupts
from govctl.apply.order import delete_order
from govctl.apply.outcomes import ApplyResult, Event
from govctl.apply.readiness import evaluate_by_readiness
from govctl.config import model as m
from govctl.config.evaluate import InputValue, ModuleEval, Options, Result
from govctl.diagnostics import error
from govctl.lang import values as V
from govctl.plan.model import Plan
from govctl.plan.providers import ProviderSet
from govctl.state.model import State


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
        with interrupts(applier, on_interrupt):
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
                evaluate_by_readiness(me, root, applier)
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
