"""aws_s3_bucket_server_side_encryption_configuration against the moto server.

moto, like buckets made before 2023, answers ServerSideEncryptionConfigurationNotFoundError
for a bucket nobody configured; AWS today answers SSE-S3 (AES256). Both are covered: not
found is "gone", an AES256 answer is drift from an SSE-KMS configuration."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.providers.aws.conftest import AwsWorkspace

TYPE = "aws_s3_bucket_server_side_encryption_configuration"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BUCKETS = """
resource "aws_s3_bucket" "a" {
  bucket = "ml-sse-a"
}

resource "aws_s3_bucket" "b" {
  bucket = "ml-sse-b"
}
"""


def config(bucket: str = "a", algorithm: str = "aws:kms", key: str | None = KEY_ARN,
           bucket_key: bool = True) -> str:
    key_line = f'\n      kms_master_key_id = "{key}"' if key else ""
    return BUCKETS + f"""
resource "{TYPE}" "e" {{
  bucket = aws_s3_bucket.{bucket}.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "{algorithm}"{key_line}
    }}
    bucket_key_enabled = {str(bucket_key).lower()}
  }}
}}
"""


def live(aws: AwsWorkspace, bucket: str = "ml-sse-a") -> list[dict[str, Any]]:
    answer = aws.moto.client("s3").get_bucket_encryption(Bucket=bucket)
    return answer["ServerSideEncryptionConfiguration"]["Rules"]


KMS_RULES = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                     "KMSMasterKeyID": KEY_ARN},
              "BucketKeyEnabled": True}]
AES_RULES = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
              "BucketKeyEnabled": False}]


def no_configuration(aws: AwsWorkspace, bucket: str) -> bool:
    try:
        aws.moto.client("s3").get_bucket_encryption(Bucket=bucket)
    except ClientError as exc:
        return exc.response["Error"]["Code"] == "ServerSideEncryptionConfigurationNotFoundError"
    return False


def test_create_then_no_changes(aws: AwsWorkspace) -> None:
    aws.write(config())
    assert "3 added" in aws.applied()
    assert live(aws) == KMS_RULES
    attrs = aws.attrs(f"{TYPE}.e")
    assert attrs["id"] == "ml-sse-a"
    assert attrs["rule"] == [{"apply_server_side_encryption_by_default": {
        "sse_algorithm": "aws:kms", "kms_master_key_id": KEY_ARN}, "bucket_key_enabled": True}]
    aws.no_changes()


def test_update_in_place(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.write(config(algorithm="AES256", key=None, bucket_key=False))
    _code, out, _ = aws.plan()
    assert f"# {TYPE}.e will be updated in-place" in out
    assert "0 to add, 1 to change, 0 to destroy" in out
    aws.applied()
    assert live(aws) == AES_RULES
    aws.no_changes()


def test_switched_to_aes256_outside_is_drift_and_apply_restores_kms(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.moto.client("s3").put_bucket_encryption(
        Bucket="ml-sse-a", ServerSideEncryptionConfiguration={"Rules": AES_RULES})
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert f"# {TYPE}.e has changed" in out
    assert '~ "sse_algorithm" = "aws:kms" -> "AES256"' in out
    assert "0 to add, 1 to change, 0 to destroy" in out
    aws.applied()
    assert live(aws) == KMS_RULES
    aws.no_changes()


def test_deleted_outside_is_recreated(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.moto.client("s3").delete_bucket_encryption(Bucket="ml-sse-a")
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert f"# {TYPE}.e has been deleted" in out
    assert "1 to add, 0 to change, 0 to destroy" in out
    aws.applied()
    assert live(aws) == KMS_RULES


def test_bucket_change_replaces(aws: AwsWorkspace) -> None:
    aws.write(config("a"))
    aws.applied()
    aws.write(config("b"))
    _code, out, _ = aws.plan()
    assert f"# {TYPE}.e must be replaced" in out
    assert '~ bucket = "ml-sse-a" -> "ml-sse-b" # forces replacement' in out
    aws.applied()
    assert live(aws, "ml-sse-b") == KMS_RULES
    assert no_configuration(aws, "ml-sse-a")
    assert aws.attrs(f"{TYPE}.e")["id"] == "ml-sse-b"


def test_destroy_deletes_the_configuration(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.write(BUCKETS)
    assert "1 destroyed" in aws.applied()
    assert no_configuration(aws, "ml-sse-a")


def test_import(aws: AwsWorkspace) -> None:
    s3 = aws.moto.client("s3")
    for name in ("ml-sse-a", "ml-sse-b"):
        s3.create_bucket(Bucket=name,
                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_encryption(Bucket="ml-sse-a",
                             ServerSideEncryptionConfiguration={"Rules": KMS_RULES})
    aws.write(config())
    for addr, id_ in (("aws_s3_bucket.a", "ml-sse-a"), ("aws_s3_bucket.b", "ml-sse-b"),
                      (f"{TYPE}.e", "ml-sse-a")):
        code, out, err = aws.run("import", f"-config={aws.root}", addr, id_)
        assert code == 0, out + err
    assert aws.attrs(f"{TYPE}.e")["rule"][0]["bucket_key_enabled"] is True
    aws.no_changes()


def test_bucket_gone_means_configuration_gone(aws: AwsWorkspace, provider: Any) -> None:
    aws.write(config())
    aws.applied()
    attrs = aws.attrs(f"{TYPE}.e")
    aws.moto.client("s3").delete_bucket(Bucket="ml-sse-a")
    assert provider.read(TYPE, attrs) is None
    provider.apply(TYPE, attrs, None)          # destroying it then is no error


def test_discover_skips_the_aws_default(moto: Any, provider: Any) -> None:
    s3 = moto.client("s3")
    for name, rules in (("ml-kms", KMS_RULES), ("ml-default", AES_RULES), ("ml-none", None)):
        s3.create_bucket(Bucket=name,
                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        if rules:
            s3.put_bucket_encryption(Bucket=name,
                                     ServerSideEncryptionConfiguration={"Rules": rules})
    assert list(provider.discover(TYPE)) == ["ml-kms"]
    assert provider.find(TYPE, {"bucket": "ml-kms"})["rule"][0][
        "apply_server_side_encryption_by_default"]["kms_master_key_id"] == KEY_ARN
    assert provider.find(TYPE, {"bucket": "ml-none"}) is None


@pytest.mark.parametrize("algorithm,key,message", [
    ("aws:kmz", None, "sse_algorithm must be one of AES256, aws:kms, aws:kms:dsse"),
    ("AES256", KEY_ARN, "kms_master_key_id is only allowed with sse_algorithm aws:kms"),
])
def test_invalid_configuration_stops_the_plan(aws: AwsWorkspace, algorithm: str,
                                              key: str | None, message: str) -> None:
    aws.write(config(algorithm=algorithm, key=key))
    code, out, err = aws.plan()
    assert code == 1
    assert message in out + err
