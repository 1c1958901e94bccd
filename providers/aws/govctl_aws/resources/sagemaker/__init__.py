"""The SageMaker model registry: groups, their resource policies, and which
versions may serve.

`aws_sagemaker_model_package_group` and `aws_sagemaker_model_package_group_policy`
are Terraform's. `aws_sagemaker_model_package_approval` is govctl's own (Terraform
has no such resource): the approval status of one model package version.
Versions are registered by the training pipeline, not by govctl; what is
governed here is which of them may serve production, so that decision is
reviewed as code and an approval made in the console shows up as drift.
Creating or updating an approval sets the version's status (UpdateModelPackage);
destroying one only forgets it: the version keeps its last status, and govctl
never deletes a version.

The data source `aws_sagemaker_model_packages` lists a group's versions (and the
latest approved one), for deployments that must pick an approved model.

One module per type; `common` holds the checks they share.
"""

from __future__ import annotations

from govctl_aws.resource import DataSource, ResourceType
from govctl_aws.resources.sagemaker.model_package_approval import ModelPackageApprovalType
from govctl_aws.resources.sagemaker.model_package_group import ModelPackageGroupType
from govctl_aws.resources.sagemaker.model_package_group_policy import (
    ModelPackageGroupPolicyType,
)
from govctl_aws.resources.sagemaker.model_packages import ModelPackagesSource

__all__ = ["DATA_SOURCES", "RESOURCES", "ModelPackageApprovalType", "ModelPackageGroupPolicyType",
           "ModelPackageGroupType", "ModelPackagesSource"]


RESOURCES: tuple[type[ResourceType], ...] = (
    ModelPackageGroupType, ModelPackageGroupPolicyType, ModelPackageApprovalType)
DATA_SOURCES: tuple[type[DataSource], ...] = (ModelPackagesSource,)
