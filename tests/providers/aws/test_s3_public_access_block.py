"""aws_s3_bucket_public_access_block against the moto server."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from tests.providers.aws.conftest import AwsWorkspace

TYPE = "aws_s3_bucket_public_access_block"
BUCKET_A = """
resource "aws_s3_bucket" "a" {
  bucket = "ml-pab-a"
}
"""
BUCKETS = BUCKET_A + """
resource "aws_s3_bucket" "b" {
  bucket = "ml-pab-b"
}
"""
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
          "RestrictPublicBuckets": True}


def config(bucket: str = "a", restrict: bool = True, buckets: str = BUCKETS) -> str:
    return buckets + f"""
resource "{TYPE}" "p" {{
  bucket                  = aws_s3_bucket.{bucket}.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = {str(restrict).lower()}
}}
"""


def live(aws: AwsWorkspace, bucket: str = "ml-pab-a") -> dict[str, bool] | None:
    try:
        answer = aws.moto.client("s3").get_public_access_block(Bucket=bucket)
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "NoSuchPublicAccessBlockConfiguration"
        return None
    return answer["PublicAccessBlockConfiguration"]


def test_create_then_no_changes(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    assert live(aws) == ALL_ON
    attrs = aws.attrs(f"{TYPE}.p")
    assert attrs["id"] == "ml-pab-a"
    assert attrs["restrict_public_buckets"] is True
    aws.no_changes()


def test_unset_flags_default_to_false(aws: AwsWorkspace) -> None:
    aws.write(BUCKETS + f'resource "{TYPE}" "p" {{\n  bucket = aws_s3_bucket.a.id\n'
              "  block_public_acls = true\n}\n")
    aws.applied()
    assert live(aws) == {"BlockPublicAcls": True, "IgnorePublicAcls": False,
                         "BlockPublicPolicy": False, "RestrictPublicBuckets": False}
    aws.no_changes()


def test_update_in_place(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.write(config(restrict=False))
    _code, out, _ = aws.plan()
    assert f"# {TYPE}.p will be updated in-place" in out
    assert "~ restrict_public_buckets = true -> false" in out
    aws.applied()
    assert live(aws) == {**ALL_ON, "RestrictPublicBuckets": False}
    aws.no_changes()


def test_flag_flipped_outside_is_drift_and_apply_restores(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.moto.client("s3").put_public_access_block(
        Bucket="ml-pab-a",
        PublicAccessBlockConfiguration={**ALL_ON, "BlockPublicPolicy": False})
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert f"# {TYPE}.p has changed" in out
    assert "~ block_public_policy = false -> true" in out
    aws.applied()
    assert live(aws) == ALL_ON
    aws.no_changes()


def test_deleted_outside_is_recreated(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.moto.client("s3").delete_public_access_block(Bucket="ml-pab-a")
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert f"# {TYPE}.p has been deleted" in out
    aws.applied()
    assert live(aws) == ALL_ON


def test_bucket_change_replaces(aws: AwsWorkspace) -> None:
    aws.write(config("a"))
    aws.applied()
    aws.write(config("b"))
    _code, out, _ = aws.plan()
    assert f"# {TYPE}.p must be replaced" in out
    assert '~ bucket = "ml-pab-a" -> "ml-pab-b" # forces replacement' in out
    aws.applied()
    assert live(aws, "ml-pab-b") == ALL_ON
    assert live(aws, "ml-pab-a") is None


def test_destroy_deletes_the_block(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.write(BUCKETS)
    assert "1 destroyed" in aws.applied()
    assert live(aws) is None


def test_import(aws: AwsWorkspace) -> None:
    s3 = aws.moto.client("s3")
    s3.create_bucket(Bucket="ml-pab-a",
                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_public_access_block(Bucket="ml-pab-a", PublicAccessBlockConfiguration=ALL_ON)
    aws.write(config(buckets=BUCKET_A))
    for addr in ("aws_s3_bucket.a", f"{TYPE}.p"):
        code, out, err = aws.run("import", f"-config={aws.root}", addr, "ml-pab-a")
        assert code == 0, out + err
    assert aws.attrs(f"{TYPE}.p")["block_public_policy"] is True
    aws.no_changes()


def test_bucket_gone_and_discovery(aws: AwsWorkspace, provider: Any) -> None:
    aws.write(config())
    aws.applied()
    assert list(provider.discover(TYPE)) == ["ml-pab-a"]      # ml-pab-b has none
    attrs = aws.attrs(f"{TYPE}.p")
    assert provider.find(TYPE, {"bucket": "ml-pab-a"}) == attrs
    aws.moto.client("s3").delete_bucket(Bucket="ml-pab-a")
    assert provider.read(TYPE, attrs) is None
    assert list(provider.discover(TYPE)) == []
