"""The audit as SARIF 2.1.0, for code scanning: one rule per drift kind and
per policy, one result per drifted resource (waived ones as notes carrying a
suppression), each placed on the resource block in the configuration so
that the finding shows on that line of the pull request or file.

File locations are relative to the repository that holds the configuration
(the nearest directory upwards with a `.git`), else to the working
directory; `%SRCROOT%` names that directory in `originalUriBaseIds`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from govctl import __version__
from govctl.diagnostics import Range
from govctl.drift.display import text
from govctl.drift.model import DriftItem, Kind, Report, Status, Unmanaged, WaiverUse
from govctl.policy.model import Level, Outcome, Result

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
BASE_ID = "%SRCROOT%"

_DRIFT_RULES = {
    Kind.MODIFIED: ("ResourceModifiedOutsideGovctl",
                    "A managed resource was changed outside govctl.",
                    "The live object's attributes differ from what govctl last applied. Run "
                    "`govctl plan` to see how govctl would restore the declared values, then "
                    "`govctl apply`; or, if the change was wanted, declare it in the "
                    "configuration. A reviewed exception can be recorded with a `waiver` "
                    "block (owner, reason, expiry date)."),
    Kind.DELETED: ("ResourceDeletedOutsideGovctl",
                   "A managed resource was deleted outside govctl.",
                   "The state records an object that no longer exists. `govctl apply` "
                   "creates it again; `govctl state rm` forgets it if it should stay gone."),
    Kind.UNMANAGED: ("UnmanagedResource",
                     "An object exists that no govctl state manages.",
                     "The provider lists an object of a type the configuration uses, but no "
                     "state records it. Bring it under management with an `import` block "
                     "or `govctl import`, or remove it."),
}


def rule_id(kind: Kind) -> str:
    return f"govctl.drift.{kind}"


def policy_rule_id(name: str) -> str:
    return f"govctl.policy.{name}"


def repository_root(start: Path) -> Path | None:
    for d in [start, *start.parents]:
        if (d / ".git").exists():
            return d
    return None


def base_directory(config_dir: Path, cwd: Path | None = None) -> Path:
    """The directory URIs are relative to: the configuration's repository
    root, else the working directory."""
    return repository_root(config_dir.resolve()) or (cwd or Path.cwd()).resolve()


def sarif(report: Report, base: Path) -> dict[str, Any]:
    rules, index = _rules(report)
    results = [_drift_result(i, report.waivers, base, index) for i in report.items]
    results += [_unmanaged_result(u, report, base, index) for u in report.unmanaged]
    results += [_policy_result(r, base, index) for r in report.policy_results
                if r.outcome is Outcome.FAILED]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "govctl", "version": __version__,
                            "semanticVersion": __version__, "rules": rules}},
        "originalUriBaseIds": {BASE_ID: {"uri": base.resolve().as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [{"executionSuccessful": True,
                         **({"endTimeUtc": report.generated_at} if report.generated_at
                            else {})}],
        "results": results,
        "properties": {"coverage": {"managed": report.coverage.managed,
                                    "total": report.coverage.total,
                                    "percent": report.coverage.percent,
                                    "text": report.coverage.sentence()}},
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _rules(report: Report) -> tuple[list[dict[str, Any]], dict[str, int]]:
    rules: list[dict[str, Any]] = []
    for kind, (name, short, full) in _DRIFT_RULES.items():
        level = "warning" if kind is Kind.UNMANAGED and not report.fail_on_unmanaged \
            else "error"
        rules.append({"id": rule_id(kind), "name": name, "shortDescription": {"text": short},
                      "fullDescription": {"text": full}, "help": {"text": full,
                                                                   "markdown": full},
                      "defaultConfiguration": {"level": level},
                      "properties": {"tags": ["drift", "governance"]}})
    seen: dict[str, Result] = {}
    for r in report.policy_results:
        seen.setdefault(r.policy, r)
    for name, r in sorted(seen.items()):
        short = f"Policy {name} ({r.level})."
        full = (f"The govctl policy `{name}`, enforcement level {r.level}: "
                + {Level.ADVISORY: "reported only.",
                   Level.OVERRIDABLE: "blocks apply unless overridden with a reason.",
                   Level.MANDATORY: "blocks apply."}[r.level])
        rules.append({"id": policy_rule_id(name), "name": _camel(name),
                      "shortDescription": {"text": short}, "fullDescription": {"text": full},
                      "help": {"text": full, "markdown": full},
                      "defaultConfiguration": {"level": _policy_level(r.level)},
                      "properties": {"tags": ["policy", "governance"]}})
    return rules, {r["id"]: i for i, r in enumerate(rules)}


def _drift_result(item: DriftItem, waivers: list[WaiverUse], base: Path,
                  index: dict[str, int]) -> dict[str, Any]:
    rid = rule_id(item.kind)
    if item.kind is Kind.DELETED:
        message = f"{item.address} was deleted outside govctl."
    else:
        parts = [f"{a.name}: {text(a.last_applied, a.sensitive)} -> "
                 f"{text(a.actual, a.sensitive)} (declared {text(a.declared, a.sensitive)})"
                 + ("" if a.status is Status.DRIFT else f" [{a.status.label}: {a.waiver}]")
                 for a in item.attributes]
        message = f"{item.address} was changed outside govctl: " + "; ".join(parts) + "."
    if item.status is Status.EXPIRED:
        message += f" Waiver {item.waiver} has expired: this counts as drift again."
    out = _result(rid, index, "error" if item.status.counts else "note", message,
                  item.location, base, item.address,
                  [rid, item.address, *(a.name for a in item.attributes)])
    out["properties"] = {"status": str(item.status), "waiver": item.waiver,
                         "attributes": [a.name for a in item.attributes]}
    if not item.status.counts:
        out["suppressions"] = _suppressions(item, waivers, base)
    return out


def _suppressions(item: DriftItem, waivers: list[WaiverUse], base: Path
                  ) -> list[dict[str, Any]]:
    w = next((w for w in waivers if w.name == item.waiver), None)
    if w is None:
        return []
    sup: dict[str, Any] = {"kind": "inSource", "status": "accepted",
                           "justification": f"waiver {w.name} (owner {w.owner}, expires "
                                            f"{w.expires.isoformat()}): {w.reason}"}
    if w.location is not None:
        sup["location"] = _location(w.location, base)
    return [sup]


def _unmanaged_result(u: Unmanaged, report: Report, base: Path,
                      index: dict[str, int]) -> dict[str, Any]:
    rid = rule_id(Kind.UNMANAGED)
    return _result(rid, index, "error" if report.fail_on_unmanaged else "warning",
                   f"{u.type} {u.id!r} (provider {u.provider}) exists but is in no govctl "
                   "state.", u.location, base, f"{u.type}/{u.id}", [rid, u.provider, u.type,
                                                                     u.id])


def _policy_result(r: Result, base: Path, index: dict[str, int]) -> dict[str, Any]:
    rid = policy_rule_id(r.policy)
    level = "note" if r.overridden is not None else _policy_level(r.level)
    message = f"{r.address}: {r.message or f'fails policy {r.policy}'}"
    out = _result(rid, index, level, message, r.resource_range or r.policy_range, base,
                  r.address, [rid, r.address])
    if r.overridden is not None:
        out["suppressions"] = [{"kind": "external", "status": "accepted",
                                "justification": f"overridden by {r.overridden.by or 'unknown'}"
                                                 f": {r.overridden.reason}"}]
    return out


def _result(rid: str, index: dict[str, int], level: str, message: str, where: Range | None,
            base: Path, logical: str, identity: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"ruleId": rid, "ruleIndex": index[rid], "level": level,
                           "message": {"text": message}}
    loc = _location(where, base) if where is not None else {}
    loc["logicalLocations"] = [{"fullyQualifiedName": logical, "kind": "resource"}]
    out["locations"] = [loc]
    digest = hashlib.sha256("\0".join(identity).encode()).hexdigest()[:32]
    out["partialFingerprints"] = {"govctlFinding/v1": digest}
    return out


def _location(rng: Range, base: Path) -> dict[str, Any]:
    path = Path(rng.filename).resolve()
    try:
        artifact = {"uri": path.relative_to(base.resolve()).as_posix(), "uriBaseId": BASE_ID}
    except ValueError:
        artifact = {"uri": path.as_uri()}
    region = {"startLine": rng.start.line, "startColumn": rng.start.column,
              "endLine": rng.end.line, "endColumn": max(rng.end.column, rng.start.column + 1)}
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}


def _policy_level(level: Level) -> str:
    return "warning" if level is Level.ADVISORY else "error"


def _camel(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in name.replace("-", "_").split("_")) \
        or "Policy"
