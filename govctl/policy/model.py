"""What a policy is and what checking one gives.

A policy selects resource instances (by type, address glob, tags) and states
a condition over `self` (the planned or live object), `before` (the prior
object) and `action`; its enforcement level decides what a failure does:
`advisory` is reported, `mandatory` blocks apply, `overridable` blocks apply
unless overridden by name with a reason (recorded in the plan and the audit
log).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from govctl.diagnostics import Range


class Level(enum.StrEnum):
    ADVISORY = "advisory"
    OVERRIDABLE = "overridable"
    MANDATORY = "mandatory"


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    UNKNOWN = "unknown"          # the condition depends on values known only after apply


@dataclass(frozen=True)
class Override:
    policy: str
    reason: str
    by: str = ""                 # who asked for it (the OS user), recorded for audit


@dataclass
class Policy:
    name: str
    level: Level
    description: str = ""
    resource_types: list[str] | None = None
    addresses: list[str] | None = None          # globs: * any run of characters, ? one
    tags: dict[str, str] | None = None
    condition: Any = None                       # ast.Expr
    error_message: Any = None                   # ast.Expr (may use self/before/action)
    source: Range | None = None                 # the policy block's header
    # a plan that changes a resource this policy selects needs this many valid
    # signatures of distinct approvers (from `approvers`, else any declared one)
    required_approvals: int = 0
    approvers: list[str] | None = None
    about_action: bool = False       # the condition refers to `action` (deletes are checked)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """One policy checked against one resource instance."""

    policy: str
    level: Level
    address: str                 # instance address, e.g. module.b["x"].aws_s3_bucket.this
    resource_type: str
    outcome: Outcome
    message: str = ""            # the evaluated error_message when failed
    overridden: Override | None = None
    policy_range: Range | None = None
    resource_range: Range | None = None

    @property
    def blocking(self) -> bool:
        """Whether this result stops apply."""
        if self.outcome is not Outcome.FAILED:
            return False
        if self.level is Level.MANDATORY:
            return True
        return self.level is Level.OVERRIDABLE and self.overridden is None

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "enforcement_level": str(self.level),
                "address": self.address, "type": self.resource_type,
                "outcome": str(self.outcome), "message": self.message,
                "overridden": None if self.overridden is None else
                {"reason": self.overridden.reason, "by": self.overridden.by}}


def result_from_json(d: dict[str, Any]) -> Result:
    """A result saved in a plan file (locations are not kept: the plan is
    applied against the configuration it names, which may have moved)."""
    o = d.get("overridden")
    return Result(d["policy"], Level(d["enforcement_level"]), d["address"], d["type"],
                  Outcome(d["outcome"]), d.get("message", ""),
                  Override(d["policy"], o["reason"], o.get("by", "")) if o else None)
