"""Values printed as `terraform console` prints them.

Sensitive values print as `(sensitive value)` and unknown ones as
`(known after apply)`; nothing inside a sensitive value is ever shown.
"""

from __future__ import annotations

from govctl.lang.types import ListType, MapType, SetType
from govctl.lang.values import SENSITIVE, Value, format_number

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\t": "\\t", "\r": "\\r"}


def render(v: Value, indent: int = 0) -> str:
    if SENSITIVE in v.marks:
        return "(sensitive value)"
    if v.unknown:
        return "(known after apply)"
    if v.v is None:
        return "null"
    pad = "  " * indent
    inner_pad = "  " * (indent + 1)
    t = v.type
    raw = v.v
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, str):
        return _string(raw, indent)
    if isinstance(raw, tuple):
        prefix, suffix = {ListType: ("tolist(", ")"), SetType: ("toset(", ")")}.get(
            type(t), ("", ""))
        if not raw:
            return f"{prefix}[]{suffix}"
        items = "".join(f"{inner_pad}{render(e, indent + 1)},\n" for e in raw)
        return f"{prefix}[\n{items}{pad}]{suffix}"
    if isinstance(raw, dict):
        prefix, suffix = ("tomap(", ")") if isinstance(t, MapType) else ("", "")
        if not raw:
            return f"{prefix}{{}}{suffix}"
        items = "".join(f'{inner_pad}{_quote(k)} = {render(e, indent + 1)}\n'
                        for k, e in raw.items())
        return f"{prefix}{{\n{items}{pad}}}{suffix}"
    return format_number(raw)


def _quote(s: str) -> str:
    return '"' + "".join(_ESCAPES.get(c, c) for c in s).replace("\n", "\\n") + '"'


def _string(s: str, indent: int) -> str:
    if "\n" not in s:
        return _quote(s)
    if indent == 0:
        return f"<<EOT\n{s}\nEOT"
    pad = "  " * indent
    body = "\n".join(pad + line if line else line for line in s.split("\n"))
    return f"<<-EOT\n{body}\n{pad}EOT"
