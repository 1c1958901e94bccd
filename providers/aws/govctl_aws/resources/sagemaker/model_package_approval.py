"""aws_sagemaker_model_package_approval (govctl's own): whether a version may serve.

Terraform has no such resource. Which registered version may serve
production is the governed decision, so it is reviewed as code and an
approval made in the console shows up as drift. Creating or updating sets
the version's status (UpdateModelPackage); destroying only forgets it.

The version's own evidence is exported: `customer_metadata_properties` (the
metrics a pipeline records, e.g. {auc = "0.93"}) and its description, so a
policy can require metrics to meet thresholds before a version may be
Approved. Planning a new approval reads the version (one DescribeModelPackage)
so that the evidence is known when the policies are checked, not after.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from govctl.plugins.protocol import UNKNOWN, ProviderError, attribute
from govctl_aws.errors import is_gone
from govctl_aws.resource import Obj, ResourceType
from govctl_aws.resources.sagemaker.common import APPROVAL_STATUSES

_VERSION_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package/[^/]+/\d+$")


def _known(value: Any) -> bool:
    return value is not None and value is not UNKNOWN


class ModelPackageApproval(BaseModel):
    model_package_arn: str = attribute(force_new=True,
                                       description="The ARN of the model package version.")
    approval_status: str = attribute(
        description="Approved, Rejected or PendingManualApproval: whether the version may "
        "be deployed.")
    approval_description: str | None = attribute(
        optional=True, computed=True,
        description="Why; left as it is on AWS when not set.")
    id: str | None = attribute(computed=True)
    model_package_group_name: str | None = attribute(computed=True)
    model_package_version: int | None = attribute(computed=True)
    customer_metadata_properties: dict[str, str] | None = attribute(
        computed=True, description="The version's metadata (metrics recorded at registration).")
    model_package_description: str | None = attribute(computed=True)


class ModelPackageApprovalType(ResourceType):
    name = "aws_sagemaker_model_package_approval"
    model = ModelPackageApproval
    refresh_calls = ("sagemaker:DescribeModelPackage",)

    def destroy_note(self, prior: Obj) -> str | None:
        return (f"govctl stops managing the approval of {prior.get('model_package_arn')}; "
                f"the version keeps its status ({prior.get('approval_status')}) and is "
                "not deleted.")

    def _describe(self, arn: str) -> dict[str, Any] | None:
        try:
            return self.aws.client("sagemaker").describe_model_package(ModelPackageName=arn)
        except ClientError as exc:
            if is_gone(exc, "ValidationException", "ResourceNotFound"):
                return None
            raise

    @staticmethod
    def _from(package: dict[str, Any]) -> Obj:
        return {"approval_status": package.get("ModelApprovalStatus"),
                "approval_description": package.get("ApprovalDescription"),
                **ModelPackageApprovalType._evidence(package)}

    @staticmethod
    def _evidence(package: dict[str, Any]) -> Obj:
        return {"model_package_group_name": package.get("ModelPackageGroupName"),
                "model_package_version": package.get("ModelPackageVersion"),
                "customer_metadata_properties":
                    dict(package.get("CustomerMetadataProperties") or {}) or None,
                "model_package_description": package.get("ModelPackageDescription")}

    def customize(self, prior: Obj | None, planned: Obj, replace: set[str]) -> Obj:
        arn = planned.get("model_package_arn")
        if (prior is None or replace) and isinstance(arn, str) and _VERSION_ARN.match(arn):
            try:
                package = self._describe(arn)
            except ClientError:
                package = None           # the create says what is wrong
            if package is not None:
                planned.update(self._evidence(package))
        return planned

    def read(self, state: Obj) -> Obj | None:
        # the ARN as configured is kept: AWS may hand it back in another case
        arn: str = state.get("model_package_arn") or state["id"]
        package = self._describe(arn)
        if package is None:
            return None
        return {**state, **self._from(package), "id": arn, "model_package_arn": arn}

    def import_state(self, id_: str) -> Obj:
        return {"id": id_, "model_package_arn": id_}

    def validate(self, config: Obj) -> list[ProviderError]:
        errors: list[ProviderError] = []
        status = config.get("approval_status")
        if isinstance(status, str) and status not in APPROVAL_STATUSES:
            errors.append(ProviderError(
                f'approval_status "{status}" is not one of {", ".join(APPROVAL_STATUSES)}',
                attribute="approval_status"))
        arn = config.get("model_package_arn")
        if isinstance(arn, str) and not _VERSION_ARN.match(arn):
            errors.append(ProviderError(
                f'model_package_arn "{arn}" is not the ARN of a model package version '
                "(arn:aws:sagemaker:REGION:ACCOUNT:model-package/GROUP/VERSION)",
                attribute="model_package_arn"))
        return errors

    def create(self, planned: Obj) -> Obj:
        arn = planned["model_package_arn"]
        package = self._describe(arn)
        if package is None:
            raise ProviderError(
                f'there is no model package version "{arn}": versions are registered by the '
                "training pipeline, and govctl only decides their approval",
                attribute="model_package_arn")
        if not package.get("ModelPackageGroupName"):
            raise ProviderError(f'"{arn}" is an unversioned model package; only versions in '
                                "a model package group have an approval status",
                                attribute="model_package_arn")
        return self._set(planned, self._from(package))

    def update(self, prior: Obj, planned: Obj) -> Obj:
        return self._set(planned, prior)

    def _set(self, planned: Obj, known: Obj) -> Obj:
        """UpdateModelPackage; a description not configured is left as it is."""
        arn = planned["model_package_arn"]
        args: dict[str, Any] = {"ModelPackageArn": arn,
                                "ModelApprovalStatus": planned["approval_status"]}
        description = planned.get("approval_description")
        if _known(description):
            args["ApprovalDescription"] = description
        else:
            description = known.get("approval_description")
        self.aws.client("sagemaker").update_model_package(**args)
        return {**planned, "id": arn, "approval_description": description,
                **{k: known.get(k) for k in ("model_package_group_name",
                                             "model_package_version",
                                             "customer_metadata_properties",
                                             "model_package_description")}}

    def delete(self, prior: Obj) -> None:
        """Forget the approval: the version keeps its last status, and is never
        deleted (it belongs to the pipeline that registered it)."""

    def find(self, planned: Obj) -> Obj | None:
        arn = planned.get("model_package_arn")
        if not isinstance(arn, str):
            return None
        return self.read({"id": arn, "model_package_arn": arn})

    def discover(self, known: frozenset[str] = frozenset()) -> Iterator[str]:
        pages = self.aws.client("sagemaker").get_paginator("list_model_packages").paginate(
            ModelPackageType="Versioned")
        for page in pages:
            for p in page.get("ModelPackageSummaryList", ()):
                yield p["ModelPackageArn"]
