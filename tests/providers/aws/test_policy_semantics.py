"""Policy documents compare by meaning: what IAM hands back reformatted is no change."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from govctl_aws import policy, policy_decode, policy_render
from tests.providers.aws.conftest import AwsWorkspace

BASE = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
     "Resource": "*"},
    {"Effect": "Allow", "Action": "sts:AssumeRole",
     "Principal": {"AWS": "123456789012", "Service": ["ec2.amazonaws.com"]},
     "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
]}


def text(doc: object, **kw: object) -> str:
    return json.dumps(doc, **kw)  # type: ignore[arg-type]


SAME = [
    pytest.param(text(BASE, indent=4), id="whitespace"),
    pytest.param(text({"Statement": list(reversed(BASE["Statement"])),
                       "Version": "2012-10-17"}), id="statement-and-key-order"),
    pytest.param(text({"Version": "2012-10-17", "Statement": [
        {"Resource": ["*"], "Action": ["s3:ListBucket", "s3:GetObject"], "Effect": "Allow",
         "Sid": "Read"},
        {"Sid": "", "Effect": "Allow", "Action": ["sts:AssumeRole"],
         "Principal": {"Service": "ec2.amazonaws.com",
                       "AWS": ["arn:aws:iam::123456789012:root"]},
         "Condition": {"Bool": {"aws:SecureTransport": [True]}}}]}),
        id="one-element-lists-root-arn-bool-empty-sid"),
    pytest.param(quote(text(BASE)), id="url-encoded"),
    pytest.param(BASE, id="decoded-dict"),
]


@pytest.mark.parametrize("other", SAME)
def test_equivalent(other: object) -> None:
    assert policy.equivalent(text(BASE), other)
    assert policy.equivalent(other, text(BASE))
    assert policy.canonical(other) == policy.canonical(BASE)


def _changed(path: tuple, value: object) -> dict:
    doc = json.loads(text(BASE))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize("other", [
    _changed(("Statement", 0, "Effect"), "Deny"),
    _changed(("Statement", 0, "Action"), ["s3:GetObject"]),
    _changed(("Statement", 0, "Sid"), "Write"),
    _changed(("Statement", 1, "Principal", "AWS"), "210987654321"),
    _changed(("Statement", 1, "Condition", "Bool", "aws:SecureTransport"), "false"),
    _changed(("Version",), "2008-10-17"),
], ids=["effect", "action", "sid", "principal", "condition", "version"])
def test_not_equivalent(other: dict) -> None:
    assert not policy.equivalent(text(BASE), text(other))


def test_text_that_is_not_json_compares_as_text() -> None:
    assert policy.parse("{nope") is None
    assert policy.equivalent("{nope", "{nope")
    assert not policy.equivalent("{nope", "{nope }")
    assert policy.to_text("{nope") == "{nope"


def test_keep_prior_keeps_the_recorded_text_while_it_means_the_same() -> None:
    pretty = text(BASE, indent=2)
    assert policy.keep_prior(pretty, BASE) == pretty
    changed = _changed(("Statement", 0, "Effect"), "Deny")
    assert json.loads(policy.keep_prior(pretty, changed) or "") == changed
    assert policy.keep_prior(None, quote(text(BASE))) == text(BASE, separators=(",", ":"))


def test_render_follows_go() -> None:
    doc = policy_decode.decode(text({"Statement": [{"Principal": "*", "Action": "a",
                                             "Condition": {"N": {"k": 5}}}]}))
    pretty, minified, id_ = policy_render.render(doc)
    assert minified == '{"Statement":[{"Action":"a","Principal":"*",' \
        '"Condition":{"N":{"k":"5"}}}]}'
    assert pretty.startswith('{\n  "Statement": [\n    {\n      "Action": "a",')
    assert id_.isdigit()


# --- end to end -----------------------------------------------------------------------

ROLE = """
resource "aws_iam_role" "a" {
  name               = "trainer"
  assume_role_policy = <<EOT
%s
EOT
}
"""

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole",
     "Principal": {"Service": "sagemaker.amazonaws.com"}},
    {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
     "Principal": {"AWS": ["123456789012"]}},
]}


def test_pretty_trust_policy_is_no_change(aws: AwsWorkspace) -> None:
    aws.write(ROLE % text(TRUST, indent=2))
    aws.applied()
    aws.no_changes()
    # the same document, rewritten outside govctl as IAM itself might hold it
    same = {"Statement": [
        {"Principal": {"AWS": "arn:aws:iam::123456789012:root"},
         "Action": ["sts:TagSession", "sts:AssumeRole"], "Effect": "Allow"},
        {"Principal": {"Service": ["sagemaker.amazonaws.com"]}, "Action": ["sts:AssumeRole"],
         "Effect": "Allow", "Sid": ""}], "Version": "2012-10-17"}
    aws.moto.client("iam").update_assume_role_policy(RoleName="trainer",
                                                     PolicyDocument=text(same))
    aws.no_changes()
    # and the configuration reformatted too
    aws.write(ROLE % text({"Statement": list(reversed(TRUST["Statement"])),
                           "Version": "2012-10-17"}))
    aws.no_changes()


def test_real_change_is_still_seen(aws: AwsWorkspace) -> None:
    aws.write(ROLE % text(TRUST, indent=2))
    aws.applied()
    changed = json.loads(text(TRUST))
    changed["Statement"][1]["Action"] = "sts:AssumeRole"
    aws.write(ROLE % text(changed, indent=2))
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert "~ assume_role_policy" in out
    aws.applied()
    live = aws.moto.client("iam").get_role(RoleName="trainer")["Role"]
    assert live["AssumeRolePolicyDocument"]["Statement"][1]["Action"] == "sts:AssumeRole"
    aws.no_changes()
