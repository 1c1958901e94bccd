"""aws_s3_bucket_server_side_encryption_configuration: a bucket's default encryption."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from govctl.plugins.protocol import ProviderError, attribute, block
from govctl_aws.resource import Obj
from govctl_aws.resources.s3.bucket_setting import BucketSetting, known

SSE_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")


class EncryptionByDefault(BaseModel):
    sse_algorithm: str = attribute(description="AES256, aws:kms or aws:kms:dsse.")
    kms_master_key_id: str | None = attribute(
        None, description="The KMS key (id, ARN or alias) for aws:kms and aws:kms:dsse; "
        "without it S3 uses the AWS managed key aws/s3.")


class EncryptionRule(BaseModel):
    apply_server_side_encryption_by_default: EncryptionByDefault | None = block()
    bucket_key_enabled: bool = attribute(False, description="Use an S3 Bucket Key, which "
                                         "cuts the KMS requests SSE-KMS makes.")


class Encryption(BaseModel):
    bucket: str = attribute(force_new=True)
    expected_bucket_owner: str | None = attribute(None, force_new=True)
    rule: list[EncryptionRule] = block(min_items=1)
    id: str | None = attribute(computed=True)


def is_aws_default(rules: list[dict[str, Any]]) -> bool:
    """SSE-S3 without a bucket key: what AWS applies to every bucket nobody configured."""
    return len(rules) == 1 and not rules[0].get("BucketKeyEnabled") and \
        (rules[0].get("ApplyServerSideEncryptionByDefault") or {}) == {"SSEAlgorithm": "AES256"}


class EncryptionType(BucketSetting):
    """A bucket's default encryption.

    AWS encrypts every bucket with SSE-S3 since 2023: GetBucketEncryption then
    answers AES256 even for a bucket nobody configured, and DeleteBucketEncryption
    returns the bucket to that default rather than to "no encryption". So a
    configuration switched back to the default is drift (an update), not a
    deletion; only ServerSideEncryptionConfigurationNotFoundError (older
    buckets, and moto) or a deleted bucket means gone.
    """

    name = "aws_s3_bucket_server_side_encryption_configuration"
    model = Encryption
    refresh_calls = ("s3:GetBucketEncryption",)

    def fetch(self, state: Obj) -> dict[str, Any] | None:
        s3 = self.aws.client("s3")
        answer = s3.get_bucket_encryption(**self.bucket_args(state))
        return answer.get("ServerSideEncryptionConfiguration") or None

    def from_api(self, state: Obj, answer: dict[str, Any]) -> Obj:
        rules = []
        for r in answer.get("Rules", ()):
            default = r.get("ApplyServerSideEncryptionByDefault")
            rules.append({
                "apply_server_side_encryption_by_default": None if default is None else {
                    "sse_algorithm": default.get("SSEAlgorithm"),
                    "kms_master_key_id": default.get("KMSMasterKeyID")},
                "bucket_key_enabled": bool(r.get("BucketKeyEnabled"))})
        return {"rule": rules}

    def listed(self, answer: dict[str, Any]) -> bool:
        """Only buckets configured away from AWS's default: every bucket has that."""
        return not is_aws_default(answer.get("Rules") or [])

    def put(self, planned: Obj) -> None:
        rules = []
        for r in planned["rule"]:
            rule: dict[str, Any] = {"BucketKeyEnabled": bool(r.get("bucket_key_enabled"))}
            default = r.get("apply_server_side_encryption_by_default")
            if default:
                rule["ApplyServerSideEncryptionByDefault"] = {
                    "SSEAlgorithm": default["sse_algorithm"]}
                if default.get("kms_master_key_id"):
                    rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] = \
                        default["kms_master_key_id"]
            rules.append(rule)
        self.aws.client("s3").put_bucket_encryption(
            **self.bucket_args(planned), ServerSideEncryptionConfiguration={"Rules": rules})

    def remove(self, prior: Obj) -> None:
        """DeleteBucketEncryption: the bucket falls back to SSE-S3, AWS's default."""
        self.aws.client("s3").delete_bucket_encryption(**self.bucket_args(prior))

    def validate(self, config: Obj) -> list[ProviderError]:
        rules = config.get("rule")
        if not isinstance(rules, list):
            return []
        errors = []
        for i, r in enumerate(rules):
            default = r.get("apply_server_side_encryption_by_default") if isinstance(
                r, dict) else None
            if not isinstance(default, dict):
                continue
            where = f"rule[{i}].apply_server_side_encryption_by_default"
            algorithm, key = default.get("sse_algorithm"), default.get("kms_master_key_id")
            if known(algorithm) and algorithm not in SSE_ALGORITHMS:
                errors.append(ProviderError(
                    f'{where}.sse_algorithm must be one of {", ".join(SSE_ALGORITHMS)}, '
                    f'not "{algorithm}"', attribute="rule"))
            elif known(key) and algorithm == "AES256":
                errors.append(ProviderError(
                    f"{where}.kms_master_key_id is only allowed with sse_algorithm aws:kms "
                    "or aws:kms:dsse", attribute="rule"))
        return errors
