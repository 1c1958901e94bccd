"""data "aws_kms_key": an existing key, found by any of its names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from govctl.plugins.protocol import ProviderError, attribute
from govctl_aws.errors import is_gone
from govctl_aws.resource import DataSource, Obj


def rfc3339(value: Any) -> str | None:
    """A timestamp as Terraform writes it (UTC, seconds, `Z`)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None if value is None else str(value)


class KeyLookup(BaseModel):
    key_id: str = attribute(description="Key id, key ARN, alias name or alias ARN.")
    id: str | None = attribute(computed=True)
    arn: str | None = attribute(computed=True)
    aws_account_id: str | None = attribute(computed=True)
    creation_date: str | None = attribute(computed=True)
    customer_master_key_spec: str | None = attribute(computed=True)
    key_spec: str | None = attribute(computed=True)
    deletion_date: str | None = attribute(computed=True)
    description: str | None = attribute(computed=True)
    enabled: bool | None = attribute(computed=True)
    key_manager: str | None = attribute(computed=True)
    key_state: str | None = attribute(computed=True)
    key_usage: str | None = attribute(computed=True)
    multi_region: bool | None = attribute(computed=True)
    origin: str | None = attribute(computed=True)


class KeyLookupSource(DataSource):
    """A key found by any of its names, with the metadata governance checks
    (who manages it, whether it is usable, what it is for)."""

    name = "aws_kms_key"
    model = KeyLookup
    refresh_calls = ("kms:DescribeKey",)

    def read(self, config: Obj) -> Obj:
        wanted = config["key_id"]
        try:
            meta = self.aws.client("kms").describe_key(KeyId=wanted)["KeyMetadata"]
        except ClientError as exc:
            if not is_gone(exc):
                raise
            raise ProviderError(f'no KMS key "{wanted}" in this account and region',
                                attribute="key_id") from None
        return {"key_id": wanted, "id": meta["KeyId"], "arn": meta["Arn"],
                "aws_account_id": meta.get("AWSAccountId"),
                "creation_date": rfc3339(meta.get("CreationDate")),
                "customer_master_key_spec": meta.get("CustomerMasterKeySpec") or
                meta.get("KeySpec"),
                "key_spec": meta.get("KeySpec"),
                "deletion_date": rfc3339(meta.get("DeletionDate")),
                "description": meta.get("Description"), "enabled": bool(meta.get("Enabled")),
                "key_manager": meta.get("KeyManager"), "key_state": meta.get("KeyState"),
                "key_usage": meta.get("KeyUsage"),
                # absent means a single-Region key (moto leaves it out)
                "multi_region": bool(meta.get("MultiRegion")),
                "origin": meta.get("Origin")}
