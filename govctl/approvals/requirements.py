"""Which approvals a plan needs, and whether the signatures it has meet them.

A policy with `required_approvals = N` guards the resources it selects: a
plan that changes any of them (anything but a no-op) may be applied only from
a saved plan file that N distinct declared approvers have signed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from govctl.approvals.signatures import Approval, valid
from govctl.diagnostics import Diagnostic, error
from govctl.policy.check import Subject, selects
from govctl.policy.model import Policy


@dataclass(frozen=True)
class Requirement:
    policy: str
    required: int
    approvers: list[str] | None        # who may sign; None: any declared approver
    addresses: list[str]               # the changed resources it guards

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "required": self.required,
                "approvers": self.approvers, "addresses": self.addresses}

    @staticmethod
    def from_json(d: Mapping[str, Any]) -> Requirement:
        return Requirement(d["policy"], int(d["required"]), d.get("approvers"),
                           list(d["addresses"]))


def requirements(policies: Iterable[Policy], subjects: Sequence[Subject]) -> list[Requirement]:
    out = []
    for p in policies:
        if p.required_approvals <= 0:
            continue
        guarded = [s.address for s in subjects if s.action != "no-op" and selects(p, s)]
        if guarded:
            out.append(Requirement(p.name, p.required_approvals, p.approvers, guarded))
    return out


def verify(reqs: Sequence[Requirement], approvals: Sequence[Approval],
           keys: Mapping[str, Any], digest: str) -> tuple[list[Approval], list[Diagnostic]]:
    """The approvals that count, and an error per requirement not met, saying
    why each signature that did not count was refused."""
    good = [a for a in approvals if a.approver in keys and valid(a, keys[a.approver], digest)]
    diags = []
    for r in reqs:
        allowed = set(r.approvers) if r.approvers is not None else set(keys)
        signers = sorted({a.approver for a in good if a.approver in allowed})
        if len(signers) >= r.required:
            continue
        refused = [_why(a, keys, digest, allowed) for a in approvals
                   if a not in good or a.approver not in allowed]
        have = f"{len(signers)} ({', '.join(signers)})" if signers else "none"
        detail = (f'The policy "{r.policy}" guards {", ".join(r.addresses)}: applying this '
                  f"plan needs {r.required} approval(s) by distinct approvers"
                  + (f" among {', '.join(sorted(allowed))}" if r.approvers else "")
                  + f"; it has {have}.")
        if refused:
            detail += " Not counted: " + "; ".join(refused) + "."
        detail += " Approve the saved plan with: govctl approve PLANFILE -approver NAME -key FILE"
        diags.append(error("Plan not approved", detail))
    return good, diags


def _why(a: Approval, keys: Mapping[str, Any], digest: str, allowed: set[str]) -> str:
    if a.approver not in keys:
        return f"{a.approver} (not a declared approver)"
    if a.digest != digest:
        return f"{a.approver} (approved another plan: the plan changed after approval)"
    if a.approver not in allowed:
        return f"{a.approver} (not one of this policy's approvers)"
    return f"{a.approver} (the signature does not match the approver's key)"
