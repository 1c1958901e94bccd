"""Discovery for unmanaged-object reports skips re-reading what is managed:
a refresh has just read those objects."""

from __future__ import annotations

from govctl_aws.provider import AwsProvider
from tests.providers.aws.conftest import REGION, Moto

ENC = "aws_s3_bucket_server_side_encryption_configuration"


def test_known_buckets_are_not_read_again(moto: Moto, provider: AwsProvider) -> None:
    s3 = moto.client("s3")
    for name in ("managed-a", "managed-b", "stray"):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                    "KMSMasterKeyID": "alias/ml"}}]})
    provider.aws.calls.clear()
    found = set(provider.discover(ENC, {"managed-a", "managed-b"}))
    assert found == {"managed-a", "managed-b", "stray"}
    assert provider.aws.calls == {"s3:ListBuckets": 1, "s3:GetBucketEncryption": 1}
    provider.aws.calls.clear()
    assert set(provider.discover(ENC)) == found
    assert provider.aws.calls["s3:GetBucketEncryption"] == 3


def test_known_keys_are_not_described_again(moto: Moto, provider: AwsProvider) -> None:
    kms = moto.client("kms")
    ids = [kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(3)]
    provider.aws.calls.clear()
    assert set(provider.discover("aws_kms_key", set(ids[:2]))) == set(ids)
    assert provider.aws.calls["kms:DescribeKey"] == 1
