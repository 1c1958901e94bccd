"""aws_s3_bucket_policy against the moto server: a document compared by meaning."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from tests.providers.aws.conftest import AwsWorkspace

TYPE = "aws_s3_bucket_policy"
BUCKET_A = """
resource "aws_s3_bucket" "a" {
  bucket = "ml-pol-a"
}
"""
BUCKETS = BUCKET_A + """
resource "aws_s3_bucket" "b" {
  bucket = "ml-pol-b"
}
"""


def document(bucket: str, sid: str = "TlsOnly") -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": sid, "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}


def config(bucket: str = "a", sid: str = "TlsOnly", buckets: str = BUCKETS) -> str:
    return buckets + f"""
resource "{TYPE}" "p" {{
  bucket = aws_s3_bucket.{bucket}.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Sid       = "{sid}"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.{bucket}.arn, "${{aws_s3_bucket.{bucket}.arn}}/*"]
      Condition = {{ Bool = {{ "aws:SecureTransport" = "false" }} }}
    }}]
  }})
}}
"""


def live(aws: AwsWorkspace, bucket: str = "ml-pol-a") -> dict[str, Any] | None:
    try:
        return json.loads(aws.moto.client("s3").get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "NoSuchBucketPolicy"
        return None


def test_create_then_no_changes(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    assert live(aws) == document("ml-pol-a")
    assert aws.attrs(f"{TYPE}.p")["id"] == "ml-pol-a"
    aws.no_changes()


def test_reformatted_outside_is_no_change(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    recorded = aws.attrs(f"{TYPE}.p")["policy"]
    same = document("ml-pol-a")
    statement = same["Statement"][0]
    statement["Action"] = ["s3:*"]                       # a one-element list: the same
    statement["Resource"].reverse()                      # a set: order is no meaning
    reordered = {"Statement": [dict(reversed(statement.items()))], "Version": "2012-10-17"}
    text = json.dumps(reordered, indent=4)
    aws.moto.client("s3").put_bucket_policy(Bucket="ml-pol-a", Policy=text)
    aws.no_changes()
    assert aws.attrs(f"{TYPE}.p")["policy"] == recorded


def test_different_policy_outside_is_drift_and_apply_restores(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    opened = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::ml-pol-a/*"}]}
    aws.moto.client("s3").put_bucket_policy(Bucket="ml-pol-a", Policy=json.dumps(opened))
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert f"# {TYPE}.p has changed" in out
    assert f"# {TYPE}.p will be updated in-place" in out
    aws.applied()
    assert live(aws) == document("ml-pol-a")
    aws.no_changes()


def test_update_in_place(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.write(config(sid="DenyInsecureTransport"))
    _code, out, _ = aws.plan()
    assert f"# {TYPE}.p will be updated in-place" in out
    aws.applied()
    assert live(aws) == document("ml-pol-a", "DenyInsecureTransport")
    aws.no_changes()


def test_deleted_outside_is_recreated(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.moto.client("s3").delete_bucket_policy(Bucket="ml-pol-a")
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert f"# {TYPE}.p has been deleted" in out
    aws.applied()
    assert live(aws) == document("ml-pol-a")


def test_bucket_change_replaces(aws: AwsWorkspace) -> None:
    aws.write(config("a"))
    aws.applied()
    aws.write(config("b"))
    _code, out, _ = aws.plan()
    assert f"# {TYPE}.p must be replaced" in out
    assert '~ bucket = "ml-pol-a" -> "ml-pol-b" # forces replacement' in out
    aws.applied()
    assert live(aws, "ml-pol-b") == document("ml-pol-b")
    assert live(aws, "ml-pol-a") is None


def test_destroy_deletes_the_policy(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.write(BUCKETS)
    assert "1 destroyed" in aws.applied()
    assert live(aws) is None


def test_import(aws: AwsWorkspace) -> None:
    s3 = aws.moto.client("s3")
    s3.create_bucket(Bucket="ml-pol-a",
                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_policy(Bucket="ml-pol-a", Policy=json.dumps(document("ml-pol-a"), indent=2))
    aws.write(config(buckets=BUCKET_A))
    for addr in ("aws_s3_bucket.a", f"{TYPE}.p"):
        code, out, err = aws.run("import", f"-config={aws.root}", addr, "ml-pol-a")
        assert code == 0, out + err
    assert json.loads(aws.attrs(f"{TYPE}.p")["policy"]) == document("ml-pol-a")
    aws.no_changes()                                  # AWS's indented text means the same


def test_bucket_gone_and_discovery(aws: AwsWorkspace, provider: Any) -> None:
    aws.write(config())
    aws.applied()
    assert list(provider.discover(TYPE)) == ["ml-pol-a"]
    attrs = aws.attrs(f"{TYPE}.p")
    assert provider.find(TYPE, {"bucket": "ml-pol-a"}) == attrs
    aws.moto.client("s3").delete_bucket(Bucket="ml-pol-a")
    assert provider.read(TYPE, attrs) is None


def test_policy_that_is_not_json_stops_the_plan(aws: AwsWorkspace) -> None:
    aws.write(BUCKETS + f'resource "{TYPE}" "p" {{\n  bucket = aws_s3_bucket.a.id\n'
              '  policy = "allow everything"\n}\n')
    code, out, err = aws.plan()
    assert code == 1
    assert "policy must be a JSON policy document" in out + err
