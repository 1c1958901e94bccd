"""aws_kms_key: a customer-managed key, its policy, rotation and state.

A key is the root of a data-protection chain: refresh reads its policy,
rotation and enabled state (and tags), because governance cares that they
stay as declared. AWS never deletes a key at once (see `KeyType`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from govctl.plugins.protocol import UNKNOWN, ProviderError, attribute
from govctl_aws import policy as iam_policy
from govctl_aws.errors import code_of, is_gone
from govctl_aws.resource import Obj, ResourceType, empty
from govctl_aws.resources.kms.common import check_choice, check_range, raw_key_id, whole

KEY_USAGES = ("ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT")
KEY_SPECS = ("SYMMETRIC_DEFAULT", "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256",
             "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "HMAC_224", "HMAC_256",
             "HMAC_384", "HMAC_512", "SM2")
DELETION_WINDOW = (7, 30)
ROTATION_PERIOD = (90, 2560)
DEFAULT_DELETION_WINDOW = 30
# the state in which KMS still answers for a key that no longer exists for its owner
PENDING_DELETION = "PendingDeletion"


def kms_tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"TagKey": k, "TagValue": v} for k, v in sorted(tags.items())]


class Key(BaseModel):
    description: str | None = attribute(None, description="What the key protects.")
    key_usage: str = attribute("ENCRYPT_DECRYPT", force_new=True,
                               description="ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC "
                               "or KEY_AGREEMENT.")
    customer_master_key_spec: str = attribute("SYMMETRIC_DEFAULT", force_new=True,
                                              description="Symmetric, or the asymmetric/HMAC "
                                              "key type.")
    policy: str | None = attribute(optional=True, computed=True,
                                   description="The key policy (JSON); AWS sets a default "
                                   "policy when none is given.")
    bypass_policy_lockout_safety_check: bool = attribute(
        False, description="Skip KMS's check that the policy does not lock the caller out. "
        "Sent with the policy; AWS does not report it back.")
    enable_key_rotation: bool = attribute(False, description="Rotate the key material.")
    rotation_period_in_days: int | None = attribute(
        optional=True, computed=True, description="Days between rotations (90 to 2560).")
    deletion_window_in_days: int = attribute(
        DEFAULT_DELETION_WINDOW, description="Days (7 to 30) between destroy and the key's "
        "actual deletion. Lives only in the configuration.")
    is_enabled: bool = attribute(True, description="Whether the key can be used.")
    multi_region: bool = attribute(False, force_new=True,
                                   description="A multi-Region primary key.")
    tags: dict[str, str] | None = attribute(None)
    tags_all: dict[str, str] | None = attribute(computed=True)
    id: str | None = attribute(computed=True)
    key_id: str | None = attribute(computed=True)
    arn: str | None = attribute(computed=True)


class KeyType(ResourceType):
    """A customer-managed KMS key.

    Note: destroying a KMS key schedules its deletion after deletion_window_in_days days
    (ScheduleKeyDeletion): AWS never deletes a key at once, and until the
    window ends the deletion can still be cancelled outside govctl. The key is
    then in state PendingDeletion, which `read` treats as gone, so the next
    plan creates a new key instead of updating a dying one.
    """

    name = "aws_kms_key"
    model = Key
    # one call per setting governance watches: the metadata (state, usage,
    # description), the policy, the rotation status, the tags. A key pending
    # deletion stops after DescribeKey.
    refresh_calls = ("kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus",
                     "kms:ListResourceTags")
    semantic = {"policy": iam_policy.equivalent}

    # --- planning -----------------------------------------------------------
    def destroy_note(self, prior: Obj) -> str | None:
        days = prior.get("deletion_window_in_days") or 30
        return (f"AWS deletes a KMS key only after a waiting period: destroying key "
                f"{prior.get('key_id')} schedules its deletion in {days} days "
                "(deletion_window_in_days). Until then it can be recovered with "
                "CancelKeyDeletion; afterwards whatever it encrypted cannot be decrypted.")

    def validate(self, config: Obj) -> list[ProviderError]:
        checks = (check_range(config, "deletion_window_in_days", DELETION_WINDOW),
                  check_range(config, "rotation_period_in_days", ROTATION_PERIOD),
                  check_choice(config, "key_usage", KEY_USAGES),
                  check_choice(config, "customer_master_key_spec", KEY_SPECS),
                  self._check_policy(config))
        return [e for e in checks if e is not None]

    @staticmethod
    def _check_policy(config: Obj) -> ProviderError | None:
        doc = config.get("policy")
        if isinstance(doc, str) and doc.strip() and iam_policy.parse(doc) is None:
            return ProviderError("policy is not a JSON document", attribute="policy")
        return None

    # --- refresh ------------------------------------------------------------
    def read(self, state: Obj) -> Obj | None:
        key_id = state.get("id") or state.get("key_id")
        kms = self.aws.client("kms")
        try:
            meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        except ClientError as exc:
            if is_gone(exc):
                return None
            raise
        if meta.get("KeyState") == PENDING_DELETION:
            return None
        key_id = meta["KeyId"]
        live_policy = kms.get_key_policy(KeyId=key_id, PolicyName="default").get("Policy")
        rotation = kms.get_key_rotation_status(KeyId=key_id)
        return {**state, **self._from_metadata(meta, state),
                "policy": self._policy_text(live_policy, state.get("policy")),
                "enable_key_rotation": bool(rotation.get("KeyRotationEnabled")),
                "rotation_period_in_days": self._rotation_period(rotation, state),
                **self._not_readable(state),
                **self.split_tags(self._tags(key_id), state)}

    @staticmethod
    def _from_metadata(meta: Mapping[str, Any], state: Obj) -> Obj:
        description = meta.get("Description")
        if empty(description) and empty(state.get("description")):
            description = state.get("description")      # "" and unset are the same
        return {"id": meta["KeyId"], "key_id": meta["KeyId"], "arn": meta["Arn"],
                "description": description,
                "key_usage": meta.get("KeyUsage") or "ENCRYPT_DECRYPT",
                "customer_master_key_spec": meta.get("KeySpec") or
                meta.get("CustomerMasterKeySpec") or "SYMMETRIC_DEFAULT",
                "is_enabled": bool(meta.get("Enabled")),
                "multi_region": bool(meta.get("MultiRegion"))}

    @staticmethod
    def _policy_text(live: Any, known: Any) -> str | None:
        """The state's text when AWS holds an equivalent document (AWS reformats it)."""
        if isinstance(known, str) and iam_policy.equivalent(known, live):
            return known
        return iam_policy.to_text(live)

    @staticmethod
    def _rotation_period(rotation: Mapping[str, Any], state: Obj) -> Any:
        """AWS reports the period only while rotation is on; moto (5.2.5) accepts
        RotationPeriodInDays but never returns it. Either way a missing value
        means "not reported", not "changed", so the state's value stands."""
        period = rotation.get("RotationPeriodInDays")
        return period if period is not None else state.get("rotation_period_in_days")

    @staticmethod
    def _not_readable(state: Obj) -> Obj:
        """Settings AWS never reports: the state's (the defaults after an import)."""
        window = state.get("deletion_window_in_days")
        bypass = state.get("bypass_policy_lockout_safety_check")
        return {"deletion_window_in_days": DEFAULT_DELETION_WINDOW if window is None else window,
                "bypass_policy_lockout_safety_check": bool(bypass)}

    def _tags(self, key_id: str) -> dict[str, str]:
        kms = self.aws.client("kms")
        tags: dict[str, str] = {}
        args: dict[str, Any] = {"KeyId": key_id}
        while True:
            page = kms.list_resource_tags(**args)
            tags.update({t["TagKey"]: t["TagValue"] for t in page.get("Tags", ())})
            if not page.get("Truncated") or not page.get("NextMarker"):
                return tags
            args["Marker"] = page["NextMarker"]

    # --- changes ------------------------------------------------------------
    def create(self, planned: Obj) -> Obj:
        kms = self.aws.client("kms")
        tags = self.tags_to_write(planned)
        bypass = bool(planned.get("bypass_policy_lockout_safety_check"))
        args: dict[str, Any] = {
            "Description": planned.get("description") or "",
            "KeyUsage": planned["key_usage"], "KeySpec": planned["customer_master_key_spec"],
            "MultiRegion": bool(planned.get("multi_region")),
            "BypassPolicyLockoutSafetyCheck": bypass}
        if isinstance(planned.get("policy"), str):
            args["Policy"] = planned["policy"]
        if tags:
            args["Tags"] = kms_tags(tags)
        meta = kms.create_key(**args)["KeyMetadata"]
        key_id = meta["KeyId"]
        if planned.get("enable_key_rotation"):
            self._enable_rotation(key_id, planned.get("rotation_period_in_days"))
        if not planned.get("is_enabled", True):
            kms.disable_key(KeyId=key_id)
        return {**planned, "id": key_id, "key_id": key_id, "arn": meta["Arn"],
                "tags_all": tags, **self._computed_after_create(key_id, planned)}

    def _computed_after_create(self, key_id: str, planned: Obj) -> Obj:
        """What AWS chose for the optional+computed settings left unset."""
        kms = self.aws.client("kms")
        out: Obj = {}
        if planned.get("policy") is UNKNOWN or planned.get("policy") is None:
            out["policy"] = iam_policy.to_text(
                kms.get_key_policy(KeyId=key_id, PolicyName="default").get("Policy"))
        if planned.get("rotation_period_in_days") in (UNKNOWN, None):
            out["rotation_period_in_days"] = None
            if planned.get("enable_key_rotation"):
                out["rotation_period_in_days"] = kms.get_key_rotation_status(
                    KeyId=key_id).get("RotationPeriodInDays")
        return out

    def _enable_rotation(self, key_id: str, period: Any) -> None:
        args: dict[str, Any] = {"KeyId": key_id}
        if whole(period) is not None:
            args["RotationPeriodInDays"] = whole(period)
        self.aws.client("kms").enable_key_rotation(**args)

    def update(self, prior: Obj, planned: Obj) -> Obj:
        kms = self.aws.client("kms")
        key_id = prior["id"]
        if (planned.get("description") or "") != (prior.get("description") or ""):
            kms.update_key_description(KeyId=key_id,
                                       Description=planned.get("description") or "")
        if isinstance(planned.get("policy"), str) and planned["policy"] != prior.get("policy"):
            kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=planned["policy"],
                               BypassPolicyLockoutSafetyCheck=bool(
                                   planned.get("bypass_policy_lockout_safety_check")))
        # a disabled key's rotation cannot change: enable first, disable last
        if planned.get("is_enabled") and not prior.get("is_enabled"):
            kms.enable_key(KeyId=key_id)
        self._update_rotation(key_id, prior, planned)
        if not planned.get("is_enabled") and prior.get("is_enabled"):
            kms.disable_key(KeyId=key_id)
        tags = self._update_tags(key_id, prior, planned)
        return {**planned, "id": key_id, "key_id": key_id, "arn": prior.get("arn"),
                "tags_all": tags}

    def _update_rotation(self, key_id: str, prior: Obj, planned: Obj) -> None:
        on = bool(planned.get("enable_key_rotation"))
        period = planned.get("rotation_period_in_days")
        if on == bool(prior.get("enable_key_rotation")) and \
                (not on or period == prior.get("rotation_period_in_days")):
            return
        if on:
            self._enable_rotation(key_id, period)
        else:
            self.aws.client("kms").disable_key_rotation(KeyId=key_id)

    def _update_tags(self, key_id: str, prior: Obj, planned: Obj) -> dict[str, str]:
        kms = self.aws.client("kms")
        tags = self.tags_to_write(planned)
        before = prior.get("tags_all") or {}
        gone = sorted(k for k in before if k not in tags)
        if gone:
            kms.untag_resource(KeyId=key_id, TagKeys=gone)
        changed = {k: v for k, v in tags.items() if before.get(k) != v}
        if changed:
            kms.tag_resource(KeyId=key_id, Tags=kms_tags(changed))
        return tags

    def delete(self, prior: Obj) -> None:
        """Schedules the deletion (see the class docstring); a key already
        scheduled or gone is done."""
        window = whole(prior.get("deletion_window_in_days")) or DEFAULT_DELETION_WINDOW
        try:
            self.aws.client("kms").schedule_key_deletion(KeyId=prior["id"],
                                                         PendingWindowInDays=window)
        except ClientError as exc:
            if is_gone(exc):
                return
            if code_of(exc) == "KMSInvalidStateException" and self.read(prior) is None:
                return
            raise

    # --- import, recovery, discovery ------------------------------------------
    def import_state(self, id_: str) -> Obj:
        return {"id": raw_key_id(id_)}

    def find(self, planned: Obj) -> Obj | None:
        """Always None: a key has no unique name (its id is chosen by AWS at
        create, and descriptions and tags may repeat), so an interrupted
        create cannot be told apart from any other key in the account."""
        return None

    def discover(self, known: frozenset[str] = frozenset()) -> Iterator[str]:
        """Customer-managed keys not pending deletion. ListKeys does not say who
        manages a key, so this costs one DescribeKey per key not already known."""
        kms = self.aws.client("kms")
        for page in kms.get_paginator("list_keys").paginate():
            for entry in page.get("Keys", ()):
                if entry["KeyId"] in known:
                    yield entry["KeyId"]
                    continue
                try:
                    meta = kms.describe_key(KeyId=entry["KeyId"])["KeyMetadata"]
                except ClientError as exc:
                    if is_gone(exc):
                        continue
                    raise
                if meta.get("KeyManager") != "AWS" and meta.get("KeyState") != PENDING_DELETION:
                    yield meta["KeyId"]
