"""The approvers a configuration declares, with their public keys.

`public_key` is a constant expression, so `file("keys/alice.pub")` works and
nothing about who may approve depends on variables a run could change."""

from __future__ import annotations

from typing import Any

from govctl.approvals.keys import KeyError_, public_key
from govctl.config import model as m
from govctl.diagnostics import Diagnostic, error
from govctl.lang.eval import EvalError, Scope, evaluate
from govctl.lang.functions.base import CallContext


def keys(root: m.Module) -> tuple[dict[str, Any], list[Diagnostic]]:
    out: dict[str, Any] = {}
    diags: list[Diagnostic] = []
    scope = Scope(ctx=CallContext(base_dir=root.path, root_dir=root.path))
    for name, a in root.approvers.items():
        attr = a.block.body.attributes["public_key"]
        try:
            value = evaluate(attr.expr, scope).unmark_deep()[0]
        except EvalError as exc:
            diags.append(exc.diagnostic)
            continue
        text = value.to_python() if value.is_wholly_known() else None
        if not isinstance(text, str):
            diags.append(error("Invalid public key", f'The public_key of approver "{name}" '
                               "must be a string.", attr.expr.range))
            continue
        try:
            out[name] = public_key(text)
        except KeyError_ as exc:
            diags.append(error("Invalid public key", f'The public_key of approver "{name}" '
                               f"is {exc}.", attr.expr.range))
    return out, diags
