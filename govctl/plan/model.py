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
    # Where the object was before a `moved` block (or an implied move) gave it
    # this address; the move itself is a state change even when action is NOOP.
    moved_from: InstanceAddr | None = None
    # The id an `import` block reads the object by; `before` is the imported
    # object, which apply records in state before making the change.
    importing: str | None = None
    # `before` is an object an interrupted create left behind, found again
    # through the provider from the intent in state; apply records it in state.
    recovered: bool = False
    # A delete of a deposed object: the old object of a create_before_destroy
    # replacement that was not destroyed. It shares `addr` with the instance
    # (which holds the new object), so it is never the Change for the address.
    deposed: bool = False
    flags_changed: bool = False      # prevent_destroy or sensitivity differ from state

    @property
    def type(self) -> str:
        return self.addr.resource.type

    @property
    def changes_state(self) -> bool:
        """Whether applying this change writes state even when the action is a no-op."""
        return (self.action not in (Action.NOOP, Action.READ) or self.moved_from is not None
                or self.importing is not None or self.recovered or self.deposed
                or self.flags_changed)


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
    excludes: list[str] = field(default_factory=list)
    config_dir: str = ""                  # where the configuration was, for apply PLANFILE
    # intents in state (interrupted creates) the planner looked for and found
    # nothing new: apply forgets them. An intent not listed stays, to be looked
    # for again (a found object is a Change with `recovered`).
    settled: list[str] = field(default_factory=list)
    # what the policies said of this plan (govctl.policy.model.Result), and the
    # overrides the user gave (govctl.policy.model.Override); set by the command
    # that made the plan, saved with it, and honoured by `apply PLANFILE`
    policy_results: list[Any] = field(default_factory=list)
    overrides: list[Any] = field(default_factory=list)
    # signed approvals it needs before it may be applied
    # (govctl.approvals.requirements.Requirement)
    approvals_required: list[Any] = field(default_factory=list)

    def counts(self) -> dict[Action, int]:
        out = dict.fromkeys(Action, 0)
        for c in self.changes:
            out[c.action] += 1
        return out

    @property
    def has_changes(self) -> bool:
        return any(c.changes_state for c in self.changes) or bool(self.settled) or \
            any(o.action is not Action.NOOP for o in self.outputs) or \
            (self.mode == "refresh-only" and bool(self.drift))
