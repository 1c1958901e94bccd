"""aws_s3_bucket against the moto server: the whole life of one bucket."""

from __future__ import annotations

import pytest

from tests.providers.aws.conftest import AwsWorkspace

BUCKET = """
resource "aws_s3_bucket" "a" {
  bucket = "%s"
  tags   = %s
}
"""


def test_create_then_no_changes(aws: AwsWorkspace) -> None:
    aws.write(BUCKET % ("ml-artifacts", '{ team = "vision" }'))
    out = aws.applied()
    assert "1 added, 0 changed, 0 destroyed" in out
    s3 = aws.moto.client("s3")
    assert s3.get_bucket_tagging(Bucket="ml-artifacts")["TagSet"] == [
        {"Key": "team", "Value": "vision"}]
    attrs = aws.attrs("aws_s3_bucket.a")
    assert attrs["arn"] == "arn:aws:s3:::ml-artifacts"
    assert attrs["region"] == "eu-west-1"
    aws.no_changes()


def test_tags_update_in_place_and_drift(aws: AwsWorkspace) -> None:
    aws.write(BUCKET % ("ml-a", '{ team = "vision" }'))
    aws.applied()
    aws.moto.client("s3").put_bucket_tagging(
        Bucket="ml-a", Tagging={"TagSet": [{"Key": "team", "Value": "hacked"}]})
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert "changed outside govctl" in out or "has changed" in out
    assert '      ~ tags = {\n          ~ "team" = "hacked" -> "vision"\n        }\n' in out
    aws.applied()
    assert aws.moto.client("s3").get_bucket_tagging(Bucket="ml-a")["TagSet"] == [
        {"Key": "team", "Value": "vision"}]
    aws.write(BUCKET % ("ml-a", "null"))
    assert "1 changed" in aws.applied()
    aws.no_changes()


def test_rename_replaces(aws: AwsWorkspace) -> None:
    aws.write(BUCKET % ("ml-old", "{}"))
    aws.applied()
    aws.write(BUCKET % ("ml-new", "{}"))
    _code, out, _ = aws.plan()
    assert "# aws_s3_bucket.a must be replaced" in out
    assert "forces replacement" in out
    aws.applied()
    names = {b["Name"] for b in aws.moto.client("s3").list_buckets()["Buckets"]}
    assert names == {"ml-new"}


def test_destroy_of_non_empty_bucket_explains(aws: AwsWorkspace) -> None:
    aws.write(BUCKET % ("ml-full", "{}"))
    aws.applied()
    aws.moto.client("s3").put_object(Bucket="ml-full", Key="model.bin", Body=b"x")
    code, _out, err = aws.run("destroy", "-no-color", "-auto-approve", str(aws.root))
    assert code == 1
    assert "force_destroy" in err
    assert aws.attrs("aws_s3_bucket.a")["id"] == "ml-full"     # still managed


@pytest.mark.parametrize("force", [True])
def test_force_destroy_empties_versions(aws: AwsWorkspace, force: bool) -> None:
    aws.write('resource "aws_s3_bucket" "a" {\n  bucket = "ml-v"\n  force_destroy = true\n}\n')
    aws.applied()
    s3 = aws.moto.client("s3")
    s3.put_bucket_versioning(Bucket="ml-v", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="ml-v", Key="k", Body=b"1")
    s3.put_object(Bucket="ml-v", Key="k", Body=b"2")
    code, out, err = aws.run("destroy", "-no-color", "-auto-approve", str(aws.root))
    assert code == 0, out + err
    assert s3.list_buckets()["Buckets"] == []


def test_deleted_outside_is_recreated(aws: AwsWorkspace) -> None:
    aws.write(BUCKET % ("ml-gone", "{}"))
    aws.applied()
    aws.moto.client("s3").delete_bucket(Bucket="ml-gone")
    _code, out, _ = aws.plan()
    assert "has been deleted" in out
    assert "1 to add" in out


def test_import(aws: AwsWorkspace) -> None:
    s3 = aws.moto.client("s3")
    s3.create_bucket(Bucket="ml-existing",
                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_tagging(Bucket="ml-existing",
                          Tagging={"TagSet": [{"Key": "team", "Value": "nlp"}]})
    aws.write(BUCKET % ("ml-existing", '{ team = "nlp" }'))
    code, out, err = aws.run("import", f"-config={aws.root}", "aws_s3_bucket.a",
                             "ml-existing")
    assert code == 0, out + err
    assert aws.attrs("aws_s3_bucket.a")["tags"] == {"team": "nlp"}
    aws.no_changes()


def test_default_tags(aws: AwsWorkspace) -> None:
    aws.write(BUCKET % ("ml-dt", '{ team = "vision" }'),
              provider_extra='  default_tags {\n    tags = { managed_by = "govctl" }\n  }\n')
    aws.applied()
    tags = aws.moto.client("s3").get_bucket_tagging(Bucket="ml-dt")["TagSet"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "vision", "managed_by": "govctl"}
    attrs = aws.attrs("aws_s3_bucket.a")
    assert attrs["tags"] == {"team": "vision"}
    assert attrs["tags_all"] == {"team": "vision", "managed_by": "govctl"}
    aws.no_changes()
