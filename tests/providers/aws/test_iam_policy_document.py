"""data "aws_iam_policy_document" (rendered byte for byte as Terraform does),
data "aws_iam_role", and documents built by one and used by IAM resources."""

from __future__ import annotations

import json
import textwrap
import zlib

from tests.providers.aws.conftest import AwsWorkspace


def rendered(aws: AwsWorkspace, body: str) -> dict[str, str]:
    """Apply a configuration of one policy document `d`; its exported values."""
    aws.write(f'data "aws_iam_policy_document" "d" {{\n{textwrap.dedent(body)}\n}}\n'
              + "".join(f'output "{n}" {{ value = data.aws_iam_policy_document.d.{n} }}\n'
                        for n in ("json", "minified_json", "id")))
    aws.applied()
    return {n: o["value"] for n, o in aws.state()["outputs"].items()}


def test_terraform_example_document(aws: AwsWorkspace) -> None:
    got = rendered(aws, """
        statement {
          sid       = "1"
          actions   = ["s3:ListAllMyBuckets", "s3:GetBucketLocation"]
          resources = ["arn:aws:s3:::*"]
        }
        statement {
          actions   = ["s3:ListBucket"]
          resources = ["arn:aws:s3:::ml-data"]
          condition {
            test     = "StringLike"
            variable = "s3:prefix"
            values   = ["", "home/", "home/&{aws:username}/"]
          }
        }
    """)
    assert got["json"] == textwrap.dedent("""\
        {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Sid": "1",
              "Effect": "Allow",
              "Action": [
                "s3:ListAllMyBuckets",
                "s3:GetBucketLocation"
              ],
              "Resource": "arn:aws:s3:::*"
            },
            {
              "Effect": "Allow",
              "Action": "s3:ListBucket",
              "Resource": "arn:aws:s3:::ml-data",
              "Condition": {
                "StringLike": {
                  "s3:prefix": [
                    "",
                    "home/",
                    "home/${aws:username}/"
                  ]
                }
              }
            }
          ]
        }""")
    assert got["minified_json"] == (
        '{"Version":"2012-10-17","Statement":[{"Sid":"1","Effect":"Allow","Action":'
        '["s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"arn:aws:s3:::*"},'
        '{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::ml-data",'
        '"Condition":{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/"]}}}]}')
    assert got["id"] == str(zlib.crc32(got["json"].encode()))   # Terraform's hashcode


def test_principals_conditions_and_negations(aws: AwsWorkspace) -> None:
    got = rendered(aws, """
        policy_id = "trust"
        statement {
          actions = ["sts:AssumeRole"]
          principals {
            type        = "Service"
            identifiers = ["sagemaker.amazonaws.com"]
          }
          principals {
            type        = "AWS"
            identifiers = ["arn:aws:iam::123456789012:root", "arn:aws:iam::210987654321:root"]
          }
          condition {
            test     = "StringEquals"
            variable = "aws:SourceAccount"
            values   = ["123456789012"]
          }
          condition {
            test     = "Bool"
            variable = "aws:SecureTransport"
            values   = ["true"]
          }
        }
        statement {
          sid           = "DenyOthers"
          effect        = "Deny"
          not_actions   = ["s3:GetObject"]
          not_resources = ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]
          principals {
            type        = "*"
            identifiers = ["*"]
          }
        }
    """)
    assert got["json"] == textwrap.dedent("""\
        {
          "Version": "2012-10-17",
          "Id": "trust",
          "Statement": [
            {
              "Effect": "Allow",
              "Action": "sts:AssumeRole",
              "Principal": {
                "AWS": [
                  "arn:aws:iam::210987654321:root",
                  "arn:aws:iam::123456789012:root"
                ],
                "Service": "sagemaker.amazonaws.com"
              },
              "Condition": {
                "Bool": {
                  "aws:SecureTransport": "true"
                },
                "StringEquals": {
                  "aws:SourceAccount": "123456789012"
                }
              }
            },
            {
              "Sid": "DenyOthers",
              "Effect": "Deny",
              "NotAction": "s3:GetObject",
              "NotResource": [
                "arn:aws:s3:::b/*",
                "arn:aws:s3:::a/*"
              ],
              "Principal": "*"
            }
          ]
        }""")


def test_source_and_override_documents(aws: AwsWorkspace) -> None:
    got = rendered(aws, """
        source_policy_documents = [jsonencode({
          Version   = "2012-10-17"
          Statement = [
            { Sid = "SidToOverride", Effect = "Allow", Action = "s3:*", Resource = "*" },
            { Effect = "Allow", Action = ["ec2:Describe*"], Resource = "*",
              Principal = { AWS = ["arn:aws:iam::111111111111:root",
                                   "arn:aws:iam::222222222222:root"] },
              Condition = { Bool = { "aws:MultiFactorAuthPresent" = true } } },
          ]
        })]
        override_policy_documents = [jsonencode({
          Id        = "merged"
          Statement = [{ Sid = "Extra", Effect = "Deny", Action = "iam:*", Resource = "*" }]
        })]
        statement {
          sid       = "SidToOverride"
          actions   = ["s3:GetObject"]
          resources = ["*"]
        }
    """)
    assert json.loads(got["json"]) == json.loads(got["minified_json"])
    assert got["json"] == textwrap.dedent("""\
        {
          "Version": "2012-10-17",
          "Id": "merged",
          "Statement": [
            {
              "Sid": "SidToOverride",
              "Effect": "Allow",
              "Action": "s3:GetObject",
              "Resource": "*"
            },
            {
              "Effect": "Allow",
              "Action": [
                "ec2:Describe*"
              ],
              "Resource": "*",
              "Principal": {
                "AWS": [
                  "arn:aws:iam::222222222222:root",
                  "arn:aws:iam::111111111111:root"
                ]
              },
              "Condition": {
                "Bool": {
                  "aws:MultiFactorAuthPresent": "true"
                }
              }
            },
            {
              "Sid": "Extra",
              "Effect": "Deny",
              "Action": "iam:*",
              "Resource": "*"
            }
          ]
        }""")


def test_go_escapes_and_empty_document(aws: AwsWorkspace) -> None:
    got = rendered(aws, """
        statement {
          actions   = ["s3:GetObject"]
          resources = ["arn:aws:s3:::a<b>&c"]
        }
    """)
    assert '"Resource": "arn:aws:s3:::a\\u003cb\\u003e\\u0026c"' in got["json"]
    assert json.loads(got["json"])["Statement"][0]["Resource"] == "arn:aws:s3:::a<b>&c"
    assert rendered(aws, "")["json"] == '{\n  "Version": "2012-10-17"\n}'


def test_mistakes_are_refused(aws: AwsWorkspace) -> None:
    for body, message in [
        ('statement {\n  effect = "allow"\n  actions = ["s3:*"]\n}', 'must be "Allow" or'),
        ('statement {\n  sid = "a-b"\n}', "only letters and digits"),
        ('statement {\n  sid = "A"\n}\nstatement {\n  sid = "A"\n}', "duplicate Sid (A)"),
        ('source_policy_documents = ["{nope"]', "source_policy_documents[0] is not a policy"),
        ('version = "2008-10-17"\nstatement {\n  resources = ["&{aws:username}"]\n}',
         "need version 2012-10-17"),
    ]:
        aws.write(f'data "aws_iam_policy_document" "d" {{\n{body}\n}}\n')
        code, out, err = aws.plan()
        assert code == 1, body
        assert message in out + err, body


# --- documents used by resources ----------------------------------------------------

ML_ROLE = """
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "trainer" {
  name               = "trainer"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

data "aws_iam_policy_document" "read" {
  statement {
    sid       = "Read"
    actions   = [%s]
    resources = ["arn:aws:s3:::ml-data/*"]
  }
  statement {
    sid       = "PassSelf"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.trainer.arn]
  }
}

resource "aws_iam_role_policy" "read" {
  name   = "read"
  role   = aws_iam_role.trainer.name
  policy = data.aws_iam_policy_document.read.json
}
"""


def test_role_with_documents_from_data_sources(aws: AwsWorkspace) -> None:
    aws.write(ML_ROLE % '"s3:GetObject"')
    _code, out, _ = aws.plan()
    assert "2 to add" in out
    assert "2 added" in aws.applied()
    iam = aws.moto.client("iam")
    trust = iam.get_role(RoleName="trainer")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    inline = iam.get_role_policy(RoleName="trainer", PolicyName="read")["PolicyDocument"]
    assert inline["Statement"][1] == {"Sid": "PassSelf", "Effect": "Allow",
                                      "Action": "iam:PassRole",
                                      "Resource": "arn:aws:iam::123456789012:role/trainer"}
    aws.no_changes()

    aws.write(ML_ROLE % '"s3:GetObject", "s3:ListBucket"')
    _code, out, _ = aws.plan()
    assert "aws_iam_role_policy.read will be updated in-place" in out
    assert "0 to add, 1 to change, 0 to destroy" in out
    aws.applied()
    inline = iam.get_role_policy(RoleName="trainer", PolicyName="read")["PolicyDocument"]
    assert inline["Statement"][0]["Action"] == ["s3:ListBucket", "s3:GetObject"]
    aws.no_changes()


def test_role_data_source(aws: AwsWorkspace) -> None:
    iam = aws.moto.client("iam")
    created = iam.create_role(
        RoleName="existing", Path="/ml/", Description="made elsewhere",
        AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": "ec2.amazonaws.com"}}]}),
        Tags=[{"Key": "team", "Value": "nlp"}])["Role"]
    aws.write('data "aws_iam_role" "r" {\n  name = "existing"\n}\n'
              + "".join(f'output "{n}" {{ value = data.aws_iam_role.r.{n} }}\n'
                        for n in ("arn", "id", "path", "description", "unique_id",
                                  "max_session_duration", "tags", "assume_role_policy",
                                  "permissions_boundary")))
    aws.applied()
    out = {n: o["value"] for n, o in aws.state()["outputs"].items()}
    assert out["arn"] == "arn:aws:iam::123456789012:role/ml/existing"
    assert out["id"] == "existing"
    assert out["path"] == "/ml/"
    assert out["description"] == "made elsewhere"
    assert out["unique_id"] == created["RoleId"]
    assert out["max_session_duration"] == 3600
    assert out["tags"] == {"team": "nlp"}
    assert out["permissions_boundary"] is None
    assert json.loads(out["assume_role_policy"])["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"}

    aws.write('data "aws_iam_role" "r" {\n  name = "nobody"\n}\n')
    code, out_text, err = aws.plan()
    assert code == 1
    assert 'no IAM role is named "nobody"' in out_text + err
