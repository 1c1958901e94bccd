"""A governed bucket: the bucket and all four of its settings together."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.providers.aws.conftest import AwsWorkspace

KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
GOVERNED = f"""
resource "aws_s3_bucket" "data" {{
  bucket = "ml-governed"
  tags   = {{ classification = "restricted" }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {{
  bucket = aws_s3_bucket.data.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm     = "aws:kms"
      kms_master_key_id = "{KEY_ARN}"
    }}
    bucket_key_enabled = true
  }}
}}

resource "aws_s3_bucket_public_access_block" "data" {{
  bucket                  = aws_s3_bucket.data.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

resource "aws_s3_bucket_versioning" "data" {{
  bucket = aws_s3_bucket.data.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_s3_bucket_policy" "data" {{
  bucket = aws_s3_bucket.data.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Sid       = "TlsOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.data.arn, "${{aws_s3_bucket.data.arn}}/*"]
      Condition = {{ Bool = {{ "aws:SecureTransport" = "false" }} }}
    }}]
  }})
}}
"""


def test_governed_bucket_applies_then_plans_no_changes(aws: AwsWorkspace) -> None:
    aws.write(GOVERNED)
    assert "5 added, 0 changed, 0 destroyed" in aws.applied()
    s3 = aws.moto.client("s3")
    rule = s3.get_bucket_encryption(Bucket="ml-governed")[
        "ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms",
                                                         "KMSMasterKeyID": KEY_ARN}
    assert all(s3.get_public_access_block(Bucket="ml-governed")[
        "PublicAccessBlockConfiguration"].values())
    assert s3.get_bucket_versioning(Bucket="ml-governed")["Status"] == "Enabled"
    policy = json.loads(s3.get_bucket_policy(Bucket="ml-governed")["Policy"])
    assert policy["Statement"][0]["Sid"] == "TlsOnly"
    aws.no_changes()


def test_refresh_costs_one_call_per_object(aws: AwsWorkspace, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    aws.write(GOVERNED)
    aws.applied()
    log = tmp_path / "calls.log"
    monkeypatch.setenv("GOVCTL_AWS_CALL_LOG", str(log))
    aws.no_changes()
    calls = Counter(log.read_text().split())
    assert {c: n for c, n in calls.items() if c.startswith("s3:")} == {
        "s3:GetBucketTagging": 1, "s3:GetBucketEncryption": 1, "s3:GetPublicAccessBlock": 1,
        "s3:GetBucketVersioning": 1, "s3:GetBucketPolicy": 1}


def test_destroy_everything(aws: AwsWorkspace) -> None:
    aws.write(GOVERNED)
    aws.applied()
    code, out, err = aws.run("destroy", "-no-color", "-auto-approve", str(aws.root))
    assert code == 0, out + err
    assert "5 destroyed" in out
    assert aws.moto.client("s3").list_buckets()["Buckets"] == []
