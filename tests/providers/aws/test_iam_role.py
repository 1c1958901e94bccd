"""aws_iam_role against the moto server: the whole life of one role."""

from __future__ import annotations

import json

from govctl_aws.provider import AwsProvider
from tests.providers.aws.conftest import AwsWorkspace

TRUST = """jsonencode({
    Version   = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "%s" }
    }]
  })"""

ROLE = """
resource "aws_iam_role" "a" {
  name                 = "%s"
  assume_role_policy   = %s
  description          = %s
  max_session_duration = %s
  tags                 = %s
}
"""


def role(name: str = "trainer", service: str = "sagemaker.amazonaws.com",
         description: str = '"training jobs"', seconds: int = 3600,
         tags: str = '{ team = "vision" }', extra: str = "") -> str:
    text = ROLE % (name, TRUST % service, description, seconds, tags)
    return text.replace("\n}\n", f"\n{extra}}}\n", 1) if extra else text


def principal(doc: dict) -> str:
    return doc["Statement"][0]["Principal"]["Service"]


def test_create_then_no_changes(aws: AwsWorkspace) -> None:
    aws.write(role())
    assert "1 added, 0 changed, 0 destroyed" in aws.applied()
    got = aws.moto.client("iam").get_role(RoleName="trainer")["Role"]
    assert got["Description"] == "training jobs"
    assert got["MaxSessionDuration"] == 3600
    assert got["Path"] == "/"
    assert got["Tags"] == [{"Key": "team", "Value": "vision"}]
    assert principal(got["AssumeRolePolicyDocument"]) == "sagemaker.amazonaws.com"
    attrs = aws.attrs("aws_iam_role.a")
    assert attrs["id"] == "trainer"
    assert attrs["arn"] == "arn:aws:iam::123456789012:role/trainer"
    assert attrs["unique_id"] == got["RoleId"]
    assert attrs["create_date"].endswith("Z")
    aws.no_changes()


def test_update_in_place(aws: AwsWorkspace) -> None:
    aws.write(role())
    aws.applied()
    unique_id = aws.attrs("aws_iam_role.a")["unique_id"]
    aws.write(role(service="ec2.amazonaws.com", description='"batch"', seconds=7200,
                   tags='{ team = "nlp" }'))
    _code, out, _ = aws.plan()
    assert "will be updated in-place" in out
    assert "0 to add, 1 to change, 0 to destroy" in out
    assert "1 changed" in aws.applied()
    got = aws.moto.client("iam").get_role(RoleName="trainer")["Role"]
    assert got["Description"] == "batch"
    assert got["MaxSessionDuration"] == 7200
    assert got["Tags"] == [{"Key": "team", "Value": "nlp"}]
    assert principal(got["AssumeRolePolicyDocument"]) == "ec2.amazonaws.com"
    assert aws.attrs("aws_iam_role.a")["unique_id"] == unique_id     # the same role
    aws.no_changes()
    aws.write(role(description="null", tags="null"))
    aws.applied()
    got = aws.moto.client("iam").get_role(RoleName="trainer")["Role"]
    assert not got.get("Description")
    assert not got.get("Tags")
    aws.no_changes()


def test_permissions_boundary(aws: AwsWorkspace) -> None:
    boundary = """
resource "aws_iam_policy" "b" {
  name   = "boundary"
  policy = jsonencode({ Version = "2012-10-17",
    Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })
}
"""
    aws.write(boundary + role(extra="  permissions_boundary = aws_iam_policy.b.arn\n"))
    aws.applied()
    got = aws.moto.client("iam").get_role(RoleName="trainer")["Role"]
    assert got["PermissionsBoundary"]["PermissionsBoundaryArn"] == \
        "arn:aws:iam::123456789012:policy/boundary"
    aws.no_changes()
    aws.write(boundary + role())
    assert "1 changed" in aws.applied()
    assert "PermissionsBoundary" not in aws.moto.client("iam").get_role(
        RoleName="trainer")["Role"]
    aws.no_changes()


def test_rename_and_path_replace(aws: AwsWorkspace) -> None:
    aws.write(role(name="old-role"))
    aws.applied()
    aws.write(role(name="new-role"))
    _code, out, _ = aws.plan()
    assert "# aws_iam_role.a must be replaced" in out
    assert "forces replacement" in out
    aws.applied()
    iam = aws.moto.client("iam")
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["new-role"]
    aws.write(role(name="new-role", extra='  path = "/ml/"\n'))
    _code, out, _ = aws.plan()
    assert "must be replaced" in out
    aws.applied()
    assert iam.get_role(RoleName="new-role")["Role"]["Path"] == "/ml/"


def test_drift_is_shown_and_restored(aws: AwsWorkspace) -> None:
    aws.write(role())
    aws.applied()
    iam = aws.moto.client("iam")
    iam.update_role(RoleName="trainer", Description="hacked", MaxSessionDuration=7200)
    iam.update_assume_role_policy(RoleName="trainer", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                               "Principal": {"AWS": "*"}}]}))
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert "changed outside of govctl" in out
    assert '~ description = "hacked" -> "training jobs"' in out
    assert "~ max_session_duration = 7200 -> 3600" in out
    assert "~ assume_role_policy" in out
    aws.applied()
    got = iam.get_role(RoleName="trainer")["Role"]
    assert got["Description"] == "training jobs"
    assert got["MaxSessionDuration"] == 3600
    assert principal(got["AssumeRolePolicyDocument"]) == "sagemaker.amazonaws.com"
    aws.no_changes()


def test_deleted_outside_is_recreated(aws: AwsWorkspace) -> None:
    aws.write(role())
    aws.applied()
    aws.moto.client("iam").delete_role(RoleName="trainer")
    _code, out, _ = aws.plan()
    assert "has been deleted" in out
    assert "1 to add" in out
    aws.applied()
    assert aws.moto.client("iam").get_role(RoleName="trainer")["Role"]["RoleName"] == "trainer"


def test_import(aws: AwsWorkspace) -> None:
    iam = aws.moto.client("iam")
    iam.create_role(RoleName="existing", Description="old one", MaxSessionDuration=7200,
                    AssumeRolePolicyDocument=json.dumps({
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                       "Principal": {"Service": "ec2.amazonaws.com"}}]}),
                    Tags=[{"Key": "team", "Value": "nlp"}])
    aws.write(role(name="existing", service="ec2.amazonaws.com", description='"old one"',
                   seconds=7200, tags='{ team = "nlp" }'))
    code, out, err = aws.run("import", f"-config={aws.root}", "aws_iam_role.a", "existing")
    assert code == 0, out + err
    attrs = aws.attrs("aws_iam_role.a")
    assert attrs["tags"] == {"team": "nlp"}
    assert attrs["max_session_duration"] == 7200
    assert attrs["force_detach_policies"] is False
    aws.no_changes()


def test_destroy_with_attached_policies(aws: AwsWorkspace) -> None:
    aws.write(role())
    aws.applied()
    iam = aws.moto.client("iam")
    arn = iam.create_policy(PolicyName="extra", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="trainer", PolicyArn=arn)
    iam.put_role_policy(RoleName="trainer", PolicyName="inline", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    code, _out, err = aws.run("destroy", "-no-color", "-auto-approve", str(aws.root))
    assert code == 1
    assert "force_detach_policies" in err
    assert aws.attrs("aws_iam_role.a")["id"] == "trainer"          # still managed

    aws.write(role(extra="  force_detach_policies = true\n"))
    assert "1 changed" in aws.applied()        # a setting of govctl's own: state only
    code, out, err = aws.run("destroy", "-no-color", "-auto-approve", str(aws.root))
    assert code == 0, out + err
    assert iam.list_roles()["Roles"] == []
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0


def test_destroy_leaves_instance_profiles(aws: AwsWorkspace) -> None:
    aws.write(role())
    aws.applied()
    iam = aws.moto.client("iam")
    iam.create_instance_profile(InstanceProfileName="trainer-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="trainer-profile",
                                     RoleName="trainer")
    code, out, err = aws.run("destroy", "-no-color", "-auto-approve", str(aws.root))
    assert code == 0, out + err
    assert iam.list_roles()["Roles"] == []
    profile = iam.get_instance_profile(InstanceProfileName="trainer-profile")
    assert profile["InstanceProfile"]["Roles"] == []


def test_invalid_settings_are_refused(aws: AwsWorkspace) -> None:
    aws.write(role(seconds=60))
    code, out, err = aws.plan()
    assert code == 1
    assert "max_session_duration must be between 3600 and 43200" in out + err
    aws.write(role().replace(TRUST % "sagemaker.amazonaws.com", '"not json"'))
    code, out, err = aws.plan()
    assert code == 1
    assert "assume_role_policy is not a JSON policy document" in out + err


def test_default_tags(aws: AwsWorkspace) -> None:
    aws.write(role(), provider_extra='  default_tags {\n    tags = { managed_by = "govctl" }\n'
                                     "  }\n")
    aws.applied()
    tags = aws.moto.client("iam").get_role(RoleName="trainer")["Role"]["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "vision", "managed_by": "govctl"}
    attrs = aws.attrs("aws_iam_role.a")
    assert attrs["tags"] == {"team": "vision"}
    assert attrs["tags_all"] == {"team": "vision", "managed_by": "govctl"}
    aws.no_changes()


def test_find_settles_an_interrupted_create(aws: AwsWorkspace, provider: AwsProvider) -> None:
    aws.write(role())
    aws.applied()
    planned = {"name": "trainer", "tags": {"team": "vision"},
               "assume_role_policy": aws.attrs("aws_iam_role.a")["assume_role_policy"]}
    found = provider.find("aws_iam_role", planned)
    assert found is not None and found["arn"] == aws.attrs("aws_iam_role.a")["arn"]
    assert provider.find("aws_iam_role", {"name": "nobody"}) is None
    assert set(provider.discover("aws_iam_role")) == {"trainer"}
