"""`-json` on plan, apply and destroy: Terraform's machine-readable UI.

One JSON object per line on stdout, in the message types Terraform documents
(version, planned_change, resource_drift, change_summary, outputs,
apply_start, apply_complete, apply_errored, diagnostic), so that CI wrappers
written for `terraform apply -json` read govctl's runs unchanged. The
documented contract is also why the messages never carry attribute values:
they name resources and actions, and a sensitive value cannot leak through a
field that does not exist. The one place values appear is the `outputs`
message after an apply, as in Terraform, and only for non-sensitive outputs.

govctl's additions use their own type (`policy_result`), which consumers
that follow Terraform's rule ("ignore what you do not recognise") skip.

Apply events arrive from the executor's worker threads, so every write holds
a lock: two lines never interleave.
"""

from __future__ import annotations

import datetime
import json
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

from govctl import __version__
from govctl.addrs import InstanceAddr, ResourceAddr, module_str
from govctl.diagnostics import Diagnostic, Severity
from govctl.plan.model import Action, Change, OutputChange, Plan

UI_VERSION = "1.0"
MODULE = "govctl.ui"

# Terraform's action names in change and hook objects
_ACTION = {Action.NOOP: "noop", Action.CREATE: "create", Action.READ: "read",
           Action.UPDATE: "update", Action.REPLACE: "replace", Action.DELETE: "delete"}
_START = {Action.CREATE: "Creating...", Action.UPDATE: "Modifying...",
          Action.DELETE: "Destroying...", Action.REPLACE: "Replacing...",
          Action.READ: "Reading..."}
_NOUN = {Action.CREATE: "Creation", Action.UPDATE: "Modifications",
         Action.DELETE: "Destruction", Action.REPLACE: "Replacement", Action.READ: "Read"}


def timestamp() -> str:
    """RFC 3339 with microseconds and the local offset, as Terraform writes it."""
    return datetime.datetime.now().astimezone().isoformat(timespec="microseconds")


def resource(addr: InstanceAddr) -> dict[str, Any]:
    """Terraform's resource object: the address and its parts."""
    r = addr.resource
    local = str(InstanceAddr(ResourceAddr((), r.mode, r.type, r.name), addr.key))
    return {"addr": str(addr), "module": module_str(r.module), "resource": local,
            "implied_provider": r.type.split("_", 1)[0], "resource_type": r.type,
            "resource_name": r.name, "resource_key": addr.key}


def reason(change: Change) -> str | None:
    """govctl's free-text reasons as Terraform's reason codes; None where no
    code fits (Terraform omits the field then)."""
    text = change.reason or ""
    if change.action is Action.REPLACE:
        if text.startswith("tainted"):
            return "tainted"
        if "-replace" in text or text.startswith("replace_triggered_by"):
            return "requested"
        return "cannot_update" if change.requires_replace else None
    if change.action is Action.DELETE:
        return "delete_because_no_resource_config" if "configuration" in text else None
    if change.action is Action.READ:
        return "read_because_config_unknown" if "known only" in text else None
    return None


def change_object(change: Change) -> dict[str, Any]:
    """The `change` of planned_change and resource_drift: no values, by design."""
    action = _ACTION[change.action]
    if change.action is Action.NOOP:
        action = "import" if change.importing is not None else "move"
    out: dict[str, Any] = {"resource": resource(change.addr), "action": action}
    if change.moved_from is not None:
        out["previous_resource"] = resource(change.moved_from)
    why = reason(change)
    if why is not None:
        out["reason"] = why
    if change.importing is not None:
        out["importing"] = {"id": change.importing}
    return out


def _shown(change: Change) -> bool:
    """Whether a planned change is worth a planned_change line (Terraform skips no-ops
    except moves and imports)."""
    return change.action is not Action.NOOP or change.moved_from is not None or \
        change.importing is not None


def plan_counts(plan: Plan) -> dict[str, int]:
    counts = plan.counts()
    return {"add": counts[Action.CREATE] + counts[Action.REPLACE],
            "change": counts[Action.UPDATE],
            "import": sum(1 for c in plan.changes if c.importing is not None),
            "remove": counts[Action.DELETE] + counts[Action.REPLACE]}


def _id(change: Change) -> tuple[str, str] | None:
    """The object's id for hook messages, when it is known and not sensitive."""
    if "id" in change.sensitive:
        return None
    for obj in (change.after, change.before):
        value = (obj or {}).get("id")
        if isinstance(value, str) and value:
            return "id", value
    return None


class JsonUI:
    """Writes the stream. The lock is shared by every instance, so that lines
    from any of them never interleave; the apply hooks' timings are kept per
    instance (one per apply)."""

    lock = threading.Lock()

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.started: dict[tuple[str, bool], float] = {}

    # --- the envelope -------------------------------------------------------------
    def emit(self, type_: str, message: str, level: str = "info", **body: Any) -> None:
        doc = {"@level": level, "@message": message, "@module": MODULE,
               "@timestamp": timestamp(), "type": type_, **body}
        line = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=str)
        with self.lock:
            self.stream.write(line + "\n")
            self.stream.flush()

    def version(self) -> None:
        self.emit("version", f"govctl {__version__}", govctl=__version__, ui=UI_VERSION)

    def diagnostics(self, diags: Iterable[Diagnostic], address: str | None = None) -> None:
        for d in diags:
            body = d.to_json()
            if address is not None:
                body["address"] = address
            warn = d.severity is Severity.WARNING
            self.emit("diagnostic", f"{'Warning' if warn else 'Error'}: {d.summary}",
                      "warn" if warn else "error", diagnostic=body)

    # --- plan -------------------------------------------------------------------
    def plan(self, plan: Plan) -> None:
        """Drift, the planned changes, policy verdicts, the summary, output changes."""
        for c in plan.drift:
            self.emit("resource_drift", f"{c.addr}: Drift detected ({_ACTION[c.action]})",
                      change=change_object(c))
        for c in plan.changes:
            if _shown(c):
                obj = change_object(c)
                what = "(deposed object) " if c.deposed else ""
                self.emit("planned_change", f"{c.addr}: {what}Plan to {obj['action']}",
                          change=obj)
        self.policy_results(plan.policy_results)
        counts = plan_counts(plan)
        head = f"Plan: {counts['import']} to import, " if counts["import"] else "Plan: "
        self.emit("change_summary", f"{head}{counts['add']} to add, {counts['change']} to "
                  f"change, {counts['remove']} to destroy.",
                  changes={**counts, "operation": "plan"})
        self.output_changes(plan.outputs)

    def policy_results(self, results: Sequence[Any]) -> None:
        """govctl's extension: each verdict that is not a pass (the message is the
        policy's own error_message, as the human plan shows it)."""
        from govctl.policy.model import Outcome

        for r in results:
            if r.outcome is Outcome.PASSED:
                continue
            failed = r.outcome is Outcome.FAILED
            verdict = "failed" if failed else "decided after apply"
            body = {"policy": r.policy, "level": str(r.level), "address": r.address,
                    "resource_type": r.resource_type, "outcome": str(r.outcome),
                    "message": r.message, "blocking": bool(r.blocking),
                    "overridden": None if r.overridden is None else
                    {"reason": r.overridden.reason, "by": r.overridden.by}}
            self.emit("policy_result", f'{r.address}: policy "{r.policy}" {verdict}',
                      "warn" if failed else "info", policy_result=body)

    def output_changes(self, outputs: Sequence[OutputChange]) -> None:
        changed = {o.name: {"sensitive": o.sensitive, "action": _ACTION[o.action]}
                   for o in outputs if o.action is not Action.NOOP}
        if changed:
            self.emit("outputs", f"Outputs: {len(changed)}", outputs=changed)

    # --- apply ------------------------------------------------------------------
    def refresh_event(self, kind: str, addr: InstanceAddr, attributes: Mapping[str, Any],
                      sensitive: set[str]) -> None:
        """refresh_start / refresh_complete around each refresh read, as Terraform
        (the object's id when it has one that is not sensitive)."""
        hook: dict[str, Any] = {"resource": resource(addr)}
        suffix = ""
        value = attributes.get("id")
        if isinstance(value, str) and value and "id" not in sensitive:
            hook["id_key"], hook["id_value"] = "id", value
            suffix = f" [id={value}]"
        text = "Refreshing state..." if kind == "start" else "Refresh complete"
        self.emit(f"refresh_{kind}", f"{addr}: {text}{suffix}", hook=hook)

    def apply_event(self, kind: str, change: Change, message: str) -> None:
        """The executor's callback: kind is start, done or error."""
        key = (str(change.addr), change.deposed)
        now = time.monotonic()
        hook: dict[str, Any] = {"resource": resource(change.addr),
                                "action": _ACTION[change.action]}
        ident = _id(change)
        addr = str(change.addr)
        if kind == "start":
            with self.lock:
                self.started[key] = now
            suffix = ""
            if ident is not None and change.action is not Action.CREATE:
                hook["id_key"], hook["id_value"] = ident
                suffix = f" [{ident[0]}={ident[1]}]"
            self.emit("apply_start", f"{addr}: {_START.get(change.action, 'Applying...')}"
                      f"{suffix}", hook=hook)
            return
        with self.lock:
            elapsed = int(now - self.started.pop(key, now))
        hook["elapsed_seconds"] = elapsed
        noun = _NOUN.get(change.action, "Apply")
        if kind == "error":
            self.emit("apply_errored", f"{addr}: {noun} errored after {elapsed}s", "error",
                      hook=hook)
            return
        suffix = ""
        if ident is not None and change.action is not Action.DELETE:
            hook["id_key"], hook["id_value"] = ident
            suffix = f" [{ident[0]}={ident[1]}]"
        self.emit("apply_complete", f"{addr}: {noun} complete after {elapsed}s{suffix}",
                  hook=hook)

    def apply_summary(self, added: int, changed: int, destroyed: int, operation: str,
                      imported: int = 0) -> None:
        """After a successful apply or destroy (a failed one ends with diagnostics)."""
        if operation == "destroy":
            text = f"Destroy complete! Resources: {destroyed} destroyed."
        else:
            text = (f"Apply complete! Resources: {added} added, {changed} changed, "
                    f"{destroyed} destroyed.")
        self.emit("change_summary", text, changes={"add": added, "change": changed,
                                                   "import": imported, "remove": destroyed,
                                                   "operation": operation})

    def outputs(self, outputs: Mapping[str, Any]) -> None:
        """The state's outputs after an apply: values only of non-sensitive ones."""
        if not outputs:
            return
        body: dict[str, Any] = {}
        for name, o in sorted(outputs.items()):
            entry: dict[str, Any] = {"sensitive": bool(o.sensitive), "type": o.type}
            if not o.sensitive:
                entry["value"] = o.value
            body[name] = entry
        self.emit("outputs", f"Outputs: {len(body)}", outputs=body)
