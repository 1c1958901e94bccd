"""data "aws_iam_role": an existing role, looked up by name."""

from __future__ import annotations

from botocore.exceptions import ClientError
from pydantic import BaseModel

from govctl.plugins.protocol import ProviderError, attribute
from govctl_aws.errors import is_gone
from govctl_aws.resource import DataSource, Obj
from govctl_aws.resources.iam.role import role_attributes
from govctl_aws.tags import tag_dict


class RoleData(BaseModel):
    name: str = attribute(description="The role to look up.")
    id: str | None = attribute(computed=True)
    arn: str | None = attribute(computed=True)
    assume_role_policy: str | None = attribute(computed=True)
    description: str | None = attribute(computed=True)
    max_session_duration: int | None = attribute(computed=True)
    path: str | None = attribute(computed=True)
    permissions_boundary: str | None = attribute(computed=True)
    unique_id: str | None = attribute(computed=True)
    create_date: str | None = attribute(computed=True)
    tags: dict[str, str] | None = attribute(computed=True)


class RoleDataSource(DataSource):
    name = "aws_iam_role"
    model = RoleData
    refresh_calls = ("iam:GetRole",)

    def read(self, config: Obj) -> Obj:
        name = config["name"]
        try:
            role = self.aws.client("iam").get_role(RoleName=name)["Role"]
        except ClientError as exc:
            if is_gone(exc):
                raise ProviderError(f'no IAM role is named "{name}"', attribute="name") from None
            raise
        return {**role_attributes(role), "tags": tag_dict(role.get("Tags"))}
