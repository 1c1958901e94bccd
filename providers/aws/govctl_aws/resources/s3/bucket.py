"""aws_s3_bucket: the bucket itself and its tags.

Its governance settings are resources of their own (see `bucket_setting`);
this type only creates, tags and destroys the bucket (emptying it first
with force_destroy).
"""

from __future__ import annotations

from collections.abc import Iterator

from botocore.exceptions import ClientError
from pydantic import BaseModel

from govctl.plugins.protocol import ProviderError, attribute
from govctl_aws.errors import code_of, is_gone
from govctl_aws.resource import Obj, ResourceType
from govctl_aws.tags import tag_dict, tag_list


class Bucket(BaseModel):
    bucket: str = attribute(force_new=True, description="The bucket's globally unique name.")
    force_destroy: bool = attribute(False, description="Delete every object (and version) "
                                    "when the bucket is destroyed, instead of failing.")
    tags: dict[str, str] | None = attribute(None)
    tags_all: dict[str, str] | None = attribute(computed=True)
    id: str | None = attribute(computed=True)
    arn: str | None = attribute(computed=True)
    region: str | None = attribute(computed=True)
    bucket_domain_name: str | None = attribute(computed=True)
    bucket_regional_domain_name: str | None = attribute(computed=True)


class BucketType(ResourceType):
    name = "aws_s3_bucket"
    model = Bucket
    # the region comes from state after the first read: one call per refresh
    refresh_calls = ("s3:GetBucketTagging",)

    def _derived(self, name: str, region: str) -> Obj:
        return {"id": name, "bucket": name, "region": region,
                "arn": f"arn:{self.aws.partition}:s3:::{name}",
                "bucket_domain_name": f"{name}.s3.amazonaws.com",
                "bucket_regional_domain_name": f"{name}.s3.{region}.amazonaws.com"}

    def customize(self, prior: Obj | None, planned: Obj, replace: set[str]) -> Obj:
        """A bucket's id, ARN and domain names follow from its name and region,
        so a new bucket's are known at plan time: what refers to them (its
        encryption, its policy, a policy check across resources) need not wait
        for apply."""
        name = planned.get("bucket")
        if (prior is None or replace) and isinstance(name, str) and self.aws.region:
            planned.update(self._derived(name, self.aws.region))
        return planned

    def read(self, state: Obj) -> Obj | None:
        name: str = state.get("id") or state["bucket"]
        s3 = self.aws.client("s3")
        try:
            tags = tag_dict(s3.get_bucket_tagging(Bucket=name).get("TagSet"))
        except ClientError as exc:
            if is_gone(exc):
                return None
            if code_of(exc) != "NoSuchTagSet":
                raise
            tags = {}
        region = state.get("region")
        if not region:
            location = s3.get_bucket_location(Bucket=name).get("LocationConstraint")
            region = location or "us-east-1"
        return {**state, **self._derived(name, region), **self.split_tags(tags, state),
                "force_destroy": bool(state.get("force_destroy"))}

    def import_state(self, id_: str) -> Obj:
        return {"id": id_, "bucket": id_}

    def create(self, planned: Obj) -> Obj:
        name, region = planned["bucket"], self.aws.region or "us-east-1"
        args: dict = {"Bucket": name}
        if region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3 = self.aws.client("s3")
        try:
            s3.create_bucket(**args)
        except ClientError as exc:
            if code_of(exc) != "BucketAlreadyOwnedByYou":
                raise
            raise ProviderError(f'the bucket "{name}" already exists in this account; '
                                f"bring it under govctl with `govctl import ADDR {name}`",
                                attribute="bucket") from None
        tags = self.tags_to_write(planned)
        if tags:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(tags)})
        return {**planned, **self._derived(name, region), "tags_all": tags}

    def update(self, prior: Obj, planned: Obj) -> Obj:
        name = prior["id"]
        s3 = self.aws.client("s3")
        tags = self.tags_to_write(planned)
        if tags != (prior.get("tags_all") or {}):
            if tags:
                s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(tags)})
            else:
                s3.delete_bucket_tagging(Bucket=name)
        return {**planned, **self._derived(name, prior.get("region") or self.aws.region or
                                           "us-east-1"), "tags_all": tags}

    def delete(self, prior: Obj) -> None:
        name = prior["id"]
        s3 = self.aws.client("s3")
        if prior.get("force_destroy"):
            self._empty(name)
        try:
            s3.delete_bucket(Bucket=name)
        except ClientError as exc:
            if is_gone(exc):
                return
            if code_of(exc) == "BucketNotEmpty":
                raise ProviderError(f'the bucket "{name}" is not empty; delete its objects or '
                                    "set force_destroy = true (and apply) before destroying "
                                    "it", attribute="force_destroy") from None
            raise

    def _empty(self, name: str) -> None:
        s3 = self.aws.client("s3")
        pages = s3.get_paginator("list_object_versions").paginate(Bucket=name)
        for page in pages:
            objects = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                       for v in [*page.get("Versions", ()), *page.get("DeleteMarkers", ())]]
            if objects:
                s3.delete_objects(Bucket=name, Delete={"Objects": objects, "Quiet": True})

    def find(self, planned: Obj) -> Obj | None:
        name = planned.get("bucket")
        if not isinstance(name, str):
            return None
        return self.read({"id": name, "bucket": name, "tags": planned.get("tags")})

    def discover(self, known: frozenset[str] = frozenset()) -> Iterator[str]:
        for b in self.aws.client("s3").list_buckets().get("Buckets", ()):
            yield b["Name"]
