"""What an apply reports: one outcome per change, and the run's result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from govctl.addrs import InstanceAddr
from govctl.diagnostics import Diagnostic, Range
from govctl.plan.model import Action, Change


class DependencyFailed(Exception):
    pass


@dataclass
class Outcome:
    addr: InstanceAddr
    action: Action
    ok: bool
    message: str = ""
    skipped: bool = False       # not attempted: something it depends on failed
    where: Range | None = None  # the configuration the failure is about, when known


@dataclass
class ApplyResult:
    outcomes: list[Outcome] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    interrupted: bool = False
    forced: bool = False        # a second interrupt: returned without waiting

    @property
    def failed(self) -> list[Outcome]:
        """Changes that were attempted and failed (each with the provider's message)."""
        return [o for o in self.outcomes if not o.ok and not o.skipped]

    @property
    def skipped(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.skipped]


Event = Callable[[str, Change, str], None]   # ("start"|"done"|"error", change, message)
