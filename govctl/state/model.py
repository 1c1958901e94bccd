"""The state model: what govctl remembers between runs about the objects it manages.

State is the only link between configuration and the cloud objects created from
it: an object missing from state is invisible to the next plan (and would be
created twice), so the model is kept free of anything that cannot be written to
disk. In particular the `UNKNOWN` sentinel never enters it: `Intent` strips it
from the planned values it records, and the encoder refuses it anywhere else.

Values are plain JSON-like data (str, int, Decimal, bool, None, list, dict);
numbers stay int or Decimal so that no precision is lost on the way to disk.
"""

from __future__ import annotations

import copy
import dataclasses
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from govctl import __version__
from govctl.addrs import InstanceAddr, Key, ResourceAddr
from govctl.plugins.protocol import UNKNOWN

FORMAT_VERSION = 1
"""The version of the state file format this govctl reads and writes."""

AttrPath = list[str | int]
"""A path into an instance's attributes: attribute names and list indexes."""


@dataclass
class InstanceState:
    """One object in the cloud, as last written by its provider."""

    key: Key
    attributes: dict[str, Any]
    schema_version: int = 0
    sensitive_paths: list[AttrPath] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)    # resource addresses
    create_before_destroy: bool = False
    # Remembered from config so that deleting the lifecycle block together with
    # the resource does not silently lift the protection.
    prevent_destroy: bool = False
    tainted: bool = False


@dataclass
class ResourceState:
    """A resource block's instances, with the provider configuration that manages them.

    `provider` is written as Terraform does: `provider["govctl/aws"]`, with an
    alias `provider["govctl/aws"].west`, and configured in a module
    `module.a.provider["govctl/aws"]`.
    """

    addr: ResourceAddr
    provider: str
    instances: dict[Key, InstanceState] = field(default_factory=dict)


@dataclass
class OutputState:
    """A root module output. `type` is Terraform's JSON type notation:
    "string", ["list", "string"], ["object", {"a": "number"}]."""

    value: Any
    type: Any
    sensitive: bool = False


@dataclass
class Intent:
    """A create that was started but not confirmed.

    Recorded before the provider is asked to create an object and settled once
    the object is in state, so that a run that dies in between leaves a trace
    the next run uses to find the object again (`Provider.find`) instead of
    creating a duplicate. Values known only after apply are dropped from
    `planned`: whatever identifies the object is known before the create.
    """

    addr: str
    provider: str
    type: str
    planned: dict[str, Any]
    # False while the create waits for a provider slot (apply.calls): nothing was
    # sent, so the next plan drops the intent without looking for an object,
    # which could only be one of that name made outside govctl
    sent: bool = True

    def __post_init__(self) -> None:
        self.planned = strip_unknown(self.planned)


def strip_unknown(value: Any) -> Any:
    """`value` without UNKNOWN: dropped from objects, null in lists."""
    if isinstance(value, dict):
        return {k: strip_unknown(v) for k, v in value.items() if v is not UNKNOWN}
    if isinstance(value, list | tuple):
        return [None if v is UNKNOWN else strip_unknown(v) for v in value]
    return value


def _new_lineage() -> str:
    return str(uuid.uuid4())


@dataclass
class State:
    """Everything govctl knows about one configuration's objects.

    `serial` counts written versions and `lineage` names the history they
    belong to: a plan made from serial N of lineage L applies only to that
    state, and a backend refuses to overwrite a state of another lineage.
    """

    version: int = FORMAT_VERSION
    serial: int = 0
    lineage: str = field(default_factory=_new_lineage)
    govctl_version: str = __version__
    outputs: dict[str, OutputState] = field(default_factory=dict)
    resources: dict[ResourceAddr, ResourceState] = field(default_factory=dict)
    intents: dict[str, Intent] = field(default_factory=dict)
    # The audit log's head after this state's last apply ({"seq": N, "hash": H}):
    # the anchor that shows records removed from the end (govctl.audit).
    audit_head: dict[str, Any] | None = None
    # Ids of the last journals folded into this state (newest last, at most
    # JOURNALS_KEPT): a journal left beside a state that has moved on is discarded
    # only when its id is here, proof that its changes are in (govctl.state.journal).
    journals: list[str] = field(default_factory=list)

    # --- instances -------------------------------------------------------
    def instance(self, addr: InstanceAddr) -> InstanceState | None:
        rs = self.resources.get(addr.resource)
        return None if rs is None else rs.instances.get(addr.key)

    def set_instance(self, addr: InstanceAddr, provider: str, inst: InstanceState) -> None:
        """Store `inst` at `addr`; the resource takes `provider` (the latest apply wins)."""
        inst.key = addr.key
        rs = self.resources.get(addr.resource)
        if rs is None:
            rs = self.resources[addr.resource] = ResourceState(addr.resource, provider)
        rs.provider = provider
        rs.instances[addr.key] = inst

    def remove_instance(self, addr: InstanceAddr) -> InstanceState | None:
        """Forget an instance; a resource left without instances goes too."""
        rs = self.resources.get(addr.resource)
        if rs is None:
            return None
        inst = rs.instances.pop(addr.key, None)
        if not rs.instances:
            del self.resources[addr.resource]
        return inst

    def instances(self) -> Iterator[tuple[InstanceAddr, ResourceState, InstanceState]]:
        """Every instance, in address order (root module first)."""
        for raddr in sorted(self.resources, key=resource_sort_key):
            rs = self.resources[raddr]
            for key in sorted(rs.instances, key=key_sort_key):
                yield InstanceAddr(raddr, key), rs, rs.instances[key]

    # --- intents ---------------------------------------------------------
    def add_intent(self, intent: Intent) -> None:
        self.intents[intent.addr] = intent

    def settle(self, addr: str) -> None:
        self.intents.pop(addr, None)

    def mark_sent(self, addr: str) -> None:
        intent = self.intents.get(addr)
        if intent is not None:
            intent.sent = True

    # --- whole state -----------------------------------------------------
    def copy(self) -> State:
        """A deep copy (the planner refreshes a copy and keeps the prior state)."""
        return State(
            version=self.version, serial=self.serial, lineage=self.lineage,
            govctl_version=self.govctl_version,
            outputs={k: OutputState(copy_data(o.value), copy_data(o.type), o.sensitive)
                     for k, o in self.outputs.items()},
            resources={a: ResourceState(rs.addr, rs.provider,
                                        {k: _copy_instance(i) for k, i in rs.instances.items()})
                       for a, rs in self.resources.items()},
            intents={k: Intent(i.addr, i.provider, i.type, copy_data(i.planned), i.sent)
                     for k, i in self.intents.items()},
            audit_head=copy_data(self.audit_head), journals=list(self.journals))

    def equal_content(self, other: State) -> bool:
        """Same content, ignoring `serial` and the `govctl_version` that wrote it.

        This decides whether a write is a new version (serial + 1). Values are
        compared strictly by kind: True is not 1, although Python says so.
        """
        return all(same_value(getattr(self, f.name), getattr(other, f.name))
                   for f in dataclasses.fields(self)
                   if f.name not in ("serial", "govctl_version"))


JOURNALS_KEPT = 16

_ATOMS = frozenset({str, int, float, bool, Decimal, type(None)})


def copy_data(v: Any) -> Any:
    """Deep copy of JSON-like data; several times faster than copy.deepcopy, which
    matters for the copy of a 10,000-instance state that every plan makes."""
    t = type(v)
    if t is dict:
        return {k: x if type(x) in _ATOMS else copy_data(x) for k, x in v.items()}
    if t is list:
        return [x if type(x) in _ATOMS else copy_data(x) for x in v]
    if t in _ATOMS:
        return v
    if t is tuple:
        return tuple(copy_data(x) for x in v)
    return copy.deepcopy(v)


def _copy_instance(inst: InstanceState) -> InstanceState:
    return dataclasses.replace(inst, attributes=copy_data(inst.attributes),
                               sensitive_paths=[list(p) for p in inst.sensitive_paths],
                               dependencies=list(inst.dependencies))


def key_sort_key(key: Key) -> tuple[int, Any]:
    """Keys of one resource: no key, then numbers, then strings."""
    if key is None:
        return (0, 0)
    return (1, key) if isinstance(key, int) else (2, key)


def resource_sort_key(addr: ResourceAddr) -> tuple[Any, ...]:
    """The root module first, then modules by name and key; within a module by
    mode, type and name (the order Terraform writes resources in)."""
    module = tuple((name, key_sort_key(key)) for name, key in addr.module)
    return (module, addr.mode, addr.type, addr.name)


def _as_number(v: Any) -> Decimal | int:
    # floats are written as repr() and read back as Decimal: compare them that way
    return Decimal(repr(v)) if isinstance(v, float) else v


def same_value(a: Any, b: Any) -> bool:
    """Deep equality that tells bools from numbers and floats by their text."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float | Decimal) and isinstance(b, int | float | Decimal):
        return bool(_as_number(a) == _as_number(b))
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            same_value(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, dict):
        return (isinstance(b, dict) and a.keys() == b.keys()
                and all(same_value(v, b[k]) for k, v in a.items()))
    if isinstance(a, list | tuple):
        return (isinstance(b, list | tuple) and len(a) == len(b)
                and all(same_value(x, y) for x, y in zip(a, b, strict=True)))
    return type(a) is type(b) and bool(a == b)


__all__ = ["FORMAT_VERSION", "AttrPath", "InstanceState", "Intent", "OutputState",
           "ResourceState", "State", "copy_data", "key_sort_key", "resource_sort_key",
           "same_value", "strip_unknown"]
