"""Who govctl is running as."""

from __future__ import annotations

from pydantic import BaseModel

from govctl.plugins.protocol import attribute
from govctl_aws.resource import DataSource, Obj


class CallerIdentity(BaseModel):
    id: str | None = attribute(computed=True)
    account_id: str | None = attribute(computed=True)
    arn: str | None = attribute(computed=True)
    user_id: str | None = attribute(computed=True)


class CallerIdentityData(DataSource):
    name = "aws_caller_identity"
    model = CallerIdentity
    refresh_calls = ("sts:GetCallerIdentity",)

    def read(self, config: Obj) -> Obj:
        ident = self.aws.caller_identity()
        return {"id": ident["Account"], "account_id": ident["Account"], "arn": ident["Arn"],
                "user_id": ident["UserId"]}


DATA_SOURCES = (CallerIdentityData,)
