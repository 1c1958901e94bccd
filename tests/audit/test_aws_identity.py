"""The AWS provider names who it acts as (STS, over HTTP to a moto server),
and an apply records it."""

from __future__ import annotations

import json
from typing import Any

from tests.providers.aws.conftest import (  # noqa: F401 - fixtures
    ACCOUNT,
    REGION,
    AwsWorkspace,
    aws,
    provider,
)


def test_the_aws_identity_is_the_sts_caller(provider: Any) -> None:  # noqa: F811
    ident = provider.identity()
    assert ident["provider"] == "aws"
    assert ident["account"] == ACCOUNT
    assert ident["arn"].startswith("arn:aws:") and ACCOUNT in ident["arn"]
    assert ident["region"] == REGION


def test_an_aws_apply_records_the_caller(aws: AwsWorkspace) -> None:  # noqa: F811
    aws.write("""
    resource "aws_kms_key" "k" {
      description             = "audited"
      deletion_window_in_days = 7
    }
    """)
    aws.applied()
    [record] = [json.loads(line) for line in
                (aws.root / "govctl.audit.jsonl").read_bytes().splitlines()]
    ident = record["identities"]["aws"]
    assert ident["account"] == ACCOUNT and ACCOUNT in ident["arn"]
    assert record["changes"][0]["address"] == "aws_kms_key.k"
