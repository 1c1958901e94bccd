"""aws_sagemaker_model_package_group_policy: a group's resource policy, compared by meaning."""

from __future__ import annotations

from collections.abc import Iterator

from botocore.exceptions import ClientError
from pydantic import BaseModel

from govctl.plugins.protocol import ProviderError, attribute
from govctl_aws.errors import is_gone
from govctl_aws.policy import equivalent, parse, to_text
from govctl_aws.resource import Obj, ResourceType
from govctl_aws.resources.sagemaker.common import group_name_errors


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
        errors = group_name_errors(config)
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

    def discover(self, known: frozenset[str] = frozenset()) -> Iterator[str]:
        """ListModelPackageGroups, then GetModelPackageGroupPolicy per group not
        known to have one: the groups that carry a policy."""
        sm = self.aws.client("sagemaker")
        for page in sm.get_paginator("list_model_package_groups").paginate():
            for g in page.get("ModelPackageGroupSummaryList", ()):
                name = g["ModelPackageGroupName"]
                if name in known or self.read({"id": name}) is not None:
                    yield name
