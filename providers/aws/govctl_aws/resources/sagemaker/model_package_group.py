"""aws_sagemaker_model_package_group: a group of model versions, and its tags.

The versions are registered by the training pipeline, not by govctl: a group
that still holds any is never emptied to be destroyed, the destroy fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from govctl.plugins.protocol import ProviderError, attribute
from govctl_aws.errors import code_of, is_gone
from govctl_aws.resource import Obj, ResourceType
from govctl_aws.resources.sagemaker.common import group_name_errors
from govctl_aws.tags import tag_list


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
        return group_name_errors(config)

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

    def discover(self, known: frozenset[str] = frozenset()) -> Iterator[str]:
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
