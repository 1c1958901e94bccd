"""data "aws_kms_key" against the moto server: one key, found by any of its names."""

from __future__ import annotations

from typing import Any

import pytest

from govctl.plugins.protocol import ProviderError
from tests.providers.aws.conftest import ACCOUNT, AwsWorkspace

LOOKUP = """
data "aws_kms_key" "by_alias" {
  key_id = "%s"
}

output "arn" {
  value = data.aws_kms_key.by_alias.arn
}

output "manager" {
  value = data.aws_kms_key.by_alias.key_manager
}

output "state" {
  value = data.aws_kms_key.by_alias.key_state
}
"""


def outputs(aws: AwsWorkspace) -> dict[str, Any]:
    return {k: v["value"] for k, v in aws.state()["outputs"].items()}


def test_lookup_by_alias(aws: AwsWorkspace) -> None:
    kms = aws.moto.client("kms")
    meta = kms.create_key(Description="shared")["KeyMetadata"]
    kms.create_alias(AliasName="alias/shared", TargetKeyId=meta["KeyId"])
    aws.write(LOOKUP % "alias/shared")
    aws.applied()
    assert outputs(aws) == {"arn": meta["Arn"], "manager": "CUSTOMER", "state": "Enabled"}


def test_lookup_of_a_managed_alias_waits_for_it(aws: AwsWorkspace) -> None:
    aws.write("""
resource "aws_kms_key" "k" {
  description = "managed"
  is_enabled  = false
}

resource "aws_kms_alias" "a" {
  name          = "alias/managed"
  target_key_id = aws_kms_key.k.key_id
}
""" + (LOOKUP % "${aws_kms_alias.a.name}"))
    aws.applied()
    assert outputs(aws) == {"arn": aws.attrs("aws_kms_key.k")["arn"], "manager": "CUSTOMER",
                            "state": "Disabled"}
    aws.no_changes()


@pytest.mark.parametrize("name", ["id", "arn", "alias", "alias_arn"])
def test_every_name_finds_the_key(aws: AwsWorkspace, provider: Any, name: str) -> None:
    kms = aws.moto.client("kms")
    meta = kms.create_key(Description="named", KeyUsage="SIGN_VERIFY",
                          KeySpec="RSA_2048")["KeyMetadata"]
    kms.create_alias(AliasName="alias/named", TargetKeyId=meta["KeyId"])
    key_id = {"id": meta["KeyId"], "arn": meta["Arn"], "alias": "alias/named",
              "alias_arn": f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/named"}[name]
    provider.aws.calls.clear()
    found = provider.read_data("aws_kms_key", {"key_id": key_id})
    assert dict(provider.aws.calls) == {"kms:DescribeKey": 1}
    assert found["key_id"] == key_id
    assert found["id"] == meta["KeyId"] and found["arn"] == meta["Arn"]
    assert found["description"] == "named"
    assert found["key_usage"] == "SIGN_VERIFY"
    assert found["customer_master_key_spec"] == "RSA_2048"
    assert found["enabled"] is True and found["multi_region"] is False
    assert found["aws_account_id"] == ACCOUNT
    assert found["creation_date"].endswith("Z")


def test_missing_key_is_a_precise_error(provider: Any) -> None:
    with pytest.raises(ProviderError) as info:
        provider.read_data("aws_kms_key", {"key_id": "alias/nothing"})
    assert info.value.attribute == "key_id"
    assert "alias/nothing" in info.value.message
