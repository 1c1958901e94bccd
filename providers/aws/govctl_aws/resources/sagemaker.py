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
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from govctl.plugins.protocol import UNKNOWN, ProviderError, attribute
from govctl_aws.errors import code_of, is_gone
from govctl_aws.policy import equivalent, parse, to_text
from govctl_aws.resource import DataSource, Obj, ResourceType

APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")
# SageMaker's own rule for a model package group name
_GROUP_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_VERSION_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package/[^/]+/\d+$")


def _known(value: Any) -> bool:
    return value is not None and value is not UNKNOWN


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def _group_name_errors(config: Obj) -> list[ProviderError]:
    name = config.get("model_package_group_name")
    if isinstance(name, str) and not _GROUP_NAME.match(name):
        return [ProviderError(
            f'model_package_group_name "{name}" is not a valid model package group name: '
            "1 to 63 letters, digits and hyphens, starting and ending with a letter or digit",
            attribute="model_package_group_name")]
    return []


# --- aws_sagemaker_model_package_group ----------------------------------------

class ModelPackageGroup(BaseModel):
    model_package_group_name: str = attribute(force_new=True, description="The group's name.")
    model_package_group_description: str | None = attribute(
        None, force_new=True, description="What the group's models are for.")
    tags: dict[str, str] | None = attribute(None)
    tags_all: dict[str, str] | None = attribute(computed=True)
    id: str | None = attribute(computed=True)
    arn: str | None = attribute(computed=True)


class ModelPackageGroupType(ResourceType):
    name = "aws_sagemaker_model_package_group"
    model = ModelPackageGroup
    refresh_calls = ("sagemaker:DescribeModelPackageGroup", "sagemaker:ListTags")

    def read(self, state: Obj) -> Obj | None:
        name = state.get("id") or state.get("model_package_group_name")
        sm = self.aws.client("sagemaker")
        try:
            group = sm.describe_model_package_group(ModelPackageGroupName=name)
        except ClientError as exc:
            # the name in state was valid when created: a refusal means it is gone
            if is_gone(exc, "ValidationException", "ResourceNotFound"):
                return None
            raise
        if group.get("ModelPackageGroupStatus") in ("Deleting", "DeleteFailed"):
            return None
        arn = group["ModelPackageGroupArn"]
        return {**state, "id": group["ModelPackageGroupName"], "arn": arn,
                "model_package_group_name": group["ModelPackageGroupName"],
                "model_package_group_description": group.get("ModelPackageGroupDescription"),
                **self.split_tags(self._tags(arn), state)}

    def _tags(self, arn: str) -> dict[str, str]:
        """The group's tags. SageMaker's AddTags appends, so a key may be listed
        more than once by a lagging (or emulated) backend: the last one wins."""
        pages = self.aws.client("sagemaker").get_paginator("list_tags").paginate(
            ResourceArn=arn)
        return {t["Key"]: t["Value"] for page in pages for t in page.get("Tags", ())}

    def import_state(self, id_: str) -> Obj:
        return {"id": id_, "model_package_group_name": id_}

    def validate(self, config: Obj) -> list[ProviderError]:
        return _group_name_errors(config)

    def create(self, planned: Obj) -> Obj:
        name = planned["model_package_group_name"]
        args: dict[str, Any] = {"ModelPackageGroupName": name}
        if planned.get("model_package_group_description"):
            args["ModelPackageGroupDescription"] = planned["model_package_group_description"]
        tags = self.tags_to_write(planned)
        if tags:
            args["Tags"] = tag_list(tags)
        try:
            arn = self.aws.client("sagemaker").create_model_package_group(
                **args)["ModelPackageGroupArn"]
        except ClientError as exc:
            if "already exists" not in str(exc):
                raise
            raise ProviderError(
                f'the model package group "{name}" already exists in this account; bring it '
                f"under govctl with `govctl import ADDR {name}`",
                attribute="model_package_group_name") from None
        return {**planned, "id": name, "arn": arn, "tags_all": tags}

    def update(self, prior: Obj, planned: Obj) -> Obj:
        tags = self.tags_to_write(planned)
        before = prior.get("tags_all") or {}
        sm = self.aws.client("sagemaker")
        gone = sorted(set(before) - set(tags))
        if gone:
            sm.delete_tags(ResourceArn=prior["arn"], TagKeys=gone)
        changed = {k: v for k, v in tags.items() if before.get(k) != v}
        if changed:
            sm.add_tags(ResourceArn=prior["arn"], Tags=tag_list(changed))
        return {**planned, "id": prior["id"], "arn": prior["arn"], "tags_all": tags}

    def delete(self, prior: Obj) -> None:
        name = prior["id"]
        versions = self._version_count(name)
        if versions:
            raise _holds_versions(name, versions)
        try:
            self.aws.client("sagemaker").delete_model_package_group(ModelPackageGroupName=name)
        except ClientError as exc:
            if code_of(exc) == "ConflictException" or "not empty" in str(exc):
                # a version registered between the check and the delete
                raise _holds_versions(name, self._version_count(name) or 1) from None
            if is_gone(exc) or (code_of(exc) == "ValidationException"
                                and "does not exist" in str(exc)):
                return
            raise

    def _version_count(self, name: str) -> int:
        """How many versions the group holds (at most one page's worth: enough
        to say that it holds some)."""
        page = self.aws.client("sagemaker").list_model_packages(
            ModelPackageGroupName=name, ModelPackageType="Versioned", MaxResults=100)
        return len(page.get("ModelPackageSummaryList", ()))

    def find(self, planned: Obj) -> Obj | None:
        name = planned.get("model_package_group_name")
        if not isinstance(name, str):
            return None
        return self.read({"id": name, "model_package_group_name": name,
                          "tags": planned.get("tags")})

    def discover(self) -> Iterator[str]:
        pages = self.aws.client("sagemaker").get_paginator(
            "list_model_package_groups").paginate()
        for page in pages:
            for g in page.get("ModelPackageGroupSummaryList", ()):
                yield g["ModelPackageGroupName"]


def _holds_versions(name: str, count: int) -> ProviderError:
    some = f"{count}+" if count >= 100 else str(count)
    return ProviderError(
        f'the model package group "{name}" still holds {some} model package version(s), and '
        "AWS refuses to delete a group that is not empty; delete the versions first (they "
        "are registered by the training pipeline, not by govctl), or keep the group: leave "
        "it declared, or stop managing it with `govctl state rm ADDR`",
        attribute="model_package_group_name")


# --- aws_sagemaker_model_package_group_policy ---------------------------------

class ModelPackageGroupPolicy(BaseModel):
    model_package_group_name: str = attribute(force_new=True,
                                              description="The group the policy governs.")
    resource_policy: str = attribute(description="The resource policy document (JSON).")
    id: str | None = attribute(computed=True)


class ModelPackageGroupPolicyType(ResourceType):
    name = "aws_sagemaker_model_package_group_policy"
    model = ModelPackageGroupPolicy
    refresh_calls = ("sagemaker:GetModelPackageGroupPolicy",)
    semantic = {"resource_policy": equivalent}

    def read(self, state: Obj) -> Obj | None:
        name = state.get("id") or state.get("model_package_group_name")
        try:
            text = self.aws.client("sagemaker").get_model_package_group_policy(
                ModelPackageGroupName=name)["ResourcePolicy"]
        except ClientError as exc:
            # no group, or a group without a policy: both answer ValidationException
            if is_gone(exc, "ValidationException", "ResourceNotFound"):
                return None
            raise
        prior = state.get("resource_policy")
        policy = prior if prior is not None and equivalent(prior, text) else to_text(text)
        return {**state, "id": name, "model_package_group_name": name,
                "resource_policy": policy}

    def import_state(self, id_: str) -> Obj:
        return {"id": id_, "model_package_group_name": id_}

    def validate(self, config: Obj) -> list[ProviderError]:
        errors = _group_name_errors(config)
        doc = config.get("resource_policy")
        if isinstance(doc, str) and not isinstance(parse(doc), dict):
            errors.append(ProviderError("resource_policy is not a JSON policy document",
                                        attribute="resource_policy"))
        return errors

    def _put(self, planned: Obj) -> Obj:
        name = planned["model_package_group_name"]
        self.aws.client("sagemaker").put_model_package_group_policy(
            ModelPackageGroupName=name, ResourcePolicy=planned["resource_policy"])
        return {**planned, "id": name}

    def create(self, planned: Obj) -> Obj:
        return self._put(planned)

    def update(self, prior: Obj, planned: Obj) -> Obj:
        return self._put(planned)

    def delete(self, prior: Obj) -> None:
        try:
            self.aws.client("sagemaker").delete_model_package_group_policy(
                ModelPackageGroupName=prior["id"])
        except ClientError as exc:
            if not is_gone(exc, "ValidationException", "ResourceNotFound"):
                raise

    def find(self, planned: Obj) -> Obj | None:
        name = planned.get("model_package_group_name")
        if not isinstance(name, str):
            return None
        return self.read({"id": name, "model_package_group_name": name,
                          "resource_policy": planned.get("resource_policy")})

    # policies are not listed by any API: nothing to discover


# --- aws_sagemaker_model_package_approval (govctl's own) ----------------------

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


class ModelPackageApprovalType(ResourceType):
    name = "aws_sagemaker_model_package_approval"
    model = ModelPackageApproval
    refresh_calls = ("sagemaker:DescribeModelPackage",)

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
                "model_package_group_name": package.get("ModelPackageGroupName"),
                "model_package_version": package.get("ModelPackageVersion")}

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
                "model_package_group_name": known.get("model_package_group_name"),
                "model_package_version": known.get("model_package_version")}

    def delete(self, prior: Obj) -> None:
        """Forget the approval: the version keeps its last status, and is never
        deleted (it belongs to the pipeline that registered it)."""

    def find(self, planned: Obj) -> Obj | None:
        arn = planned.get("model_package_arn")
        if not isinstance(arn, str):
            return None
        return self.read({"id": arn, "model_package_arn": arn})

    def discover(self) -> Iterator[str]:
        pages = self.aws.client("sagemaker").get_paginator("list_model_packages").paginate(
            ModelPackageType="Versioned")
        for page in pages:
            for p in page.get("ModelPackageSummaryList", ()):
                yield p["ModelPackageArn"]


# --- data "aws_sagemaker_model_packages" --------------------------------------

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


RESOURCES: tuple[type[ResourceType], ...] = (
    ModelPackageGroupType, ModelPackageGroupPolicyType, ModelPackageApprovalType)
DATA_SOURCES: tuple[type[DataSource], ...] = (ModelPackagesSource,)
