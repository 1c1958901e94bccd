"""aws_sagemaker_model_package_group against the moto server.

moto 5.2.5 answers DeleteModelPackageGroup with HTTP 500 (NotImplementedError):
the tests that delete a group do it at the protocol level, with a Stubber on
the provider's own client for that call alone; every other call goes to moto.
"""

from __future__ import annotations

import pytest

from govctl.plugins.protocol import ProviderError
from govctl_aws.provider import AwsProvider
from tests.providers.aws.cases.sagemaker import PartialStubber, register_version
from tests.providers.aws.conftest import ACCOUNT, REGION, AwsWorkspace

TYPE = "aws_sagemaker_model_package_group"
GROUP = """
resource "aws_sagemaker_model_package_group" "g" {
  model_package_group_name        = "%s"
  model_package_group_description = "%s"
  tags                            = %s
}
"""


def live_tags(aws: AwsWorkspace, name: str) -> dict[str, str]:
    sm = aws.moto.client("sagemaker")
    arn = sm.describe_model_package_group(ModelPackageGroupName=name)["ModelPackageGroupArn"]
    # moto's AddTags appends: a re-added key is listed twice, the last one current
    return {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}


def group_arn(name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/{name}"


def test_create_then_no_changes(aws: AwsWorkspace) -> None:
    aws.write(GROUP % ("fraud", "Fraud scoring", '{ team = "risk" }'))
    assert "1 added, 0 changed, 0 destroyed" in aws.applied()
    group = aws.moto.client("sagemaker").describe_model_package_group(
        ModelPackageGroupName="fraud")
    assert group["ModelPackageGroupDescription"] == "Fraud scoring"
    assert live_tags(aws, "fraud") == {"team": "risk"}
    attrs = aws.attrs(f"{TYPE}.g")
    assert attrs["id"] == "fraud"
    assert attrs["arn"] == group_arn("fraud")
    assert attrs["tags_all"] == {"team": "risk"}
    aws.no_changes()


def test_tags_update_in_place_and_drift(aws: AwsWorkspace) -> None:
    aws.write(GROUP % ("fraud", "d", '{ team = "risk", tier = "1" }'))
    aws.applied()
    sm = aws.moto.client("sagemaker")
    sm.delete_tags(ResourceArn=group_arn("fraud"), TagKeys=["tier"])
    sm.add_tags(ResourceArn=group_arn("fraud"), Tags=[{"Key": "team", "Value": "hacked"}])
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert "changed outside govctl" in out or "has changed" in out
    assert "1 to change" in out
    aws.applied()
    assert live_tags(aws, "fraud") == {"team": "risk", "tier": "1"}
    aws.no_changes()

    aws.write(GROUP % ("fraud", "d", '{ team = "ml" }'))
    assert "0 added, 1 changed, 0 destroyed" in aws.applied()
    assert live_tags(aws, "fraud") == {"team": "ml"}
    aws.write(GROUP % ("fraud", "d", "null"))
    aws.applied()
    assert live_tags(aws, "fraud") == {}
    aws.no_changes()


def test_default_tags(aws: AwsWorkspace) -> None:
    aws.write(GROUP % ("fraud", "d", '{ team = "risk" }'),
              provider_extra='  default_tags {\n    tags = { managed_by = "govctl" }\n  }\n')
    aws.applied()
    assert live_tags(aws, "fraud") == {"team": "risk", "managed_by": "govctl"}
    assert aws.attrs(f"{TYPE}.g")["tags"] == {"team": "risk"}
    aws.no_changes()


@pytest.mark.parametrize("changed", ["name", "description"])
def test_name_or_description_forces_replacement(aws: AwsWorkspace, provider: AwsProvider,
                                                changed: str) -> None:
    aws.write(GROUP % ("fraud", "old", "{}"))
    aws.applied()
    name, description = ("fraud-v2", "old") if changed == "name" else ("fraud", "new")
    aws.write(GROUP % (name, description, "{}"))
    _code, out, _ = aws.plan()
    assert f"# {TYPE}.g must be replaced" in out
    assert "forces replacement" in out

    # the replacement itself, at the protocol level: moto cannot delete a group
    prior = aws.attrs(f"{TYPE}.g")
    proposed = {"model_package_group_name": name, "model_package_group_description": description,
                "tags": {}}
    result = provider.plan(TYPE, prior, proposed)
    assert result.requires_replace == {"model_package_group_name" if changed == "name"
                                       else "model_package_group_description"}
    sm = provider.aws.client("sagemaker")
    with PartialStubber(sm, "DeleteModelPackageGroup") as stub:   # moto lacks it
        stub.add_response("delete_model_package_group", {}, {"ModelPackageGroupName": "fraud"})
        assert provider.apply(TYPE, prior, None) is None
        stub.assert_no_pending_responses()
    if changed == "name":
        created = provider.apply(TYPE, None, provider.plan(TYPE, None, proposed).planned)
        assert created is not None and created["arn"] == group_arn("fraud-v2")
        names = {g["ModelPackageGroupName"] for g in aws.moto.client(
            "sagemaker").list_model_package_groups()["ModelPackageGroupSummaryList"]}
        assert "fraud-v2" in names


def test_delete_checks_for_versions_then_deletes(aws: AwsWorkspace,
                                                 provider: AwsProvider) -> None:
    aws.write(GROUP % ("fraud", "d", "{}"))
    aws.applied()
    prior = aws.attrs(f"{TYPE}.g")
    provider.aws.calls.clear()
    # moto lacks DeleteModelPackageGroup: stubbed alone; the version check goes to moto
    with PartialStubber(provider.aws.client("sagemaker"), "DeleteModelPackageGroup") as stub:
        stub.add_response("delete_model_package_group", {}, {"ModelPackageGroupName": "fraud"})
        assert provider.apply(TYPE, prior, None) is None
        stub.assert_no_pending_responses()
    assert provider.aws.calls["sagemaker:ListModelPackages"] == 1


def test_destroy_of_group_with_versions_explains(aws: AwsWorkspace) -> None:
    aws.write(GROUP % ("fraud", "d", "{}"))
    aws.applied()
    register_version(aws.moto, "fraud", "v1")
    register_version(aws.moto, "fraud", "v2")
    code, _out, err = aws.run("destroy", "-no-color", "-auto-approve", str(aws.root))
    assert code == 1
    assert "still holds 2 model package version(s)" in err
    assert "delete the versions first" in err
    assert aws.attrs(f"{TYPE}.g")["id"] == "fraud"        # still managed


def test_conflict_on_delete_explains(aws: AwsWorkspace, provider: AwsProvider) -> None:
    """A version registered between the check and the delete: AWS's refusal
    gets the same explanation."""
    aws.write(GROUP % ("fraud", "d", "{}"))
    aws.applied()
    prior = aws.attrs(f"{TYPE}.g")
    # moto lacks DeleteModelPackageGroup: stubbed alone, answering as AWS would
    with PartialStubber(provider.aws.client("sagemaker"), "DeleteModelPackageGroup") as stub:
        stub.add_client_error("delete_model_package_group", "ConflictException",
                              "the group holds model packages")
        with pytest.raises(ProviderError) as exc:
            provider.apply(TYPE, prior, None)
    assert exc.value.attribute == "model_package_group_name"
    assert "model package version" in exc.value.message


def test_import(aws: AwsWorkspace) -> None:
    aws.moto.client("sagemaker").create_model_package_group(
        ModelPackageGroupName="existing", ModelPackageGroupDescription="d",
        Tags=[{"Key": "team", "Value": "nlp"}])
    aws.write(GROUP % ("existing", "d", '{ team = "nlp" }'))
    code, out, err = aws.run("import", f"-config={aws.root}", f"{TYPE}.g", "existing")
    assert code == 0, out + err
    attrs = aws.attrs(f"{TYPE}.g")
    assert attrs["tags"] == {"team": "nlp"}
    assert attrs["arn"] == group_arn("existing")
    aws.no_changes()


def test_find_and_discover(aws: AwsWorkspace, provider: AwsProvider) -> None:
    aws.moto.client("sagemaker").create_model_package_group(ModelPackageGroupName="made")
    found = provider.find(TYPE, {"model_package_group_name": "made", "tags": None})
    assert found is not None and found["arn"] == group_arn("made")
    assert provider.find(TYPE, {"model_package_group_name": "absent"}) is None
    assert set(provider.discover(TYPE)) == {"made"}


def test_invalid_name_is_a_plan_error(aws: AwsWorkspace) -> None:
    aws.write(GROUP % ("fraud_models", "d", "{}"))
    code, out, err = aws.plan()
    assert code == 1
    assert "model_package_group_name" in out + err
    assert aws.moto.client("sagemaker").list_model_package_groups()[
        "ModelPackageGroupSummaryList"] == []
