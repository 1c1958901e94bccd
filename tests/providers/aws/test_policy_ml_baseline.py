"""The built-in ML governance policy pack (modules/policies/ml-baseline)
against AWS configurations and a live moto estate.

Each policy fails on a violating configuration and passes on a compliant one:
in a plan (`govctl plan -policy-dir PACK`), and, where a plan cannot decide
(values known only after apply, rules that look across resources, changes
made outside govctl), in `govctl check` against what moto holds.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.providers.aws.cases.sagemaker import register_version
from tests.providers.aws.conftest import AwsWorkspace

PACK = Path(__file__).resolve().parents[3] / "modules" / "policies" / "ml-baseline"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
VERSION_ARN = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/1"


def _policy(*statements: dict[str, object], single: bool = False) -> str:
    """An IAM policy document as HCL jsonencode text (Statement an object when single)."""
    body = statements[0] if single else list(statements)
    return json.dumps({"Version": "2012-10-17", "Statement": body})


def _allow(actions: object, resources: object = "*", **extra: object) -> dict[str, object]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})

def _with_policy(head: str, document: str, tail: str = "") -> str:
    """A resource block (`head`: its first lines) whose `policy` is `document`."""
    return f"\n{head}\n  policy = jsonencode({document})\n}}\n{tail}"


# A configuration the whole pack passes at plan time: every value a policy
# reads is known before apply (literal key ARN, bucket names, documents).
COMPLIANT: dict[str, str] = {
    "key": """
resource "aws_kms_key" "artifacts" {
  description             = "ML artifacts"
  enable_key_rotation     = true
  rotation_period_in_days = 365
}
""",
    "bucket": """
resource "aws_s3_bucket" "artifacts" {
  bucket = "ml-artifacts"
}
""",
    "encryption": f"""
resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {{
  bucket = aws_s3_bucket.artifacts.bucket
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm     = "aws:kms"
      kms_master_key_id = "{KEY_ARN}"
    }}
  }}
}}
""",
    "public_access": """
resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.bucket
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
""",
    "bucket_policy": _with_policy(
        'resource "aws_s3_bucket_policy" "artifacts" {\n'
        "  bucket = aws_s3_bucket.artifacts.bucket",
        json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": ["arn:aws:s3:::ml-artifacts", "arn:aws:s3:::ml-artifacts/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "Training", "Effect": "Allow",
             "Principal": {"AWS": "arn:aws:iam::123456789012:role/ml-training"},
             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ml-artifacts/*"}]})),
    "roles": f"""
resource "aws_iam_role" "approver" {{
  name               = "ml-model-approver"
  assume_role_policy = jsonencode({TRUST})
}}

resource "aws_iam_role" "publisher" {{
  name               = "ml-model-publisher"
  assume_role_policy = jsonencode({TRUST})
}}
""",
    "approver_policy": _with_policy(
        'resource "aws_iam_role_policy" "approve" {\n  name = "approve-models"\n'
        "  role = aws_iam_role.approver.name",
        _policy(_allow(["sagemaker:UpdateModelPackage", "sagemaker:DescribeModelPackage"]))),
    "publisher_policy": _with_policy(
        'resource "aws_iam_role_policy" "publish" {\n  name = "publish-models"\n'
        "  role = aws_iam_role.publisher.name",
        _policy(_allow("sagemaker:CreateModelPackage"), single=True)),
    "managed_policy": _with_policy(
        'resource "aws_iam_policy" "read" {\n  name = "read-artifacts"',
        _policy(_allow(["s3:GetObject", "s3:ListBucket"],
                       ["arn:aws:s3:::ml-artifacts", "arn:aws:s3:::ml-artifacts/*"]))),
    "approval": f"""
resource "aws_sagemaker_model_package_approval" "fraud" {{
  model_package_arn    = "{VERSION_ARN}"
  approval_status      = "Approved"
  approval_description = "AUC 0.93 on the March holdout"
}}
""",
}
# how many (policy, resource) pairs COMPLIANT gives: one per selected resource
COMPLIANT_CHECKS = 13


def config(**parts: str) -> str:
    """COMPLIANT with some parts replaced (or removed, with "")."""
    unknown = set(parts) - set(COMPLIANT)
    assert not unknown, unknown
    return "".join({**COMPLIANT, **parts}.values())


def plan(aws: AwsWorkspace, *flags: str) -> tuple[int, str, str]:
    return aws.run("plan", "-no-color", "-policy-dir", str(PACK), *flags, str(aws.root))


def check(aws: AwsWorkspace) -> tuple[int, str, str]:
    return aws.run("check", "-no-color", "-policy-dir", str(PACK), str(aws.root))


def verdicts(out: str) -> list[tuple[str, str]]:
    """(policy, level) of every failure line of a plan or a check."""
    return re.findall(r'policy "([a-z0-9_]+)" failed \((\w+)\)', out)


def assert_fails(aws: AwsWorkspace, hcl: str, *policies: str, level: str = "mandatory",
                 checks: int = COMPLIANT_CHECKS) -> str:
    """The plan is refused, and of `checks` results exactly `policies` fail (at `level`)."""
    aws.write(hcl)
    code, out, err = plan(aws)
    assert code == 1, out + err
    assert sorted(verdicts(out)) == sorted((p, level) for p in policies), out
    mandatory = len(policies) if level == "mandatory" else 0
    passed = checks - len(policies)
    assert f"Policies: {passed} passed, {len(policies)} failed ({mandatory} mandatory)" in out
    assert "apply is blocked." in out
    assert "Error: Policy check failed" in err
    return out


def assert_passes(aws: AwsWorkspace, hcl: str, checks: int = COMPLIANT_CHECKS) -> str:
    aws.write(hcl)
    code, out, err = plan(aws)
    assert code == 0, out + err
    assert verdicts(out) == [], out
    assert f"Policies: {checks} passed, 0 failed (0 mandatory)." in out
    return out


# --- the compliant baseline ---------------------------------------------------

def test_compliant_configuration_passes_every_policy(aws: AwsWorkspace) -> None:
    out = assert_passes(aws, config())
    assert "decided after apply" not in out


def test_without_the_pack_there_are_no_policies(aws: AwsWorkspace) -> None:
    aws.write(config(bucket_policy="", public_access=""))
    code, out, err = aws.plan()
    assert code == 0, out + err
    assert "Policies:" not in out


# --- encryption with a customer-managed key -----------------------------------

def _encryption(algorithm: str, key: str | None) -> str:
    key_line = "" if key is None else f'kms_master_key_id = "{key}"'
    return f"""
resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {{
  bucket = aws_s3_bucket.artifacts.bucket
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "{algorithm}"
      {key_line}
    }}
  }}
}}
"""


@pytest.mark.parametrize(("algorithm", "key"), [
    ("AES256", None),
    ("aws:kms", None),                                   # the AWS-managed aws/s3 key
    ("aws:kms", "alias/aws/s3"),
    ("aws:kms", "arn:aws:kms:eu-west-1:123456789012:alias/aws/s3"),
], ids=["sse-s3", "kms-no-key", "aws-managed-alias", "aws-managed-alias-arn"])
def test_encryption_without_customer_key_fails(aws: AwsWorkspace, algorithm: str,
                                               key: str | None) -> None:
    out = assert_fails(aws, config(encryption=_encryption(algorithm, key)),
                       "s3_encryption_customer_managed_key", "s3_bucket_encrypted")
    assert "The default encryption of bucket ml-artifacts must be aws:kms" in out
    assert "Bucket ml-artifacts has no default encryption with a customer-managed" in out


@pytest.mark.parametrize(("algorithm", "key"), [
    ("aws:kms", "alias/ml-artifacts"),
    ("aws:kms:dsse", KEY_ARN),
], ids=["customer-alias", "dsse"])
def test_encryption_with_customer_key_passes(aws: AwsWorkspace, algorithm: str,
                                             key: str) -> None:
    assert_passes(aws, config(encryption=_encryption(algorithm, key)))


def test_bucket_without_encryption_configuration_fails(aws: AwsWorkspace) -> None:
    # one check fewer: no encryption configuration to check on its own
    out = assert_fails(aws, config(encryption=""), "s3_bucket_encrypted",
                       checks=COMPLIANT_CHECKS - 1)
    assert "aws_s3_bucket.artifacts will be created" in out


def test_encryption_of_another_bucket_does_not_count(aws: AwsWorkspace) -> None:
    other = COMPLIANT["encryption"].replace("aws_s3_bucket.artifacts.bucket", '"ml-other"')
    assert_fails(aws, config(encryption=other), "s3_bucket_encrypted")


# --- key rotation ---------------------------------------------------------------

def _key(body: str) -> str:
    return f'\nresource "aws_kms_key" "artifacts" {{\n{body}\n}}\n'


@pytest.mark.parametrize("body", [
    'enable_key_rotation = false',
    '',
    'enable_key_rotation = true\nrotation_period_in_days = 730',
], ids=["off", "default-off", "every-two-years"])
def test_key_without_yearly_rotation_fails(aws: AwsWorkspace, body: str) -> None:
    out = assert_fails(aws, config(key=_key(body)), "kms_key_rotation")
    assert "KMS keys must rotate at least yearly" in out


@pytest.mark.parametrize("body", [
    'enable_key_rotation = true\nrotation_period_in_days = 90',
    'customer_master_key_spec = "ECC_NIST_P256"\nkey_usage = "SIGN_VERIFY"',
], ids=["quarterly", "signing-key-cannot-rotate"])
def test_key_rotating_yearly_or_unable_to_rotate_passes(aws: AwsWorkspace, body: str) -> None:
    assert_passes(aws, config(key=_key(body)))


def test_rotation_period_left_to_aws_is_decided_after_apply(aws: AwsWorkspace) -> None:
    aws.write(config(key=_key("enable_key_rotation = true")))
    code, out, err = plan(aws)
    assert code == 0, out + err
    assert 'policy "kms_key_rotation": decided after apply' in out
    assert (f"Policies: {COMPLIANT_CHECKS - 1} passed, 0 failed (0 mandatory), "
            "1 decided after apply.") in out


# --- no public bucket -----------------------------------------------------------

@pytest.mark.parametrize("flag", ["block_public_acls", "block_public_policy",
                                  "ignore_public_acls", "restrict_public_buckets"])
def test_public_access_block_with_a_flag_off_fails(aws: AwsWorkspace, flag: str) -> None:
    weak = re.sub(rf"({flag}\s*=\s*)true", r"\1false", COMPLIANT["public_access"])
    assert "false" in weak
    out = assert_fails(aws, config(public_access=weak), "s3_public_access_block_complete")
    assert "The public access block of bucket ml-artifacts must set" in out


def test_bucket_without_public_access_block_fails(aws: AwsWorkspace) -> None:
    out = assert_fails(aws, config(public_access=""), "s3_bucket_public_access_blocked",
                       checks=COMPLIANT_CHECKS - 1)
    assert "Bucket ml-artifacts has no public access block" in out


def _bucket_policy(document: dict[str, object]) -> str:
    return ('\nresource "aws_s3_bucket_policy" "artifacts" {\n'
            "  bucket = aws_s3_bucket.artifacts.bucket\n"
            f"  policy = jsonencode({json.dumps(document)})\n}}\n")


READ_ALL = {"Action": "s3:GetObject", "Resource": "arn:aws:s3:::ml-artifacts/*"}


@pytest.mark.parametrize("statement", [
    [{"Effect": "Allow", "Principal": "*", **READ_ALL}],
    {"Effect": "Allow", "Principal": "*", **READ_ALL},
    [{"Effect": "Allow", "Principal": {"AWS": "*"}, **READ_ALL}],
    [{"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
      "Resource": "arn:aws:s3:::ml-artifacts/*"},
     {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::123456789012:root", "*"]},
      **READ_ALL}],
], ids=["star", "single-statement", "aws-star", "aws-list-with-star"])
def test_bucket_policy_open_to_everyone_fails(aws: AwsWorkspace, statement: object) -> None:
    document = {"Version": "2012-10-17", "Statement": statement}
    out = assert_fails(aws, config(bucket_policy=_bucket_policy(document)),
                       "s3_bucket_policy_not_public")
    assert 'The policy of bucket ml-artifacts allows Principal "*" without a Condition' in out


@pytest.mark.parametrize("statement", [
    {"Effect": "Allow", "Principal": "*", **READ_ALL,
     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}},
    {"Effect": "Deny", "Principal": "*", **READ_ALL},
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, **READ_ALL},
], ids=["star-with-condition", "deny-star", "named-principal"])
def test_bucket_policy_not_open_passes(aws: AwsWorkspace, statement: object) -> None:
    document = {"Version": "2012-10-17", "Statement": statement}
    assert_passes(aws, config(bucket_policy=_bucket_policy(document)))


# --- no administrator wildcards -------------------------------------------------

def _managed(document: str) -> str:
    return _with_policy('resource "aws_iam_policy" "read" {\n  name = "read-artifacts"',
                        document)


def _inline(document: str, label: str = "approve", name: str = "approve-models",
            role: str = "aws_iam_role.approver.name") -> str:
    return _with_policy(f'resource "aws_iam_role_policy" "{label}" {{\n'
                        f'  name = "{name}"\n  role = {role}', document)


@pytest.mark.parametrize("document", [
    _policy(_allow("*")),
    _policy(_allow("*"), single=True),
    _policy(_allow(["s3:GetObject"], "arn:aws:s3:::ml-artifacts/*"),
            _allow(["s3:GetObject", "*:*"], ["arn:aws:s3:::x", "*"])),
], ids=["list", "single-statement", "lists-with-wildcards"])
def test_managed_policy_granting_everything_fails(aws: AwsWorkspace, document: str) -> None:
    out = assert_fails(aws, config(managed_policy=_managed(document)), "iam_no_wildcard_admin")
    assert 'The IAM policy read-artifacts allows Action "*" on Resource "*"' in out


def test_inline_role_policy_granting_everything_fails(aws: AwsWorkspace) -> None:
    publisher = _inline(_policy(_allow("*"), single=True), "publish", "publish-models",
                        "aws_iam_role.publisher.name")
    out = assert_fails(aws, config(publisher_policy=publisher), "iam_no_wildcard_admin")
    assert 'The IAM policy publish-models allows Action "*" on Resource "*"' in out


@pytest.mark.parametrize("document", [
    _policy(_allow("*", "arn:aws:s3:::ml-artifacts/*")),
    _policy(_allow("s3:*")),
    _policy({"Effect": "Deny", "Action": "*", "Resource": "*"}, _allow("s3:GetObject")),
], ids=["star-on-one-resource", "service-star", "deny-star"])
def test_managed_policy_without_admin_wildcard_passes(aws: AwsWorkspace, document: str) -> None:
    assert_passes(aws, config(managed_policy=_managed(document)))


# --- separation of duties: approvers do not publish ------------------------------

@pytest.mark.parametrize("grant", [
    _allow("sagemaker:CreateModelPackage"),
    _allow(["sagemaker:DescribeModelPackage", "sagemaker:*"]),
    _allow("SageMaker:Create*"),
    _allow("*", "arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/*"),
    {"Effect": "Allow", "NotAction": ["iam:*", "sts:*"], "Resource": "*"},
], ids=["exact", "service-star", "prefix-any-case", "star", "not-action"])
def test_approver_granted_publishing_fails(aws: AwsWorkspace, grant: dict[str, object]) -> None:
    document = _policy(_allow("sagemaker:UpdateModelPackage"), grant)
    out = assert_fails(aws, config(approver_policy=_inline(document)),
                       "approver_cannot_publish", level="overridable")
    assert "The IAM policy approve-models lets an approver role publish models" in out


def test_approver_publishing_can_be_overridden_with_a_reason(aws: AwsWorkspace) -> None:
    document = _policy(_allow("sagemaker:CreateModelPackage"))
    aws.write(config(approver_policy=_inline(document)))
    code, out, err = plan(aws)
    assert code == 1
    assert "-override-policy NAME -reason TEXT (approver_cannot_publish)" in err
    code, out, err = plan(aws, "-override-policy", "approver_cannot_publish",
                          "-reason", "INC-42: the publisher role is locked out")
    assert code == 0, out + err
    assert ('# policy "approver_cannot_publish" failed (overridable), overridden: '
            "INC-42: the publisher role is locked out") in out
    assert (f"Policies: {COMPLIANT_CHECKS - 1} passed, 1 failed (0 mandatory), "
            "1 overridden.") in out


def test_mandatory_policies_cannot_be_overridden(aws: AwsWorkspace) -> None:
    aws.write(config(public_access=""))
    code, _out, err = plan(aws, "-override-policy", "s3_bucket_public_access_blocked",
                          "-reason", "just this once")
    assert code == 1
    assert 'The policy "s3_bucket_public_access_blocked" is mandatory' in err


@pytest.mark.parametrize("grant", [
    _allow("sagemaker:CreateModelPackageGroup"),
    {"Effect": "Deny", "Action": "sagemaker:CreateModelPackage", "Resource": "*"},
    {"Effect": "Allow", "NotAction": "sagemaker:*", "Resource": "*"},
], ids=["other-action", "deny", "not-action-excludes-it"])
def test_approver_not_granted_publishing_passes(aws: AwsWorkspace,
                                                grant: dict[str, object]) -> None:
    document = _policy(_allow("sagemaker:UpdateModelPackage"), grant)
    assert_passes(aws, config(approver_policy=_inline(document)))


def test_publishing_is_allowed_to_roles_that_do_not_approve(aws: AwsWorkspace) -> None:
    # COMPLIANT's publisher role may publish; only the role name makes an approver
    assert "sagemaker:CreateModelPackage" in COMPLIANT["publisher_policy"]
    renamed = COMPLIANT["roles"].replace('"ml-model-publisher"', '"ml-model-Approver-2"')
    assert_fails(aws, config(roles=renamed), "approver_cannot_publish", level="overridable")


# --- evaluation evidence on approvals ---------------------------------------------

def _approval(status: str, description: str | None) -> str:
    line = "" if description is None else f"approval_description = {json.dumps(description)}"
    return ('\nresource "aws_sagemaker_model_package_approval" "fraud" {\n'
            f'  model_package_arn = "{VERSION_ARN}"\n  approval_status = "{status}"\n'
            f"  {line}\n}}\n")


@pytest.mark.parametrize("description", [
    "looks good to me", "AUC is great", "approved after review of run 12", "",
], ids=["no-metric", "metric-without-value", "number-without-metric", "empty"])
def test_approval_without_evidence_fails(aws: AwsWorkspace, description: str) -> None:
    out = assert_fails(aws, config(approval=_approval("Approved", description)),
                       "approval_has_evaluation_evidence", level="overridable")
    assert "An Approved model version needs evaluation evidence" in out


@pytest.mark.parametrize(("status", "description"), [
    ("Approved", "f1=0.81, precision: .77"),
    ("Approved", "RMSE 12.5 (baseline 14)"),
    ("Approved", "Accuracy: 97"),
    ("Rejected", "bias found"),
    ("PendingManualApproval", None),
], ids=["f1", "rmse", "accuracy", "rejected", "pending"])
def test_approval_with_evidence_or_not_approved_passes(aws: AwsWorkspace, status: str,
                                                       description: str | None) -> None:
    assert_passes(aws, config(approval=_approval(status, description)))


# --- the pack as a module ----------------------------------------------------------

@pytest.mark.parametrize("shared", [False, True], ids=["relative-path", "shared-modules"])
def test_pack_loaded_as_a_module_call(aws: AwsWorkspace, shared: bool) -> None:
    if shared:      # `modules/...` is looked up from the root upwards, as in the repository
        (aws.root / "modules").symlink_to(PACK.parents[1], target_is_directory=True)
        source = "modules/policies/ml-baseline"
    else:
        source = os.path.relpath(PACK, aws.root)
        assert source.startswith("../")
    call = f'\nmodule "baseline" {{\n  source = "{source}"\n}}\n'
    aws.write(config() + call)
    code, out, err = aws.plan()
    assert code == 0, out + err
    assert f"Policies: {COMPLIANT_CHECKS} passed, 0 failed (0 mandatory)." in out
    aws.write(config(key=_key("enable_key_rotation = false")) + call)
    code, out, err = aws.plan()
    assert code == 1, out + err
    assert verdicts(out) == [("kms_key_rotation", "mandatory")]
    assert (f"Policies: {COMPLIANT_CHECKS - 1} passed, 1 failed (1 mandatory); "
            "apply is blocked.") in out


def test_pack_as_module_and_policy_dir_at_once_is_a_duplicate(aws: AwsWorkspace) -> None:
    source = os.path.relpath(PACK, aws.root)
    aws.write(config() + f'\nmodule "baseline" {{\n  source = "{source}"\n}}\n')
    code, _out, err = plan(aws)
    assert code == 1
    assert 'A policy named "kms_key_rotation" is already defined' in err


# --- govctl check: the live estate ---------------------------------------------------

# COMPLIANT as it is usually written: the key and the bucket's id are known
# only after apply, so the plan leaves some checks to apply; `check` decides
# them against what exists. The publishing grant is a managed policy attached
# to the publisher role (matched to its role by ARN, known after apply too).
LIVE: dict[str, str] = {
    "key": _key("description = \"ML artifacts\"\nenable_key_rotation = true"),
    "encryption": """
resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.artifacts.arn
    }
    bucket_key_enabled = true
  }
}
""",
    "public_access": COMPLIANT["public_access"].replace("aws_s3_bucket.artifacts.bucket",
                                                        "aws_s3_bucket.artifacts.id"),
    "bucket_policy": """
resource "aws_s3_bucket_policy" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "TlsOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.artifacts.arn, "${aws_s3_bucket.artifacts.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}
""",
    "publisher_policy": "",
    "managed_policy": _with_policy(
        'resource "aws_iam_policy" "publish" {\n  name = "publish-models"',
        _policy(_allow(["sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackage"])),
        'resource "aws_iam_role_policy_attachment" "publish" {\n'
        "  role       = aws_iam_role.publisher.name\n"
        "  policy_arn = aws_iam_policy.publish.arn\n}\n"),
}


@pytest.fixture
def version(aws: AwsWorkspace) -> str:
    """A model version registered by the training pipeline, awaiting approval."""
    aws.moto.client("sagemaker").create_model_package_group(ModelPackageGroupName="fraud")
    arn = register_version(aws.moto, "fraud", "v1")
    assert arn == VERSION_ARN
    return arn


def live_config(**parts: str) -> str:
    return config(**{**LIVE, **parts})


def check_verdicts(out: str) -> list[tuple[str, str, str]]:
    """(address, policy, level) of every failure `govctl check` reports."""
    return re.findall(r'^(\S+): policy "([a-z0-9_]+)" failed \((\w+)\)', out, re.M)


def apply_live(aws: AwsWorkspace, hcl: str) -> str:
    """Plan (some checks undecided, none failing) and apply with the pack; the plan."""
    aws.write(hcl)
    code, out, err = plan(aws)
    assert code == 0, out + err
    assert verdicts(out) == [], out
    assert "decided after apply" in out
    aws.applied("-policy-dir", str(PACK))
    return out


def test_check_finds_a_compliant_estate_compliant(aws: AwsWorkspace, version: str) -> None:
    out = apply_live(aws, live_config())
    for address, policy in [("aws_kms_key.artifacts", "kms_key_rotation"),
                            ("aws_s3_bucket.artifacts", "s3_bucket_encrypted"),
                            ("aws_s3_bucket_server_side_encryption_configuration.artifacts",
                             "s3_encryption_customer_managed_key"),
                            ("aws_iam_policy.publish", "approver_cannot_publish")]:
        block = out.split(f"# {address} will be created", 1)[1].split("\n  # ", 1)[0]
        assert f'# policy "{policy}": decided after apply' in block, (address, out)
    code, out, err = check(aws)
    assert code == 0, out + err
    assert check_verdicts(out) == []
    assert "decided after apply" not in out
    assert ("Policies: 11 passed, 0 failed (0 mandatory). (11 checks of 9 policies against "
            "the live estate)") in out


def test_check_catches_changes_made_outside_govctl(aws: AwsWorkspace, version: str) -> None:
    apply_live(aws, live_config())
    key_id = aws.attrs("aws_kms_key.artifacts")["key_id"]
    aws.moto.client("kms").disable_key_rotation(KeyId=key_id)
    aws.moto.client("s3").put_public_access_block(
        Bucket="ml-artifacts", PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": False, "RestrictPublicBuckets": True})
    aws.moto.client("sagemaker").update_model_package(
        ModelPackageArn=version, ModelApprovalStatus="Approved",
        ApprovalDescription="looks fine to me")
    code, out, err = check(aws)
    assert code == 2, out + err
    assert sorted(check_verdicts(out)) == [
        ("aws_kms_key.artifacts", "kms_key_rotation", "mandatory"),
        ("aws_s3_bucket_public_access_block.artifacts", "s3_public_access_block_complete",
         "mandatory"),
        ("aws_sagemaker_model_package_approval.fraud", "approval_has_evaluation_evidence",
         "overridable")]
    assert "(rotation is off)" in out
    assert "Policies: 8 passed, 3 failed (2 mandatory)." in out


def test_check_catches_encryption_removed_outside_govctl(aws: AwsWorkspace,
                                                         version: str) -> None:
    apply_live(aws, live_config())
    aws.moto.client("s3").put_bucket_encryption(
        Bucket="ml-artifacts", ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    code, out, err = check(aws)
    assert code == 2, out + err
    assert sorted(check_verdicts(out)) == [
        ("aws_s3_bucket.artifacts", "s3_bucket_encrypted", "mandatory"),
        ("aws_s3_bucket_server_side_encryption_configuration.artifacts",
         "s3_encryption_customer_managed_key", "mandatory")]


def test_plan_leaves_evidence_kept_on_aws_to_check(aws: AwsWorkspace, version: str) -> None:
    """The approval leaves its description to AWS, where a console review wrote
    one without evidence: the plan cannot tell, check can."""
    aws.moto.client("sagemaker").update_model_package(
        ModelPackageArn=version, ModelApprovalStatus="PendingManualApproval",
        ApprovalDescription="looks fine to me")
    aws.write(live_config(approval=_approval("Approved", None)))
    code, out, err = plan(aws)
    assert code == 0 and '# policy "approval_has_evaluation_evidence": decided after ' \
        'apply' in out
    # the apply decides it once the description is known, and says it fails
    code, out, err = aws.apply("-policy-dir", str(PACK))
    assert code == 1 and "Policy failed after apply" in err
    assert "approval_has_evaluation_evidence" in err
    code, out, err = check(aws)
    assert code == 2, out + err
    assert check_verdicts(out) == [("aws_sagemaker_model_package_approval.fraud",
                                    "approval_has_evaluation_evidence", "overridable")]
    assert "Policies: 10 passed, 1 failed (0 mandatory)." in out


def test_check_finds_a_managed_publishing_policy_on_an_approver(aws: AwsWorkspace,
                                                                version: str) -> None:
    attached = LIVE["managed_policy"].replace("aws_iam_role.publisher.name",
                                              "aws_iam_role.approver.name")
    apply_live(aws, live_config(managed_policy=attached))
    code, out, err = check(aws)
    assert code == 2, out + err
    assert check_verdicts(out) == [("aws_iam_policy.publish", "approver_cannot_publish",
                                    "overridable")]
    assert "The IAM policy publish-models lets an approver role publish models" in out


def test_check_an_estate_made_before_the_pack(aws: AwsWorkspace) -> None:
    """A bucket with neither encryption nor public access block, applied without
    the pack: check (and a plan with the pack) name both missing settings."""
    aws.write(COMPLIANT["bucket"])
    aws.applied()
    code, out, err = check(aws)
    assert code == 2, out + err
    assert sorted(check_verdicts(out)) == [
        ("aws_s3_bucket.artifacts", "s3_bucket_encrypted", "mandatory"),
        ("aws_s3_bucket.artifacts", "s3_bucket_public_access_blocked", "mandatory")]
    assert "Policies: 0 passed, 2 failed (2 mandatory)." in out
    code, out, err = plan(aws)
    assert code == 1, out + err
    assert "Policy failures on resources without changes:" in out
    assert sorted(verdicts(out)) == [("s3_bucket_encrypted", "mandatory"),
                                     ("s3_bucket_public_access_blocked", "mandatory")]


def test_the_secure_ml_bucket_module_complies(aws: AwsWorkspace) -> None:
    """The repository's own bucket module, with a key of its own, passes the
    pack: undecided at plan time (the key is new), compliant when checked."""
    (aws.root / "modules").symlink_to(PACK.parents[1], target_is_directory=True)
    aws.write("""
module "features" {
  source         = "modules/secure-ml-bucket"
  name           = "ml-features"
  create_kms_key = true
}
""")
    code, out, err = plan(aws)
    assert code == 0, out + err
    assert verdicts(out) == []
    aws.applied("-policy-dir", str(PACK))
    code, out, err = check(aws)
    assert code == 0, out + err
    assert "Policies: 5 passed, 0 failed (0 mandatory)." in out
