"""Two JSON policy documents (IAM-style: a `Statement` list) diffed statement
by statement, each matched by its Sid (or its content), so that a statement
reads as added, removed or changed wherever it sits in the list: what a
reviewer of a permission change needs to see.

Lines of (style, text) without indentation; the plan indents them.
"""

from __future__ import annotations

import json
from typing import Any

from govctl.render.nested_diff import inline


def policy_diff(old: Any, new: Any, sensitive: bool) -> list[tuple[str, str]] | None:
    """Two JSON policy documents: statements added, removed and kept, by Sid or
    by content, instead of one long changed string."""
    if sensitive or not isinstance(old, str) or not isinstance(new, str):
        return None
    try:
        a, b = json.loads(old), json.loads(new)
    except ValueError:
        return None
    if not (isinstance(a, dict) and isinstance(b, dict) and "Statement" in a and
            "Statement" in b):
        return None
    sa = a["Statement"] if isinstance(a["Statement"], list) else [a["Statement"]]
    sb = b["Statement"] if isinstance(b["Statement"], list) else [b["Statement"]]

    def ident(s: Any) -> str:
        return str(s["Sid"]) if isinstance(s, dict) and s.get("Sid") else \
            json.dumps(s, sort_keys=True)

    old_by = {ident(s): s for s in sa}
    new_by = {ident(s): s for s in sb}
    out: list[tuple[str, str]] = []
    for k in list(dict.fromkeys([*old_by, *new_by])):
        o, n = old_by.get(k), new_by.get(k)
        text_o = json.dumps(o, sort_keys=True) if o is not None else ""
        text_n = json.dumps(n, sort_keys=True) if n is not None else ""
        if o is None:
            out.append(("green", f"+ statement {text_n}"))
        elif n is None:
            out.append(("red", f"- statement {text_o}"))
        elif o != n:
            out.append(("yellow", f"~ statement {text_o}"))
            out.append(("yellow", f"    -> {text_n}"))
    for field_ in sorted((set(a) | set(b)) - {"Statement"}):
        if a.get(field_) != b.get(field_):
            was, now = inline(a.get(field_)), inline(b.get(field_))
            out.append(("yellow", f"~ {field_} = {was} -> {now}"))
    return out
