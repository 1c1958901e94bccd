"""The approvers a configuration declares, with their public keys.

`public_key` is a constant expression, so `file("keys/alice.pub")` works and
nothing about who may approve depends on variables a run could change."""

from __future__ import annotations

import hashlib
from typing import Any

from govctl.approvals.keys import KeyError_, public_key
from govctl.config import model as m
from govctl.diagnostics import Diagnostic, error
from govctl.lang.eval import EvalError, Scope, evaluate
from govctl.lang.functions.base import CallContext


def key_fingerprints(root: m.Module) -> list[tuple[str, str]]:
    """(name, SHA-256 of the raw public key, or "invalid") per approver."""
    found, _ = keys(root)
    return [(name, _fingerprint(found[name]) if name in found else "invalid")
            for name in sorted(root.approvers)]


def _fingerprint(key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def keys(root: m.Module) -> tuple[dict[str, Any], list[Diagnostic]]:
    """The approvers' keys. Two approvers with one key are refused: one person
    could otherwise meet a rule that asks for two."""
    out: dict[str, Any] = {}
    diags: list[Diagnostic] = []
    seen: dict[str, str] = {}
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
            key = public_key(text)
        except KeyError_ as exc:
            diags.append(error("Invalid public key", f'The public_key of approver "{name}" '
                               f"is {exc}.", attr.expr.range))
            continue
        fp = _fingerprint(key)
        if fp in seen:
            diags.append(error("Shared approver key", f'Approvers "{seen[fp]}" and "{name}" '
                               "have the same public key: each approver needs a key of "
                               "their own.", attr.expr.range))
            continue
        seen[fp] = name
        out[name] = key
    return out, diags
