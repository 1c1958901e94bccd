"""What an apply's audit record says, built from its plan and its result.

The record must let an auditor answer "who changed what, under which
checks" without ever holding a secret: every attribute a change marks
sensitive is written as "(sensitive)" (and its string values are scrubbed
from provider messages too), values known only after apply as
"(known after apply)". An update records only the attributes it changes,
which keeps a record small however large the objects are.
"""

from __future__ import annotations

import dataclasses
import getpass
import hashlib
import os
import socket
from collections.abc import Iterable, Mapping
from typing import Any

from govctl import __version__
from govctl.audit.chain import canonical
from govctl.plan.model import Action, Change, Plan
from govctl.plugins.protocol import UNKNOWN
from govctl.state.model import same_value

SENSITIVE = "(sensitive)"
KNOWN_AFTER_APPLY = "(known after apply)"
_MIN_SCRUBBED = 4       # shorter secrets would blank out ordinary words in messages


def file_digest(data: bytes) -> str:
    """The digest of a saved plan: SHA-256 (hex) of the plan file's bytes."""
    return hashlib.sha256(data).hexdigest()


def plan_digest(plan: Plan) -> str:
    """SHA-256 (hex) of the canonical JSON of what the plan does and what it was
    made against: its changes (sensitive values included, so that changing a
    secret changes the digest), mode, lineage, prior serial and config digest.
    Two plans with the same digest make the same changes to the same state."""
    doc = {
        "mode": plan.mode, "lineage": plan.lineage, "prior_serial": plan.prior_serial,
        "config_digest": plan.config_digest,
        "changes": [{
            "address": str(c.addr), "action": str(c.action), "provider": c.provider,
            "before": _known(c.before), "after": _known(c.after),
            "requires_replace": sorted(c.requires_replace), "sensitive": sorted(c.sensitive),
            "moved_from": str(c.moved_from) if c.moved_from is not None else None,
            "importing": c.importing, "deposed": c.deposed,
        } for c in plan.changes if c.changes_state],
    }
    return hashlib.sha256(canonical(doc)).hexdigest()


def _known(value: Any) -> Any:
    """`value` with UNKNOWN written as "(known after apply)", at any depth."""
    if value is UNKNOWN:
        return KNOWN_AFTER_APPLY
    if isinstance(value, Mapping):
        return {str(k): _known(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_known(v) for v in value]
    return value


def _redacted(values: dict[str, Any] | None, names: Iterable[str],
              sensitive: set[str]) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: SENSITIVE if k in sensitive else _known(values.get(k)) for k in sorted(names)}


def change_entry(change: Change, also_sensitive: Iterable[str] = ()) -> dict[str, Any]:
    """One change for the record: address, action, and the attributes it touches.
    `also_sensitive` adds to `change.sensitive`, which the planner leaves empty
    for deletes and drift (the prior state and the schema know better)."""
    before, after = change.before, change.after
    sensitive = set(change.sensitive) | set(also_sensitive)
    if before is not None and after is not None:
        names = [k for k in sorted(set(before) | set(after))
                 if before.get(k, None) is UNKNOWN or after.get(k, None) is UNKNOWN
                 or not same_value(before.get(k), after.get(k))]
        b_names = a_names = names
    else:
        b_names = [k for k, v in (before or {}).items() if v is not None]
        a_names = [k for k, v in (after or {}).items() if v is not None]
    entry: dict[str, Any] = {
        "address": str(change.addr), "action": str(change.action),
        "provider": change.provider,
        "before": _redacted(before, b_names, sensitive),
        "after": _redacted(after, a_names, sensitive),
    }
    if change.reason:
        entry["reason"] = change.reason
    if change.moved_from is not None:
        entry["moved_from"] = str(change.moved_from)
    if change.importing is not None:
        entry["importing"] = change.importing
    if change.deposed:
        entry["deposed"] = True
    return entry


def _secrets(changes: Iterable[Change], extra: Mapping[str, set[str]]) -> list[str]:
    """Every string value of a sensitive attribute, longest first."""
    found: set[str] = set()

    def collect(v: Any) -> None:
        if isinstance(v, str) and len(v) >= _MIN_SCRUBBED:
            found.add(v)
        elif isinstance(v, Mapping):
            for x in v.values():
                collect(x)
        elif isinstance(v, list | tuple):
            for x in v:
                collect(x)

    for c in changes:
        for values in (c.before, c.after):
            for name in c.sensitive | extra.get(str(c.addr), set()):
                if values and values.get(name) is not UNKNOWN:
                    collect(values.get(name))
    return sorted(found, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, SENSITIVE)
    return text


def _as_json(item: Any) -> Any:
    """A policy result, override or approval as JSON data, whatever shape the
    caller keeps it in (to_json(), a dataclass, or already a dict)."""
    if hasattr(item, "to_json"):
        return item.to_json()
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return dataclasses.asdict(item)
    return item


def _scrub_message(result: Any, secrets: list[str]) -> Any:
    """A policy result's evaluated error_message may quote a planned value."""
    if isinstance(result, dict) and isinstance(result.get("message"), str):
        return {**result, "message": scrub(result["message"], secrets)}
    return result


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):     # no passwd entry, as in some containers
        return str(os.getuid())


def apply_record(plan: Plan, result: Any, *, command: str, serial_before: int,
                 serial_after: int, digest: str, identities: Mapping[str, Any] | None = None,
                 policy_results: Iterable[Any] = (), overrides: Iterable[Any] = (),
                 approvals: Iterable[Any] = (), plan_file: str | None = None,
                 sensitive: Mapping[str, set[str]] | None = None,
                 time: str | None = None) -> dict[str, Any]:
    """The payload of an "apply" record (the log adds seq, prev, time and hash).

    `result` is the engine's ApplyResult (outcomes, diagnostics, interrupted).
    Policy results, overrides and approvals are recorded as given. `sensitive`
    names more sensitive attributes by instance address (see change_entry).
    """
    extra = sensitive or {}
    changes = [c for c in plan.changes if c.changes_state]
    secrets = _secrets([*changes, *plan.drift], extra)
    outcomes = [{"address": str(o.addr), "action": str(o.action),
                 "status": "skipped" if o.skipped else "ok" if o.ok else "failed",
                 "message": scrub(o.message, secrets)} for o in result.outcomes]
    ok = [o for o in result.outcomes if o.ok]
    failed = [o for o in result.outcomes if not o.ok and not o.skipped]
    skipped = [o for o in result.outcomes if o.skipped]
    errors = [d for d in result.diagnostics if str(d.severity) == "error"]
    if result.interrupted:
        status = "interrupted"
    elif failed or errors:
        status = "partial" if ok else "failed"
    else:
        status = "complete"
    record: dict[str, Any] = {
        "command": command, "mode": plan.mode, "status": status,
        "user": os_user(), "host": socket.gethostname(), "govctl_version": __version__,
        "identities": {k: dict(v) for k, v in sorted((identities or {}).items())},
        "plan_digest": digest, "plan_file": plan_file,
        "lineage": plan.lineage, "serial_before": serial_before, "serial_after": serial_after,
        "changes": [change_entry(c, extra.get(str(c.addr), ())) for c in changes],
        "drift": [{"address": str(c.addr), "action": str(c.action)} for c in plan.drift],
        "outcomes": outcomes,
        "summary": {
            "added": sum(1 for o in ok if o.action in (Action.CREATE, Action.REPLACE)),
            "changed": sum(1 for o in ok if o.action is Action.UPDATE),
            "destroyed": sum(1 for o in ok if o.action in (Action.DELETE, Action.REPLACE)),
            "failed": len(failed), "skipped": len(skipped)},
        "errors": [scrub(f"{d.summary}: {d.detail}" if d.detail else d.summary, secrets)
                   for d in errors],
        "policy_results": [_scrub_message(_as_json(r), secrets) for r in policy_results],
        "overrides": [_as_json(o) for o in overrides],
        "approvals": [_as_json(a) for a in approvals],
    }
    if time is not None:
        record["time"] = time
    return record


__all__ = ["KNOWN_AFTER_APPLY", "SENSITIVE", "apply_record", "change_entry", "file_digest",
           "os_user", "plan_digest", "scrub"]
