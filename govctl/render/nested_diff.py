"""Attribute values drawn as Terraform 1.11 draws them in a plan.

A map, list or JSON document that changes in place is shown element by
element (`~ "b" = "2" -> "9"`, `- "c" = "3" -> null`, `+ "d" = "4"`) to any
depth, with unchanged elements counted (`# (1 unchanged element hidden)`), so
that a one-tag change in a twenty-tag map reads as one line, not two walls of
text to compare by eye. A string holding a JSON object or array is drawn as
`jsonencode(...)` over lines, as the document a user wrote.

Lists are aligned by longest common run (difflib), so an element inserted in
the middle shows as one `+` line, with one unchanged neighbour either side
for context, as Terraform shows it. Without provider schemas here, a dict is
drawn as a map (quoted keys) and an object inside a JSON document as an
object (bare keys), which is what Terraform shows for both.

Text only: `styled` colours each line by its marker.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from govctl.lang.values import format_number
from govctl.plan.model import Action
from govctl.plugins.protocol import UNKNOWN

SENSITIVE = "(sensitive value)"
KNOWN_AFTER = "(known after apply)"
FORCES = " # forces replacement"
_SYMBOL = {Action.CREATE: "  +", Action.DELETE: "  -", Action.UPDATE: "  ~",
           Action.NOOP: "   "}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_MARKER = re.compile(r"^\s*([-+~])(?= |$)")
_STYLE = {"+": "green", "-": "red", "~": "yellow"}


@dataclass(frozen=True)
class _Opts:
    null_suffix: bool = True   # a delete ends in "-> null" (not inside lists or JSON)
    unchanged: bool = False    # draw unchanged children instead of counting them
    json: bool = False         # inside a JSON document: objects with bare keys


def attribute_lines(key: str, old: Any, new: Any, action: Action, *,
                    sensitive: bool = False, forces: bool = False) -> list[str]:
    """A resource's top-level attribute (`key` already padded), as whole lines."""
    if sensitive:
        body = [SENSITIVE + _null(action, _Opts())]
    else:
        body = _value(old, new, action, 1, _Opts(unchanged=action is Action.NOOP))
    if forces:
        body[0] += FORCES
    return _entry(1, action, f"{key} = ", body)


def action_of(old: Any, new: Any) -> Action | None:
    """What happens to one value; None when it is null before and after (nothing
    to show, as Terraform leaves out null attributes)."""
    if old is None and new is None:
        return None
    if old is None:
        return Action.CREATE
    if new is None:
        return Action.DELETE
    if new is not UNKNOWN and old == new:
        return Action.NOOP
    return Action.UPDATE


def unchanged(what: str, count: int) -> str:
    return f"# ({count} unchanged {what}{'' if count == 1 else 's'} hidden)"


def styled(lines: list[str]) -> list[tuple[str, str]]:
    """Each line coloured by its marker: `+` green, `-` red, `~` yellow."""
    out = []
    for text in lines:
        m = _MARKER.match(text)
        out.append((_STYLE[m.group(1)] if m else "", text))
    return out


def scalar(v: Any) -> str:
    """A primitive as HCL writes it (strings JSON-quoted, as Terraform's %q)."""
    if v is UNKNOWN:
        return KNOWN_AFTER
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float | Decimal):    # as Terraform prints numbers: no exponent
        return format_number(Decimal(repr(v)) if isinstance(v, float) else v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return repr(v)


def inline(v: Any) -> str:
    """A value on one line (outputs, policy document fields)."""
    if isinstance(v, list):
        return "[" + ", ".join(inline(x) for x in v) + "]"
    if isinstance(v, dict):
        inner = ", ".join(f"{k} = {inline(x)}" for k, x in sorted(v.items()))
        return "{ " + inner + " }" if v else "{}"
    return scalar(v)


# --- values ---------------------------------------------------------------------

def _value(old: Any, new: Any, action: Action, level: int, o: _Opts) -> list[str]:
    """The value's text: the first line continues the line naming it (`key = `),
    the rest are whole lines nested at `level`."""
    if action is Action.UPDATE and (new is UNKNOWN or _kind(old) != _kind(new)):
        # a new type, or a value known only after apply: the old one, then the new
        gone = _value(old, None, Action.DELETE, level, replace(o, null_suffix=False))
        return _join(gone, " -> ", _value(None, new, Action.CREATE, level, o))
    kind = _kind(new if action is Action.CREATE else old)
    if kind == "map":
        return _map(old, new, action, level, o)
    if kind == "list":
        return _list(old, new, action, level, o)
    if kind == "json":
        return _jsonencode(old, new, action, level, o)
    if action is Action.CREATE:
        return [scalar(new)]
    if action is Action.UPDATE:
        return [f"{scalar(old)} -> {scalar(new)}"]
    return [scalar(old) + _null(action, o)]


def _map(old: Any, new: Any, action: Action, level: int, o: _Opts) -> list[str]:
    items = _pairs_of_map(_set(old, o.json), _set(new, o.json), action)
    if not items:
        return ["{}" + _null(action, o)]
    keys = {k: _key(k, o.json) for k in items}
    width = max(len(k) for k in keys.values())
    child = replace(o, null_suffix=action is not Action.DELETE and not o.json)
    lines, hidden = ["{"], 0
    for k in sorted(items):
        a, ov, nv = items[k]
        if a is Action.NOOP and not o.unchanged:
            hidden += 1
            continue
        lines += _entry(level + 1, a, f"{keys[k].ljust(width)} = ",
                        _value(ov, nv, a, level + 1, child))
    if hidden:
        lines.append(_pad(level + 1) + unchanged("attribute" if o.json else "element", hidden))
    return [*lines, f"{_pad(level)}}}{_null(action, o)}"]


def _pairs_of_map(old: dict[str, Any], new: dict[str, Any],
                  action: Action) -> dict[str, tuple[Action, Any, Any]]:
    """key -> (action, old, new), by the keys' presence (see _set)."""
    if action is not Action.UPDATE:
        src = new if action is Action.CREATE else old
        return {k: (action, v, v) for k, v in src.items()}
    out = {}
    for k in set(old) | set(new):
        if k not in old:
            a = Action.CREATE
        elif k not in new:
            a = Action.DELETE
        else:
            a = Action.NOOP if old[k] == new[k] and new[k] is not UNKNOWN else Action.UPDATE
        out[k] = (a, old.get(k), new.get(k))
    return out


def _list(old: Any, new: Any, action: Action, level: int, o: _Opts) -> list[str]:
    if action is Action.UPDATE:
        items = _align(old, new)
    else:
        items = [(action, v, v) for v in (new if action is Action.CREATE else old)]
    if not items:
        return ["[]" + _null(action, o)]
    child = replace(o, null_suffix=False)
    context = replace(child, unchanged=True)
    lines: list[str] = ["["]
    waiting: list[tuple[Action, Any, Any]] = []     # unchanged, not drawn yet
    show_next = False
    for a, ov, nv in items:
        if a is Action.NOOP and not show_next and not o.unchanged:
            waiting.append((a, ov, nv))
            continue
        show_next = a is not Action.NOOP
        if len(waiting) > 1:
            lines.append(_pad(level + 1) + unchanged("element", len(waiting) - 1))
        if waiting:    # the unchanged neighbour before a change, for context
            lines += _element(level + 1, *waiting[-1], context)
        waiting = []
        lines += _element(level + 1, a, ov, nv, context if a is Action.NOOP else child)
    if waiting:
        lines.append(_pad(level + 1) + unchanged("element", len(waiting)))
    return [*lines, f"{_pad(level)}]{_null(action, o)}"]


def _element(level: int, action: Action, old: Any, new: Any, o: _Opts) -> list[str]:
    lines = _entry(level, action, "", _value(old, new, action, level, o))
    lines[-1] += ","
    return lines


def _align(old: list[Any], new: list[Any]) -> list[tuple[Action, Any, Any]]:
    """Old and new elements paired as Terraform pairs them: kept ones unchanged,
    an object replaced by an object updated in place, the rest removed or added."""
    out: list[tuple[Action, Any, Any]] = []
    matcher = difflib.SequenceMatcher(None, [_canon(x) for x in old],
                                      [_canon(x) for x in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += [(Action.NOOP, old[i], new[j]) for i, j in zip(range(i1, i2), range(j1, j2),
                                                                  strict=True)]
            continue
        j = j1
        for i in range(i1, i2):
            if isinstance(old[i], dict) and j < j2 and isinstance(new[j], dict):
                out.append((Action.UPDATE, old[i], new[j]))
                j += 1
            else:
                out.append((Action.DELETE, old[i], None))
        out += [(Action.CREATE, None, new[k]) for k in range(j, j2)]
    return out


def _jsonencode(old: Any, new: Any, action: Action, level: int, o: _Opts) -> list[str]:
    """`jsonencode(` and the document's own diff; a change of layout only (the
    same document) is said, and shown in full, rather than shown as no diff."""
    before = _json_doc(old) if action is not Action.CREATE else None
    after = _json_doc(new) if action is not Action.DELETE else None
    inner, jo, note = action, _Opts(null_suffix=False, unchanged=o.unchanged, json=True), ""
    if action is Action.UPDATE and before == after:
        inner, jo, note = Action.NOOP, replace(jo, unchanged=True), " # whitespace changes"
    body = _value(before, after, inner, level + 1, jo)
    if len(body) == 1:                       # `{}`, `[]`: on the attribute's line
        return [f"jsonencode({body[0]}){note}{_null(action, o)}"]
    mark = _SYMBOL[Action.UPDATE if inner is Action.UPDATE else Action.NOOP]
    return [f"jsonencode({note}", f"{'    ' * (level + 1)}{mark} {body[0]}", *body[1:],
            f"{'    ' * (level + 1)}){_null(action, o)}"]


# --- helpers --------------------------------------------------------------------

def _kind(v: Any) -> str:
    if v is UNKNOWN:
        return "unknown"
    if isinstance(v, dict):
        return "map"
    if isinstance(v, list):
        return "list"
    return "json" if _json_doc(v) is not None else "scalar"


def _json_doc(v: Any) -> dict[str, Any] | list[Any] | None:
    """The JSON object or array a string holds (None for any other string)."""
    if not isinstance(v, str) or v.lstrip()[:1] not in ("{", "["):
        return None
    try:
        doc = json.loads(v)
    except ValueError:
        return None
    return doc if isinstance(doc, dict | list) else None


def _canon(v: Any) -> tuple[str, Any]:
    """A hashable stand-in for a list element, equal for equal elements (cheap
    for the primitives long lists hold; JSON text for the rest)."""
    if v is UNKNOWN:
        return ("unknown", None)
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, str | int | float | Decimal) or v is None:
        return ("str" if isinstance(v, str) else "number", v)

    def default(x: Any) -> Any:
        if x is UNKNOWN:
            return {"\x00": "unknown"}
        if isinstance(x, Decimal):
            return int(x) if x == x.to_integral_value() else float(x)
        return repr(x)
    return ("json", json.dumps(v, sort_keys=True, default=default))


def _set(v: Any, json_doc: bool) -> dict[str, Any]:
    """The entries that hold a value: a null attribute of a provider's object is
    unset, as at the top level (so becoming null reads `- k = v -> null`), but
    a null in a JSON document is written there, and shown."""
    if not isinstance(v, dict):
        return {}
    return v if json_doc else {k: x for k, x in v.items() if x is not None}


def _key(k: str, bare: bool) -> str:
    return k if bare and _IDENT.match(k) else json.dumps(k, ensure_ascii=False)


def _entry(level: int, action: Action, head: str, body: list[str]) -> list[str]:
    return [f"{'    ' * level}{_SYMBOL[action]} {head}{body[0]}", *body[1:]]


def _join(first: list[str], sep: str, second: list[str]) -> list[str]:
    return [*first[:-1], first[-1] + sep + second[0], *second[1:]]


def _pad(level: int) -> str:
    """Where a line without a marker starts: after the marker column."""
    return "    " * level + "    "


def _null(action: Action, o: _Opts) -> str:
    return " -> null" if action is Action.DELETE and o.null_suffix else ""
