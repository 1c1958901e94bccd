"""The base of every AWS resource and data source type.

A resource type knows its schema (a pydantic model), how to read, create,
update and delete one object through boto3, and what its refresh costs
(`refresh_calls`, the API operations one read makes, checked by the tests).
Planning is mostly generic and lives here: computed attributes, defaults,
`force_new`, default tags, and attributes that AWS returns reformatted
(`semantic`: a planned value equivalent to the prior one keeps the prior).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel

from govctl.plugins.protocol import UNKNOWN, PlanResult, ProviderError
from govctl.plugins.schema import BlockSchema, schema_from_model
from govctl_aws.session import Aws

Obj = dict[str, Any]


def empty(value: Any) -> bool:
    return value is None or value == {} or value == [] or value == ""


def shape(model: type[BaseModel], data: Mapping[str, Any]) -> Obj:
    """Exactly the schema's attributes and blocks (missing ones None, or [] for
    repeatable blocks), deep-copied: what read and apply must return."""
    schema = schema_from_model(model)
    out: Obj = {n: copy.deepcopy(data.get(n)) for n in schema.attributes}
    for n, nb in schema.blocks.items():
        v = data.get(n)
        out[n] = copy.deepcopy(v) if v is not None else ([] if nb.nesting == "list" else None)
    return out


class ResourceType:
    name: ClassVar[str]
    model: ClassVar[type[BaseModel]]
    # API operations one read makes, as `service:Operation` (documentation, and
    # the refresh-cost tests compare them with the calls actually made)
    refresh_calls: ClassVar[tuple[str, ...]] = ()
    # attribute -> equal(prior, planned) for values AWS hands back reformatted
    semantic: ClassVar[Mapping[str, Callable[[Any, Any], bool]]] = {}

    def __init__(self, aws: Aws):
        self.aws = aws

    @classmethod
    def schema(cls) -> BlockSchema:
        return schema_from_model(cls.model)

    # --- to implement ---------------------------------------------------------
    def read(self, state: Obj) -> Obj | None:
        """The object as it is now (every schema attribute), None when gone."""
        raise NotImplementedError

    def create(self, planned: Obj) -> Obj:
        raise NotImplementedError

    def update(self, prior: Obj, planned: Obj) -> Obj:
        raise ProviderError(f"{self.name} cannot be updated in place")

    def delete(self, prior: Obj) -> None:
        raise NotImplementedError

    def import_state(self, id_: str) -> Obj:
        """The partial state that read() needs to find the object with this id."""
        return {"id": id_}

    def find(self, planned: Obj) -> Obj | None:
        """The object an interrupted create may have made (by its unique name)."""
        return None

    def destroy_note(self, prior: Obj) -> str | None:
        """What destroying does, when it is not plain deletion (see Provider)."""
        return None

    def discover(self, known: frozenset[str] = frozenset()) -> Iterator[str]:
        """Ids of every object of this type; those in `known` (managed, just
        refreshed) need not be checked again."""
        return iter(())

    def validate(self, config: Obj) -> list[ProviderError]:
        return []

    def customize(self, prior: Obj | None, planned: Obj, replace: set[str]) -> Obj:
        """Type-specific planning after the generic rules (derived values)."""
        return planned

    # --- shared helpers -------------------------------------------------------
    def shape(self, data: Mapping[str, Any]) -> Obj:
        return shape(self.model, data)

    def tags_to_write(self, planned: Mapping[str, Any]) -> dict[str, str]:
        """Every tag the object must carry: the provider's default_tags and its own."""
        tags = planned.get("tags_all")
        if not isinstance(tags, dict):
            tags = {**self.aws.default_tags, **(planned.get("tags") or {})}
        return dict(tags)

    def split_tags(self, live: Mapping[str, str] | None, prior: Mapping[str, Any]) -> Obj:
        """`tags` and `tags_all` from the tags AWS holds: default tags are not
        the resource's own unless its configuration names them too."""
        live = dict(live or {})
        own_before = prior.get("tags") or {}
        defaults = self.aws.default_tags
        own = {k: v for k, v in live.items()
               if k not in defaults or defaults[k] != v or k in own_before}
        return {"tags": own or (None if prior.get("tags") is None else {}),
                "tags_all": live}

    # --- generic planning -----------------------------------------------------
    def plan(self, prior: Obj | None, proposed: Obj) -> PlanResult:
        schema = self.schema()
        planned = self.shape(proposed)
        for n, a in schema.attributes.items():
            if a.computed and (not a.configurable or planned[n] is None):
                planned[n] = UNKNOWN if prior is None else prior.get(n)
            elif prior is not None and planned[n] is not UNKNOWN and self._same(
                    n, prior.get(n), planned[n]):
                planned[n] = prior.get(n)
        for n in schema.blocks:
            if prior is not None and empty(planned[n]) and empty(prior.get(n)):
                planned[n] = prior.get(n)
        if "tags_all" in schema.attributes:
            tags = planned.get("tags")
            planned["tags_all"] = UNKNOWN if tags is UNKNOWN else \
                {**self.aws.default_tags, **(tags or {})}
        replace: set[str] = set()
        if prior is not None:
            forcing = [n for n, a in schema.attributes.items() if a.force_new]
            forcing += [n for n, b in schema.blocks.items() if b.force_new]
            replace = {n for n in forcing
                       if planned[n] is UNKNOWN or planned[n] != prior.get(n)}
        if replace:
            for n, a in schema.attributes.items():
                if a.computed and (not a.configurable or proposed.get(n) is None):
                    planned[n] = UNKNOWN
        return PlanResult(self.customize(prior, planned, replace), replace)

    def _same(self, name: str, prior: Any, planned: Any) -> bool:
        if prior == planned or (empty(prior) and empty(planned)):
            return True
        same = self.semantic.get(name)
        return same is not None and prior is not None and planned is not None and \
            same(prior, planned)


class DataSource:
    name: ClassVar[str]
    model: ClassVar[type[BaseModel]]
    refresh_calls: ClassVar[tuple[str, ...]] = ()

    def __init__(self, aws: Aws):
        self.aws = aws

    def read(self, config: Obj) -> Obj:
        raise NotImplementedError

    def shape(self, data: Mapping[str, Any]) -> Obj:
        return shape(self.model, data)
