"""Contract cases of the SageMaker model registry, and what their tests share.

Two cases need more than a configuration, so they carry it with them:
- an approval governs a version that the training pipeline registers, never
  govctl: `setup` registers it in moto before the configuration is applied;
- moto 5.2.5 answers the group policy calls (and DeleteModelPackageGroup) with
  HTTP 500: `moto_lacks` names them, and test_sagemaker_contract.py checks that
  case at the protocol level with those calls alone stubbed.
"""

from __future__ import annotations

from typing import Any

from botocore.stub import Stubber

from tests.providers.aws.cases import Case
from tests.providers.aws.conftest import ACCOUNT, REGION, Moto

SageMakerCase = Case


class PartialStubber(Stubber):
    """A Stubber for the named operations alone (those moto 5.2.5 lacks); every
    other call on the client still goes over HTTP to the moto server."""

    def __init__(self, client: Any, *operations: str):
        super().__init__(client)
        self.operations = frozenset(operations)

    def _get_response_handler(self, model: Any, params: Any, context: Any,
                              **kwargs: Any) -> Any:
        if model.name not in self.operations:
            return None
        return super()._get_response_handler(model, params, context, **kwargs)

    def _assert_expected_params(self, model: Any, params: Any, context: Any,
                                **kwargs: Any) -> Any:
        if model.name not in self.operations:
            return None
        return super()._assert_expected_params(model, params, context, **kwargs)


INFERENCE = {"Containers": [{"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/m:1"}],
             "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]}


def register_version(moto: Moto, group: str, description: str = "",
                     status: str = "PendingManualApproval") -> str:
    """What the training pipeline does: register a new version; its ARN."""
    return moto.client("sagemaker").create_model_package(
        ModelPackageGroupName=group, ModelPackageDescription=description,
        InferenceSpecification=INFERENCE, ModelApprovalStatus=status)["ModelPackageArn"]


def version_arn(group: str, version: int) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{group}/{version}"


def _registry_with_one_version(moto: Moto) -> None:
    moto.client("sagemaker").create_model_package_group(ModelPackageGroupName="contract-models")
    register_version(moto, "contract-models", "v1")


READERS_POLICY = """{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "ReadVersions",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
    "Action": ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"],
    "Resource": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/contract-models/*"
  }]
}"""

GROUP_CONFIG = """
resource "aws_sagemaker_model_package_group" "this" {
  model_package_group_name        = "contract-models"
  model_package_group_description = "Fraud scoring models"
  tags                            = { team = "risk" }
}
"""

POLICY_CONFIG = """
resource "aws_sagemaker_model_package_group" "group" {
  model_package_group_name = "contract-models"
}

resource "aws_sagemaker_model_package_group_policy" "this" {
  model_package_group_name = aws_sagemaker_model_package_group.group.model_package_group_name
  resource_policy          = <<-EOT
%s
EOT
}
"""

APPROVAL_CONFIG = """
resource "aws_sagemaker_model_package_approval" "this" {
  model_package_arn    = "%s"
  approval_status      = "Approved"
  approval_description = "passed offline evaluation"
}
"""

CASES: list[SageMakerCase] = [
    SageMakerCase("aws_sagemaker_model_package_group", GROUP_CONFIG, lambda a: a["id"]),
    SageMakerCase("aws_sagemaker_model_package_group_policy", POLICY_CONFIG % READERS_POLICY,
                  lambda a: a["id"],
                  moto_lacks=("PutModelPackageGroupPolicy", "GetModelPackageGroupPolicy")),
    SageMakerCase("aws_sagemaker_model_package_approval",
                  APPROVAL_CONFIG % version_arn("contract-models", 1), lambda a: a["id"],
                  setup=_registry_with_one_version),
]
