"""Terraform's `aws_iam_policy_document` output, byte for byte.

Configurations ported from Terraform must produce the same documents and the
same ids, so this renders as the Terraform AWS provider does: Go's
encoding/json, its set ordering and its merge rules.

A document is held as {"Version", "Id", "Statement": [statement]} where a
statement keeps Terraform's field order and holds its principals as
[(type, identifiers)] and its conditions as [(test, variable, values)]:
Terraform merges and sorts those only when it writes the JSON.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

Doc = dict[str, Any]
Principals = list[tuple[str, str | list[str]]]
Conditions = list[tuple[str, str, str | list[str]]]

STRING_KEYS = ("Action", "NotAction", "Resource", "NotResource")
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
    for key in STRING_KEYS:
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
