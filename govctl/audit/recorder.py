"""The one call apply makes: append the apply's record and anchor it in state.

It runs after the changes are made and before the state is written, so that
the state write that follows carries the new head (`State.audit_head`) and
the record can name the serial that write produces. It never raises: a log
that cannot be written is an error diagnostic (the command exits 1), and the
state is written all the same, since the changes were made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from govctl.audit.chain import AuditLog
from govctl.audit.records import apply_record, file_digest, plan_digest
from govctl.diagnostics import Diagnostic, error


def identities(providers: Any) -> dict[str, dict[str, str]]:
    """Who each configured provider acts as ({"aws": {"account": ...}}); a
    provider that cannot tell is recorded with the error, not left out, so that
    a record never silently lacks an identity it should have."""
    out: dict[str, dict[str, str]] = {}
    instances: Mapping[str, Any] = getattr(providers, "instances", None) or {}
    for key in sorted(instances):
        ask = getattr(instances[key], "identity", None)
        if ask is None:
            continue
        try:
            ident = ask()
        except Exception as exc:  # a provider bug or an unreachable API: recorded
            out[key] = {"error": str(exc) or type(exc).__name__}
            continue
        if ident is not None:
            out[key] = {str(k): str(v) for k, v in ident.items()}
    return out


def sensitive_names(plan: Any, state: Any, providers: Any) -> dict[str, set[str]]:
    """The sensitive attributes of each changed instance beyond `Change.sensitive`:
    those its prior state records and those its provider's schema marks."""
    from govctl.plugins.schema import schema_from_model

    out: dict[str, set[str]] = {}
    # not `or {}`: the truth of a LazyInstalled is its length, which imports
    # every installed provider (the AWS one costs ~0.3 s) to count them
    installed = getattr(providers, "installed", None)
    if installed is None:
        installed = {}
    for c in [*plan.changes, *plan.drift]:
        names: set[str] = set()
        inst = state.instance(c.addr)
        if inst is not None:
            names |= {str(p[0]) for p in inst.sensitive_paths if p}
        key = providers.key_from_state(c.provider) if hasattr(providers, "key_from_state") \
            else ""
        cls = installed.get(key.partition(".")[0])
        if cls is not None:
            types = cls.data_sources if c.addr.resource.mode == "data" else cls.resources
            model = types.get(c.type)
            if model is not None:
                names |= {n for n, a in schema_from_model(model).attributes.items()
                          if a.sensitive}
        out[str(c.addr)] = out.get(str(c.addr), set()) | names
    return out


def _encrypted_all(backend: Any, plan: Any, names: dict[str, set[str]]
                   ) -> dict[str, set[str]]:
    """Beside an encrypted state every attribute value is kept out of the log:
    the log is not encrypted (anyone who can verify it can read it), and the
    values it would hold (names, ARNs, settings) are the map of the estate that
    encrypting the state hides. Which attributes changed is still recorded."""
    codec = getattr(backend, "codec", None)
    if codec is None or not getattr(codec, "encrypts", False):
        return names
    out = {k: set(v) for k, v in names.items()}
    for c in [*plan.changes, *plan.drift]:
        out.setdefault(str(c.addr), set()).update((c.before or {}).keys(),
                                                  (c.after or {}).keys())
    return out


def record_apply(backend: Any, plan: Any, result: Any, state: Any, providers: Any, *,
                 command: str, plan_file: Path | None = None, digest: str | None = None,
                 policy_results: Iterable[Any] | None = None,
                 overrides: Iterable[Any] | None = None,
                 approvals: Iterable[Any] = ()) -> list[Diagnostic]:
    """Append an "apply" record for `plan`/`result` to the backend's audit log
    and set `state.audit_head` to it; `state` is the state the apply started
    from, about to be written as the next serial. Policy results and
    overrides default to those the plan carries."""
    log_path = None
    try:
        log_path = backend.audit_log_path()
        if digest is None:
            digest = file_digest(plan_file.read_bytes()) if plan_file is not None else \
                plan_digest(plan)
        payload = apply_record(
            plan, result, command=command, serial_before=state.serial,
            serial_after=state.serial + 1,   # the audit head changes the state: always +1
            digest=digest, identities=identities(providers),
            policy_results=getattr(plan, "policy_results", ()) if policy_results is None
            else policy_results,
            overrides=getattr(plan, "overrides", ()) if overrides is None else overrides,
            approvals=approvals, plan_file=str(plan_file) if plan_file is not None else None,
            sensitive=_encrypted_all(backend, plan, sensitive_names(plan, state, providers)))
        log = AuditLog(log_path)
        for record in override_records(plan, overrides, digest, payload):
            log.append("override", record)
        head = log.append("apply", payload)
    except Exception as exc:  # never lose the state over the log: reported instead
        where = f" {log_path}" if log_path is not None else ""
        return [error("Failed to write the audit log",
                      f"The apply's record could not be appended to the audit log{where}: "
                      f"{exc}. The changes made are recorded in the state all the same; the "
                      "log has no record of this apply.")]
    state.audit_head = head.to_json()
    return []


def override_records(plan: Any, overrides: Iterable[Any] | None, digest: str,
                     apply: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One record per override the applied plan carries, before the apply's own:
    who let which policy's failures through, why, and on what (the apply record,
    last, is the head the state anchors)."""
    given = list(getattr(plan, "overrides", ()) if overrides is None else overrides)
    failed = [r for r in getattr(plan, "policy_results", ()) if r.overridden is not None]
    return [{"policy": o.policy, "reason": o.reason, "by": o.by, "plan_digest": digest,
             "time": apply.get("time"), "user": apply.get("user"),
             "addresses": sorted({r.address for r in failed if r.policy == o.policy})}
            for o in given]


__all__ = ["identities", "override_records", "record_apply"]
