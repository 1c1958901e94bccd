"""The `aws` provider: dispatches the protocol's calls to the resource types.

Every call that reaches AWS is wrapped so that a botocore failure becomes a
ProviderError naming what was being done and AWS's own code and message;
tracebacks are for govctl's bugs, not for a denied permission.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from govctl.plugins.protocol import UNKNOWN, PlanResult, Provider, ProviderError, ProviderMeta
from govctl_aws import __version__
from govctl_aws.config import AwsConfig
from govctl_aws.errors import provider_error
from govctl_aws.resource import DataSource, Obj, ResourceType
from govctl_aws.resources import DATA_SOURCES, RESOURCES
from govctl_aws.session import Aws

T = TypeVar("T")


class AwsProvider(Provider):
    meta = ProviderMeta("aws", "govctl/aws", __version__)
    config_schema = AwsConfig
    resources = {cls.name: cls.model for cls in RESOURCES}
    data_sources = {cls.name: cls.model for cls in DATA_SOURCES}

    def __init__(self) -> None:
        self.aws = Aws({})
        self._types: dict[str, ResourceType] = {}
        self._data: dict[str, DataSource] = {}

    def configure(self, config: dict[str, Any]) -> None:
        unknown = [k for k, v in config.items() if v is UNKNOWN]
        if unknown:
            raise ProviderError(f"the aws provider's {', '.join(unknown)} must be known "
                                "before apply", attribute=unknown[0])
        self.aws = Aws(config)
        self._types = {cls.name: cls(self.aws) for cls in RESOURCES}
        self._data = {cls.name: cls(self.aws) for cls in DATA_SOURCES}

    def _type(self, type_: str) -> ResourceType:
        if not self._types:
            self.configure({})
        try:
            return self._types[type_]
        except KeyError:
            raise ProviderError(f'the "aws" provider has no resource type "{type_}"') from None

    def _call(self, doing: str, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except (ClientError, BotoCoreError) as exc:
            raise provider_error(exc, doing) from None

    # --- the protocol ---------------------------------------------------------
    def validate(self, type_: str, config: dict[str, Any]) -> list[ProviderError]:
        # a managed resource's checks (aws_kms_key is also a data source's name)
        if type_ not in self.resources:
            return []
        return self._type(type_).validate(config)

    def read(self, type_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        rt = self._type(type_)
        found = self._call(f"reading {type_} {state.get('id')}", lambda: rt.read(state))
        return rt.shape(found) if found is not None else None

    def plan(self, type_: str, prior: dict[str, Any] | None,
             proposed: dict[str, Any]) -> PlanResult:
        return self._type(type_).plan(prior, proposed)

    def apply(self, type_: str, prior: dict[str, Any] | None,
              planned: dict[str, Any] | None) -> dict[str, Any] | None:
        rt = self._type(type_)
        if planned is None:
            assert prior is not None
            self._call(f"deleting {type_} {prior.get('id')}", lambda: rt.delete(prior))
            return None
        result: Obj
        if prior is None:
            result = self._call(f"creating {type_}", lambda: rt.create(planned))
        else:
            result = self._call(f"updating {type_} {prior.get('id')}",
                                lambda: rt.update(prior, planned))
        return rt.shape(result)

    def read_data(self, type_: str, config: dict[str, Any]) -> dict[str, Any]:
        if not self._data:
            self.configure({})
        ds = self._data.get(type_)
        if ds is None:
            raise ProviderError(f'the "aws" provider has no data source "{type_}"')
        return ds.shape(self._call(f"reading data source {type_}", lambda: ds.read(config)))

    def import_(self, type_: str, id_: str) -> dict[str, Any] | None:
        rt = self._type(type_)
        found = self._call(f"importing {type_} {id_}", lambda: rt.read(rt.import_state(id_)))
        return rt.shape(found) if found is not None else None

    def find(self, type_: str, planned: dict[str, Any]) -> dict[str, Any] | None:
        rt = self._type(type_)
        found = self._call(f"looking for {type_}", lambda: rt.find(planned))
        return rt.shape(found) if found is not None else None

    def destroy_note(self, type_: str, prior: dict[str, Any]) -> str | None:
        rt = self._types.get(type_)
        return rt.destroy_note(prior) if rt is not None else None

    def discover(self, type_: str, known: Collection[str] = ()) -> Iterator[str]:
        rt = self._type(type_)
        managed = frozenset(known)
        return iter(self._call(f"listing {type_}", lambda: list(rt.discover(managed))))

    def identity(self) -> dict[str, str] | None:
        """The caller STS names (one call): the account and principal an audit
        record attributes the apply to, and the region it was made in."""
        ident = self._call("reading the caller identity", self.aws.caller_identity)
        return {"provider": "aws", "account": ident["Account"], "arn": ident["Arn"],
                "region": self.aws.region or ""}
