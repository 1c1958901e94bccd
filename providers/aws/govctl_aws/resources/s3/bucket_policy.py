"""aws_s3_bucket_policy: a bucket's resource policy, compared by meaning."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from govctl.plugins.protocol import ProviderError, attribute
from govctl_aws.policy import equivalent, parse
from govctl_aws.resource import Obj
from govctl_aws.resources.s3.bucket_setting import BucketSetting, known


class BucketPolicy(BaseModel):
    bucket: str = attribute(force_new=True)
    policy: str = attribute(description="The policy document, as JSON text (compared by "
                            "meaning: a reformatted document is no change).")
    id: str | None = attribute(computed=True)


class BucketPolicyType(BucketSetting):
    """A bucket's resource policy."""

    name = "aws_s3_bucket_policy"
    model = BucketPolicy
    refresh_calls = ("s3:GetBucketPolicy",)
    semantic = {"policy": equivalent}

    def fetch(self, state: Obj) -> dict[str, Any] | None:
        answer = self.aws.client("s3").get_bucket_policy(**self.bucket_args(state))
        return {"Policy": answer["Policy"]} if answer.get("Policy") else None

    def from_api(self, state: Obj, answer: dict[str, Any]) -> Obj:
        """AWS's text, unless it means what the state's says: then the state's,
        so a document AWS reformatted is not reported as changed outside."""
        live, before = answer["Policy"], state.get("policy")
        return {"policy": before if before is not None and equivalent(before, live) else live}

    def put(self, planned: Obj) -> None:
        self.aws.client("s3").put_bucket_policy(**self.bucket_args(planned),
                                                Policy=planned["policy"])

    def remove(self, prior: Obj) -> None:
        self.aws.client("s3").delete_bucket_policy(**self.bucket_args(prior))

    def validate(self, config: Obj) -> list[ProviderError]:
        policy = config.get("policy")
        if known(policy) and not isinstance(parse(policy), dict):
            return [ProviderError("policy must be a JSON policy document (an object with a "
                                  "Statement); use jsonencode(...) to write one",
                                  attribute="policy")]
        return []
