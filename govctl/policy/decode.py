"""`policy` blocks -> Policy objects, from a module tree or a policy directory.

Selectors and the enforcement level are settled here, once, from constant
expressions (a policy must mean the same on every run and for every
resource); only `condition` and `error_message` are evaluated per resource,
and they may refer to nothing but `self`, `before`, `action` and
`resources` (every object of a type, for rules that look across resources).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govctl.config import model as m
from govctl.config.loader import config_files, parse_files
from govctl.config.refs import references
from govctl.diagnostics import Diagnostic, error
from govctl.hcl import ast
from govctl.lang.eval import EvalError, Scope, evaluate, suggest
from govctl.lang.values import Value
from govctl.policy.model import Level, Policy

NAMES = frozenset({"self", "before", "action", "resources"})
_ARGS = ("description", "enforcement_level", "resource_types", "addresses", "tags",
         "required_approvals", "approvers", "condition", "error_message")
_CONSTANTS = ("description", "enforcement_level", "resource_types", "addresses", "tags",
              "required_approvals", "approvers")


def from_modules(root: m.Module) -> tuple[list[Policy], list[Diagnostic]]:
    """The policies of every module in the tree (a module's policies govern the
    whole configuration, as a policy pack loaded by path does)."""
    policies: list[Policy] = []
    diags: list[Diagnostic] = []
    stack = [root]
    while stack:
        module = stack.pop()
        for p in module.policies.values():
            policy, pd = decode(p.name, p.block)
            diags += pd
            if policy is not None:
                policies.append(policy)
        stack.extend(module.children.values())
    return policies, diags


def from_dirs(dirs: list[Path]) -> tuple[list[Policy], list[Diagnostic]]:
    """`-policy-dir DIR`: .hcl files holding policy blocks and nothing else."""
    policies: list[Policy] = []
    diags: list[Diagnostic] = []
    for d in dirs:
        if not d.is_dir():
            diags.append(error("Policy directory not found",
                               f'"{d}" is not a directory (given with -policy-dir).'))
            continue
        files, pdiags = parse_files(config_files(d))
        diags += pdiags
        for f in files:
            for name in f.body.attributes:
                diags.append(error("Unexpected argument", f'A policy directory holds only '
                                   f'policy blocks; "{name}" is not one.',
                                   f.body.attributes[name].range))
            for b in f.body.blocks:
                if b.type != "policy" or len(b.labels) != 1:
                    diags.append(error("Unexpected block", "A policy directory holds only "
                                       'policy "NAME" { ... } blocks.', b.def_range))
                    continue
                policy, bd = decode(b.labels[0], b)
                diags += bd
                if policy is not None:
                    policies.append(policy)
    return policies, diags


def unique(policies: list[Policy]) -> tuple[list[Policy], list[Diagnostic]]:
    seen: dict[str, Policy] = {}
    diags = []
    for p in policies:
        if p.name in seen:
            first = seen[p.name].source
            where = f" (first at {first.filename}:{first.start.line})" if first else ""
            diags.append(error("Duplicate policy", f'A policy named "{p.name}" is already '
                               f"defined{where}; policy names are unique across the "
                               "configuration and every policy directory.", p.source))
            continue
        seen[p.name] = p
    return list(seen.values()), diags


def decode(name: str, block: ast.Block) -> tuple[Policy | None, list[Diagnostic]]:
    body = block.body
    diags: list[Diagnostic] = []
    for arg, attr in body.attributes.items():
        if arg not in _ARGS:
            diags.append(error("Unsupported argument", f'A policy has no argument "{arg}".'
                               + suggest(arg, list(_ARGS)), attr.range))
    for b in body.blocks:
        diags.append(error("Unsupported block", f'A policy has no "{b.type}" block.',
                           b.def_range))
    condition = body.attributes.get("condition")
    if condition is None:
        diags.append(error("Missing required argument", f'The policy "{name}" needs a '
                           "condition.", block.def_range))
    for attr_name in ("condition", "error_message"):
        attr = body.attributes.get(attr_name)
        if attr is not None:
            diags += _refs_ok(attr.expr, attr_name)
    consts = {a: _const(body, a, diags) for a in _CONSTANTS}
    level_text = consts["enforcement_level"]
    level = Level.ADVISORY
    if level_text is not None:
        try:
            level = Level(_string(level_text))
        except ValueError:
            diags.append(error("Invalid enforcement level", "enforcement_level must be "
                               '"advisory", "overridable" or "mandatory".',
                               body.attributes["enforcement_level"].expr.range))
    if diags:
        return None, diags
    return Policy(
        name, level,
        description=_string(consts["description"]) if consts["description"] else "",
        resource_types=_strings(consts["resource_types"]),
        addresses=_strings(consts["addresses"]),
        tags=_string_map(consts["tags"]),
        required_approvals=int(consts["required_approvals"].to_python())
        if consts["required_approvals"] is not None else 0,
        approvers=_strings(consts["approvers"]),
        condition=condition.expr if condition else None,
        about_action=condition is not None and any(
            r.root == "action" for r in references(condition.expr)),
        error_message=body.attributes["error_message"].expr
        if "error_message" in body.attributes else None,
        source=block.def_range), diags


def _refs_ok(expr: ast.Expr, arg: str) -> list[Diagnostic]:
    out = []
    for ref in references(expr):
        if ref.root not in NAMES:
            out.append(error("Invalid reference in policy",
                             f"A policy {arg} may refer only to self, before, action and "
                             f'resources, not to "{ref.root}".' + suggest(ref.root, sorted(NAMES)),
                             ref.node.range))
    return out


def _const(body: ast.Body, arg: str, diags: list[Diagnostic]) -> Value | None:
    attr = body.attributes.get(arg)
    if attr is None:
        return None
    if references(attr.expr):
        diags.append(error("Policy selectors must be constant",
                           f"{arg} cannot refer to anything: it selects resources before "
                           "any is known.", attr.expr.range))
        return None
    try:
        value = evaluate(attr.expr, Scope())
    except EvalError as exc:
        diags.append(exc.diagnostic)
        return None
    want = {"description": "string", "enforcement_level": "string",
            "resource_types": "list", "addresses": "list", "tags": "map",
            "required_approvals": "count", "approvers": "list"}[arg]
    if not _shape_ok(value, want):
        diags.append(error("Incorrect attribute value type",
                           f"{arg} must be " + {"string": "a string", "count":
                                                 "a whole number from 0"}.get(
                               want, f"a {want} of strings") + ".",
                           attr.expr.range))
        return None
    return value


def _shape_ok(value: Value, want: str) -> bool:
    py = value.to_python() if value.is_wholly_known() else None
    if want == "string":
        return isinstance(py, str)
    if want == "count":
        from decimal import Decimal

        return isinstance(py, int | Decimal) and not isinstance(py, bool) and py >= 0 \
            and py == int(py)
    if want == "list":
        return isinstance(py, list | tuple) and all(isinstance(x, str) for x in py)
    return isinstance(py, dict) and all(isinstance(x, str) for x in py.values())


def _string(v: Value | None) -> str:
    return str(v.to_python()) if v is not None else ""


def _strings(v: Value | None) -> list[str] | None:
    return [str(x) for x in v.to_python()] if v is not None else None


def _string_map(v: Value | None) -> dict[str, str] | None:
    if v is None:
        return None
    py: dict[str, Any] = v.to_python()
    return {str(k): str(x) for k, x in py.items()}
