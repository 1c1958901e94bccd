"""aws_s3_bucket_public_access_block: a bucket's public access block."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from govctl.plugins.protocol import attribute
from govctl_aws.resource import Obj
from govctl_aws.resources.s3.bucket_setting import BucketSetting

PUBLIC_ACCESS_FLAGS = {"block_public_acls": "BlockPublicAcls",
                       "block_public_policy": "BlockPublicPolicy",
                       "ignore_public_acls": "IgnorePublicAcls",
                       "restrict_public_buckets": "RestrictPublicBuckets"}


class PublicAccessBlock(BaseModel):
    bucket: str = attribute(force_new=True)
    block_public_acls: bool = attribute(False, description="Reject requests that set a "
                                        "public ACL.")
    block_public_policy: bool = attribute(False, description="Reject bucket policies that "
                                          "grant public access.")
    ignore_public_acls: bool = attribute(False, description="Ignore the public ACLs already "
                                         "on the bucket and its objects.")
    restrict_public_buckets: bool = attribute(False, description="Only AWS services and the "
                                              "owner's account may use a public policy.")
    id: str | None = attribute(computed=True)


class PublicAccessBlockType(BucketSetting):
    """A bucket's public access block. New buckets get one with every flag on
    (AWS's default since 2023): creating this resource overwrites it, as
    Terraform does; destroying it (DeletePublicAccessBlock) leaves the bucket
    with none, so only the account-level block applies."""

    name = "aws_s3_bucket_public_access_block"
    model = PublicAccessBlock
    refresh_calls = ("s3:GetPublicAccessBlock",)

    def fetch(self, state: Obj) -> dict[str, Any] | None:
        answer = self.aws.client("s3").get_public_access_block(**self.bucket_args(state))
        return answer.get("PublicAccessBlockConfiguration")

    def from_api(self, state: Obj, answer: dict[str, Any]) -> Obj:
        return {ours: bool(answer.get(theirs)) for ours, theirs in PUBLIC_ACCESS_FLAGS.items()}

    def put(self, planned: Obj) -> None:
        config = {theirs: bool(planned.get(ours)) for ours, theirs in PUBLIC_ACCESS_FLAGS.items()}
        self.aws.client("s3").put_public_access_block(
            **self.bucket_args(planned), PublicAccessBlockConfiguration=config)

    def remove(self, prior: Obj) -> None:
        self.aws.client("s3").delete_public_access_block(**self.bucket_args(prior))
