"""The other actors in the walkthrough, acting on the sandbox through boto3:
the training pipeline that registers model versions, and a person who changes
things by hand in the console. Refuses to run anywhere but the sandbox."""

from __future__ import annotations

import os
import sys

import boto3

GROUP = "mlp-staging-models"
ALIAS = "alias/mlp-staging-artifacts"
BUCKET = "mlp-staging-vision-artifacts"


def register_model() -> None:
    arn = boto3.client("sagemaker").create_model_package(
        ModelPackageGroupName=GROUP,
        ModelPackageDescription="vision classifier trained on the 2026-11 snapshot",
        ModelApprovalStatus="PendingManualApproval",
    )["ModelPackageArn"]
    print(f"registered {arn} (PendingManualApproval)")


def tamper() -> None:
    kms = boto3.client("kms")
    key = kms.describe_key(KeyId=ALIAS)["KeyMetadata"]["KeyId"]
    kms.disable_key_rotation(KeyId=key)
    print(f"disabled rotation of KMS key {key}")
    boto3.client("s3").put_public_access_block(
        Bucket=BUCKET, PublicAccessBlockConfiguration={
            "BlockPublicAcls": False, "IgnorePublicAcls": False,
            "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
    print(f"removed the public access block of s3://{BUCKET}")
    sm = boto3.client("sagemaker")
    version = sm.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"][0]
    sm.update_model_package(ModelPackageArn=version["ModelPackageArn"],
                            ModelApprovalStatus="Rejected",
                            ApprovalDescription="rejected in the console")
    print(f"rejected {version['ModelPackageArn']} in the console")


def main() -> int:
    if not os.environ.get("GOVCTL_SANDBOX"):
        print("refusing to run outside the sandbox (GOVCTL_SANDBOX is not set)",
              file=sys.stderr)
        return 1
    actions = {"register-model": register_model, "tamper": tamper}
    if len(sys.argv) != 2 or sys.argv[1] not in actions:
        print(f"usage: {sys.argv[0]} {'|'.join(actions)}", file=sys.stderr)
        return 2
    actions[sys.argv[1]]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
