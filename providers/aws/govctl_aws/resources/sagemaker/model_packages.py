"""data "aws_sagemaker_model_packages": a group's versions and the latest approved one.

For deployments that must pick an approved model; a misspelt group is an
error, not "no approved version".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from govctl.plugins.protocol import ProviderError, attribute
from govctl_aws.errors import is_gone
from govctl_aws.resource import DataSource, Obj
from govctl_aws.resources.sagemaker.common import APPROVAL_STATUSES


class ModelPackageSummary(BaseModel):
    arn: str = attribute()
    version: int = attribute()
    approval_status: str | None = attribute(None)
    description: str | None = attribute(None)
    creation_time: str | None = attribute(None)


class ModelPackages(BaseModel):
    model_package_group_name: str = attribute(description="The group whose versions to list.")
    approval_status: str | None = attribute(
        None, description="Only versions with this status (all versions when not set).")
    id: str | None = attribute(computed=True)
    model_packages: list[ModelPackageSummary] | None = attribute(
        computed=True, description="The versions, by version number.")
    latest_approved_arn: str | None = attribute(
        computed=True, description="The ARN of the highest approved version; null when none "
        "is approved (whatever approval_status filters).")


def _created(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


class ModelPackagesSource(DataSource):
    name = "aws_sagemaker_model_packages"
    model = ModelPackages
    # one listing serves the filter and latest_approved_arn; an empty answer
    # costs one DescribeModelPackageGroup more, to tell "none" from "no such group"
    refresh_calls = ("sagemaker:ListModelPackages",)

    def read(self, config: Obj) -> Obj:
        name = config["model_package_group_name"]
        status = config.get("approval_status")
        if status is not None and status not in APPROVAL_STATUSES:
            raise ProviderError(f'approval_status "{status}" is not one of '
                                f'{", ".join(APPROVAL_STATUSES)}', attribute="approval_status")
        versions = sorted(self._list(name), key=lambda p: p["version"])
        if not versions:
            self._check_group(name)
        approved = [p for p in versions if p["approval_status"] == "Approved"]
        return {**config, "id": name,
                "model_packages": [p for p in versions
                                   if status is None or p["approval_status"] == status],
                "latest_approved_arn": approved[-1]["arn"] if approved else None}

    def _list(self, name: str) -> Iterator[Obj]:
        pages = self.aws.client("sagemaker").get_paginator("list_model_packages").paginate(
            ModelPackageGroupName=name, ModelPackageType="Versioned")
        for page in pages:
            for p in page.get("ModelPackageSummaryList", ()):
                yield {"arn": p["ModelPackageArn"], "version": p.get("ModelPackageVersion"),
                       "approval_status": p.get("ModelApprovalStatus"),
                       "description": p.get("ModelPackageDescription"),
                       "creation_time": _created(p.get("CreationTime"))}

    def _check_group(self, name: str) -> None:
        """A misspelt group must not read as "no approved version"."""
        try:
            self.aws.client("sagemaker").describe_model_package_group(
                ModelPackageGroupName=name)
        except ClientError as exc:
            if is_gone(exc, "ValidationException", "ResourceNotFound"):
                raise ProviderError(f'there is no model package group "{name}"',
                                    attribute="model_package_group_name") from None
            raise
