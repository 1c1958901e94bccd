"""Saved plans (`govctl plan -out FILE`): the changes, the variable values,
and what the plan was made against, so that `govctl apply FILE` refuses a
plan whose state or configuration has moved on since.

JSON, with the unknown sentinel and exact decimals encoded explicitly.

For `govctl show -json PLANFILE` the file also keeps what Terraform's plan
file keeps beside the changes: the state the plan was made from
(`prior_state`, in the state file's own form) and the configuration as it
was (`json_configuration`, already in Terraform's configuration
representation, since the configuration itself may have moved on by the time
the plan is shown). `apply` reads neither.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from govctl import atomic
from govctl.addrs import parse_instance
from govctl.diagnostics import DiagnosticError, error
from govctl.plan.model import Action, Change, OutputChange, Plan
from govctl.plugins.protocol import UNKNOWN
from govctl.policy.model import Override, result_from_json

FORMAT = "govctl-plan/1"


def _enc(v: Any) -> Any:
    if v is UNKNOWN:
        return {"$unknown": True}
    if isinstance(v, Decimal):
        return {"$decimal": str(v)}
    if isinstance(v, dict):
        return {k: _enc(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_enc(x) for x in v]
    return v


def _dec(v: Any) -> Any:
    if isinstance(v, dict):
        if v.get("$unknown") is True and len(v) == 1:
            return UNKNOWN
        if "$decimal" in v and len(v) == 1:
            return Decimal(v["$decimal"])
        return {k: _dec(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_dec(x) for x in v]
    return v


def _change_json(c: Change) -> dict[str, Any]:
    return {
        "addr": str(c.addr), "action": str(c.action), "provider": c.provider,
        "before": _enc(c.before), "after": _enc(c.after),
        "requires_replace": sorted(c.requires_replace), "reason": c.reason,
        "create_before_destroy": c.create_before_destroy,
        "prevent_destroy": c.prevent_destroy, "sensitive": sorted(c.sensitive),
        "dependencies": c.dependencies,
        "moved_from": str(c.moved_from) if c.moved_from is not None else None,
        "importing": c.importing, "recovered": c.recovered, "deposed": c.deposed,
        "flags_changed": c.flags_changed}


def _change(c: dict[str, Any]) -> Change:
    return Change(parse_instance(c["addr"]), Action(c["action"]), c["provider"],
                  _dec(c["before"]), _dec(c["after"]), set(c["requires_replace"]),
                  c["reason"], c["create_before_destroy"], c["prevent_destroy"],
                  set(c["sensitive"]), list(c["dependencies"]),
                  moved_from=parse_instance(c["moved_from"]) if c.get("moved_from") else None,
                  importing=c.get("importing"), recovered=bool(c.get("recovered")),
                  deposed=bool(c.get("deposed")), flags_changed=bool(c.get("flags_changed")))


def dumps(plan: Plan, variables: dict[str, Any], prior: Any = None,
          module: Any = None) -> bytes:
    """`prior`: the State planned from; `module`: the root module planned (both
    for show -json; left out when None)."""
    doc: dict[str, Any] = {
        "format": FORMAT, "mode": plan.mode, "prior_serial": plan.prior_serial,
        "lineage": plan.lineage, "config_digest": plan.config_digest,
        "targets": plan.targets, "excludes": plan.excludes, "settled": plan.settled,
        "variables": _enc(variables), "config_dir": plan.config_dir,
        "changes": [_change_json(c) for c in plan.changes],
        "drift": [_change_json(c) for c in plan.drift],
        "outputs": [{"name": o.name, "action": str(o.action), "before": _enc(o.before),
                     "after": _enc(o.after), "sensitive": o.sensitive,
                     "after_unknown": o.after_unknown} for o in plan.outputs],
        "policy_results": [r.to_json() for r in plan.policy_results],
        "overrides": [{"policy": o.policy, "reason": o.reason, "by": o.by}
                      for o in plan.overrides],
        "approvals_required": [r.to_json() for r in plan.approvals_required],
    }
    if prior is not None:
        from govctl.state.statefile import state_to_json

        doc["prior_state"] = _enc(state_to_json(prior))
    if module is not None:
        from govctl.render.json_config import configuration

        doc["json_configuration"] = _enc(configuration(module))
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode() + b"\n"


def read(path: Path, directory: Path = Path(".")) -> tuple[bytes, Plan, dict[str, Any]]:
    """A saved plan's bytes (what approvals sign), the plan and its variables;
    a DiagnosticError when the file cannot be read or is not a plan. An
    encrypted plan is opened with the keys of the configuration in `directory`."""
    data = _read_bytes(path)
    plan, variables = loads(plaintext(data, path, directory), str(path))
    return data, plan, variables


def plaintext(data: bytes, path: Path, directory: Path = Path(".")) -> bytes:
    """The plan in file bytes `data` (read from `path`), decrypted if sealed."""
    from govctl.state.encryption.files import open_plan

    return open_plan(data, str(path), directory)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DiagnosticError([error("Failed to read the plan file",
                                     f"{path}: {exc.strerror}.")]) from None


def loads(data: bytes, source: str) -> tuple[Plan, dict[str, Any]]:
    try:
        doc = json.loads(data)
        if doc.get("format") != FORMAT:
            raise ValueError(f"not a govctl plan file (format {doc.get('format')!r})")
        plan = Plan(
            changes=[_change(c) for c in doc["changes"]],
            drift=[_change(c) for c in doc.get("drift", [])],
            outputs=[OutputChange(o["name"], Action(o["action"]), _dec(o["before"]),
                                  _dec(o["after"]), o["sensitive"], o["after_unknown"])
                     for o in doc["outputs"]],
            prior_serial=doc["prior_serial"], lineage=doc["lineage"],
            config_digest=doc["config_digest"], mode=doc["mode"], targets=doc["targets"],
            config_dir=doc.get("config_dir", ""), excludes=list(doc.get("excludes", [])),
            settled=list(doc.get("settled", [])),
            overrides=[Override(o["policy"], o["reason"], o.get("by", ""))
                       for o in doc.get("overrides", [])])
        plan.policy_results = [result_from_json(r) for r in doc.get("policy_results", [])]
        plan.approvals_required = _requirements(doc.get("approvals_required", []))
        return plan, _dec(doc["variables"])
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise DiagnosticError([error("Invalid plan file",
                                     f"{source} cannot be read as a saved plan: {exc}.")]) \
            from None


def _requirements(docs: list[Any]) -> list[Any]:
    """The approvals a plan requires; their module (which loads cryptography) is
    imported only for a plan that has some."""
    if not docs:
        return []
    from govctl.approvals.requirements import Requirement

    return [Requirement.from_json(r) for r in docs]


def show_context(data: bytes, source: str) -> tuple[Any, dict[str, Any] | None]:
    """The prior State and the configuration representation saved with a plan
    (None for what a plan file from before they were saved lacks)."""
    from govctl.state.jsonenc import encode_bytes
    from govctl.state.statefile import loads as load_state

    try:
        doc = json.loads(data)
        prior, config = doc.get("prior_state"), doc.get("json_configuration")
    except (ValueError, AttributeError) as exc:
        raise DiagnosticError([error("Invalid plan file",
                                     f"{source} cannot be read as a saved plan: {exc}.")]) \
            from None
    state = None
    if prior is not None:
        state = load_state(encode_bytes(_dec(prior)), f"{source} (prior state)")
    return state, (_dec(config) if config is not None else None)


def write(path: Path, plan: Plan, variables: dict[str, Any], prior: Any = None,
          module: Any = None, codec: Any = None) -> None:
    """Readable by its owner only: the plan holds the variable values. Sealed
    by `codec` (the configuration's plan encryption) when there is one, bound to
    the lineage and serial of the state it was planned from."""
    data = dumps(plan, variables, prior, module)
    if codec is not None:
        data = codec.seal(data, lineage=plan.lineage, serial=plan.prior_serial)
    atomic.replace(path, data)
