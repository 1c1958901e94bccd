"""data "aws_sagemaker_model_packages" against the moto server: a group's
versions, filtered by approval status, and the latest approved one."""

from __future__ import annotations

from typing import Any

import pytest

from govctl_aws.provider import AwsProvider
from tests.providers.aws.cases.sagemaker import register_version, version_arn
from tests.providers.aws.conftest import AwsWorkspace

SOURCE = "aws_sagemaker_model_packages"
CONFIG = """
data "aws_sagemaker_model_packages" "all" {
  model_package_group_name = "fraud"
}

data "aws_sagemaker_model_packages" "approved" {
  model_package_group_name = "fraud"
  approval_status          = "Approved"
}

output "all" {
  value = data.aws_sagemaker_model_packages.all.model_packages
}

output "approved_versions" {
  value = data.aws_sagemaker_model_packages.approved.model_packages[*].version
}

output "latest" {
  value = data.aws_sagemaker_model_packages.all.latest_approved_arn
}
"""


def outputs(aws: AwsWorkspace) -> dict[str, Any]:
    return {k: v["value"] for k, v in aws.state()["outputs"].items()}


def test_with_and_without_filter(aws: AwsWorkspace) -> None:
    aws.moto.client("sagemaker").create_model_package_group(ModelPackageGroupName="fraud")
    for i, status in enumerate(("Approved", "Rejected", "Approved", "PendingManualApproval"), 1):
        register_version(aws.moto, "fraud", f"candidate {i}", status)
    aws.write(CONFIG)
    aws.applied()
    out = outputs(aws)
    assert [p["version"] for p in out["all"]] == [1, 2, 3, 4]
    assert [p["approval_status"] for p in out["all"]] == [
        "Approved", "Rejected", "Approved", "PendingManualApproval"]
    first = out["all"][0]
    assert first["arn"] == version_arn("fraud", 1)
    assert first["description"] == "candidate 1"
    assert first["creation_time"]
    assert out["approved_versions"] == [1, 3]
    assert out["latest"] == version_arn("fraud", 3)

    # an approval in the console moves "latest approved" on the next run
    aws.moto.client("sagemaker").update_model_package(
        ModelPackageArn=version_arn("fraud", 4), ModelApprovalStatus="Approved")
    aws.applied()
    assert outputs(aws)["latest"] == version_arn("fraud", 4)
    assert outputs(aws)["approved_versions"] == [1, 3, 4]


def test_none_approved_is_null(aws: AwsWorkspace) -> None:
    aws.moto.client("sagemaker").create_model_package_group(ModelPackageGroupName="fraud")
    register_version(aws.moto, "fraud", "candidate", "PendingManualApproval")
    aws.write(CONFIG)
    aws.applied()
    out = outputs(aws)
    assert out.get("latest") is None
    assert [p["version"] for p in out["all"]] == [1]
    assert out["approved_versions"] == []


def test_every_page_is_read(aws: AwsWorkspace, provider: AwsProvider) -> None:
    """moto answers 100 versions a page: 105 take two pages."""
    aws.moto.client("sagemaker").create_model_package_group(ModelPackageGroupName="fraud")
    for i in range(105):
        register_version(aws.moto, "fraud", f"c{i}", "Approved" if i == 103 else "Rejected")
    provider.aws.calls.clear()
    got = provider.read_data(SOURCE, {"model_package_group_name": "fraud",
                                      "approval_status": None})
    assert [p["version"] for p in got["model_packages"]] == list(range(1, 106))
    assert got["latest_approved_arn"] == version_arn("fraud", 104)
    assert provider.aws.calls["sagemaker:ListModelPackages"] == 2


def test_refresh_cost(aws: AwsWorkspace, provider: AwsProvider) -> None:
    aws.moto.client("sagemaker").create_model_package_group(ModelPackageGroupName="fraud")
    register_version(aws.moto, "fraud", "c", "Approved")
    provider.aws.calls.clear()
    provider.read_data(SOURCE, {"model_package_group_name": "fraud", "approval_status": None})
    source = next(d for d in provider._data.values() if d.name == SOURCE)
    assert dict(provider.aws.calls) == {c: 1 for c in source.refresh_calls}


def test_unknown_group_is_an_error(aws: AwsWorkspace) -> None:
    aws.write(CONFIG)
    code, out, err = aws.plan()
    assert code == 1
    assert 'there is no model package group "fraud"' in out + err


@pytest.mark.parametrize("status", ["approved", "Deployed"])
def test_bad_filter_is_an_error(aws: AwsWorkspace, status: str) -> None:
    aws.moto.client("sagemaker").create_model_package_group(ModelPackageGroupName="fraud")
    aws.write(CONFIG.replace('"Approved"', f'"{status}"'))
    code, out, err = aws.plan()
    assert code == 1
    assert f'approval_status "{status}" is not one of' in out + err
