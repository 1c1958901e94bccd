"""aws_iam_role_policy and aws_iam_role_policy_attachment against the moto server."""

from __future__ import annotations

import json

from govctl_aws.provider import AwsProvider
from tests.providers.aws.conftest import AwsWorkspace

ROLE = """
resource "aws_iam_role" "%s" {
  name               = "%s"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                   Principal = { Service = "sagemaker.amazonaws.com" } }]
  })
}
"""

INLINE = """
resource "aws_iam_role_policy" "a" {
  name   = "%s"
  role   = aws_iam_role.%s.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "%s", Resource = "*" }]
  })
}
"""

MANAGED = """
resource "aws_iam_policy" "%s" {
  name   = "%s"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }]
  })
}
"""

ATTACH = """
resource "aws_iam_role_policy_attachment" "a" {
  role       = aws_iam_role.%s.name
  policy_arn = aws_iam_policy.%s.arn
}
"""


# two roles, so that moving a policy between them replaces only the policy (the
# engine replaces a role before destroying what depends on it; see the report)
ROLES = ROLE % ("trainer", "trainer") + ROLE % ("tuner", "tuner")


def inline(role: str = "trainer", name: str = "read", action: str = "s3:GetObject") -> str:
    return ROLES + INLINE % (name, role, action)


def inline_doc(aws: AwsWorkspace, role: str = "trainer", name: str = "read") -> dict:
    return aws.moto.client("iam").get_role_policy(RoleName=role,
                                                  PolicyName=name)["PolicyDocument"]


# --- aws_iam_role_policy ----------------------------------------------------------

def test_inline_create_update_and_no_changes(aws: AwsWorkspace) -> None:
    aws.write(inline())
    assert "3 added" in aws.applied()
    assert inline_doc(aws)["Statement"][0]["Action"] == "s3:GetObject"
    assert aws.attrs("aws_iam_role_policy.a")["id"] == "trainer:read"
    aws.no_changes()
    aws.write(inline(action="s3:PutObject"))
    _code, out, _ = aws.plan()
    assert "aws_iam_role_policy.a will be updated in-place" in out
    assert "0 added, 1 changed" in aws.applied()
    assert inline_doc(aws)["Statement"][0]["Action"] == "s3:PutObject"
    aws.no_changes()


def test_inline_rename_and_role_change_replace(aws: AwsWorkspace) -> None:
    aws.write(inline())
    aws.applied()
    aws.write(inline(name="read2"))
    _code, out, _ = aws.plan()
    assert "# aws_iam_role_policy.a must be replaced" in out
    aws.applied()
    iam = aws.moto.client("iam")
    assert iam.list_role_policies(RoleName="trainer")["PolicyNames"] == ["read2"]
    aws.write(inline(role="tuner", name="read2"))
    _code, out, _ = aws.plan()
    assert "# aws_iam_role_policy.a must be replaced" in out
    aws.applied()
    assert iam.list_role_policies(RoleName="tuner")["PolicyNames"] == ["read2"]
    aws.no_changes()


def test_inline_drift_and_deletion(aws: AwsWorkspace) -> None:
    aws.write(inline())
    aws.applied()
    iam = aws.moto.client("iam")
    iam.put_role_policy(RoleName="trainer", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert "changed outside of govctl" in out
    assert "s3:*" in out
    aws.applied()
    assert inline_doc(aws)["Statement"][0]["Action"] == "s3:GetObject"
    iam.delete_role_policy(RoleName="trainer", PolicyName="read")
    _code, out, _ = aws.plan()
    assert "has been deleted" in out
    assert "1 to add" in out
    aws.applied()
    assert inline_doc(aws)["Statement"][0]["Action"] == "s3:GetObject"


def test_inline_destroy(aws: AwsWorkspace) -> None:
    aws.write(inline())
    aws.applied()
    aws.write(ROLES)
    assert "1 destroyed" in aws.applied()
    assert aws.moto.client("iam").list_role_policies(RoleName="trainer")["PolicyNames"] == []


def test_inline_import(aws: AwsWorkspace) -> None:
    aws.write(ROLES)
    aws.applied()
    aws.moto.client("iam").put_role_policy(
        RoleName="trainer", PolicyName="read", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]}]},
            indent=2))
    aws.write(inline())
    code, out, err = aws.run("import", f"-config={aws.root}", "aws_iam_role_policy.a",
                             "trainer:read")
    assert code == 0, out + err
    assert aws.attrs("aws_iam_role_policy.a")["role"] == "trainer"
    aws.no_changes()
    code, out, err = aws.run("import", f"-config={aws.root}", "aws_iam_role_policy.b",
                             "no-colon")
    assert code != 0


# --- aws_iam_role_policy_attachment -----------------------------------------------

def attached(aws: AwsWorkspace, role: str = "trainer") -> list[str]:
    listed = aws.moto.client("iam").list_attached_role_policies(RoleName=role)
    return [p["PolicyName"] for p in listed["AttachedPolicies"]]


def attachment(role: str = "trainer", policy: str = "p") -> str:
    return ROLES + MANAGED % ("p", "read-models") + MANAGED % ("q", "write-models") + \
        ATTACH % (role, policy)


def test_attach_then_no_changes(aws: AwsWorkspace) -> None:
    aws.write(attachment())
    assert "5 added" in aws.applied()
    assert attached(aws) == ["read-models"]
    assert aws.attrs("aws_iam_role_policy_attachment.a")["id"] == \
        "trainer/arn:aws:iam::123456789012:policy/read-models"
    aws.no_changes()


def test_attachment_changes_replace(aws: AwsWorkspace) -> None:
    aws.write(attachment())
    aws.applied()
    aws.write(attachment(policy="q"))
    _code, out, _ = aws.plan()
    assert "# aws_iam_role_policy_attachment.a must be replaced" in out
    assert "forces replacement" in out
    aws.applied()
    assert attached(aws) == ["write-models"]
    aws.write(attachment(role="tuner", policy="q"))
    aws.applied()
    assert attached(aws, "tuner") == ["write-models"]
    aws.no_changes()


def test_detached_outside_is_reattached(aws: AwsWorkspace) -> None:
    aws.write(attachment())
    aws.applied()
    arn = aws.attrs("aws_iam_policy.p")["arn"]
    aws.moto.client("iam").detach_role_policy(RoleName="trainer", PolicyArn=arn)
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert "has been deleted" in out
    assert "1 to add" in out
    aws.applied()
    assert attached(aws) == ["read-models"]
    aws.no_changes()


def test_attachment_destroy(aws: AwsWorkspace) -> None:
    aws.write(attachment())
    aws.applied()
    aws.write(ROLES + MANAGED % ("p", "read-models") +
              MANAGED % ("q", "write-models"))
    assert "1 destroyed" in aws.applied()
    assert attached(aws) == []
    code, out, err = aws.run("destroy", "-no-color", "-auto-approve", str(aws.root))
    assert code == 0, out + err
    assert aws.moto.client("iam").list_roles()["Roles"] == []


def test_attachment_import(aws: AwsWorkspace) -> None:
    aws.write(ROLES + MANAGED % ("p", "read-models") +
              MANAGED % ("q", "write-models"))
    aws.applied()
    arn = aws.attrs("aws_iam_policy.p")["arn"]
    aws.moto.client("iam").attach_role_policy(RoleName="trainer", PolicyArn=arn)
    aws.write(attachment())
    code, out, err = aws.run("import", f"-config={aws.root}",
                             "aws_iam_role_policy_attachment.a", f"trainer/{arn}")
    assert code == 0, out + err
    assert aws.attrs("aws_iam_role_policy_attachment.a")["policy_arn"] == arn
    aws.no_changes()


def test_refresh_lists_only_the_roles_attachments(aws: AwsWorkspace, provider: AwsProvider) -> None:
    aws.write(attachment())
    aws.applied()
    state = aws.attrs("aws_iam_role_policy_attachment.a")
    provider.aws.calls.clear()
    assert provider.read("aws_iam_role_policy_attachment", state) == state
    assert dict(provider.aws.calls) == {"iam:ListAttachedRolePolicies": 1}
    assert provider.find("aws_iam_role_policy_attachment",
                         {"role": "trainer", "policy_arn": state["policy_arn"]}) == state
    gone = {**state, "id": "nobody/" + state["policy_arn"]}
    assert provider.read("aws_iam_role_policy_attachment", gone) is None
