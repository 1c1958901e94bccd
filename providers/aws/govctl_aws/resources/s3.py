"""S3 buckets and their governance settings.

A bucket's encryption, public access block, versioning and policy are each a
resource of their own (as in the Terraform AWS provider): a singleton setting
of one bucket, identified by the bucket's name. They share `BucketSetting`:
one Get call per refresh, a bucket that no longer exists means the setting is
gone too, and a put both creates and updates.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from govctl.plugins.protocol import UNKNOWN, ProviderError, attribute, block
from govctl_aws.errors import code_of, is_gone
from govctl_aws.policy import equivalent, parse
from govctl_aws.resource import DataSource, Obj, ResourceType


def tag_set(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def tag_dict(tag_list: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tag_list or ()}


class Bucket(BaseModel):
    bucket: str = attribute(force_new=True, description="The bucket's globally unique name.")
    force_destroy: bool = attribute(False, description="Delete every object (and version) "
                                    "when the bucket is destroyed, instead of failing.")
    tags: dict[str, str] | None = attribute(None)
    tags_all: dict[str, str] | None = attribute(computed=True)
    id: str | None = attribute(computed=True)
    arn: str | None = attribute(computed=True)
    region: str | None = attribute(computed=True)
    bucket_domain_name: str | None = attribute(computed=True)
    bucket_regional_domain_name: str | None = attribute(computed=True)


class BucketType(ResourceType):
    name = "aws_s3_bucket"
    model = Bucket
    # the region comes from state after the first read: one call per refresh
    refresh_calls = ("s3:GetBucketTagging",)

    def _derived(self, name: str, region: str) -> Obj:
        return {"id": name, "bucket": name, "region": region,
                "arn": f"arn:{self.aws.partition}:s3:::{name}",
                "bucket_domain_name": f"{name}.s3.amazonaws.com",
                "bucket_regional_domain_name": f"{name}.s3.{region}.amazonaws.com"}

    def read(self, state: Obj) -> Obj | None:
        name: str = state.get("id") or state["bucket"]
        s3 = self.aws.client("s3")
        try:
            tags = tag_dict(s3.get_bucket_tagging(Bucket=name).get("TagSet"))
        except ClientError as exc:
            if is_gone(exc):
                return None
            if code_of(exc) != "NoSuchTagSet":
                raise
            tags = {}
        region = state.get("region")
        if not region:
            location = s3.get_bucket_location(Bucket=name).get("LocationConstraint")
            region = location or "us-east-1"
        return {**state, **self._derived(name, region), **self.split_tags(tags, state),
                "force_destroy": bool(state.get("force_destroy"))}

    def import_state(self, id_: str) -> Obj:
        return {"id": id_, "bucket": id_}

    def create(self, planned: Obj) -> Obj:
        name, region = planned["bucket"], self.aws.region or "us-east-1"
        args: dict = {"Bucket": name}
        if region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3 = self.aws.client("s3")
        try:
            s3.create_bucket(**args)
        except ClientError as exc:
            if code_of(exc) != "BucketAlreadyOwnedByYou":
                raise
            raise ProviderError(f'the bucket "{name}" already exists in this account; '
                                f"bring it under govctl with `govctl import ADDR {name}`",
                                attribute="bucket") from None
        tags = self.tags_to_write(planned)
        if tags:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_set(tags)})
        return {**planned, **self._derived(name, region), "tags_all": tags}

    def update(self, prior: Obj, planned: Obj) -> Obj:
        name = prior["id"]
        s3 = self.aws.client("s3")
        tags = self.tags_to_write(planned)
        if tags != (prior.get("tags_all") or {}):
            if tags:
                s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_set(tags)})
            else:
                s3.delete_bucket_tagging(Bucket=name)
        return {**planned, **self._derived(name, prior.get("region") or self.aws.region or
                                           "us-east-1"), "tags_all": tags}

    def delete(self, prior: Obj) -> None:
        name = prior["id"]
        s3 = self.aws.client("s3")
        if prior.get("force_destroy"):
            self._empty(name)
        try:
            s3.delete_bucket(Bucket=name)
        except ClientError as exc:
            if is_gone(exc):
                return
            if code_of(exc) == "BucketNotEmpty":
                raise ProviderError(f'the bucket "{name}" is not empty; delete its objects or '
                                    "set force_destroy = true (and apply) before destroying "
                                    "it", attribute="force_destroy") from None
            raise

    def _empty(self, name: str) -> None:
        s3 = self.aws.client("s3")
        pages = s3.get_paginator("list_object_versions").paginate(Bucket=name)
        for page in pages:
            objects = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                       for v in [*page.get("Versions", ()), *page.get("DeleteMarkers", ())]]
            if objects:
                s3.delete_objects(Bucket=name, Delete={"Objects": objects, "Quiet": True})

    def find(self, planned: Obj) -> Obj | None:
        name = planned.get("bucket")
        if not isinstance(name, str):
            return None
        return self.read({"id": name, "bucket": name, "tags": planned.get("tags")})

    def discover(self) -> Iterator[str]:
        for b in self.aws.client("s3").list_buckets().get("Buckets", ()):
            yield b["Name"]


# --- bucket settings -------------------------------------------------------------

def known(value: Any) -> bool:
    return value is not None and value is not UNKNOWN


class BucketSetting(ResourceType):
    """A singleton setting of one bucket, whose id is the bucket's name.

    Subclasses say how to fetch the setting (`fetch`: AWS's answer, None when
    there is no such setting), how that answer maps to attributes (`from_api`)
    and how to write and remove it (`put`, `remove`). A bucket that no longer
    exists takes its settings with it: read answers None, delete succeeds.
    """

    def bucket_args(self, state: Obj) -> dict[str, str]:
        """Bucket (and ExpectedBucketOwner, where the type has it): every call's arguments."""
        name = state.get("bucket")
        args = {"Bucket": name if isinstance(name, str) else state["id"]}
        owner = state.get("expected_bucket_owner")
        if isinstance(owner, str) and owner:
            args["ExpectedBucketOwner"] = owner
        return args

    # --- to implement ---------------------------------------------------------
    def fetch(self, state: Obj) -> dict[str, Any] | None:
        raise NotImplementedError

    def from_api(self, state: Obj, answer: dict[str, Any]) -> Obj:
        raise NotImplementedError

    def put(self, planned: Obj) -> None:
        raise NotImplementedError

    def remove(self, prior: Obj) -> None:
        raise NotImplementedError

    def listed(self, answer: dict[str, Any]) -> bool:
        """Whether discovery reports a bucket whose setting AWS answered with."""
        return True

    # --- the resource type ----------------------------------------------------
    def read(self, state: Obj) -> Obj | None:
        try:
            answer = self.fetch(state)
        except ClientError as exc:
            if is_gone(exc):
                return None
            raise
        if answer is None:
            return None
        name = self.bucket_args(state)["Bucket"]
        return {**state, **self.from_api(state, answer), "id": name, "bucket": name}

    def create(self, planned: Obj) -> Obj:
        self.put(planned)
        return {**planned, "id": planned["bucket"]}

    def update(self, prior: Obj, planned: Obj) -> Obj:
        self.put(planned)
        return {**planned, "id": planned["bucket"]}

    def delete(self, prior: Obj) -> None:
        try:
            self.remove(prior)
        except ClientError as exc:
            if not is_gone(exc):
                raise

    def import_state(self, id_: str) -> Obj:
        """`bucket`, or `bucket,expected_bucket_owner` as Terraform accepts it
        for the types that have an owner."""
        name, _, owner = id_.partition(",")
        state: Obj = {"id": name, "bucket": name}
        if owner and "expected_bucket_owner" in self.schema().attributes:
            state["expected_bucket_owner"] = owner
        return state

    def find(self, planned: Obj) -> Obj | None:
        """A re-read by bucket name, over the planned values: the settings AWS
        does not return (mfa, the owner) and a policy text it would reformat."""
        name = planned.get("bucket")
        if not isinstance(name, str):
            return None
        return self.read({**planned, "id": name, "bucket": name})

    def discover(self) -> Iterator[str]:
        """One ListBuckets, then this type's Get call on every bucket (1 + N calls):
        S3 has no call listing the buckets that carry a setting."""
        for b in self.aws.client("s3").list_buckets().get("Buckets", ()):
            name = b["Name"]
            try:
                answer = self.fetch({"id": name, "bucket": name})
            except ClientError as exc:
                if is_gone(exc):
                    continue
                raise
            if answer is not None and self.listed(answer):
                yield name


# --- server-side encryption ---------------------------------------------------------

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



# --- public access block ----------------------------------------------------------

PUBLIC_ACCESS_FLAGS = {"block_public_acls": "BlockPublicAcls",
                       "block_public_policy": "BlockPublicPolicy",
                       "ignore_public_acls": "IgnorePublicAcls",
                       "restrict_public_buckets": "RestrictPublicBuckets"}


class PublicAccessBlock(BaseModel):
    bucket: str = attribute(force_new=True)
    block_public_acls: bool = attribute(False, description="Reject requests that set a "
                                        "public ACL.")
    block_public_policy: bool = attribute(False, description="Reject bucket policies that "
                                          "grant public access.")
    ignore_public_acls: bool = attribute(False, description="Ignore the public ACLs already "
                                         "on the bucket and its objects.")
    restrict_public_buckets: bool = attribute(False, description="Only AWS services and the "
                                              "owner's account may use a public policy.")
    id: str | None = attribute(computed=True)


class PublicAccessBlockType(BucketSetting):
    """A bucket's public access block. New buckets get one with every flag on
    (AWS's default since 2023): creating this resource overwrites it, as
    Terraform does; destroying it (DeletePublicAccessBlock) leaves the bucket
    with none, so only the account-level block applies."""

    name = "aws_s3_bucket_public_access_block"
    model = PublicAccessBlock
    refresh_calls = ("s3:GetPublicAccessBlock",)

    def fetch(self, state: Obj) -> dict[str, Any] | None:
        answer = self.aws.client("s3").get_public_access_block(**self.bucket_args(state))
        return answer.get("PublicAccessBlockConfiguration")

    def from_api(self, state: Obj, answer: dict[str, Any]) -> Obj:
        return {ours: bool(answer.get(theirs)) for ours, theirs in PUBLIC_ACCESS_FLAGS.items()}

    def put(self, planned: Obj) -> None:
        config = {theirs: bool(planned.get(ours)) for ours, theirs in PUBLIC_ACCESS_FLAGS.items()}
        self.aws.client("s3").put_public_access_block(
            **self.bucket_args(planned), PublicAccessBlockConfiguration=config)

    def remove(self, prior: Obj) -> None:
        self.aws.client("s3").delete_public_access_block(**self.bucket_args(prior))


# --- versioning ------------------------------------------------------------------

VERSIONING_STATUSES = ("Enabled", "Suspended", "Disabled")
MFA_DELETE = ("Enabled", "Disabled")


class VersioningConfiguration(BaseModel):
    status: str = attribute(description="Enabled, Suspended, or Disabled (only for a bucket "
                            "that has never been versioned: AWS cannot go back to it).")
    mfa_delete: str | None = attribute(None, description="Enabled or Disabled: whether "
                                       "deleting a version or changing versioning needs MFA; "
                                       "AWS's value is kept when not set.")


class Versioning(BaseModel):
    bucket: str = attribute(force_new=True)
    expected_bucket_owner: str | None = attribute(None, force_new=True)
    mfa: str | None = attribute(None, description="The MFA device's serial number, a space "
                                "and its current code: AWS requires it to change mfa_delete. "
                                "Not read back.")
    versioning_configuration: VersioningConfiguration = block()
    id: str | None = attribute(computed=True)


class VersioningType(BucketSetting):
    """A bucket's versioning state.

    A bucket that was never versioned answers no Status: that is "Disabled",
    and "Disabled" can only be planned for such a bucket (creating the resource
    with it makes no call). AWS has no way back to unversioned, so destroying
    this resource suspends versioning, as Terraform does (and does nothing for
    a bucket that is still unversioned).
    """

    name = "aws_s3_bucket_versioning"
    model = Versioning
    refresh_calls = ("s3:GetBucketVersioning",)

    def fetch(self, state: Obj) -> dict[str, Any] | None:
        answer = self.aws.client("s3").get_bucket_versioning(**self.bucket_args(state))
        return {k: answer[k] for k in ("Status", "MFADelete") if k in answer}

    def from_api(self, state: Obj, answer: dict[str, Any]) -> Obj:
        before = (state.get("versioning_configuration") or {}).get("mfa_delete")
        # AWS names MFADelete only once it has been set: until then it is off,
        # which agrees with a configuration that says so or says nothing
        mfa_delete = answer.get("MFADelete") or (before if before in (None, "Disabled")
                                                  else "Disabled")
        return {"versioning_configuration": {"status": answer.get("Status") or "Disabled",
                                             "mfa_delete": mfa_delete}}

    def listed(self, answer: dict[str, Any]) -> bool:
        """Only buckets ever versioned: an unversioned bucket has no setting."""
        return bool(answer.get("Status"))

    def put(self, planned: Obj) -> None:
        config = planned["versioning_configuration"]
        if config["status"] == "Disabled":
            self._check_unversioned(planned)
            return
        body = {"Status": config["status"]}
        if config.get("mfa_delete"):
            body["MFADelete"] = config["mfa_delete"]
        args: dict[str, Any] = {**self.bucket_args(planned), "VersioningConfiguration": body}
        if planned.get("mfa"):
            args["MFA"] = planned["mfa"]
        self.aws.client("s3").put_bucket_versioning(**args)

    def _check_unversioned(self, planned: Obj) -> None:
        """"Disabled" is a promise that the bucket was never versioned; nothing
        to write, but a bucket that was must not be recorded as unversioned."""
        status = (self.fetch(planned) or {}).get("Status")
        if status:
            raise ProviderError(
                f'the bucket "{planned["bucket"]}" has been versioned (its versioning is '
                f'{status}) and S3 cannot make it unversioned again: set '
                'versioning_configuration.status to "Suspended" instead of "Disabled"',
                attribute="versioning_configuration")

    def remove(self, prior: Obj) -> None:
        """Suspend versioning: an S3 bucket can never become unversioned again."""
        if (prior.get("versioning_configuration") or {}).get("status") == "Disabled":
            return
        args: dict[str, Any] = {**self.bucket_args(prior),
                                "VersioningConfiguration": {"Status": "Suspended"}}
        if prior.get("mfa"):
            args["MFA"] = prior["mfa"]
        self.aws.client("s3").put_bucket_versioning(**args)

    def validate(self, config: Obj) -> list[ProviderError]:
        vc = config.get("versioning_configuration")
        if not isinstance(vc, dict):
            return []
        errors = []
        status, mfa_delete = vc.get("status"), vc.get("mfa_delete")
        if known(status) and status not in VERSIONING_STATUSES:
            errors.append(ProviderError(
                "versioning_configuration.status must be one of "
                f'{", ".join(VERSIONING_STATUSES)}, not "{status}"',
                attribute="versioning_configuration"))
        if known(mfa_delete) and mfa_delete not in MFA_DELETE:
            errors.append(ProviderError(
                f'versioning_configuration.mfa_delete must be Enabled or Disabled, not '
                f'"{mfa_delete}"', attribute="versioning_configuration"))
        return errors

    def customize(self, prior: Obj | None, planned: Obj, replace: set[str]) -> Obj:
        vc = planned.get("versioning_configuration")
        before = (prior or {}).get("versioning_configuration") or {}
        if not isinstance(vc, dict) or prior is None or replace:
            return planned
        if vc.get("mfa_delete") is None and before.get("mfa_delete") is not None:
            planned["versioning_configuration"] = {**vc, "mfa_delete": before["mfa_delete"]}
        if vc.get("status") == "Disabled" and before.get("status") not in (None, "Disabled"):
            raise ProviderError(
                f'the bucket "{prior.get("bucket")}" has been versioned (its versioning is '
                f'{before["status"]}) and S3 cannot make it unversioned again: set '
                'versioning_configuration.status to "Suspended" instead of "Disabled"',
                attribute="versioning_configuration")
        return planned


# --- bucket policy ---------------------------------------------------------------

class BucketPolicy(BaseModel):
    bucket: str = attribute(force_new=True)
    policy: str = attribute(description="The policy document, as JSON text (compared by "
                            "meaning: a reformatted document is no change).")
    id: str | None = attribute(computed=True)


class BucketPolicyType(BucketSetting):
    """A bucket's resource policy."""

    name = "aws_s3_bucket_policy"
    model = BucketPolicy
    refresh_calls = ("s3:GetBucketPolicy",)
    semantic = {"policy": equivalent}

    def fetch(self, state: Obj) -> dict[str, Any] | None:
        answer = self.aws.client("s3").get_bucket_policy(**self.bucket_args(state))
        return {"Policy": answer["Policy"]} if answer.get("Policy") else None

    def from_api(self, state: Obj, answer: dict[str, Any]) -> Obj:
        """AWS's text, unless it means what the state's says: then the state's,
        so a document AWS reformatted is not reported as changed outside."""
        live, before = answer["Policy"], state.get("policy")
        return {"policy": before if before is not None and equivalent(before, live) else live}

    def put(self, planned: Obj) -> None:
        self.aws.client("s3").put_bucket_policy(**self.bucket_args(planned),
                                                Policy=planned["policy"])

    def remove(self, prior: Obj) -> None:
        self.aws.client("s3").delete_bucket_policy(**self.bucket_args(prior))

    def validate(self, config: Obj) -> list[ProviderError]:
        policy = config.get("policy")
        if known(policy) and not isinstance(parse(policy), dict):
            return [ProviderError("policy must be a JSON policy document (an object with a "
                                  "Statement); use jsonencode(...) to write one",
                                  attribute="policy")]
        return []



RESOURCES: tuple[type[ResourceType], ...] = (
    BucketType, EncryptionType, PublicAccessBlockType, VersioningType, BucketPolicyType)
DATA_SOURCES: tuple[type[DataSource], ...] = ()
