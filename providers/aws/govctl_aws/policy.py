"""IAM policy documents: compared by meaning, and rendered as Terraform does.

AWS returns a policy reformatted (whitespace, key order, URL-encoded for
roles), sometimes with a one-element list collapsed to a string, an account
id principal turned into its root ARN, and statements in any order. A plan
must not show such a document as changed: `equivalent` compares the
canonical forms, and a planned document equivalent to the prior one keeps
the prior text.

The second half renders `aws_iam_policy_document` output byte for byte as
the Terraform AWS provider does (Go's encoding/json, its set ordering and
its merge rules), so that configurations ported from Terraform produce the
same documents and the same ids.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

from govctl.plugins.protocol import ProviderError

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


# --- Terraform's aws_iam_policy_document ----------------------------------------
#
# A document is held as {"Version", "Id", "Statement": [statement]} where a
# statement keeps Terraform's field order and holds its principals as
# [(type, identifiers)] and its conditions as [(test, variable, values)]:
# Terraform merges and sorts those only when it writes the JSON.

Doc = dict[str, Any]
Principals = list[tuple[str, str | list[str]]]
Conditions = list[tuple[str, str, str | list[str]]]

_STRING_KEYS = ("Action", "NotAction", "Resource", "NotResource")
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
               "\u2029": "\\u2029"}
_GO_NEEDS_ESCAPE = re.compile("[<>&\u2028\u2029]")


def string_or_list(values: Iterable[str]) -> str | list[str]:
    """Terraform's form of a set of strings: the one value alone, several
    sorted in reverse order (as its provider has always written them)."""
    items = sorted(set(values), reverse=True)
    return items[0] if len(items) == 1 else items


def _principal_json(principals: Principals) -> Any:
    if len(principals) == 1 and principals[0][0] == "*" and principals[0][1] in ("*", ["*"]):
        return "*"
    raw: dict[str, Any] = {}
    for type_, ids in principals:
        cur = raw.get(type_)
        if isinstance(ids, list):
            base = [] if cur is None else [cur] if isinstance(cur, str) else cur
            raw[type_] = base + sorted(ids, reverse=True)
        else:
            raw[type_] = ids if cur is None else [cur, ids] if isinstance(cur, str) \
                else [*cur, ids]
    return {k: raw[k] for k in sorted(raw)}


def _condition_json(conditions: Conditions) -> dict[str, dict[str, Any]]:
    raw: dict[str, dict[str, list[str]]] = {}
    for test, variable, values in conditions:
        held = raw.setdefault(test, {}).setdefault(variable, [])
        held.extend(values if isinstance(values, list) else [values])
    return {test: {var: vals[0] if len(vals) == 1 else vals
                   for var, vals in sorted(body.items())}
            for test, body in sorted(raw.items())}


def _statement_json(st: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("Sid", "Effect"):
        if st.get(key):
            out[key] = st[key]
    for key in _STRING_KEYS:
        if st.get(key) is not None:
            out[key] = st[key]
    for key in ("Principal", "NotPrincipal"):
        if st.get(key):
            out[key] = _principal_json(st[key])
    if st.get("Condition"):
        out["Condition"] = _condition_json(st["Condition"])
    return out


def document_json(doc: Doc) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("Version", "Id"):
        if doc.get(key):
            out[key] = doc[key]
    if doc.get("Statement"):
        out["Statement"] = [_statement_json(s) for s in doc["Statement"]]
    return out


def _go_text(text: str) -> str:
    """Go's encoding/json escapes <, > and & (and two line separators) even
    inside strings; Terraform's documents carry them so."""
    return _GO_NEEDS_ESCAPE.sub(lambda m: _GO_ESCAPES[m.group()], text)


def render(doc: Doc) -> tuple[str, str, str]:
    """(json, minified_json, id) of a document, exactly as Terraform writes them."""
    value = document_json(doc)
    pretty = _go_text(json.dumps(value, indent=2, ensure_ascii=False))
    minified = _go_text(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
    return pretty, minified, str(zlib.crc32(pretty.encode()))


def merge(base: Doc, new: Doc) -> None:
    """Terraform's merge: `new` brings its Id, a later Version, and its
    statements, each replacing the one of `base` with the same Sid."""
    if new.get("Id"):
        base["Id"] = new["Id"]
    if (new.get("Version") or "") > (base.get("Version") or ""):
        base["Version"] = new["Version"]
    statements = base.setdefault("Statement", [])
    for st in new.get("Statement") or ():
        sid = st.get("Sid")
        same = [i for i, old in enumerate(statements) if sid and old.get("Sid") == sid]
        if same:
            statements[same[0]] = st
        else:
            statements.append(st)


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
    for key in _STRING_KEYS:
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
