"""KMS keys, their aliases, and the key lookup data source.

A key is the root of a data-protection chain: governance cares that its
policy, rotation and enabled state stay as declared, so refresh reads all
three (and the tags). Keys are never deleted at once by AWS: destroying one
schedules its deletion, and a key waiting for deletion is treated as gone.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from govctl.plugins.protocol import UNKNOWN, ProviderError, attribute
from govctl_aws import policy as iam_policy
from govctl_aws.errors import code_of, is_gone
from govctl_aws.resource import DataSource, Obj, ResourceType, empty

KEY_USAGES = ("ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT")
KEY_SPECS = ("SYMMETRIC_DEFAULT", "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256",
             "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "HMAC_224", "HMAC_256",
             "HMAC_384", "HMAC_512", "SM2")
DELETION_WINDOW = (7, 30)
ROTATION_PERIOD = (90, 2560)
DEFAULT_DELETION_WINDOW = 30
# the state in which KMS still answers for a key that no longer exists for its owner
PENDING_DELETION = "PendingDeletion"
ALIAS_PREFIX = "alias/"
RESERVED_ALIAS_PREFIX = "alias/aws/"
ALIAS_NAME = re.compile(r"^alias/[a-zA-Z0-9/_-]+$")
ALIAS_MAX = 256


# --- shared helpers -----------------------------------------------------------

def kms_tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"TagKey": k, "TagValue": v} for k, v in sorted(tags.items())]


def rfc3339(value: Any) -> str | None:
    """A timestamp as Terraform writes it (UTC, seconds, `Z`)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None if value is None else str(value)


def raw_key_id(value: Any) -> Any:
    """The key id of a key id or key ARN (`arn:...:key/<id>`); other values unchanged."""
    if isinstance(value, str) and value.startswith("arn:") and ":key/" in value:
        return value.split(":key/", 1)[1]
    return value


def same_key(a: Any, b: Any) -> bool:
    """A key named by id or by ARN is the same key."""
    return raw_key_id(a) == raw_key_id(b)


def number(value: Any) -> int | float | Decimal | None:
    """A configured number (HCL numbers arrive as int or Decimal); None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return value


def whole(value: Any) -> int | None:
    n = number(value)
    return int(n) if n is not None and n == int(n) else None


def check_range(config: Obj, name: str, bounds: tuple[int, int]) -> ProviderError | None:
    value = number(config.get(name))
    if value is None:
        return None
    low, high = bounds
    if low <= value <= high and value == int(value):
        return None
    return ProviderError(f"{name} must be a whole number of days from {low} to {high}, "
                         f"not {value}", attribute=name)


def check_choice(config: Obj, name: str, choices: tuple[str, ...]) -> ProviderError | None:
    value = config.get(name)
    if not isinstance(value, str) or value in choices:
        return None
    return ProviderError(f'{name} "{value}" is not one of {", ".join(choices)}',
                         attribute=name)


def check_alias_name(config: Obj, name: str) -> ProviderError | None:
    """KMS's own rules for alias names, checked before any call is made."""
    value = config.get(name)
    if not isinstance(value, str):
        return None
    if not value.startswith(ALIAS_PREFIX):
        return ProviderError(f'{name} "{value}" must start with "{ALIAS_PREFIX}"',
                             attribute=name)
    if value.startswith(RESERVED_ALIAS_PREFIX):
        return ProviderError(f'{name} "{value}": the prefix "{RESERVED_ALIAS_PREFIX}" is '
                             "reserved for AWS-managed keys", attribute=name)
    # a prefix may end right after "alias/"; a name needs at least one character more
    if (name == "name" or value != ALIAS_PREFIX) and not ALIAS_NAME.match(value):
        return ProviderError(f'{name} "{value}" may hold only letters, digits, "/", "_" '
                             'and "-" after "alias/"', attribute=name)
    if len(value) > ALIAS_MAX:
        return ProviderError(f"{name} is longer than {ALIAS_MAX} characters", attribute=name)
    return None



# --- aws_kms_key --------------------------------------------------------------

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

    def discover(self) -> Iterator[str]:
        """Customer-managed keys not pending deletion. ListKeys does not say who
        manages a key, so this costs one DescribeKey per key as well."""
        kms = self.aws.client("kms")
        for page in kms.get_paginator("list_keys").paginate():
            for entry in page.get("Keys", ()):
                try:
                    meta = kms.describe_key(KeyId=entry["KeyId"])["KeyMetadata"]
                except ClientError as exc:
                    if is_gone(exc):
                        continue
                    raise
                if meta.get("KeyManager") != "AWS" and meta.get("KeyState") != PENDING_DELETION:
                    yield meta["KeyId"]


# --- aws_kms_alias ------------------------------------------------------------

class Alias(BaseModel):
    name: str | None = attribute(optional=True, computed=True, force_new=True,
                                 description='The alias, "alias/<name>"; generated from '
                                 "name_prefix when unset.")
    name_prefix: str | None = attribute(None, force_new=True,
                                        description='A prefix ("alias/...") for a generated '
                                        "unique name.")
    target_key_id: str = attribute(description="The key (id or ARN) the alias points at.")
    id: str | None = attribute(computed=True)
    arn: str | None = attribute(computed=True)
    target_key_arn: str | None = attribute(computed=True)


class AliasType(ResourceType):
    """A KMS alias: a stable name for a key, retargeted in place."""

    name = "aws_kms_alias"
    model = Alias
    # ListAliases filtered by the key in state: one page holds that key's few
    # aliases. Only when the alias is not there (retargeted outside govctl,
    # deleted, or an import that knows no key yet) does read page through
    # every alias of the account; KMS has no lookup of one alias by name.
    refresh_calls = ("kms:ListAliases",)
    semantic = {"target_key_id": same_key}

    def validate(self, config: Obj) -> list[ProviderError]:
        errors = [check_alias_name(config, "name"), check_alias_name(config, "name_prefix")]
        if isinstance(config.get("name"), str) and isinstance(config.get("name_prefix"), str):
            errors.append(ProviderError("name and name_prefix cannot both be set",
                                        attribute="name_prefix"))
        return [e for e in errors if e is not None]

    # --- refresh ------------------------------------------------------------
    def read(self, state: Obj) -> Obj | None:
        name = state.get("id") or state.get("name")
        found = self._lookup(name, state.get("target_key_id"))
        if found is None:
            return None
        return {**state, **self._from_alias(found, state)}

    def _lookup(self, name: str, key: Any) -> dict[str, Any] | None:
        if isinstance(key, str) and key:
            try:
                for alias in self._aliases(KeyId=key):
                    if alias.get("AliasName") == name:
                        return alias
            except ClientError as exc:
                if not is_gone(exc):
                    raise
        return next((a for a in self._aliases() if a.get("AliasName") == name), None)

    def _aliases(self, **filters: str) -> Iterator[dict[str, Any]]:
        pages = self.aws.client("kms").get_paginator("list_aliases").paginate(**filters)
        for page in pages:
            yield from page.get("Aliases", ())

    @staticmethod
    def _from_alias(alias: Mapping[str, Any], state: Obj) -> Obj:
        target = alias.get("TargetKeyId")
        arn = alias["AliasArn"]
        # the key lives in the alias's account and region: its ARN needs no call
        key_arn = arn.rsplit(":", 1)[0] + f":key/{target}" if target else None
        known = state.get("target_key_id")
        return {"id": alias["AliasName"], "name": alias["AliasName"], "arn": arn,
                "target_key_id": known if same_key(known, target) else target,
                "target_key_arn": key_arn, "name_prefix": state.get("name_prefix")}

    # --- changes ------------------------------------------------------------
    def create(self, planned: Obj) -> Obj:
        name = planned.get("name")
        if not isinstance(name, str):
            name = unique_name(planned.get("name_prefix") or ALIAS_PREFIX)
        kms = self.aws.client("kms")
        try:
            kms.create_alias(AliasName=name, TargetKeyId=planned["target_key_id"])
        except ClientError as exc:
            if code_of(exc) != "AlreadyExistsException":
                raise
            raise ProviderError(f'the alias "{name}" already exists; bring it under govctl '
                                f"with `govctl import ADDR {name}`", attribute="name") from None
        found = self.read({**planned, "id": name, "name": name})
        if found is None:
            raise ProviderError(f'the alias "{name}" was created but KMS does not list it')
        return found

    def update(self, prior: Obj, planned: Obj) -> Obj:
        name = prior["id"]
        if not same_key(planned["target_key_id"], prior.get("target_key_id")):
            self.aws.client("kms").update_alias(AliasName=name,
                                                TargetKeyId=planned["target_key_id"])
        key_arn = (prior.get("arn") or "").rsplit(":", 1)[0] + \
            f":key/{raw_key_id(planned['target_key_id'])}"
        return {**planned, "id": name, "name": name, "arn": prior.get("arn"),
                "target_key_arn": key_arn}

    def delete(self, prior: Obj) -> None:
        try:
            self.aws.client("kms").delete_alias(AliasName=prior["id"])
        except ClientError as exc:
            if not is_gone(exc):
                raise

    # --- import, recovery, discovery ------------------------------------------
    def import_state(self, id_: str) -> Obj:
        return {"id": id_, "name": id_}

    def find(self, planned: Obj) -> Obj | None:
        name = planned.get("name")
        if not isinstance(name, str):
            return None
        return self.read({"id": name, "name": name,
                          "target_key_id": planned.get("target_key_id")
                          if isinstance(planned.get("target_key_id"), str) else None})

    def discover(self) -> Iterator[str]:
        """Every alias of the account but AWS's own (`alias/aws/...`)."""
        for alias in self._aliases():
            name = alias.get("AliasName", "")
            if not name.startswith(RESERVED_ALIAS_PREFIX):
                yield name


_SEQUENCE = itertools.count(1)


def unique_name(prefix: str) -> str:
    """`prefix` and a time-ordered unique suffix (Terraform's naming for a prefix);
    the counter keeps names made in the same microsecond apart."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    return f"{prefix}{stamp}{next(_SEQUENCE) % 10000:04d}"


# --- data "aws_kms_key" -------------------------------------------------------

class KeyLookup(BaseModel):
    key_id: str = attribute(description="Key id, key ARN, alias name or alias ARN.")
    id: str | None = attribute(computed=True)
    arn: str | None = attribute(computed=True)
    aws_account_id: str | None = attribute(computed=True)
    creation_date: str | None = attribute(computed=True)
    customer_master_key_spec: str | None = attribute(computed=True)
    key_spec: str | None = attribute(computed=True)
    deletion_date: str | None = attribute(computed=True)
    description: str | None = attribute(computed=True)
    enabled: bool | None = attribute(computed=True)
    key_manager: str | None = attribute(computed=True)
    key_state: str | None = attribute(computed=True)
    key_usage: str | None = attribute(computed=True)
    multi_region: bool | None = attribute(computed=True)
    origin: str | None = attribute(computed=True)


class KeyLookupSource(DataSource):
    """A key found by any of its names, with the metadata governance checks
    (who manages it, whether it is usable, what it is for)."""

    name = "aws_kms_key"
    model = KeyLookup
    refresh_calls = ("kms:DescribeKey",)

    def read(self, config: Obj) -> Obj:
        wanted = config["key_id"]
        try:
            meta = self.aws.client("kms").describe_key(KeyId=wanted)["KeyMetadata"]
        except ClientError as exc:
            if not is_gone(exc):
                raise
            raise ProviderError(f'no KMS key "{wanted}" in this account and region',
                                attribute="key_id") from None
        return {"key_id": wanted, "id": meta["KeyId"], "arn": meta["Arn"],
                "aws_account_id": meta.get("AWSAccountId"),
                "creation_date": rfc3339(meta.get("CreationDate")),
                "customer_master_key_spec": meta.get("CustomerMasterKeySpec") or
                meta.get("KeySpec"),
                "key_spec": meta.get("KeySpec"),
                "deletion_date": rfc3339(meta.get("DeletionDate")),
                "description": meta.get("Description"), "enabled": bool(meta.get("Enabled")),
                "key_manager": meta.get("KeyManager"), "key_state": meta.get("KeyState"),
                "key_usage": meta.get("KeyUsage"),
                # absent means a single-Region key (moto leaves it out)
                "multi_region": bool(meta.get("MultiRegion")),
                "origin": meta.get("Origin")}


RESOURCES: tuple[type[ResourceType], ...] = (KeyType, AliasType)
DATA_SOURCES: tuple[type[DataSource], ...] = (KeyLookupSource,)
