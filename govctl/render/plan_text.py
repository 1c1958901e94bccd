"""A plan as Terraform users read it: a legend of the symbols used, `+`, `~`,
`-/+` (`+/-` for create_before_destroy), `-`, `<=` per instance, attribute
diffs nested to any depth (govctl.render.nested_diff) with `# forces
replacement`, `(known after apply)`, `(sensitive value)` and unchanged
attributes counted, JSON policy documents diffed statement by statement, and
`Plan: N to add, N to change, N to destroy.`

Produces lines of (style, text); the CLI prints them with rich.
"""

from __future__ import annotations

import functools
from typing import Any

from govctl.plan.model import Action, Change, OutputChange, Plan
from govctl.plugins.protocol import UNKNOWN
from govctl.render import nested_diff as nd
from govctl.render.nested_diff import KNOWN_AFTER, SENSITIVE
from govctl.render.policy_diff import policy_diff as _policy_diff
from govctl.render.policy_text import policy_lines_by_address, policy_summary

Line = tuple[str, str]   # (style, text)

_SYMBOL = {Action.CREATE: ("+", "green"), Action.UPDATE: ("~", "yellow"),
           Action.REPLACE: ("-/+", "red"), Action.DELETE: ("-", "red"),
           Action.READ: ("<=", "cyan")}
_VERB = {Action.CREATE: "will be created", Action.UPDATE: "will be updated in-place",
         Action.REPLACE: "must be replaced", Action.DELETE: "will be destroyed",
         Action.READ: "will be read during apply"}
# Terraform's legend, in its order; "+/-" is a create_before_destroy replacement
_LEGEND = [("  +", "green", "create"), ("  ~", "yellow", "update in-place"),
           ("  -", "red", "destroy"), ("-/+", "red", "destroy and then create replacement"),
           ("+/-", "green", "create replacement and then destroy"),
           (" <=", "cyan", "read (data resources)")]
# shown on an update even when unchanged: they say which object this is
_ALWAYS_SHOWN = frozenset({"id", "name"})
__all__ = ["KNOWN_AFTER", "SENSITIVE", "render_plan", "summary_line"]


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
        lines.extend(_legend(changes))
        lines.append(("", "govctl will perform the following actions:"))
        replaced = {c.addr for c in changes if c.deposed}
        for c in changes:
            lines.extend(_change(c, replaced=c.addr in replaced))
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


def _legend(changes: list[Change]) -> list[Line]:
    """The symbols this plan uses, explained (none for a plan of moves only)."""
    used = {_symbol(c)[0] for c in changes if c.action is not Action.NOOP}
    if not used:
        return []
    lines: list[Line] = [
        ("", "govctl used the selected providers to generate the following execution"),
        ("", "plan. Resource actions are indicated with the following symbols:")]
    lines += [(style, f"{sym} {text}") for sym, style, text in _LEGEND if sym.strip() in used]
    return [*lines, ("", "")]


def _symbol(c: Change) -> tuple[str, str]:
    if c.action is Action.REPLACE and c.create_before_destroy:
        return "+/-", "green"
    return _SYMBOL.get(c.action, ("~", "yellow"))


def _noop_head(c: Change, replaced: bool = False) -> str:
    """A no-op that still changes state, said as what apply will record: a move,
    an import, an object found again (`replaced`: the new object of a
    create_before_destroy replacement whose old object is still to destroy), or
    only the lifecycle and sensitivity settings state keeps for the object."""
    if c.moved_from is not None:
        return f"  # {c.moved_from} has moved to {c.addr}"
    if c.importing is not None:
        return f"  # {c.addr} will be imported"
    if c.recovered and replaced:
        return (f"  # {c.addr} will be recorded as the new object of a create_before_destroy "
                "replacement that did not finish")
    if c.recovered:
        return f"  # {c.addr} was created by an interrupted run and is now recorded"
    sensitive = ", ".join(sorted(c.sensitive)) or "none"
    return (f"  # {c.addr} will not change; only its record in state is updated "
            f"(prevent_destroy = {str(c.prevent_destroy).lower()}; sensitive attributes: "
            f"{sensitive})")


def _change(c: Change, drift: bool = False, replaced: bool = False) -> list[Line]:
    if c.action is Action.NOOP and not drift:
        return [("", ""), ("bold", _noop_head(c, replaced))]
    symbol, style = _symbol(c)
    verb = ("has been deleted" if c.action is Action.DELETE else "has changed") if drift \
        else _VERB[c.action]
    head = f"  # {c.addr} (deposed object) {verb}" if c.deposed and not drift \
        else f"  # {c.addr} {verb}"
    if c.reason and not drift:
        head += f" ({c.reason})"
    r = c.addr.resource
    kind = "data" if r.mode == "data" else "resource"
    lines: list[Line] = [("", ""), ("bold", head)]
    if not drift and c.moved_from is not None:
        lines.append(("", f"  # (moved from {c.moved_from})"))
    if not drift and c.importing is not None:
        lines.append(("", f'  # (imported from "{c.importing}")'))
    lines.append((style, f'{symbol:>3} {kind} "{r.type}" "{r.name}" {{'))
    lines.extend(_attributes(c))
    lines.append((style, "    }"))
    return lines


def _attributes(c: Change) -> list[Line]:
    """Every attribute that changes; on an update or replacement the unchanged
    ones are counted in one line, as Terraform does (but `id` and `name`)."""
    before = c.before or {}
    after = _read_after(c) if c.action is Action.READ else (c.after or {})
    names = sorted(n for n in set(before) | set(after)
                   if before.get(n) is not None or after.get(n) is not None)
    width = max((len(n) for n in names), default=0)
    lines: list[Line] = []
    hidden = 0
    for name in names:
        got = _attr(name.ljust(width), c, before.get(name), after.get(name))
        hidden += got is None
        lines.extend(got or ())
    if hidden:
        lines.append(("", "        " + nd.unchanged("attribute", hidden)))
    return lines


def _attr(key: str, c: Change, old: Any, new: Any) -> list[Line] | None:
    """The attribute's lines; None when it is unchanged and hidden."""
    name = key.rstrip()
    action = nd.action_of(old, new)
    if action is None:
        return []
    if action is Action.NOOP and name not in _ALWAYS_SHOWN:
        return None
    sensitive = name in c.sensitive
    forces = nd.FORCES if name in c.requires_replace else ""
    policy = _policy_diff(old, new, sensitive) if action is Action.UPDATE else None
    if policy is not None:
        return [("yellow", f"      ~ {key} = jsonencode({forces}")] + \
            [(st, "          " + t) for st, t in policy] + [("", "          )")]
    return nd.styled(nd.attribute_lines(key, old, new, action, sensitive=sensitive,
                                        forces=bool(forces)))


def _read_after(c: Change) -> dict[str, Any]:
    """A data source read during apply: what its configuration sets, and the
    attributes the provider computes as known only after the read."""
    after = dict(c.after or {})
    for name in _computed(c.provider, c.addr.resource.type):
        if after.get(name) is None:
            after[name] = UNKNOWN
    return after


@functools.cache
def _computed(provider: str, type_: str) -> frozenset[str]:
    """The computed attributes of a data source's schema (none known when its
    provider is not installed: then only the configured ones are listed)."""
    from govctl.plugins.registry import installed
    from govctl.plugins.schema import schema_from_model

    source = provider.split('"')[1] if '"' in provider else provider
    name = source.rsplit("/", 1)[-1]
    cls = installed(only={name}).get(name)
    model = cls.data_sources.get(type_) if cls is not None else None
    if model is None or cls is None or cls.meta.source != source:
        return frozenset()
    return frozenset(n for n, a in schema_from_model(model).attributes.items() if a.computed)


def _fmt(v: Any, sensitive: bool = False) -> str:
    return SENSITIVE if sensitive else nd.inline(v)


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
