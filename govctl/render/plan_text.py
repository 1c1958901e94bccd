"""A plan as Terraform users read it: `+`, `~`, `-/+`, `-`, `<=` per instance,
attribute diffs with `# forces replacement`, `(known after apply)`,
`(sensitive value)`, JSON policy documents diffed statement by statement, and
`Plan: N to add, N to change, N to destroy.`

Produces lines of (style, text); the CLI prints them with rich.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from govctl.plan.model import Action, Change, OutputChange, Plan
from govctl.plugins.protocol import UNKNOWN
from govctl.render.policy_text import policy_lines_by_address, policy_summary

Line = tuple[str, str]   # (style, text)

_SYMBOL = {Action.CREATE: ("+", "green"), Action.UPDATE: ("~", "yellow"),
           Action.REPLACE: ("-/+", "red"), Action.DELETE: ("-", "red"),
           Action.READ: ("<=", "cyan")}
_VERB = {Action.CREATE: "will be created", Action.UPDATE: "will be updated in-place",
         Action.REPLACE: "must be replaced", Action.DELETE: "will be destroyed",
         Action.READ: "will be read during apply"}
SENSITIVE = "(sensitive value)"
KNOWN_AFTER = "(known after apply)"


def render_plan(plan: Plan) -> list[Line]:
    lines: list[Line] = []
    if plan.drift:
        lines.append(("bold", "Objects have changed outside of govctl"))
        lines.append(("", ""))
        lines.append(("", "govctl detected the following changes made outside of govctl "
                      "since the last apply:"))
        for c in plan.drift:
            lines.extend(_change(c, drift=True))
        lines.append(("", ""))
    changes = [c for c in plan.changes if c.action is not Action.NOOP or c.changes_state]
    if plan.mode == "refresh-only":
        lines.append(("", "This is a refresh-only plan: only the state will change."))
        return lines
    verdicts = policy_lines_by_address(plan.policy_results)
    if not changes and not any(o.action is not Action.NOOP for o in plan.outputs):
        lines.append(("bold green", "No changes. Your infrastructure matches the "
                      "configuration."))
        lines.extend(policy_summary(plan.policy_results, shown=set()))
        return lines
    if changes:
        lines.append(("", "govctl will perform the following actions:"))
        for c in changes:
            lines.extend(_change(c))
            lines.extend(verdicts.get(str(c.addr), ()))
        lines.append(("", ""))
    counts = plan.counts()
    add = counts[Action.CREATE] + counts[Action.REPLACE]
    change = counts[Action.UPDATE]
    destroy = counts[Action.DELETE] + counts[Action.REPLACE]
    imports = sum(1 for c in plan.changes if c.importing is not None)
    lead = f"{imports} to import, " if imports else ""
    lines.append(("bold", f"Plan: {lead}{add} to add, {change} to change, {destroy} to "
                  "destroy."))
    outs = [o for o in plan.outputs if o.action is not Action.NOOP]
    if outs:
        lines.append(("", ""))
        lines.append(("", "Changes to Outputs:"))
        lines.extend(_output(o) for o in outs)
    lines.extend(policy_summary(plan.policy_results, shown={str(c.addr) for c in changes}))
    return lines


def _noop_head(c: Change) -> str:
    """A no-op that still changes state: a move, an import, an object found again."""
    if c.moved_from is not None:
        return f"  # {c.moved_from} has moved to {c.addr}"
    if c.importing is not None:
        return f"  # {c.addr} will be imported"
    return f"  # {c.addr} was created by an interrupted run and is now recorded"


def _change(c: Change, drift: bool = False) -> list[Line]:
    if c.action is Action.NOOP and not drift:
        return [("", ""), ("bold", _noop_head(c))]
    symbol, style = _SYMBOL.get(c.action, ("~", "yellow"))
    verb = ("has been deleted" if c.action is Action.DELETE else "has changed") if drift \
        else _VERB[c.action]
    head = f"  # {c.addr} (deposed object) {verb}" if c.deposed and not drift \
        else f"  # {c.addr} {verb}"
    if c.reason and not drift:
        head += f" ({c.reason})"
    r = c.addr.resource
    kind = "data" if r.mode == "data" else "resource"
    label = f'{kind} "{r.type}" "{r.name}"'
    lines: list[Line] = [("", ""), ("bold", head)]
    if not drift and c.moved_from is not None:
        lines.append(("", f"  # (moved from {c.moved_from})"))
    if not drift and c.importing is not None:
        lines.append(("", f'  # (imported from "{c.importing}")'))
    lines.append((style, f"{symbol:>3} {label} {{"))
    before = c.before or {}
    after = c.after if c.after is not None else {}
    names = sorted(set(before) | set(after))
    width = max((len(n) for n in names), default=0)
    for name in names:
        lines.extend(_attr(name, width, c, before.get(name), after.get(name),
                           name in before, name in after, 6))
    lines.append((style, "    }"))
    return lines


def _attr(name: str, width: int, c: Change, old: Any, new: Any, had: bool, has: bool,
          indent: int) -> list[Line]:
    pad = " " * indent
    sensitive = name in c.sensitive
    forces = "  # forces replacement" if name in c.requires_replace else ""
    key = name.ljust(width)
    if c.action is Action.CREATE or (c.action is Action.READ):
        if new is None:
            return []
        return [("green", f"{pad}+ {key} = {_fmt(new, sensitive, indent)}")]
    if c.action is Action.DELETE:
        if old is None:
            return []
        return [("red", f"{pad}- {key} = {_fmt(old, sensitive, indent)} -> null")]
    if old == new:
        return []
    policy = _policy_diff(old, new, sensitive)
    if policy is not None:
        return [("yellow", f"{pad}~ {key} = jsonencode({forces}")] + \
            [(st, pad + "    " + t) for st, t in policy] + [("", pad + "    )")]
    if not had or old is None:
        return [("green", f"{pad}+ {key} = {_fmt(new, sensitive, indent)}{forces}")]
    if not has or new is None:
        return [("red", f"{pad}- {key} = {_fmt(old, sensitive, indent)} -> null{forces}")]
    return [("yellow", f"{pad}~ {key} = {_fmt(old, sensitive, indent)} -> "
                       f"{_fmt(new, sensitive, indent)}{forces}")]


def _fmt(v: Any, sensitive: bool = False, indent: int = 0) -> str:
    if sensitive:
        return SENSITIVE
    if v is UNKNOWN:
        return KNOWN_AFTER
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float | Decimal):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        if not v:
            return "[]"
        inner = ", ".join(_fmt(x) for x in v)
        return f"[{inner}]"
    if isinstance(v, dict):
        if not v:
            return "{}"
        inner = ", ".join(f"{k} = {_fmt(x)}" for k, x in sorted(v.items()))
        return "{ " + inner + " }"
    return repr(v)


def _policy_diff(old: Any, new: Any, sensitive: bool) -> list[Line] | None:
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
        return s.get("Sid") if isinstance(s, dict) and s.get("Sid") else \
            json.dumps(s, sort_keys=True)

    old_by = {ident(s): s for s in sa}
    new_by = {ident(s): s for s in sb}
    out: list[Line] = []
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
            out.append(("yellow", f"~ {field_} = {_fmt(a.get(field_))} -> {_fmt(b.get(field_))}"))
    return out


def _output(o: OutputChange) -> Line:
    symbol, style = _SYMBOL.get(o.action, ("~", "yellow"))
    new = KNOWN_AFTER if o.after_unknown else _fmt(o.after, o.sensitive)
    if o.action is Action.CREATE:
        return (style, f"  {symbol} {o.name} = {new}")
    if o.action is Action.DELETE:
        return (style, f"  {symbol} {o.name} = {_fmt(o.before, o.sensitive)} -> null")
    return (style, f"  {symbol} {o.name} = {_fmt(o.before, o.sensitive)} -> {new}")


def summary_line(plan: Plan) -> str:
    counts = plan.counts()
    return (f"{counts[Action.CREATE] + counts[Action.REPLACE]} added, "
            f"{counts[Action.UPDATE]} changed, "
            f"{counts[Action.DELETE] + counts[Action.REPLACE]} destroyed")
