"""The provider protocol: what the engine asks of a provider plugin.

A provider is a Python package registered under the `govctl.providers` entry
point group, pointing at a `Provider` subclass. The core never imports a
provider by name.

Values crossing this boundary are plain JSON-like Python data (str, int,
float/Decimal, bool, None, list, dict). A value the engine cannot know before
apply is the `UNKNOWN` sentinel; a provider plans it for computed attributes.

Schemas are pydantic models, one per resource type, whose fields carry the
governance metadata through `attribute(...)` and `block(...)`:

    class BucketSchema(BaseModel):
        bucket: str = attribute(force_new=True)
        arn: str | None = attribute(computed=True)
        tags: dict[str, str] | None = attribute(default=None)
        rule: list[RuleSchema] = block()
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, Field


class _Unknown:
    """Known only after apply. A singleton; compare with `is`."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()

_MISSING: Any = ...


def attribute(default: Any = _MISSING, *, computed: bool = False, optional: bool = False,
              force_new: bool = False, sensitive: bool = False, description: str = "") -> Any:
    """A schema attribute. Without a default it is required (unless computed).

    `optional` with `computed`: the user may set it, the provider fills it in
    otherwise (a KMS key's policy, a bucket's region).
    """
    if default is _MISSING and (computed or optional):
        default = None
    extra = {"govctl": {"kind": "attribute", "computed": computed, "optional": optional,
                        "force_new": force_new, "sensitive": sensitive}}
    return Field(default, description=description, json_schema_extra=extra)


def block(*, min_items: int = 0, max_items: int | None = None, force_new: bool = False,
          description: str = "") -> Any:
    """A nested block: annotate as list[Model] (repeatable) or Model | None (single)."""
    extra = {"govctl": {"kind": "block", "min_items": min_items, "max_items": max_items,
                        "force_new": force_new}}
    return Field(default_factory=list, description=description, json_schema_extra=extra)


class ProviderError(Exception):
    """A failure the user must see: the provider's own message, precise.

    `attribute` names the attribute at fault where there is one (so the engine
    can point at it in the configuration).
    """

    def __init__(self, message: str, attribute: str | None = None, retryable: bool = False):
        self.message = message
        self.attribute = attribute
        self.retryable = retryable
        super().__init__(message)


@dataclass
class PlanResult:
    planned: dict[str, Any]                       # UNKNOWN where known only after apply
    requires_replace: set[str] = field(default_factory=set)   # attribute names
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProviderMeta:
    """How a provider presents itself to `govctl init` and `govctl providers`."""

    name: str            # local name, the resource type prefix: "aws"
    source: str          # "govctl/aws"
    version: str         # "0.1.0"


class Provider(ABC):
    """One configured instance of a provider (one per `provider` block / alias)."""

    meta: ClassVar[ProviderMeta]
    config_schema: ClassVar[type[BaseModel] | None] = None
    resources: ClassVar[Mapping[str, type[BaseModel]]] = {}
    data_sources: ClassVar[Mapping[str, type[BaseModel]]] = {}

    def configure(self, config: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Receive the evaluated provider block; raise ProviderError if unusable."""

    def validate_config(self, config: dict[str, Any]) -> list[ProviderError]:
        """Checks of the provider block beyond its schema (ranges, combinations)
        on the values known without configuring anything (UNKNOWN elsewhere),
        so that `govctl validate` reports them too; none by default. Called on
        an instance that has not been configured."""
        return []

    def validate(self, type_: str, config: dict[str, Any]) -> list[ProviderError]:
        """Checks beyond the schema (formats, combinations); none by default."""
        return []

    @abstractmethod
    def read(self, type_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        """Refresh: the object as it is now, or None when it is gone (not an error)."""

    @abstractmethod
    def plan(self, type_: str, prior: dict[str, Any] | None,
             proposed: dict[str, Any]) -> PlanResult:
        """The planned new state for `proposed` configuration over `prior`."""

    @abstractmethod
    def apply(self, type_: str, prior: dict[str, Any] | None,
              planned: dict[str, Any] | None) -> dict[str, Any] | None:
        """Create (prior None), update, or delete (planned None, returns None)."""

    def read_data(self, type_: str, config: dict[str, Any]) -> dict[str, Any]:
        raise ProviderError(f"data source {type_} is not supported by {self.meta.name}")

    def import_(self, type_: str, id_: str) -> dict[str, Any] | None:
        raise ProviderError(f"{type_} does not support import")

    def find(self, type_: str, planned: dict[str, Any]) -> dict[str, Any] | None:
        """An object an interrupted create may have made, found by name or id;
        None when there is none. Used to settle recorded intents."""
        return None

    def destroy_note(self, type_: str, prior: dict[str, Any]) -> str | None:
        """What destroying this object really does, when it is not plain
        deletion (a key scheduled for deletion, a setting only suspended), for
        the plan to say before anyone confirms it; None otherwise."""
        return None

    def discover(self, type_: str, known: Collection[str] = ()) -> Iterator[str]:
        """Ids of every existing object of `type_` (unmanaged-resource reports).
        `known`: ids already managed, which exist (a refresh has just read them):
        a provider may yield them without checking each one again."""
        return iter(())

    def identity(self) -> dict[str, str] | None:
        """Who this configured provider acts as (account, principal), recorded in
        the audit log with every apply; None when the provider cannot say."""
        return None


__all__ = ["UNKNOWN", "PlanResult", "Provider", "ProviderError", "ProviderMeta", "attribute",
           "block"]
