"""What a drift audit finds, independent of how it is printed.

Every format (table, JSON, Markdown, SARIF) is made from one `Report`, so
they cannot disagree about what drifted, what is waived and what counts
toward the exit code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from govctl.diagnostics import Range
from govctl.policy.model import Result


class Kind(enum.StrEnum):
    MODIFIED = "modified"          # attributes changed outside govctl
    DELETED = "deleted"            # the object is gone; the state still records it
    UNMANAGED = "unmanaged"        # the object exists; no state records it


class Status(enum.StrEnum):
    DRIFT = "drift"
    WAIVED = "waived"
    EXPIRED = "waiver_expired"     # a waiver matched but has expired: drift again

    @property
    def counts(self) -> bool:
        """Whether this status makes the audit fail."""
        return self is not Status.WAIVED

    @property
    def label(self) -> str:
        return {"drift": "drift", "waived": "waived", "waiver_expired": "waiver expired"}[
            self.value]


class _Absent:
    """The configuration declares no such instance (it was removed, or the plan
    did not reach it), so there is no declared value to show."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


@dataclass
class AttributeDrift:
    name: str
    declared: Any                  # UNKNOWN: known only after apply; ABSENT: not declared
    last_applied: Any
    actual: Any
    sensitive: bool = False
    status: Status = Status.DRIFT
    waiver: str | None = None


@dataclass
class DriftItem:
    address: str
    type: str
    provider: str                  # state notation: provider["govctl/aws"]
    kind: Kind
    attributes: list[AttributeDrift] = field(default_factory=list)
    location: Range | None = None  # the resource block's header
    status: Status = Status.DRIFT
    waiver: str | None = None      # the waiver deciding `status` (a deletion's, or the first)


@dataclass
class Unmanaged:
    provider: str                  # configuration key: "aws", "aws.west"
    type: str
    id: str
    location: Range | None = None  # where the configuration uses this type (SARIF needs one)


@dataclass
class TypeCoverage:
    provider: str
    type: str
    managed: int = 0
    unmanaged: int = 0
    error: str | None = None       # discovery failed: the counts are incomplete


@dataclass
class Coverage:
    types: list[TypeCoverage] = field(default_factory=list)

    @property
    def managed(self) -> int:
        return sum(t.managed for t in self.types)

    @property
    def total(self) -> int:
        return sum(t.managed + t.unmanaged for t in self.types)

    @property
    def percent(self) -> float:
        """Nothing discovered is nothing unmanaged: 100%."""
        return 100.0 if self.total == 0 else round(100.0 * self.managed / self.total, 1)

    def sentence(self) -> str:
        return f"{self.managed} of {self.total} objects managed, {self.percent:g}%"


@dataclass
class WaiverUse:
    """A waiver block and what it did in this audit."""

    name: str
    address: str
    attributes: list[str]
    owner: str
    reason: str
    expires: date
    expired: bool
    matched: int = 0               # drifted attributes and deletions it matched
    location: Range | None = None


@dataclass
class Report:
    items: list[DriftItem] = field(default_factory=list)
    unmanaged: list[Unmanaged] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)
    waivers: list[WaiverUse] = field(default_factory=list)
    policy_results: list[Result] = field(default_factory=list)
    all_types: bool = False
    fail_on_unmanaged: bool = False
    config_dir: str = ""
    generated_at: str = ""         # UTC, ISO 8601
    today: date | None = None      # the day waiver expiry was judged against (UTC)

    @property
    def drifted(self) -> list[DriftItem]:
        return [i for i in self.items if i.status.counts]

    @property
    def waived(self) -> list[DriftItem]:
        return [i for i in self.items if not i.status.counts]

    @property
    def failing_policies(self) -> list[Result]:
        return [r for r in self.policy_results if r.blocking]

    @property
    def found(self) -> bool:
        """Whether the audit fails (exit code 2): unwaived drift, a blocking
        policy result, or unmanaged objects when asked to count them."""
        return bool(self.drifted or self.failing_policies
                    or (self.fail_on_unmanaged and self.unmanaged))

    @property
    def exit_code(self) -> int:
        return 2 if self.found else 0
