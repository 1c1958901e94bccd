"""aws_iam_role_policy: an inline policy of a role, identified as ROLE:NAME."""

from __future__ import annotations

from collections.abc import Iterator

from botocore.exceptions import ClientError
from pydantic import BaseModel

from govctl.plugins.protocol import ProviderError, attribute
from govctl_aws import policy
from govctl_aws.errors import is_gone
from govctl_aws.resource import Obj, ResourceType
from govctl_aws.resources.iam.common import policy_errors, role_names, split_id


class RolePolicy(BaseModel):
    name: str = attribute(force_new=True, description="The inline policy's name.")
    role: str = attribute(force_new=True, description="The name of the role it is part of.")
    policy: str = attribute(description="The policy document (JSON). Compared by meaning.")
    id: str | None = attribute(computed=True)


class RolePolicyType(ResourceType):
    name = "aws_iam_role_policy"
    model = RolePolicy
    refresh_calls = ("iam:GetRolePolicy",)
    semantic = {"policy": policy.equivalent}

    def validate(self, config: Obj) -> list[ProviderError]:
        return policy_errors(config, "policy")

    def read(self, state: Obj) -> Obj | None:
        role, name = split_id(state["id"], ":", "inline role policy id (ROLE:NAME)")
        try:
            found = self.aws.client("iam").get_role_policy(RoleName=role, PolicyName=name)
        except ClientError as exc:
            if is_gone(exc):
                return None
            raise
        return {**state, "id": f"{role}:{name}", "role": role, "name": name,
                "policy": policy.keep_prior(state.get("policy"), found.get("PolicyDocument"))}

    def create(self, planned: Obj) -> Obj:
        self._put(planned)
        return {**planned, "id": f"{planned['role']}:{planned['name']}"}

    def update(self, prior: Obj, planned: Obj) -> Obj:
        self._put(planned)
        return {**planned, "id": prior["id"]}

    def _put(self, planned: Obj) -> None:
        try:
            self.aws.client("iam").put_role_policy(RoleName=planned["role"],
                                                   PolicyName=planned["name"],
                                                   PolicyDocument=planned["policy"])
        except ClientError as exc:
            if is_gone(exc):
                raise ProviderError(f'the role "{planned["role"]}" does not exist',
                                    attribute="role") from None
            raise

    def delete(self, prior: Obj) -> None:
        role, name = split_id(prior["id"], ":", "inline role policy id (ROLE:NAME)")
        try:
            self.aws.client("iam").delete_role_policy(RoleName=role, PolicyName=name)
        except ClientError as exc:
            if not is_gone(exc):
                raise

    def find(self, planned: Obj) -> Obj | None:
        role, name = planned.get("role"), planned.get("name")
        if not isinstance(role, str) or not isinstance(name, str):
            return None
        return self.read({**planned, "id": f"{role}:{name}"})

    def discover(self, known: frozenset[str] = frozenset()) -> Iterator[str]:
        """ListRoles, then ListRolePolicies per role: `ROLE:NAME` ids."""
        iam = self.aws.client("iam")
        for role in role_names(self.aws):
            for page in iam.get_paginator("list_role_policies").paginate(RoleName=role):
                for name in page.get("PolicyNames", ()):
                    yield f"{role}:{name}"
