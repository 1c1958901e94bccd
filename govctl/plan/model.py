"""What a plan is: one Change per resource instance, drift found while
refreshing, output changes, and what the plan was made against (the prior
state's lineage and serial, a digest of the configuration) so that a saved
plan is never applied to a world it was not made for."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from govctl.addrs import InstanceAddr


class Action(enum.StrEnum):
    NOOP = "no-op"
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"


@dataclass
class Change:
    addr: InstanceAddr
    action: Action
    provider: str                         # state notation: provider["govctl/aws"].west
    before: dict[str, Any] | None
    after: dict[str, Any] | None          # UNKNOWN where known only after apply
    requires_replace: set[str] = field(default_factory=set)
    reason: str | None = None             # why replace/delete: "tainted", "-replace", ...
    create_before_destroy: bool = False
    prevent_destroy: bool = False
    sensitive: set[str] = field(default_factory=set)   # top-level attribute names
    dependencies: list[str] = field(default_factory=list)   # resource addresses

    @property
    def type(self) -> str:
        return self.addr.resource.type


@dataclass
class OutputChange:
    name: str
    action: Action
    before: Any
    after: Any
    sensitive: bool = False
    after_unknown: bool = False


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    drift: list[Change] = field(default_factory=list)
    outputs: list[OutputChange] = field(default_factory=list)
    prior_serial: int = 0
    lineage: str = ""
    config_digest: str = ""
    mode: str = "normal"                  # normal | destroy | refresh-only
    targets: list[str] = field(default_factory=list)
    config_dir: str = ""                  # where the configuration was, for apply PLANFILE

    def counts(self) -> dict[Action, int]:
        out = dict.fromkeys(Action, 0)
        for c in self.changes:
            out[c.action] += 1
        return out

    @property
    def has_changes(self) -> bool:
        return any(c.action not in (Action.NOOP, Action.READ) for c in self.changes) or \
            any(o.action is not Action.NOOP for o in self.outputs) or \
            (self.mode == "refresh-only" and bool(self.drift))
