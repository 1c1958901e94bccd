"""`govctl drift` against a real AWS API (a moto server over HTTP): a public
access block flipped with boto3 is drift, a bucket created with boto3 is an
unmanaged object, and the coverage figure counts both."""

from __future__ import annotations

import json

from tests.providers.aws import conftest as aws_fixtures
from tests.providers.aws.conftest import AwsWorkspace

# the AWS workspace fixture of the provider tests (`moto` is everywhere: tests/conftest.py)
aws = aws_fixtures.aws

PAB = "aws_s3_bucket_public_access_block"
CONFIG = f"""
resource "aws_s3_bucket" "a" {{
  bucket = "ml-drift-a"
}}

resource "{PAB}" "a" {{
  bucket                  = aws_s3_bucket.a.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}
"""


def _drift(aws: AwsWorkspace, *flags: str) -> tuple[int, dict]:
    from govctl.cli import main

    code = main(["drift", "-json", *flags, str(aws.root)])
    out = aws.capsys.readouterr()
    assert code in (0, 2), out.err
    return code, json.loads(out.out)


def test_public_access_block_drift_and_unmanaged_bucket(aws: AwsWorkspace) -> None:
    aws.write(CONFIG)
    aws.applied()
    code, doc = _drift(aws)
    assert code == 0 and doc["drift"] == []
    assert doc["coverage"]["text"] == "2 of 2 objects managed, 100%"

    s3 = aws.moto.client("s3")
    s3.put_public_access_block(Bucket="ml-drift-a", PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": True})
    s3.create_bucket(Bucket="shadow-data",
                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})

    code, doc = _drift(aws)
    assert code == 2
    [item] = doc["drift"]
    assert (item["address"], item["kind"]) == (f"{PAB}.a", "modified")
    attrs = {a["name"]: (a["declared"], a["last_applied"], a["actual"])
             for a in item["attributes"]}
    assert attrs == {"block_public_acls": (True, True, False),
                     "block_public_policy": (True, True, False)}
    assert doc["unmanaged"] == [{"provider": "aws", "type": "aws_s3_bucket",
                                 "id": "shadow-data"}]
    by_type = {t["type"]: (t["managed"], t["unmanaged"]) for t in doc["coverage"]["types"]}
    assert by_type == {"aws_s3_bucket": (1, 1), PAB: (1, 0)}
    assert doc["coverage"]["text"] == "2 of 3 objects managed, 66.7%"

    # a waiver of the flipped flags until a future date makes the audit pass
    aws.write(CONFIG + f"""
waiver "pab" {{
  address    = "{PAB}.*"
  attributes = ["block_public_acls", "block_public_policy"]
  owner      = "data-platform@example.com"
  reason     = "RISK-3: public dataset mirror"
  expires    = "2999-01-01"
}}
""")
    code, doc = _drift(aws)
    assert code == 0 and doc["drift"][0]["status"] == "waived"
    code, _ = _drift(aws, "-fail-on-unmanaged")
    assert code == 2


def test_all_types_discovers_other_types(aws: AwsWorkspace) -> None:
    aws.write('resource "aws_s3_bucket" "a" {\n  bucket = "ml-drift-only"\n}\n')
    aws.applied()
    aws.moto.client("iam").create_role(RoleName="hand-made", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "ec2.amazonaws.com"}}]}))
    _, doc = _drift(aws)
    assert doc["unmanaged"] == []
    _, doc = _drift(aws, "-all-types")
    assert {"provider": "aws", "type": "aws_iam_role", "id": "hand-made"} in doc["unmanaged"]
    assert "aws_kms_key" in {t["type"] for t in doc["coverage"]["types"]}
