"""IAM policy documents compared by meaning.

AWS returns a policy reformatted (whitespace, key order, URL-encoded for
roles), sometimes with a one-element list collapsed to a string, an account
id principal turned into its root ARN, and statements in any order. A plan
must not show such a document as changed: `equivalent` compares the
canonical forms, and a planned document equivalent to the prior one keeps
the prior text.

Rendering documents as Terraform does is another concern, in
`policy_render` (and `policy_decode` for documents given as JSON).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

# re-exported for callers that used them from here before the split

# keys whose value is a set of strings: "a" and ["a"] mean the same
_SET_KEYS = frozenset({"Action", "NotAction", "Resource", "NotResource"})
_ACCOUNT_ID = re.compile(r"^\d{12}$")


def parse(doc: Any) -> Any:
    """The JSON value of a document given as text (possibly URL-encoded, as
    IAM returns some) or already decoded; None when it is not JSON."""
    if isinstance(doc, dict | list):
        return doc
    if not isinstance(doc, str) or not doc.strip():
        return None
    for text in (doc, unquote(doc)):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            continue
    return None


def _scalar(value: Any) -> Any:
    """Condition values as IAM keeps them: true, 5 and "true", "5" are one."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return value


def _set(value: Any, item: Any = None) -> Any:
    items = value if isinstance(value, list) else [value]
    fix = item or (lambda v: v)
    return sorted({json.dumps(_canonical(fix(i)), sort_keys=True) for i in items})


def _aws_principal(value: Any) -> Any:
    """IAM stores an account id principal as that account's root ARN."""
    if isinstance(value, str) and _ACCOUNT_ID.match(value):
        return f"arn:aws:iam::{value}:root"
    return value


def _principal(value: Any) -> Any:
    if value == "*":
        return {"AWS": ['"*"']}
    if isinstance(value, dict):
        return {k: _set(v, _aws_principal if k == "AWS" else None)
                for k, v in sorted(value.items())}
    return value


def _condition(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {op: {k: _set(v, _scalar) for k, v in sorted(body.items())}
            if isinstance(body, dict) else body for op, body in sorted(value.items())}


def _statement(st: Any) -> Any:
    if not isinstance(st, dict):
        return st
    out: dict[str, Any] = {}
    for k, v in st.items():
        if k in _SET_KEYS:
            out[k] = _set(v)
        elif k in ("Principal", "NotPrincipal"):
            out[k] = _principal(v)
        elif k == "Condition":
            out[k] = _condition(v)
        elif k == "Sid" and v == "":
            continue
        else:
            out[k] = v
    return out


def _canonical(doc: Any) -> Any:
    if not isinstance(doc, dict) or "Statement" not in doc:
        return doc
    statements = doc["Statement"]
    if not isinstance(statements, list):
        statements = [statements]
    canon = dict(doc)
    canon["Statement"] = sorted((_statement(s) for s in statements),
                                key=lambda s: json.dumps(s, sort_keys=True))
    return canon


def canonical(doc: Any) -> str | None:
    """A text equal for equivalent documents; None when `doc` is not JSON."""
    value = parse(doc)
    if value is None:
        return None
    return json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"))


def equivalent(a: Any, b: Any) -> bool:
    """True when both documents grant the same; texts that are not JSON compare as text."""
    if a == b:
        return True
    ca, cb = canonical(a), canonical(b)
    return ca is not None and ca == cb


def to_text(doc: Any) -> str | None:
    """The document as compact JSON text (AWS sometimes hands back a dict)."""
    value = parse(doc)
    if value is None:
        return doc if isinstance(doc, str) else None
    return json.dumps(value, separators=(",", ":"))


def keep_prior(prior: Any, live: Any) -> str | None:
    """The text to record for a document AWS holds as `live`: the recorded
    text while it still means the same (so a refresh never shows a policy
    "changed outside govctl" only because IAM reformatted it)."""
    if isinstance(prior, str) and equivalent(prior, live):
        return prior
    return to_text(live)
