"""aws_s3_bucket_versioning against the moto server.

moto 5.2.5 never returns MFADelete from GetBucketVersioning (AWS returns it once
set); the read treats its absence as "Disabled", which is what it means on AWS."""

from __future__ import annotations

from typing import Any

from tests.providers.aws.conftest import ACCOUNT, AwsWorkspace

TYPE = "aws_s3_bucket_versioning"
BUCKET_A = """
resource "aws_s3_bucket" "a" {
  bucket = "ml-ver-a"
}
"""
BUCKETS = BUCKET_A + """
resource "aws_s3_bucket" "b" {
  bucket = "ml-ver-b"
}
"""


def config(status: str = "Enabled", bucket: str = "a", extra: str = "",
           buckets: str = BUCKETS) -> str:
    return buckets + f"""
resource "{TYPE}" "v" {{
  bucket = aws_s3_bucket.{bucket}.id
  versioning_configuration {{
    status = "{status}"{extra}
  }}
}}
"""


def status(aws: AwsWorkspace, bucket: str = "ml-ver-a") -> str | None:
    return aws.moto.client("s3").get_bucket_versioning(Bucket=bucket).get("Status")


def test_create_then_no_changes(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    assert status(aws) == "Enabled"
    attrs = aws.attrs(f"{TYPE}.v")
    assert attrs["id"] == "ml-ver-a"
    assert attrs["versioning_configuration"] == {"status": "Enabled", "mfa_delete": None}
    aws.no_changes()


def test_mfa_delete_disabled_is_stable(aws: AwsWorkspace) -> None:
    aws.write(config(extra='\n    mfa_delete = "Disabled"'))
    aws.applied()
    assert aws.attrs(f"{TYPE}.v")["versioning_configuration"]["mfa_delete"] == "Disabled"
    aws.no_changes()


def test_suspend_in_place(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.write(config("Suspended"))
    _code, out, _ = aws.plan()
    assert f"# {TYPE}.v will be updated in-place" in out
    assert "0 to add, 1 to change, 0 to destroy" in out
    aws.applied()
    assert status(aws) == "Suspended"
    aws.no_changes()


def test_suspended_outside_is_drift_and_apply_restores(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.moto.client("s3").put_bucket_versioning(
        Bucket="ml-ver-a", VersioningConfiguration={"Status": "Suspended"})
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert f"# {TYPE}.v has changed" in out
    assert '~ "status" = "Enabled" -> "Suspended"' in out
    aws.applied()
    assert status(aws) == "Enabled"
    aws.no_changes()


def test_disabled_on_an_unversioned_bucket_then_enabled(aws: AwsWorkspace) -> None:
    aws.write(config("Disabled"))
    aws.applied()
    assert status(aws) is None                  # nothing was written
    aws.no_changes()
    aws.write(config("Enabled"))
    assert "1 changed" in aws.applied()
    assert status(aws) == "Enabled"


def test_back_to_disabled_stops_the_plan(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.write(config("Disabled"))
    code, out, err = aws.plan()
    assert code == 1
    assert 'set versioning_configuration.status to "Suspended"' in out + err
    assert status(aws) == "Enabled"


def test_disabled_on_a_versioned_bucket_fails_the_create(aws: AwsWorkspace) -> None:
    aws.write(BUCKET_A)
    aws.applied()
    aws.moto.client("s3").put_bucket_versioning(
        Bucket="ml-ver-a", VersioningConfiguration={"Status": "Enabled"})
    aws.write(config("Disabled", buckets=BUCKET_A))
    code, out, err = aws.apply()
    assert code == 1
    assert "cannot make it unversioned again" in out + err
    assert status(aws) == "Enabled"


def test_destroy_suspends(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.write(BUCKETS)
    assert "1 destroyed" in aws.applied()
    assert status(aws) == "Suspended"


def test_destroy_of_disabled_writes_nothing(aws: AwsWorkspace) -> None:
    aws.write(config("Disabled"))
    aws.applied()
    aws.write(BUCKETS)
    assert "1 destroyed" in aws.applied()
    assert status(aws) is None


def test_bucket_change_replaces(aws: AwsWorkspace) -> None:
    aws.write(config(bucket="a"))
    aws.applied()
    aws.write(config(bucket="b"))
    _code, out, _ = aws.plan()
    assert f"# {TYPE}.v must be replaced" in out
    assert '~ bucket = "ml-ver-a" -> "ml-ver-b" # forces replacement' in out
    aws.applied()
    assert status(aws, "ml-ver-b") == "Enabled"
    assert status(aws, "ml-ver-a") == "Suspended"       # the old one's destroy


def test_import(aws: AwsWorkspace) -> None:
    s3 = aws.moto.client("s3")
    s3.create_bucket(Bucket="ml-ver-a",
                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket="ml-ver-a", VersioningConfiguration={"Status": "Suspended"})
    aws.write(config("Suspended", buckets=BUCKET_A))
    for addr in ("aws_s3_bucket.a", f"{TYPE}.v"):
        code, out, err = aws.run("import", f"-config={aws.root}", addr, "ml-ver-a")
        assert code == 0, out + err
    assert aws.attrs(f"{TYPE}.v")["versioning_configuration"]["status"] == "Suspended"
    aws.no_changes()


def test_import_with_expected_owner(moto: Any, provider: Any) -> None:
    s3 = moto.client("s3")
    s3.create_bucket(Bucket="ml-ver-o",
                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    imported = provider.import_(TYPE, f"ml-ver-o,{ACCOUNT}")
    assert imported["id"] == "ml-ver-o"
    assert imported["expected_bucket_owner"] == ACCOUNT
    assert imported["versioning_configuration"]["status"] == "Disabled"


def test_bucket_gone_and_discovery(aws: AwsWorkspace, provider: Any) -> None:
    aws.write(config())
    aws.applied()
    assert list(provider.discover(TYPE)) == ["ml-ver-a"]     # ml-ver-b was never versioned
    attrs = aws.attrs(f"{TYPE}.v")
    assert provider.find(TYPE, {"bucket": "ml-ver-a"}) == attrs
    aws.moto.client("s3").delete_bucket(Bucket="ml-ver-a")
    assert provider.read(TYPE, attrs) is None
    provider.apply(TYPE, attrs, None)          # destroying it then is no error


def test_invalid_status_stops_the_plan(aws: AwsWorkspace) -> None:
    aws.write(config("On"))
    code, out, err = aws.plan()
    assert code == 1
    assert 'versioning_configuration.status must be one of Enabled, Suspended, Disabled, ' \
        'not "On"' in out + err
