"""What several IAM types share: tags, dates, policy checks and two-part ids.

IAM writes tags as [{"Key", "Value"}] and dates as Terraform records them;
the types agree on both so that state reads the same whichever wrote it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from govctl.plugins.protocol import ProviderError
from govctl_aws import policy
from govctl_aws.resource import Obj


def timestamp(value: datetime | None) -> str | None:
    """RFC 3339 in UTC, as Terraform records IAM dates."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tag_changes(old: dict[str, str], new: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The tags to (re)write and the keys to remove to go from `old` to `new`."""
    put = {k: v for k, v in new.items() if old.get(k) != v}
    return put, sorted(set(old) - set(new))


def policy_errors(config: Obj, name: str) -> list[ProviderError]:
    doc = config.get(name)
    if isinstance(doc, str) and policy.parse(doc) is None:
        return [ProviderError(f"{name} is not a JSON policy document", attribute=name)]
    return []


def split_id(id_: str, sep: str, what: str) -> tuple[str, str]:
    first, found, rest = id_.partition(sep)
    if not found or not first or not rest:
        raise ProviderError(f'"{id_}" is not a valid {what}')
    return first, rest


def role_names(aws: Any) -> Iterator[str]:
    """Every role's name (ListRoles, paged): discovery of what hangs off roles."""
    for page in aws.client("iam").get_paginator("list_roles").paginate():
        for role in page.get("Roles", ()):
            yield role["RoleName"]
