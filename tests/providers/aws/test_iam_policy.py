"""aws_iam_policy against the moto server: documents, versions, tags."""

from __future__ import annotations

import json

from govctl_aws.provider import AwsProvider
from tests.providers.aws.conftest import AwsWorkspace

ARN = "arn:aws:iam::123456789012:policy/ml/read-models"

POLICY = """
resource "aws_iam_policy" "a" {
  name        = "%s"
  path        = "/ml/"
  description = "%s"
  policy      = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = %s, Resource = "*" }]
  })
  tags        = %s
}
"""


def config(actions: str = '["s3:GetObject"]', name: str = "read-models",
           description: str = "read models", tags: str = '{ team = "vision" }') -> str:
    return POLICY % (name, description, actions, tags)


def document(actions: str | list[str]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": actions, "Resource": "*"}]})


def versions(aws: AwsWorkspace) -> dict[str, bool]:
    listed = aws.moto.client("iam").list_policy_versions(PolicyArn=ARN)["Versions"]
    return {v["VersionId"]: v["IsDefaultVersion"] for v in listed}


def default_actions(aws: AwsWorkspace) -> object:
    iam = aws.moto.client("iam")
    version = iam.get_policy(PolicyArn=ARN)["Policy"]["DefaultVersionId"]
    doc = iam.get_policy_version(PolicyArn=ARN, VersionId=version)["PolicyVersion"]["Document"]
    return doc["Statement"][0]["Action"]


def test_create_then_no_changes(aws: AwsWorkspace) -> None:
    aws.write(config())
    assert "1 added" in aws.applied()
    got = aws.moto.client("iam").get_policy(PolicyArn=ARN)["Policy"]
    assert got["Description"] == "read models"
    assert got["Tags"] == [{"Key": "team", "Value": "vision"}]
    attrs = aws.attrs("aws_iam_policy.a")
    assert attrs["id"] == attrs["arn"] == ARN
    assert attrs["policy_id"] == got["PolicyId"]
    assert default_actions(aws) == ["s3:GetObject"]
    aws.no_changes()


def test_policy_update_makes_a_new_default_version(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.write(config('["s3:GetObject", "s3:ListBucket"]', tags='{ team = "nlp" }'))
    _code, out, _ = aws.plan()
    assert "will be updated in-place" in out
    assert "1 changed" in aws.applied()
    assert versions(aws) == {"v1": False, "v2": True}
    assert sorted(default_actions(aws)) == ["s3:GetObject", "s3:ListBucket"]
    tags = aws.moto.client("iam").get_policy(PolicyArn=ARN)["Policy"]["Tags"]
    assert tags == [{"Key": "team", "Value": "nlp"}]
    aws.no_changes()


def test_update_at_five_versions_prunes_the_oldest(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    iam = aws.moto.client("iam")
    for action in ("s3:A", "s3:B", "s3:C", "s3:D"):      # v2..v5, none the default
        iam.create_policy_version(PolicyArn=ARN, PolicyDocument=document(action),
                                  SetAsDefault=False)
    assert versions(aws) == {"v1": True, "v2": False, "v3": False, "v4": False, "v5": False}
    aws.no_changes()

    aws.write(config('["s3:PutObject"]'))
    assert "1 changed" in aws.applied()
    # v2, the oldest version that is not the default, made room for v6
    assert versions(aws) == {"v1": False, "v3": False, "v4": False, "v5": False, "v6": True}
    assert default_actions(aws) == ["s3:PutObject"]

    aws.write(config('["s3:DeleteObject"]'))
    aws.applied()
    # now v3 goes; v1 (no longer the default) is older still and goes first
    assert versions(aws) == {"v3": False, "v4": False, "v5": False, "v6": False, "v7": True}
    aws.no_changes()


def test_description_and_name_replace(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    old_id = aws.attrs("aws_iam_policy.a")["policy_id"]
    aws.write(config(description="read every model"))
    _code, out, _ = aws.plan()
    assert "# aws_iam_policy.a must be replaced" in out
    assert "forces replacement" in out
    aws.applied()
    attrs = aws.attrs("aws_iam_policy.a")
    assert attrs["policy_id"] != old_id
    got = aws.moto.client("iam").get_policy(PolicyArn=ARN)["Policy"]
    assert got["Description"] == "read every model"
    aws.write(config(name="read-all", description="read every model"))
    _code, out, _ = aws.plan()
    assert "must be replaced" in out
    aws.applied()
    arns = [p["Arn"] for p in aws.moto.client("iam").list_policies(Scope="Local")["Policies"]]
    assert arns == ["arn:aws:iam::123456789012:policy/ml/read-all"]


def test_destroy_deletes_every_version(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.moto.client("iam").create_policy_version(PolicyArn=ARN, PolicyDocument=document("s3:A"))
    code, out, err = aws.run("destroy", "-no-color", "-auto-approve", str(aws.root))
    assert code == 0, out + err
    assert aws.moto.client("iam").list_policies(Scope="Local")["Policies"] == []


def test_drift_is_shown_and_restored(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    iam = aws.moto.client("iam")
    iam.create_policy_version(PolicyArn=ARN, PolicyDocument=document("s3:*"),
                              SetAsDefault=True)
    iam.tag_policy(PolicyArn=ARN, Tags=[{"Key": "team", "Value": "hacked"}])
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert "changed outside of govctl" in out
    assert "s3:*" in out
    assert '      ~ tags = {\n          ~ "team" = "hacked" -> "vision"\n        }\n' in out
    aws.applied()
    assert default_actions(aws) == ["s3:GetObject"]
    assert versions(aws) == {"v1": False, "v2": False, "v3": True}
    aws.no_changes()


def test_reformatted_version_is_no_change(aws: AwsWorkspace) -> None:
    aws.write(config('["s3:GetObject", "s3:ListBucket"]'))
    aws.applied()
    same = {"Statement": [{"Resource": ["*"], "Action": ["s3:ListBucket", "s3:GetObject"],
                           "Effect": "Allow", "Sid": ""}], "Version": "2012-10-17"}
    aws.moto.client("iam").create_policy_version(
        PolicyArn=ARN, PolicyDocument=json.dumps(same, indent=4), SetAsDefault=True)
    aws.no_changes()


def test_deleted_outside_is_recreated(aws: AwsWorkspace) -> None:
    aws.write(config())
    aws.applied()
    aws.moto.client("iam").delete_policy(PolicyArn=ARN)
    _code, out, _ = aws.plan()
    assert "has been deleted" in out
    assert "1 to add" in out


def test_import(aws: AwsWorkspace) -> None:
    aws.moto.client("iam").create_policy(
        PolicyName="read-models", Path="/ml/", Description="read models",
        PolicyDocument=document("s3:GetObject"), Tags=[{"Key": "team", "Value": "vision"}])
    aws.write(config())
    code, out, err = aws.run("import", f"-config={aws.root}", "aws_iam_policy.a", ARN)
    assert code == 0, out + err
    attrs = aws.attrs("aws_iam_policy.a")
    assert attrs["name"] == "read-models"
    assert attrs["path"] == "/ml/"
    assert attrs["tags"] == {"team": "vision"}
    aws.no_changes()       # "s3:GetObject" in AWS, ["s3:GetObject"] in the configuration


def test_not_json_is_refused(aws: AwsWorkspace) -> None:
    aws.write('resource "aws_iam_policy" "a" {\n  name = "x"\n  policy = "{nope"\n}\n')
    code, out, err = aws.plan()
    assert code == 1
    assert "policy is not a JSON policy document" in out + err
    assert aws.moto.client("iam").list_policies(Scope="Local")["Policies"] == []


def test_find_and_discover(aws: AwsWorkspace, provider: AwsProvider) -> None:
    aws.write(config())
    aws.applied()
    found = provider.find("aws_iam_policy", {"name": "read-models", "path": "/ml/"})
    assert found is not None and found["arn"] == ARN
    assert provider.find("aws_iam_policy", {"name": "other", "path": "/"}) is None
    assert list(provider.discover("aws_iam_policy")) == [ARN]
