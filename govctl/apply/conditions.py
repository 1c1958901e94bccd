"""Postconditions: resolved on the evaluating thread (the evaluator is not
thread-safe), checked on the worker once the new object exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govctl.config.evaluate import Instance, ModuleEval
from govctl.lang import values as V
from govctl.lang.values import Value


@dataclass
class Check:
    """A postcondition with its scope resolved on the evaluating thread; only
    `self` is filled in by the worker once the object exists."""

    condition: Any
    message: Any
    scope: Any


def postconditions(me: ModuleEval, inst: Instance) -> list[Check]:
    """Resolve each postcondition's references now, on the evaluating thread
    (the evaluator is not thread-safe); `self` is the only name left to fill."""
    from govctl.plan.replace_triggers import repetition

    posts = inst.resource.lifecycle.postconditions
    if not posts:
        return []
    extra = {**repetition(me, inst), "self": V.unknown()}
    out = []
    for post in posts:
        scope = me.scope_for(post.condition, extra)
        mscope = me.scope_for(post.error_message, extra)
        if scope is None or mscope is None:
            continue
        merged = mscope.child(scope.variables)
        out.append(Check(post.condition, post.error_message, merged))
    return out


def check_postconditions(checks: list[Check], value: Value) -> tuple[str, Any] | None:
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
