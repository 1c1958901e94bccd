"""aws_kms_alias: a stable name for a key, retargeted in place.

KMS has no lookup of one alias by name: a read lists the aliases of the key
in state, and only falls back to every alias of the account when needed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from govctl.plugins.protocol import ProviderError, attribute
from govctl_aws.errors import code_of, is_gone
from govctl_aws.resource import Obj, ResourceType
from govctl_aws.resources.kms.common import raw_key_id, same_key

ALIAS_PREFIX = "alias/"
RESERVED_ALIAS_PREFIX = "alias/aws/"
ALIAS_NAME = re.compile(r"^alias/[a-zA-Z0-9/_-]+$")
ALIAS_MAX = 256


def check_alias_name(config: Obj, name: str) -> ProviderError | None:
    """KMS's own rules for alias names, checked before any call is made."""
    value = config.get(name)
    if not isinstance(value, str):
        return None
    if not value.startswith(ALIAS_PREFIX):
        return ProviderError(f'{name} "{value}" must start with "{ALIAS_PREFIX}"',
                             attribute=name)
    if value.startswith(RESERVED_ALIAS_PREFIX):
        return ProviderError(f'{name} "{value}": the prefix "{RESERVED_ALIAS_PREFIX}" is '
                             "reserved for AWS-managed keys", attribute=name)
    # a prefix may end right after "alias/"; a name needs at least one character more
    if (name == "name" or value != ALIAS_PREFIX) and not ALIAS_NAME.match(value):
        return ProviderError(f'{name} "{value}" may hold only letters, digits, "/", "_" '
                             'and "-" after "alias/"', attribute=name)
    if len(value) > ALIAS_MAX:
        return ProviderError(f"{name} is longer than {ALIAS_MAX} characters", attribute=name)
    return None


class Alias(BaseModel):
    name: str | None = attribute(optional=True, computed=True, force_new=True,
                                 description='The alias, "alias/<name>"; generated from '
                                 "name_prefix when unset.")
    name_prefix: str | None = attribute(None, force_new=True,
                                        description='A prefix ("alias/...") for a generated '
                                        "unique name.")
    target_key_id: str = attribute(description="The key (id or ARN) the alias points at.")
    id: str | None = attribute(computed=True)
    arn: str | None = attribute(computed=True)
    target_key_arn: str | None = attribute(computed=True)


class AliasType(ResourceType):
    """A KMS alias: a stable name for a key, retargeted in place."""

    name = "aws_kms_alias"
    model = Alias
    # ListAliases filtered by the key in state: one page holds that key's few
    # aliases. Only when the alias is not there (retargeted outside govctl,
    # deleted, or an import that knows no key yet) does read page through
    # every alias of the account; KMS has no lookup of one alias by name.
    refresh_calls = ("kms:ListAliases",)
    semantic = {"target_key_id": same_key}

    def validate(self, config: Obj) -> list[ProviderError]:
        errors = [check_alias_name(config, "name"), check_alias_name(config, "name_prefix")]
        if isinstance(config.get("name"), str) and isinstance(config.get("name_prefix"), str):
            errors.append(ProviderError("name and name_prefix cannot both be set",
                                        attribute="name_prefix"))
        return [e for e in errors if e is not None]

    # --- refresh ------------------------------------------------------------
    def read(self, state: Obj) -> Obj | None:
        name = state.get("id") or state.get("name")
        found = self._lookup(name, state.get("target_key_id"))
        if found is None:
            return None
        return {**state, **self._from_alias(found, state)}

    def _lookup(self, name: str, key: Any) -> dict[str, Any] | None:
        if isinstance(key, str) and key:
            try:
                for alias in self._aliases(KeyId=key):
                    if alias.get("AliasName") == name:
                        return alias
            except ClientError as exc:
                if not is_gone(exc):
                    raise
        return next((a for a in self._aliases() if a.get("AliasName") == name), None)

    def _aliases(self, **filters: str) -> Iterator[dict[str, Any]]:
        pages = self.aws.client("kms").get_paginator("list_aliases").paginate(**filters)
        for page in pages:
            yield from page.get("Aliases", ())

    @staticmethod
    def _from_alias(alias: Mapping[str, Any], state: Obj) -> Obj:
        target = alias.get("TargetKeyId")
        arn = alias["AliasArn"]
        # the key lives in the alias's account and region: its ARN needs no call
        key_arn = arn.rsplit(":", 1)[0] + f":key/{target}" if target else None
        known = state.get("target_key_id")
        return {"id": alias["AliasName"], "name": alias["AliasName"], "arn": arn,
                "target_key_id": known if same_key(known, target) else target,
                "target_key_arn": key_arn, "name_prefix": state.get("name_prefix")}

    # --- changes ------------------------------------------------------------
    def create(self, planned: Obj) -> Obj:
        name = planned.get("name")
        if not isinstance(name, str):
            name = unique_name(planned.get("name_prefix") or ALIAS_PREFIX)
        kms = self.aws.client("kms")
        try:
            kms.create_alias(AliasName=name, TargetKeyId=planned["target_key_id"])
        except ClientError as exc:
            if code_of(exc) != "AlreadyExistsException":
                raise
            raise ProviderError(f'the alias "{name}" already exists; bring it under govctl '
                                f"with `govctl import ADDR {name}`", attribute="name") from None
        found = self.read({**planned, "id": name, "name": name})
        if found is None:
            raise ProviderError(f'the alias "{name}" was created but KMS does not list it')
        return found

    def update(self, prior: Obj, planned: Obj) -> Obj:
        name = prior["id"]
        if not same_key(planned["target_key_id"], prior.get("target_key_id")):
            self.aws.client("kms").update_alias(AliasName=name,
                                                TargetKeyId=planned["target_key_id"])
        key_arn = (prior.get("arn") or "").rsplit(":", 1)[0] + \
            f":key/{raw_key_id(planned['target_key_id'])}"
        return {**planned, "id": name, "name": name, "arn": prior.get("arn"),
                "target_key_arn": key_arn}

    def delete(self, prior: Obj) -> None:
        try:
            self.aws.client("kms").delete_alias(AliasName=prior["id"])
        except ClientError as exc:
            if not is_gone(exc):
                raise

    # --- import, recovery, discovery ------------------------------------------
    def import_state(self, id_: str) -> Obj:
        return {"id": id_, "name": id_}

    def find(self, planned: Obj) -> Obj | None:
        name = planned.get("name")
        if not isinstance(name, str):
            return None
        return self.read({"id": name, "name": name,
                          "target_key_id": planned.get("target_key_id")
                          if isinstance(planned.get("target_key_id"), str) else None})

    def discover(self, known: frozenset[str] = frozenset()) -> Iterator[str]:
        """Every alias of the account but AWS's own (`alias/aws/...`)."""
        for alias in self._aliases():
            name = alias.get("AliasName", "")
            if not name.startswith(RESERVED_ALIAS_PREFIX):
                yield name


_SEQUENCE = itertools.count(1)


def unique_name(prefix: str) -> str:
    """`prefix` and a time-ordered unique suffix (Terraform's naming for a prefix);
    the counter keeps names made in the same microsecond apart."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    return f"{prefix}{stamp}{next(_SEQUENCE) % 10000:04d}"
