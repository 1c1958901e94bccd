"""Model approvals with evidence, against moto: a policy requires a version's
recorded metrics to meet a threshold before it may be Approved, and two
distinct approvers' signatures on the saved plan before it is applied."""

from __future__ import annotations

from pathlib import Path

from tests.policy.keys import write_keys
from tests.providers.aws.conftest import ACCOUNT, REGION, AwsWorkspace, Moto

GROUP = "fraud-models"
ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{GROUP}"


def register(moto: Moto, auc: str) -> str:
    """What the training pipeline does: a version with its evaluation recorded."""
    return moto.client("sagemaker").create_model_package(
        ModelPackageGroupName=GROUP, ModelPackageDescription="gradient boosting",
        ModelApprovalStatus="PendingManualApproval",
        CustomerMetadataProperties={"auc": auc, "dataset": "2026-11"})["ModelPackageArn"]


def config(keys: dict[str, Path], version: int) -> str:
    approvers = "".join(f'approver "{n}" {{\n  public_key = file("{k}.pub")\n}}\n'
                        for n, k in keys.items())
    return approvers + f"""
resource "aws_sagemaker_model_package_approval" "prod" {{
  model_package_arn    = "{ARN}/{version}"
  approval_status      = "Approved"
  approval_description = "promoted to production"
}}

policy "evaluated_before_approval" {{
  enforcement_level  = "mandatory"
  resource_types     = ["aws_sagemaker_model_package_approval"]
  required_approvals = 2
  condition = (self.approval_status != "Approved" ? true :
    tonumber(lookup(coalesce(self.customer_metadata_properties, {{}}), "auc", "0")) >= 0.9)
  error_message = join(" ", ["version ${{self.model_package_version}} has AUC",
    lookup(coalesce(self.customer_metadata_properties, {{}}), "auc", "none"), "below 0.9"])
}}
"""


def test_metrics_and_signatures_gate_the_approval(aws: AwsWorkspace, tmp_path: Path) -> None:
    aws.moto.client("sagemaker").create_model_package_group(ModelPackageGroupName=GROUP)
    good, weak = register(aws.moto, "0.93"), register(aws.moto, "0.71")
    keys = write_keys(tmp_path / "keys", ["risk_lead", "ml_lead"])

    aws.write(config(keys, 2))                       # the weak version: refused at plan
    code, out, err = aws.plan()
    assert code == 1
    assert "version 2 has AUC 0.71 below 0.9" in out
    assert "Policy check failed" in err

    aws.write(config(keys, 1))
    code, _out, err = aws.apply()                    # compliant, but needs signatures
    assert code == 1 and "Plan needs approvals" in err
    plan = tmp_path / "promote.plan"
    assert aws.plan("-out", str(plan))[0] == 0
    for who in ("risk_lead", "ml_lead"):
        code, out, err = aws.run("approve", str(plan), "-approver", who, "-key",
                                 str(keys[who]))
        assert code == 0, out + err
    code, out, err = aws.run("apply", "-no-color", str(plan))
    assert code == 0, out + err
    sm = aws.moto.client("sagemaker")
    assert sm.describe_model_package(ModelPackageName=good)["ModelApprovalStatus"] == "Approved"
    assert sm.describe_model_package(ModelPackageName=weak)["ModelApprovalStatus"] == \
        "PendingManualApproval"
    assert aws.attrs("aws_sagemaker_model_package_approval.prod")[
        "customer_metadata_properties"] == {"auc": "0.93", "dataset": "2026-11"}
