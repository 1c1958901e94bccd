"""aws_kms_alias against the moto server: naming, retargeting, drift, import."""

from __future__ import annotations

from typing import Any

import pytest

from tests.providers.aws.conftest import ACCOUNT, AwsWorkspace, Moto

KEYS = """
resource "aws_kms_key" "blue" {
  description = "blue"
}

resource "aws_kms_key" "green" {
  description = "green"
}
"""

ALIAS = KEYS + """
resource "aws_kms_alias" "a" {
  name          = "%s"
  target_key_id = aws_kms_key.%s.%s
}
"""


def aliases(moto: Moto) -> dict[str, str]:
    """Every alias but AWS's own, name -> target key id."""
    listed = moto.client("kms").list_aliases()["Aliases"]
    return {a["AliasName"]: a["TargetKeyId"] for a in listed
            if not a["AliasName"].startswith("alias/aws/")}


def test_create_then_no_changes(aws: AwsWorkspace) -> None:
    aws.write(ALIAS % ("alias/models", "blue", "key_id"))
    aws.applied()
    blue = aws.attrs("aws_kms_key.blue")
    attrs = aws.attrs("aws_kms_alias.a")
    assert attrs["id"] == attrs["name"] == "alias/models"
    assert attrs["arn"] == f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/models"
    assert attrs["target_key_arn"] == blue["arn"]
    assert aliases(aws.moto) == {"alias/models": blue["id"]}
    aws.no_changes()


def test_target_given_as_arn_shows_no_changes(aws: AwsWorkspace) -> None:
    aws.write(ALIAS % ("alias/by-arn", "blue", "arn"))
    aws.applied()
    assert aliases(aws.moto) == {"alias/by-arn": aws.attrs("aws_kms_key.blue")["id"]}
    aws.no_changes()


def test_retarget_in_place(aws: AwsWorkspace) -> None:
    aws.write(ALIAS % ("alias/models", "blue", "key_id"))
    aws.applied()
    aws.write(ALIAS % ("alias/models", "green", "key_id"))
    _code, out, _ = aws.plan()
    assert "# aws_kms_alias.a will be updated in-place" in out
    assert "0 to add, 1 to change, 0 to destroy" in out
    aws.applied()
    green = aws.attrs("aws_kms_key.green")
    assert aliases(aws.moto) == {"alias/models": green["id"]}
    assert aws.attrs("aws_kms_alias.a")["target_key_arn"] == green["arn"]
    aws.no_changes()


def test_rename_replaces(aws: AwsWorkspace) -> None:
    aws.write(ALIAS % ("alias/old", "blue", "key_id"))
    aws.applied()
    aws.write(ALIAS % ("alias/new", "blue", "key_id"))
    _code, out, _ = aws.plan()
    assert "# aws_kms_alias.a must be replaced" in out
    assert "forces replacement" in out
    aws.applied()
    assert set(aliases(aws.moto)) == {"alias/new"}
    aws.no_changes()


def test_retargeted_outside_is_drift(aws: AwsWorkspace) -> None:
    aws.write(ALIAS % ("alias/models", "blue", "key_id"))
    aws.applied()
    blue, green = aws.attrs("aws_kms_key.blue")["id"], aws.attrs("aws_kms_key.green")["id"]
    aws.moto.client("kms").update_alias(AliasName="alias/models", TargetKeyId=green)
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert "has changed" in out
    assert f'~ target_key_id = "{green}" -> "{blue}"' in out
    aws.applied()
    assert aliases(aws.moto) == {"alias/models": blue}
    aws.no_changes()


def test_deleted_outside_is_recreated(aws: AwsWorkspace) -> None:
    aws.write(ALIAS % ("alias/models", "blue", "key_id"))
    aws.applied()
    aws.moto.client("kms").delete_alias(AliasName="alias/models")
    _code, out, _ = aws.plan()
    assert "has been deleted" in out
    assert "1 to add" in out
    aws.applied()
    assert set(aliases(aws.moto)) == {"alias/models"}


def test_destroy_deletes_the_alias(aws: AwsWorkspace) -> None:
    aws.write(ALIAS % ("alias/models", "blue", "key_id"))
    aws.applied()
    code, out, err = aws.run("destroy", "-no-color", "-auto-approve", str(aws.root))
    assert code == 0, out + err
    assert aliases(aws.moto) == {}


def test_import(aws: AwsWorkspace) -> None:
    kms = aws.moto.client("kms")
    kid = kms.create_key(Description="existing")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/existing", TargetKeyId=kid)
    aws.write(f'resource "aws_kms_alias" "a" {{\n  name = "alias/existing"\n'
              f'  target_key_id = "{kid}"\n}}\n')
    code, out, err = aws.run("import", f"-config={aws.root}", "aws_kms_alias.a",
                             "alias/existing")
    assert code == 0, out + err
    attrs = aws.attrs("aws_kms_alias.a")
    assert attrs["target_key_id"] == kid
    assert attrs["arn"] == f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/existing"
    aws.no_changes()


def test_name_prefix_generates_a_name(aws: AwsWorkspace) -> None:
    aws.write(KEYS + 'resource "aws_kms_alias" "a" {\n  name_prefix = "alias/ml-"\n'
              "  target_key_id = aws_kms_key.blue.key_id\n}\n")
    aws.applied()
    name = aws.attrs("aws_kms_alias.a")["name"]
    assert name.startswith("alias/ml-") and len(name) > len("alias/ml-")
    assert set(aliases(aws.moto)) == {name}
    aws.no_changes()


@pytest.mark.parametrize(("setting", "attribute"), [
    ('name = "models"', "name"),
    ('name = "alias/aws/s3"', "name"),
    ('name = "alias/has space"', "name"),
    ('name_prefix = "ml-"', "name_prefix"),
    ('name = "alias/a"\n  name_prefix = "alias/b"', "name_prefix"),
])
def test_invalid_names_fail_the_plan(aws: AwsWorkspace, setting: str, attribute: str) -> None:
    aws.write(f'resource "aws_kms_alias" "a" {{\n  {setting}\n  target_key_id = "k"\n}}\n')
    code, out, err = aws.plan()
    assert code == 1
    assert "Invalid aws_kms_alias configuration" in out + err
    assert attribute in err


def test_discover_skips_aws_aliases(aws: AwsWorkspace, provider: Any) -> None:
    aws.write(ALIAS % ("alias/models", "blue", "key_id"))
    aws.applied()
    # moto, like AWS, lists the reserved alias/aws/... aliases too
    listed = aws.moto.client("kms").list_aliases()["Aliases"]
    assert any(a["AliasName"].startswith("alias/aws/") for a in listed)
    assert list(provider.discover("aws_kms_alias")) == ["alias/models"]


def test_find_by_name(aws: AwsWorkspace, provider: Any) -> None:
    kms = aws.moto.client("kms")
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/half-made", TargetKeyId=kid)
    found = provider.find("aws_kms_alias", {"name": "alias/half-made", "target_key_id": kid})
    assert found is not None and found["id"] == "alias/half-made"
    assert provider.find("aws_kms_alias", {"name": "alias/never", "target_key_id": kid}) is None
