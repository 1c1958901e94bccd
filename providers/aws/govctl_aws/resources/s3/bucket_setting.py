"""What every singleton setting of a bucket has in common.

Encryption, public access block, versioning and policy are each one setting
of one bucket, identified by the bucket's name, with one Get call per
refresh: `BucketSetting` holds that life cycle once, so each setting only
says how to fetch, map, put and remove itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from govctl.plugins.protocol import UNKNOWN
from govctl_aws.errors import is_gone
from govctl_aws.resource import Obj, ResourceType


def known(value: Any) -> bool:
    return value is not None and value is not UNKNOWN


class BucketSetting(ResourceType):
    """A singleton setting of one bucket, whose id is the bucket's name.

    Subclasses say how to fetch the setting (`fetch`: AWS's answer, None when
    there is no such setting), how that answer maps to attributes (`from_api`)
    and how to write and remove it (`put`, `remove`). A bucket that no longer
    exists takes its settings with it: read answers None, delete succeeds.
    """

    def bucket_args(self, state: Obj) -> dict[str, str]:
        """Bucket (and ExpectedBucketOwner, where the type has it): every call's arguments."""
        name = state.get("bucket")
        args = {"Bucket": name if isinstance(name, str) else state["id"]}
        owner = state.get("expected_bucket_owner")
        if isinstance(owner, str) and owner:
            args["ExpectedBucketOwner"] = owner
        return args

    # --- to implement ---------------------------------------------------------
    def fetch(self, state: Obj) -> dict[str, Any] | None:
        raise NotImplementedError

    def from_api(self, state: Obj, answer: dict[str, Any]) -> Obj:
        raise NotImplementedError

    def put(self, planned: Obj) -> None:
        raise NotImplementedError

    def remove(self, prior: Obj) -> None:
        raise NotImplementedError

    def listed(self, answer: dict[str, Any]) -> bool:
        """Whether discovery reports a bucket whose setting AWS answered with."""
        return True

    # --- the resource type ----------------------------------------------------
    def read(self, state: Obj) -> Obj | None:
        try:
            answer = self.fetch(state)
        except ClientError as exc:
            if is_gone(exc):
                return None
            raise
        if answer is None:
            return None
        name = self.bucket_args(state)["Bucket"]
        return {**state, **self.from_api(state, answer), "id": name, "bucket": name}

    def create(self, planned: Obj) -> Obj:
        self.put(planned)
        return {**planned, "id": planned["bucket"]}

    def update(self, prior: Obj, planned: Obj) -> Obj:
        self.put(planned)
        return {**planned, "id": planned["bucket"]}

    def delete(self, prior: Obj) -> None:
        try:
            self.remove(prior)
        except ClientError as exc:
            if not is_gone(exc):
                raise

    def import_state(self, id_: str) -> Obj:
        """`bucket`, or `bucket,expected_bucket_owner` as Terraform accepts it
        for the types that have an owner."""
        name, _, owner = id_.partition(",")
        state: Obj = {"id": name, "bucket": name}
        if owner and "expected_bucket_owner" in self.schema().attributes:
            state["expected_bucket_owner"] = owner
        return state

    def find(self, planned: Obj) -> Obj | None:
        """A re-read by bucket name, over the planned values: the settings AWS
        does not return (mfa, the owner) and a policy text it would reformat."""
        name = planned.get("bucket")
        if not isinstance(name, str):
            return None
        return self.read({**planned, "id": name, "bucket": name})

    def discover(self, known: frozenset[str] = frozenset()) -> Iterator[str]:
        """One ListBuckets, then this type's Get call on every bucket not known
        to carry it (1 + unmanaged calls): S3 has no call listing the buckets
        that carry a setting."""
        for b in self.aws.client("s3").list_buckets().get("Buckets", ()):
            name = b["Name"]
            if name in known:
                yield name
                continue
            try:
                answer = self.fetch({"id": name, "bucket": name})
            except ClientError as exc:
                if is_gone(exc):
                    continue
                raise
            if answer is not None and self.listed(answer):
                yield name
