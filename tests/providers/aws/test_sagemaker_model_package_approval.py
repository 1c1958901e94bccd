"""aws_sagemaker_model_package_approval against the moto server: which
versions may serve production, reviewed as code. The versions themselves are
registered out of band, as the training pipeline would."""

from __future__ import annotations

import pytest

from govctl_aws.provider import AwsProvider
from tests.providers.aws.cases.sagemaker import register_version, version_arn
from tests.providers.aws.conftest import AwsWorkspace

TYPE = "aws_sagemaker_model_package_approval"
APPROVAL = """
resource "aws_sagemaker_model_package_approval" "v" {
  model_package_arn = "%s"
  approval_status   = "%s"
  %s
}
"""


@pytest.fixture
def versions(aws: AwsWorkspace) -> list[str]:
    """Group "fraud" with two versions awaiting review."""
    aws.moto.client("sagemaker").create_model_package_group(ModelPackageGroupName="fraud")
    return [register_version(aws.moto, "fraud", f"v{i}") for i in (1, 2)]


def live(aws: AwsWorkspace, arn: str) -> tuple[str, str | None]:
    p = aws.moto.client("sagemaker").describe_model_package(ModelPackageName=arn)
    return p["ModelApprovalStatus"], p.get("ApprovalDescription")


def test_approve_then_no_changes(aws: AwsWorkspace, versions: list[str]) -> None:
    assert versions[0] == version_arn("fraud", 1)
    aws.write(APPROVAL % (versions[0], "Approved", 'approval_description = "AUC 0.93"'))
    assert "1 added" in aws.applied()
    assert live(aws, versions[0]) == ("Approved", "AUC 0.93")
    assert live(aws, versions[1])[0] == "PendingManualApproval"
    attrs = aws.attrs(f"{TYPE}.v")
    assert attrs["id"] == versions[0]
    assert attrs["model_package_group_name"] == "fraud"
    assert attrs["model_package_version"] == 1
    aws.no_changes()


def test_description_left_alone_when_not_set(aws: AwsWorkspace, versions: list[str]) -> None:
    aws.write(APPROVAL % (versions[0], "Rejected", ""))
    aws.applied()
    assert live(aws, versions[0])[0] == "Rejected"
    aws.no_changes()


def test_reject_in_place(aws: AwsWorkspace, versions: list[str]) -> None:
    aws.write(APPROVAL % (versions[0], "Approved", ""))
    aws.applied()
    aws.write(APPROVAL % (versions[0], "Rejected", 'approval_description = "bias found"'))
    _code, out, _ = aws.plan()
    assert '~ approval_status = "Approved" -> "Rejected"' in out
    assert "0 added, 1 changed, 0 destroyed" in aws.applied()
    assert live(aws, versions[0]) == ("Rejected", "bias found")
    aws.no_changes()


def test_console_approval_is_drift(aws: AwsWorkspace, versions: list[str]) -> None:
    aws.write(APPROVAL % (versions[0], "Rejected", 'approval_description = "bias found"'))
    aws.applied()
    aws.moto.client("sagemaker").update_model_package(
        ModelPackageArn=versions[0], ModelApprovalStatus="Approved",
        ApprovalDescription="looks fine to me")
    code, out, _ = aws.plan("-detailed-exitcode")
    assert code == 2
    assert "changed outside govctl" in out or "has changed" in out
    assert '~ approval_status = "Approved" -> "Rejected"' in out
    aws.applied()
    assert live(aws, versions[0]) == ("Rejected", "bias found")
    aws.no_changes()


def test_other_version_replaces_and_forgets_the_first(aws: AwsWorkspace,
                                                      versions: list[str]) -> None:
    aws.write(APPROVAL % (versions[0], "Approved", ""))
    aws.applied()
    aws.write(APPROVAL % (versions[1], "Approved", ""))
    _code, out, _ = aws.plan()
    assert f"# {TYPE}.v must be replaced" in out
    assert "forces replacement" in out
    aws.applied()
    assert aws.attrs(f"{TYPE}.v")["model_package_version"] == 2
    assert live(aws, versions[1])[0] == "Approved"
    assert live(aws, versions[0])[0] == "Approved"       # forgotten, not reset


def test_destroy_forgets_and_keeps_the_version(aws: AwsWorkspace,
                                               versions: list[str]) -> None:
    aws.write(APPROVAL % (versions[0], "Approved", ""))
    aws.applied()
    code, out, err = aws.run("destroy", "-no-color", "-auto-approve", str(aws.root))
    assert code == 0, out + err
    assert "1 destroyed" in out
    assert aws.state()["resources"] == []
    assert live(aws, versions[0])[0] == "Approved"
    packages = aws.moto.client("sagemaker").list_model_packages(
        ModelPackageGroupName="fraud")["ModelPackageSummaryList"]
    assert len(packages) == 2


def test_import(aws: AwsWorkspace, versions: list[str]) -> None:
    aws.moto.client("sagemaker").update_model_package(
        ModelPackageArn=versions[1], ModelApprovalStatus="Approved", ApprovalDescription="ok")
    aws.write(APPROVAL % (versions[1], "Approved", 'approval_description = "ok"'))
    code, out, err = aws.run("import", f"-config={aws.root}", f"{TYPE}.v", versions[1])
    assert code == 0, out + err
    attrs = aws.attrs(f"{TYPE}.v")
    assert (attrs["approval_status"], attrs["model_package_version"]) == ("Approved", 2)
    aws.no_changes()


def test_bad_status_is_a_plan_error(aws: AwsWorkspace, versions: list[str]) -> None:
    aws.write(APPROVAL % (versions[0], "Approve", ""))
    code, out, err = aws.plan()
    assert code == 1
    assert 'approval_status "Approve" is not one of Approved, Rejected, ' \
           "PendingManualApproval" in out + err
    assert live(aws, versions[0])[0] == "PendingManualApproval"


def test_unknown_version_explains(aws: AwsWorkspace, versions: list[str]) -> None:
    aws.write(APPROVAL % (version_arn("fraud", 9), "Approved", ""))
    code, out, err = aws.apply()
    assert code == 1
    assert "there is no model package version" in out + err
    assert not (aws.root / "govctl.tfstate").exists() or aws.state()["resources"] == []


def test_not_a_version_arn_is_a_plan_error(aws: AwsWorkspace) -> None:
    aws.write(APPROVAL % ("arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/x",
                          "Approved", ""))
    code, out, err = aws.plan()
    assert code == 1
    assert "model_package_arn" in out + err


def test_find_and_discover(provider: AwsProvider, versions: list[str]) -> None:
    found = provider.find(TYPE, {"model_package_arn": versions[0]})
    assert found is not None and found["approval_status"] == "PendingManualApproval"
    assert provider.find(TYPE, {"model_package_arn": version_arn("fraud", 9)}) is None
    assert set(provider.discover(TYPE)) == set(versions)
