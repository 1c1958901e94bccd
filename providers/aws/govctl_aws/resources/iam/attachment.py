"""aws_iam_role_policy_attachment: a managed policy attached to a role.

Identified as ROLE/POLICY_ARN; IAM has no call to read one attachment, so
a read lists the role's attached policies.
"""

from __future__ import annotations

from collections.abc import Iterator

from botocore.exceptions import ClientError
from pydantic import BaseModel

from govctl.plugins.protocol import ProviderError, attribute
from govctl_aws.errors import is_gone
from govctl_aws.resource import Obj, ResourceType
from govctl_aws.resources.iam.common import role_names, split_id


class RolePolicyAttachment(BaseModel):
    role: str = attribute(force_new=True, description="The name of the role.")
    policy_arn: str = attribute(force_new=True, description="The managed policy to attach.")
    id: str | None = attribute(computed=True)


class RolePolicyAttachmentType(ResourceType):
    name = "aws_iam_role_policy_attachment"
    model = RolePolicyAttachment
    # IAM has no "get one attachment": list the role's attached policies. A role
    # holds at most 20 managed policies, so this is one page, one call.
    refresh_calls = ("iam:ListAttachedRolePolicies",)

    def read(self, state: Obj) -> Obj | None:
        role, arn = split_id(state["id"], "/", "role policy attachment id (ROLE/POLICY_ARN)")
        pages = self.aws.client("iam").get_paginator("list_attached_role_policies")
        try:
            for page in pages.paginate(RoleName=role):
                if any(p["PolicyArn"] == arn for p in page.get("AttachedPolicies", ())):
                    return {**state, "id": f"{role}/{arn}", "role": role, "policy_arn": arn}
        except ClientError as exc:
            if is_gone(exc):
                return None
            raise
        return None

    def create(self, planned: Obj) -> Obj:
        try:
            self.aws.client("iam").attach_role_policy(RoleName=planned["role"],
                                                      PolicyArn=planned["policy_arn"])
        except ClientError as exc:
            if is_gone(exc):
                raise ProviderError(f'cannot attach {planned["policy_arn"]} to the role '
                                    f'"{planned["role"]}": {exc.response["Error"]["Message"]}',
                                    attribute="policy_arn") from None
            raise
        return {**planned, "id": f"{planned['role']}/{planned['policy_arn']}"}

    def delete(self, prior: Obj) -> None:
        try:
            self.aws.client("iam").detach_role_policy(RoleName=prior["role"],
                                                      PolicyArn=prior["policy_arn"])
        except ClientError as exc:
            if not is_gone(exc):
                raise

    def find(self, planned: Obj) -> Obj | None:
        role, arn = planned.get("role"), planned.get("policy_arn")
        if not isinstance(role, str) or not isinstance(arn, str):
            return None
        return self.read({**planned, "id": f"{role}/{arn}"})

    def discover(self, known: frozenset[str] = frozenset()) -> Iterator[str]:
        """ListRoles, then ListAttachedRolePolicies per role: `ROLE/ARN` ids."""
        iam = self.aws.client("iam")
        for role in role_names(self.aws):
            pages = iam.get_paginator("list_attached_role_policies").paginate(RoleName=role)
            for page in pages:
                for p in page.get("AttachedPolicies", ()):
                    yield f"{role}/{p['PolicyArn']}"
