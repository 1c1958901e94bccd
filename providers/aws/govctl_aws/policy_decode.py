"""JSON policy documents read into the model `policy_render` merges and renders.

`source_policy_documents` and `override_policy_documents` arrive as JSON
text; Terraform reads them into its own statement model (dropping what it
cannot hold) before merging, and refuses sources that repeat a Sid. Doing
the same keeps merged documents identical to Terraform's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from govctl.plugins.protocol import ProviderError
from govctl_aws.policy_render import STRING_KEYS, Conditions, Doc, Principals


def _strings(value: Any, what: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out = []
    for v in items:
        if isinstance(v, bool):
            out.append("true" if v else "false")
        elif isinstance(v, str | int | float):
            # Terraform drops numbers silently; IAM reads "5" as 5, so keep them
            out.append(v if isinstance(v, str) else json.dumps(v))
        else:
            raise ValueError(f"{what} holds {json.dumps(v)}, which is not a string")
    return out


def _decode_principals(value: Any) -> Principals:
    if isinstance(value, str):
        return [("*", ["*"])]
    if not isinstance(value, dict):
        raise ValueError("a Principal must be \"*\" or an object")
    out: Principals = []
    for type_, ids in value.items():
        if isinstance(ids, str):
            out.append((type_, ids))
        else:
            out.append((type_, sorted(_strings(ids, f"Principal {type_}"))))
    return out


def _decode_conditions(value: Any) -> Conditions:
    if not isinstance(value, dict):
        raise ValueError("a Condition must be an object")
    out: Conditions = []
    for test, body in value.items():
        if not isinstance(body, dict):
            raise ValueError(f"the Condition {test} must be an object")
        for variable, values in body.items():
            vals = _strings(values, f"the Condition {test} {variable}")
            out.append((test, variable, vals if isinstance(values, list) else vals[0]))
    return out


def _decode_statement(st: Any) -> dict[str, Any]:
    if not isinstance(st, dict):
        raise ValueError("a Statement must be an object")
    out: dict[str, Any] = {"Sid": st.get("Sid") or "", "Effect": st.get("Effect") or ""}
    for key in STRING_KEYS:
        if st.get(key) is not None:
            out[key] = st[key]
    for key in ("Principal", "NotPrincipal"):
        if st.get(key) is not None:
            out[key] = _decode_principals(st[key])
    if st.get("Condition") is not None:
        out["Condition"] = _decode_conditions(st["Condition"])
    return out


def decode(text: str) -> Doc:
    """A JSON policy document as the model `merge` and `render` use; ValueError
    (with the reason) when it is not one."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"it is not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ValueError("it is not a JSON object")
    statements = value.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    return {"Version": value.get("Version") or "", "Id": value.get("Id") or "",
            "Statement": [_decode_statement(s) for s in statements]}


def check_unique_sids(docs: Iterable[Doc], attribute: str) -> None:
    """Terraform refuses source documents whose statements repeat a Sid."""
    seen: set[str] = set()
    for index, doc in enumerate(docs):
        for st in doc.get("Statement") or ():
            sid = st.get("Sid")
            if sid and sid in seen:
                raise ProviderError(f"{attribute}[{index}]: duplicate Sid ({sid}); remove the "
                                    "Sid or make the Sids unique", attribute=attribute)
            if sid:
                seen.add(sid)
