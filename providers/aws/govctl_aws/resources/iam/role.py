"""aws_iam_role: a role, its trust policy, boundary and tags.

The trust policy is compared by meaning (IAM returns it URL-encoded and
reformatted). Destroying a role first takes it out of its instance profiles
(as Terraform does) and, with force_detach_policies, drops its policies.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel

from govctl.plugins.protocol import ProviderError, attribute
from govctl_aws import policy
from govctl_aws.errors import code_of, is_gone
from govctl_aws.resource import Obj, ResourceType
from govctl_aws.resources.iam.common import (
    policy_errors,
    tag_changes,
    timestamp,
)
from govctl_aws.tags import tag_dict, tag_list


class Role(BaseModel):
    name: str = attribute(force_new=True, description="The role's name, unique in the account.")
    assume_role_policy: str = attribute(description="The trust policy (JSON): who may "
                                        "assume the role. Compared by meaning.")
    description: str | None = attribute(None)
    max_session_duration: int = attribute(3600, description="Longest session, in seconds "
                                          "(3600 to 43200).")
    permissions_boundary: str | None = attribute(None, description="ARN of the managed policy "
                                                 "that bounds the role's permissions.")
    path: str = attribute("/", force_new=True)
    force_detach_policies: bool = attribute(False, description="On destroy, detach managed "
                                            "policies and delete inline ones first, instead "
                                            "of failing while any remain.")
    tags: dict[str, str] | None = attribute(None)
    tags_all: dict[str, str] | None = attribute(computed=True)
    id: str | None = attribute(computed=True)
    arn: str | None = attribute(computed=True)
    unique_id: str | None = attribute(computed=True)
    create_date: str | None = attribute(computed=True)


def role_attributes(role: dict[str, Any], prior_policy: Any = None) -> Obj:
    """The attributes of a role as GetRole (or CreateRole) describes it."""
    boundary = role.get("PermissionsBoundary") or {}
    return {"id": role["RoleName"], "name": role["RoleName"], "arn": role["Arn"],
            "unique_id": role["RoleId"], "path": role.get("Path") or "/",
            "create_date": timestamp(role.get("CreateDate")),
            "description": role.get("Description") or None,
            "max_session_duration": role.get("MaxSessionDuration") or 3600,
            "permissions_boundary": boundary.get("PermissionsBoundaryArn"),
            "assume_role_policy": policy.keep_prior(prior_policy,
                                                    role.get("AssumeRolePolicyDocument"))}


class RoleType(ResourceType):
    name = "aws_iam_role"
    model = Role
    # GetRole answers everything, tags included
    refresh_calls = ("iam:GetRole",)
    semantic = {"assume_role_policy": policy.equivalent}

    def validate(self, config: Obj) -> list[ProviderError]:
        errors = policy_errors(config, "assume_role_policy")
        seconds = config.get("max_session_duration")
        if isinstance(seconds, int) and not 3600 <= seconds <= 43200:
            errors.append(ProviderError(f"max_session_duration must be between 3600 and 43200 "
                                        f"seconds, not {seconds}",
                                        attribute="max_session_duration"))
        return errors

    def read(self, state: Obj) -> Obj | None:
        name = state.get("id") or state.get("name")
        try:
            role = self.aws.client("iam").get_role(RoleName=name)["Role"]
        except ClientError as exc:
            if is_gone(exc):
                return None
            raise
        return {**state, **role_attributes(role, state.get("assume_role_policy")),
                **self.split_tags(tag_dict(role.get("Tags")), state),
                "force_detach_policies": bool(state.get("force_detach_policies"))}

    def import_state(self, id_: str) -> Obj:
        return {"id": id_, "name": id_}

    def create(self, planned: Obj) -> Obj:
        args: dict[str, Any] = {"RoleName": planned["name"], "Path": planned["path"] or "/",
                                "AssumeRolePolicyDocument": planned["assume_role_policy"],
                                "MaxSessionDuration": planned["max_session_duration"]}
        if planned.get("description"):
            args["Description"] = planned["description"]
        if planned.get("permissions_boundary"):
            args["PermissionsBoundary"] = planned["permissions_boundary"]
        tags = self.tags_to_write(planned)
        if tags:
            args["Tags"] = tag_list(tags)
        try:
            role = self.aws.client("iam").create_role(**args)["Role"]
        except ClientError as exc:
            if code_of(exc) != "EntityAlreadyExists":
                raise
            raise ProviderError(f'the role "{planned["name"]}" already exists; bring it under '
                                f'govctl with `govctl import ADDR {planned["name"]}`',
                                attribute="name") from None
        return {**planned, **self._identity(role), "tags_all": tags}

    def _identity(self, role: dict[str, Any]) -> Obj:
        return {"id": role["RoleName"], "arn": role["Arn"], "unique_id": role["RoleId"],
                "create_date": timestamp(role.get("CreateDate"))}

    def update(self, prior: Obj, planned: Obj) -> Obj:
        name = prior["id"]
        iam = self.aws.client("iam")
        if (prior.get("description") or "") != (planned.get("description") or "") or \
                prior.get("max_session_duration") != planned.get("max_session_duration"):
            iam.update_role(RoleName=name, Description=planned.get("description") or "",
                            MaxSessionDuration=planned["max_session_duration"])
        if not policy.equivalent(prior.get("assume_role_policy"),
                                 planned["assume_role_policy"]):
            iam.update_assume_role_policy(RoleName=name,
                                          PolicyDocument=planned["assume_role_policy"])
        self._update_boundary(name, prior.get("permissions_boundary"),
                              planned.get("permissions_boundary"))
        tags = self.tags_to_write(planned)
        put, remove = tag_changes(prior.get("tags_all") or {}, tags)
        if remove:
            iam.untag_role(RoleName=name, TagKeys=remove)
        if put:
            iam.tag_role(RoleName=name, Tags=tag_list(put))
        return {**planned, **{k: prior.get(k) for k in ("id", "arn", "unique_id",
                                                        "create_date")}, "tags_all": tags}

    def _update_boundary(self, name: str, old: str | None, new: str | None) -> None:
        if (old or None) == (new or None):
            return
        iam = self.aws.client("iam")
        if new:
            iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=new)
        else:
            iam.delete_role_permissions_boundary(RoleName=name)

    def delete(self, prior: Obj) -> None:
        name = prior["id"]
        iam = self.aws.client("iam")
        try:
            self._leave_instance_profiles(name)
            if prior.get("force_detach_policies"):
                self._detach_everything(name)
            iam.delete_role(RoleName=name)
        except ClientError as exc:
            if is_gone(exc):
                return
            if code_of(exc) == "DeleteConflict":
                raise ProviderError(f'the role "{name}" still has policies attached or inline; '
                                    "remove them, or set force_detach_policies = true (and "
                                    "apply) before destroying it",
                                    attribute="force_detach_policies") from None
            raise

    def _leave_instance_profiles(self, name: str) -> None:
        """AWS refuses to delete a role still in an instance profile; Terraform
        removes it from each first, and so does govctl."""
        iam = self.aws.client("iam")
        for page in iam.get_paginator("list_instance_profiles_for_role").paginate(RoleName=name):
            for profile in page.get("InstanceProfiles", ()):
                iam.remove_role_from_instance_profile(
                    InstanceProfileName=profile["InstanceProfileName"], RoleName=name)

    def _detach_everything(self, name: str) -> None:
        iam = self.aws.client("iam")
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
            for attached in page.get("AttachedPolicies", ()):
                iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
        for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
            for policy_name in page.get("PolicyNames", ()):
                iam.delete_role_policy(RoleName=name, PolicyName=policy_name)

    def find(self, planned: Obj) -> Obj | None:
        name = planned.get("name")
        if not isinstance(name, str):
            return None
        return self.read({**planned, "id": name})

    def discover(self, known: frozenset[str] = frozenset()) -> Iterator[str]:
        for page in self.aws.client("iam").get_paginator("list_roles").paginate():
            for role in page.get("Roles", ()):
                yield role["RoleName"]
