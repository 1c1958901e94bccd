"""aws_kms_key against the moto server: the whole life of one key."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import Stubber

from govctl_aws.policy import equivalent
from govctl_aws.resources.kms.key import KeyType
from tests.providers.aws.conftest import ACCOUNT, AwsWorkspace, Moto

KEY = """
resource "aws_kms_key" "k" {
  description             = "%s"
  enable_key_rotation     = %s
  deletion_window_in_days = 7
  tags                    = %s
}
"""

POLICY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "Root",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }],
}

KEY_WITH_POLICY = """
resource "aws_kms_key" "k" {
  description = "with policy"
  policy      = %s
}
"""


def key_id(aws: AwsWorkspace, address: str = "aws_kms_key.k") -> str:
    return aws.attrs(address)["id"]


def metadata(moto: Moto, kid: str) -> dict[str, Any]:
    return moto.client("kms").describe_key(KeyId=kid)["KeyMetadata"]


def live_tags(moto: Moto, kid: str) -> dict[str, str]:
    tags = moto.client("kms").list_resource_tags(KeyId=kid)["Tags"]
    return {t["TagKey"]: t["TagValue"] for t in tags}


def rotation(moto: Moto, kid: str) -> bool:
    return moto.client("kms").get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"]


def test_create_then_no_changes(aws: AwsWorkspace) -> None:
    aws.write(KEY % ("models", "true", '{ team = "vision" }'))
    out = aws.applied()
    assert "1 added, 0 changed, 0 destroyed" in out
    attrs = aws.attrs("aws_kms_key.k")
    kid = attrs["id"]
    assert attrs["key_id"] == kid
    assert attrs["arn"] == f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{kid}"
    meta = metadata(aws.moto, kid)
    assert meta["Description"] == "models"
    assert meta["KeyState"] == "Enabled"
    assert meta["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert rotation(aws.moto, kid) is True
    assert live_tags(aws.moto, kid) == {"team": "vision"}
    # unset, the policy is the one AWS chose (its default key policy)
    assert json.loads(attrs["policy"])["Statement"][0]["Action"] == "kms:*"
    assert attrs["deletion_window_in_days"] == 7
    aws.no_changes()


def test_update_in_place(aws: AwsWorkspace) -> None:
    aws.write(KEY % ("models", "false", '{ team = "vision" }'))
    aws.applied()
    kid = key_id(aws)
    aws.write(KEY % ("models v2", "true", '{ team = "nlp", tier = "gold" }'))
    _code, out, _ = aws.plan()
    assert "# aws_kms_key.k will be updated in-place" in out
    assert "0 to add, 1 to change, 0 to destroy" in out
    assert "1 changed" in aws.applied()
    assert key_id(aws) == kid
    assert metadata(aws.moto, kid)["Description"] == "models v2"
    assert rotation(aws.moto, kid) is True
    assert live_tags(aws.moto, kid) == {"team": "nlp", "tier": "gold"}
    aws.no_changes()
    aws.write(KEY % ("models v2", "false", "null"))
    aws.applied()
    assert rotation(aws.moto, kid) is False
    assert live_tags(aws.moto, kid) == {}
    aws.no_changes()


def test_disable_and_enable(aws: AwsWorkspace) -> None:
    aws.write('resource "aws_kms_key" "k" {\n  is_enabled = false\n}\n')
    aws.applied()
    kid = key_id(aws)
    assert metadata(aws.moto, kid)["KeyState"] == "Disabled"
    aws.no_changes()
    aws.write('resource "aws_kms_key" "k" {\n  is_enabled = true\n'
              '  enable_key_rotation = true\n}\n')
    aws.applied()
    assert metadata(aws.moto, kid)["KeyState"] == "Enabled"
    assert rotation(aws.moto, kid) is True


def test_multi_region_forces_replacement(aws: AwsWorkspace) -> None:
    aws.write('resource "aws_kms_key" "k" {\n  deletion_window_in_days = 7\n}\n')
    aws.applied()
    old = key_id(aws)
    aws.write('resource "aws_kms_key" "k" {\n  deletion_window_in_days = 7\n'
              '  multi_region = true\n}\n')
    _code, out, _ = aws.plan()
    assert "# aws_kms_key.k must be replaced" in out
    assert "forces replacement" in out
    aws.applied()
    new = key_id(aws)
    assert new != old and new.startswith("mrk-")
    assert metadata(aws.moto, new)["MultiRegion"] is True
    assert metadata(aws.moto, old)["KeyState"] == "PendingDeletion"
    aws.no_changes()


def test_destroy_schedules_deletion(aws: AwsWorkspace) -> None:
    aws.write(KEY % ("doomed", "false", "{}"))
    aws.applied()
    kid = key_id(aws)
    code, out, err = aws.run("destroy", "-no-color", "-auto-approve", str(aws.root))
    assert code == 0, out + err
    meta = metadata(aws.moto, kid)
    assert meta["KeyState"] == "PendingDeletion"
    # the configured window (7 days), not AWS's default of 30
    due = meta["DeletionDate"].astimezone(UTC) - datetime.now(UTC)
    assert timedelta(days=6) < due <= timedelta(days=7, minutes=1)
    assert aws.state()["resources"] == [] or all(
        not r["instances"] for r in aws.state()["resources"])
    # the type's documentation says so (the protocol has no plan-time note for a delete)
    assert "destroying a KMS key schedules its deletion after deletion_window_in_days days" \
        in (KeyType.__doc__ or "")


def test_pending_deletion_is_gone(aws: AwsWorkspace) -> None:
    aws.write(KEY % ("dying", "false", "{}"))
    aws.applied()
    kid = key_id(aws)
    aws.moto.client("kms").schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    _code, out, _ = aws.plan()
    assert "has been deleted" in out
    assert "1 to add, 0 to change, 0 to destroy" in out
    aws.applied()
    assert key_id(aws) != kid


def test_rotation_disabled_outside_is_drift(aws: AwsWorkspace) -> None:
    aws.write(KEY % ("rotated", "true", "{}"))
    aws.applied()
    kid = key_id(aws)
    aws.moto.client("kms").disable_key_rotation(KeyId=kid)
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert "has changed" in out
    assert "~ enable_key_rotation = false -> true" in out
    aws.applied()
    assert rotation(aws.moto, kid) is True
    aws.no_changes()


def test_key_disabled_outside_is_drift(aws: AwsWorkspace) -> None:
    aws.write(KEY % ("usable", "false", "{}"))
    aws.applied()
    kid = key_id(aws)
    aws.moto.client("kms").disable_key(KeyId=kid)
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert "~ is_enabled = false -> true" in out
    aws.applied()
    assert metadata(aws.moto, kid)["KeyState"] == "Enabled"
    aws.no_changes()


def test_tags_changed_outside_is_drift(aws: AwsWorkspace) -> None:
    aws.write(KEY % ("tagged", "false", '{ team = "vision" }'))
    aws.applied()
    kid = key_id(aws)
    kms = aws.moto.client("kms")
    kms.tag_resource(KeyId=kid, Tags=[{"TagKey": "team", "TagValue": "hacked"},
                                      {"TagKey": "extra", "TagValue": "x"}])
    code, _out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    aws.applied()
    assert live_tags(aws.moto, kid) == {"team": "vision"}
    aws.no_changes()


def test_policy_changed_outside_is_drift(aws: AwsWorkspace) -> None:
    aws.write(KEY_WITH_POLICY % f"jsonencode({json.dumps(POLICY)})")
    aws.applied()
    kid = key_id(aws)
    aws.no_changes()
    widened = {**POLICY, "Statement": [*POLICY["Statement"], {
        "Sid": "Everyone", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": "kms:Decrypt", "Resource": "*"}]}
    kms = aws.moto.client("kms")
    kms.put_key_policy(KeyId=kid, PolicyName="default", Policy=json.dumps(widened))
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert "~ policy" in out
    aws.applied()
    live = kms.get_key_policy(KeyId=kid, PolicyName="default")["Policy"]
    assert equivalent(live, POLICY)
    aws.no_changes()


def test_equivalent_policy_shows_no_changes(aws: AwsWorkspace) -> None:
    aws.write(KEY_WITH_POLICY % f"jsonencode({json.dumps(POLICY)})")
    aws.applied()
    kid = key_id(aws)
    # the same grant, written differently: a heredoc, other key order, a list
    # for a single action, other whitespace
    statement = POLICY["Statement"][0]
    reformatted = json.dumps({"Statement": [{
        "Resource": "*", "Action": ["kms:*"], "Principal": statement["Principal"],
        "Effect": "Allow", "Sid": "Root"}], "Version": "2012-10-17"}, indent=4)
    aws.write(KEY_WITH_POLICY % f"<<EOT\n{reformatted}\nEOT")
    aws.no_changes()
    # and AWS holding a reformatted copy is no drift either
    aws.moto.client("kms").put_key_policy(KeyId=kid, PolicyName="default",
                                          Policy=json.dumps(POLICY, indent=2))
    aws.no_changes()


def test_import(aws: AwsWorkspace) -> None:
    kms = aws.moto.client("kms")
    kid = kms.create_key(Description="existing",
                         Tags=[{"TagKey": "team", "TagValue": "nlp"}])["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=kid)
    aws.write('resource "aws_kms_key" "k" {\n  description = "existing"\n'
              '  enable_key_rotation = true\n  tags = { team = "nlp" }\n}\n')
    code, out, err = aws.run("import", f"-config={aws.root}", "aws_kms_key.k", kid)
    assert code == 0, out + err
    attrs = aws.attrs("aws_kms_key.k")
    assert attrs["id"] == kid
    assert attrs["tags"] == {"team": "nlp"}
    assert attrs["enable_key_rotation"] is True
    assert attrs["deletion_window_in_days"] == 30
    aws.no_changes()


@pytest.mark.parametrize(("setting", "attribute"), [
    ("deletion_window_in_days = 5", "deletion_window_in_days"),
    ("deletion_window_in_days = 31", "deletion_window_in_days"),
    ("enable_key_rotation = true\n  rotation_period_in_days = 30", "rotation_period_in_days"),
    ("enable_key_rotation = true\n  rotation_period_in_days = 3000", "rotation_period_in_days"),
    ('key_usage = "ENCRYPT"', "key_usage"),
])
def test_invalid_settings_fail_the_plan(aws: AwsWorkspace, setting: str, attribute: str) -> None:
    aws.write(f'resource "aws_kms_key" "k" {{\n  {setting}\n}}\n')
    code, out, err = aws.plan()
    assert code == 1
    assert "Invalid aws_kms_key configuration" in out + err
    assert attribute in err
    assert aws.moto.client("kms").list_keys()["Keys"] == []


def test_rotation_period_is_sent_and_kept(aws: AwsWorkspace) -> None:
    aws.write('resource "aws_kms_key" "k" {\n  enable_key_rotation = true\n'
              '  rotation_period_in_days = 180\n}\n')
    aws.applied()
    # moto accepts the period but never reports it: the state's value stands
    assert aws.attrs("aws_kms_key.k")["rotation_period_in_days"] == 180
    aws.no_changes()
    aws.write('resource "aws_kms_key" "k" {\n  enable_key_rotation = true\n'
              '  rotation_period_in_days = 365\n}\n')
    _code, out, _ = aws.plan()
    assert "~ rotation_period_in_days = 180 -> 365" in out
    aws.applied()
    assert aws.attrs("aws_kms_key.k")["rotation_period_in_days"] == 365


def _read_with_period(provider: Any, moto: Moto, state: dict[str, Any],
                      period: int) -> dict[str, Any] | None:
    """Read `state` as if KMS reported `period`: moto 5.2.5 accepts
    RotationPeriodInDays but never returns it, so GetKeyRotationStatus alone is
    stubbed. A Stubber answers every call of the client it is on, so the other
    three calls get moto's own answers, fetched first with another client."""
    kid = state["id"]
    kms = moto.client("kms")
    client = provider.aws.client("kms")
    with Stubber(client) as stub:
        stub.add_response("describe_key", kms.describe_key(KeyId=kid), {"KeyId": kid})
        stub.add_response("get_key_policy",
                          kms.get_key_policy(KeyId=kid, PolicyName="default"),
                          {"KeyId": kid, "PolicyName": "default"})
        stub.add_response("get_key_rotation_status",   # moto lacks RotationPeriodInDays
                          {"KeyRotationEnabled": True, "RotationPeriodInDays": period},
                          {"KeyId": kid})
        stub.add_response("list_resource_tags", kms.list_resource_tags(KeyId=kid),
                          {"KeyId": kid})
        found = provider.read("aws_kms_key", state)
        stub.assert_no_pending_responses()
    return found


def test_rotation_period_changed_outside_is_read(aws: AwsWorkspace, provider: Any) -> None:
    aws.write('resource "aws_kms_key" "k" {\n  enable_key_rotation = true\n'
              '  rotation_period_in_days = 180\n}\n')
    aws.applied()
    state = aws.attrs("aws_kms_key.k")
    found = _read_with_period(provider, aws.moto, state, 400)
    assert found is not None
    assert found["rotation_period_in_days"] == 400
    plan = provider.plan("aws_kms_key", found, {**found, "rotation_period_in_days": 180})
    assert plan.planned["rotation_period_in_days"] == 180
    assert not plan.requires_replace


def test_discover_lists_live_customer_keys(aws: AwsWorkspace, provider: Any) -> None:
    kms = aws.moto.client("kms")
    live = kms.create_key()["KeyMetadata"]["KeyId"]
    dying = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=dying, PendingWindowInDays=7)
    assert set(provider.discover("aws_kms_key")) == {live}


def test_find_never_guesses(provider: Any) -> None:
    provider.aws.client("kms").create_key(Description="same")
    assert provider.find("aws_kms_key", {"description": "same"}) is None


def test_destroy_plan_says_the_key_is_only_scheduled(aws: AwsWorkspace) -> None:
    aws.write('resource "aws_kms_key" "k" {\n  description = "notes"\n'
              '  deletion_window_in_days = 7\n}\n')
    aws.applied()
    code, out, err = aws.run("plan", "-destroy", "-no-color", str(aws.root))
    assert code == 0, out + err
    assert "Warning: Destroying aws_kms_key.k" in err
    assert "schedules its deletion in 7 days" in " ".join(err.split())
