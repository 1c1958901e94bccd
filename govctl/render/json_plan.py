"""Plans and state in Terraform's JSON representation (`terraform show -json`),
as documented at https://developer.hashicorp.com/terraform/internals/json-format.

As in Terraform, values are included in full, sensitive ones too: they are
flagged in `before_sensitive`/`after_sensitive` (`sensitive_values`), and
unknown values are null in `after` and flagged in `after_unknown`. govctl's
own facts (moves, imports, recovered and deposed objects) are under the key
`govctl`, which other tools ignore.

`prior_state` is the state the plan was made from as its refresh saw it
(Terraform's too: the plan file's state, after refresh): the state read
before planning, saved in the plan file (see govctl.plan.planfile), with the
drift the refresh found folded in. `configuration` is the configuration as it
was at plan time, also saved in the plan file (govctl.render.json_config);
plan files written before either was saved get the configuration rebuilt from
the plan's changes and no prior_state.

`dumps()` writes Decimal numbers as JSON numbers without losing precision.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from govctl import __version__
from govctl.addrs import InstanceAddr, ModulePath, module_str
from govctl.plan.model import Action, Change, OutputChange, Plan
from govctl.plugins.protocol import UNKNOWN

FORMAT_VERSION = "1.2"

_PROVIDER = re.compile(r'provider\["(?P<name>[^"]+)"\](?:\.(?P<alias>\w+))?')


def provider_name(provider: str) -> str:
    """`provider["govctl/aws"].west` -> `govctl/aws` (Terraform's provider_name)."""
    m = _PROVIDER.match(provider)
    return m.group("name") if m else provider


def provider_config_key(provider: str) -> str:
    """`provider["govctl/aws"].west` -> `aws.west`, the key of provider_config."""
    m = _PROVIDER.match(provider)
    if not m:
        return provider
    local = m.group("name").rsplit("/", 1)[-1]
    return f"{local}.{m.group('alias')}" if m.group("alias") else local


# --- values ----------------------------------------------------------------
def known(v: Any) -> Any:
    """The value with unknowns as null."""
    if v is UNKNOWN:
        return None
    if isinstance(v, dict):
        return {k: known(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [known(x) for x in v]
    return v


def _omit_unknown(v: dict[str, Any]) -> dict[str, Any]:
    """planned_values leaves out attributes known only after apply."""
    return {k: known(x) for k, x in v.items() if x is not UNKNOWN}


def unknown_as_bool(v: Any) -> Any:
    """Terraform's after_unknown: true for an unknown value; objects keep only
    the keys with something unknown inside, lists keep their shape."""
    if v is UNKNOWN:
        return True
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            b = unknown_as_bool(x)
            if b is not False and b != {} and b != []:
                out[k] = b
        return out
    if isinstance(v, list | tuple):
        items = [unknown_as_bool(x) for x in v]
        return items if any(b is not False for b in items) else []
    return False


def sensitive_as_bool(v: Any, sensitive: set[str] | None = None) -> Any:
    """Terraform's before_sensitive/after_sensitive for an object whose top-level
    attributes `sensitive` are sensitive: true for those, nested collections kept
    as empty objects/lists, other values left out; false for a null object."""
    if v is None:
        return False
    return _sensitive(v, sensitive or set(), True)


def _sensitive(v: Any, names: set[str], top: bool) -> Any:
    if isinstance(v, dict):
        out: dict[str, Any] = {}
        for k, x in v.items():
            if top and k in names:
                out[k] = True
            elif isinstance(x, dict | list | tuple):
                out[k] = _sensitive(x, names, False)
        return out
    if isinstance(v, list | tuple):
        items = [_sensitive(x, names, False) for x in v]
        return items if any(isinstance(b, dict | list) or b for b in items) else []
    return False


def state_sensitive(attributes: dict[str, Any], paths: list[list[str | int]]) -> Any:
    """sensitive_values from an instance's attributes and its sensitive paths."""
    out: Any = _sensitive(attributes, set(), True)
    for path in paths:
        if not path:
            continue
        node = out
        for i, step in enumerate(path):
            last = i == len(path) - 1
            if isinstance(node, dict) and isinstance(step, str):
                if last:
                    node[step] = True
                else:
                    node = node.setdefault(step, {})
            elif isinstance(node, list) and isinstance(step, int):
                while len(node) <= step:
                    node.append(False)
                if last:
                    node[step] = True
                else:
                    if not isinstance(node[step], dict | list):
                        node[step] = {} if isinstance(path[i + 1], str) else []
                    node = node[step]
            else:
                break
    return out


# --- plan ------------------------------------------------------------------
def actions(c: Change) -> list[str]:
    if c.action is Action.REPLACE:
        return ["create", "delete"] if c.create_before_destroy else ["delete", "create"]
    return [str(c.action)]


def action_reason(c: Change) -> str | None:
    reason = c.reason or ""
    if c.action is Action.REPLACE:
        if reason.startswith("tainted"):
            return "replace_because_tainted"
        if reason.startswith("requested with -replace"):
            return "replace_by_request"
        if reason.startswith("replace_triggered_by"):
            return "replace_by_triggers"
        return "replace_because_cannot_update"
    if c.action is Action.DELETE and not c.deposed and \
            reason.startswith("no longer in the configuration"):
        return "delete_because_no_resource_config"
    if c.action is Action.READ and reason.startswith("depends on values"):
        return "read_because_config_unknown"
    return None


def _address_fields(addr: InstanceAddr) -> dict[str, Any]:
    r = addr.resource
    out: dict[str, Any] = {"address": str(addr)}
    if r.module:
        out["module_address"] = module_str(r.module)
    out.update(mode=r.mode, type=r.type, name=r.name)
    if addr.key is not None:
        out["index"] = addr.key
    return out


def resource_change(c: Change) -> dict[str, Any]:
    before = c.before
    after = c.after if c.action is not Action.DELETE else None
    change: dict[str, Any] = {
        "actions": actions(c),
        "before": known(before),
        "after": known(after),
        "after_unknown": unknown_as_bool(after) if after is not None else {},
        "before_sensitive": sensitive_as_bool(before, c.sensitive),
        "after_sensitive": sensitive_as_bool(after, c.sensitive),
    }
    if c.action is Action.REPLACE:
        change["replace_paths"] = [[a] for a in sorted(c.requires_replace)]
    if c.importing is not None:
        change["importing"] = {"id": c.importing}
    out = _address_fields(c.addr)
    if c.moved_from is not None:
        out["previous_address"] = str(c.moved_from)
    if c.deposed:
        out["deposed"] = "00000000"
    out["provider_name"] = provider_name(c.provider)
    out["change"] = change
    reason = action_reason(c)
    if reason is not None:
        out["action_reason"] = reason
    return out


def _output_change(o: OutputChange) -> dict[str, Any]:
    acts = ["delete", "create"] if o.action is Action.REPLACE else [str(o.action)]
    return {"actions": acts, "before": known(o.before),
            "after": None if o.after_unknown else known(o.after),
            "after_unknown": o.after_unknown or unknown_as_bool(o.after) is True,
            "before_sensitive": o.sensitive, "after_sensitive": o.sensitive}


class _Module:
    def __init__(self, path: ModulePath):
        self.path = path
        self.resources: list[dict[str, Any]] = []
        self.children: dict[ModulePath, _Module] = {}

    def child(self, path: ModulePath) -> _Module:
        node = self
        for i in range(len(self.path), len(path)):
            sub = path[:i + 1]
            node = node.children.setdefault(sub, _Module(sub))
        return node

    def to_json(self, root: bool) -> dict[str, Any]:
        out: dict[str, Any] = {} if root else {"address": module_str(self.path)}
        out["resources"] = self.resources
        if self.children:
            out["child_modules"] = [m.to_json(False) for _, m in sorted(
                self.children.items(), key=lambda kv: module_str(kv[0]))]
        return out


def _planned_values(plan: Plan) -> dict[str, Any]:
    root = _Module(())
    for c in plan.changes:
        if c.deposed or c.action is Action.DELETE or c.after is None:
            continue
        entry = _address_fields(c.addr)
        entry.pop("module_address", None)
        entry["provider_name"] = provider_name(c.provider)
        entry["schema_version"] = 0
        entry["values"] = _omit_unknown(c.after)
        entry["sensitive_values"] = sensitive_as_bool(c.after, c.sensitive)
        root.child(c.addr.module).resources.append(entry)
    outputs = {}
    for o in plan.outputs:
        if o.action is Action.DELETE:
            continue
        item: dict[str, Any] = {"sensitive": o.sensitive}
        if not o.after_unknown and o.after is not UNKNOWN:
            item["value"] = known(o.after)
        outputs[o.name] = item
    doc: dict[str, Any] = {}
    if outputs:
        doc["outputs"] = outputs
    doc["root_module"] = root.to_json(True)
    return doc


def _configuration(plan: Plan) -> dict[str, Any]:
    providers: dict[str, Any] = {}
    resources: dict[str, dict[str, Any]] = {}
    for c in plan.changes:
        key = provider_config_key(c.provider)
        if key not in providers:
            name = provider_name(c.provider)
            providers[key] = {"name": name.rsplit("/", 1)[-1], "full_name": name}
            if "." in key:
                providers[key]["alias"] = key.split(".", 1)[1]
        r = c.addr.resource
        if r.module or c.action is Action.DELETE or c.deposed:
            continue
        local = c.addr.config_node
        resources.setdefault(local, {"address": local, "mode": r.mode, "type": r.type,
                                     "name": r.name, "provider_config_key": key})
    return {"provider_config": providers,
            "root_module": {"resources": list(resources.values())}}


def refreshed(state: Any, plan: Plan) -> Any:
    """The state as the plan's refresh saw it: `state` (not changed) with each
    drifted object's new attributes, and objects deleted outside govctl gone.
    Drift is addressed after `moved` blocks; the state before them."""
    out = state.copy()
    back = {c.addr: c.moved_from for c in plan.changes if c.moved_from is not None}
    for c in plan.drift:
        addr = back.get(c.addr, c.addr)
        if c.after is None:
            out.remove_instance(addr)
            continue
        inst = out.instance(addr)
        if inst is not None:
            inst.attributes = c.after
    return out


def _extras(plan: Plan) -> dict[str, Any]:
    return {
        "mode": plan.mode,
        "lineage": plan.lineage,
        "prior_serial": plan.prior_serial,
        "targets": plan.targets,
        "excludes": plan.excludes,
        "moved": [{"from": str(c.moved_from), "to": str(c.addr)}
                  for c in plan.changes if c.moved_from is not None],
        "imports": [{"address": str(c.addr), "id": c.importing}
                    for c in plan.changes if c.importing is not None],
        "recovered": [str(c.addr) for c in plan.changes if c.recovered],
        "deposed": [str(c.addr) for c in plan.changes if c.deposed],
        "settled": plan.settled,
        "policy_results": [r.to_json() for r in plan.policy_results],
        "overrides": [{"policy": o.policy, "reason": o.reason, "by": o.by}
                      for o in plan.overrides],
        "approvals_required": [r.to_json() for r in plan.approvals_required],
    }


def plan_json(plan: Plan, variables: dict[str, Any] | None = None, prior: Any = None,
              configuration: dict[str, Any] | None = None) -> dict[str, Any]:
    """`variables`: the plan's input values (sensitive ones too, as Terraform
    prints them); `prior`: the state read before planning (a State);
    `configuration`: json_config.configuration() of the configuration planned."""
    doc: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "terraform_version": __version__,
    }
    if variables is not None:
        # every root variable, as Terraform lists them: those left to their
        # default have the default (the plan file keeps only the values given)
        declared = (configuration or {}).get("root_module", {}).get("variables", {})
        merged = {n: v["default"] for n, v in declared.items() if "default" in v}
        merged.update(variables)
        doc["variables"] = {name: {"value": v} for name, v in sorted(merged.items())}
    doc["planned_values"] = _planned_values(plan)
    doc["resource_drift"] = [resource_change(c) for c in plan.drift]
    doc["resource_changes"] = [resource_change(c) for c in plan.changes]
    doc["output_changes"] = {o.name: _output_change(o) for o in plan.outputs}
    if prior is not None and (prior.resources or prior.outputs):
        doc["prior_state"] = state_json(refreshed(prior, plan))
    doc["configuration"] = configuration if configuration is not None \
        else _configuration(plan)
    doc.update(errored=False, applyable=plan.has_changes,
               complete=not plan.targets and not plan.excludes, govctl=_extras(plan))
    return doc


def document(plan: Plan, variables: dict[str, Any], prior: Any, module: Any) -> dict[str, Any]:
    """The JSON plan of a plan just made (what `show -json` prints of it once saved)."""
    from govctl.render.json_config import configuration

    return plan_json(plan, variables, prior, configuration(module))


def write(path: Path, plan: Plan, variables: dict[str, Any], prior: Any, module: Any) -> None:
    """`govctl plan -json-out FILE`: whole or not there, and readable by its
    owner only, since it holds sensitive values as Terraform's does."""
    from govctl import atomic
    from govctl.diagnostics import DiagnosticError, error

    data = (dumps(document(plan, variables, prior, module)) + "\n").encode()
    try:
        atomic.replace(path, data)
    except OSError as exc:
        raise DiagnosticError([error("Failed to write the JSON plan",
                                     f"{path}: {exc.strerror}.")]) from None


# --- state -----------------------------------------------------------------
def state_json(state: Any) -> dict[str, Any]:
    """Terraform's state representation: `values` holds outputs and root_module."""
    root = _Module(())
    for addr, rs, inst in state.instances():
        entry = _address_fields(addr)
        entry.pop("module_address", None)
        entry["provider_name"] = provider_name(rs.provider)
        entry["schema_version"] = inst.schema_version
        entry["values"] = inst.attributes
        entry["sensitive_values"] = state_sensitive(inst.attributes, inst.sensitive_paths)
        if inst.dependencies:
            entry["depends_on"] = inst.dependencies
        if inst.tainted:
            entry["tainted"] = True
        root.child(addr.module).resources.append(entry)
    values: dict[str, Any] = {}
    if state.outputs:
        values["outputs"] = {name: {"value": o.value, "type": o.type,
                                    "sensitive": o.sensitive}
                             for name, o in sorted(state.outputs.items())}
    values["root_module"] = root.to_json(True)
    doc: dict[str, Any] = {"format_version": "1.0", "terraform_version": __version__}
    if state.resources or state.outputs:
        doc["values"] = values
    return doc


# --- encoding ----------------------------------------------------------------
def dumps(doc: Any) -> str:
    """Compact JSON, as Terraform prints it, with Decimal as exact JSON numbers
    (the state file's encoder, which already does both)."""
    from govctl.state.jsonenc import encode

    return encode(doc, indent=None)
