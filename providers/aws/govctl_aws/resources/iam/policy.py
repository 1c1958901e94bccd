"""aws_iam_policy: a customer-managed policy.

A changed document becomes a new default version; AWS keeps at most five, so
the oldest non-default one is deleted first, as Terraform does.
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
from govctl_aws.resources.iam.common import policy_errors, tag_changes
from govctl_aws.tags import tag_dict, tag_list

MAX_POLICY_VERSIONS = 5       # AWS keeps at most five versions of a managed policy


class Policy(BaseModel):
    name: str = attribute(force_new=True, description="The policy's name, unique in the "
                          "account.")
    path: str = attribute("/", force_new=True)
    description: str | None = attribute(None, force_new=True)
    policy: str = attribute(description="The policy document (JSON). A change makes a new "
                            "default version. Compared by meaning.")
    tags: dict[str, str] | None = attribute(None)
    tags_all: dict[str, str] | None = attribute(computed=True)
    id: str | None = attribute(computed=True)
    arn: str | None = attribute(computed=True)
    policy_id: str | None = attribute(computed=True)


class PolicyType(ResourceType):
    name = "aws_iam_policy"
    model = Policy
    # the policy (tags, default version id) and then its default version's document
    refresh_calls = ("iam:GetPolicy", "iam:GetPolicyVersion")
    semantic = {"policy": policy.equivalent}

    def validate(self, config: Obj) -> list[ProviderError]:
        return policy_errors(config, "policy")

    def read(self, state: Obj) -> Obj | None:
        arn = state.get("id") or state.get("arn")
        iam = self.aws.client("iam")
        try:
            found = iam.get_policy(PolicyArn=arn)["Policy"]
            version = iam.get_policy_version(PolicyArn=arn,
                                              VersionId=found["DefaultVersionId"])
        except ClientError as exc:
            if is_gone(exc):
                return None
            raise
        document = version["PolicyVersion"].get("Document")
        return {**state, "id": found["Arn"], "arn": found["Arn"], "name": found["PolicyName"],
                "path": found.get("Path") or "/", "policy_id": found.get("PolicyId"),
                "description": found.get("Description") or None,
                "policy": policy.keep_prior(state.get("policy"), document),
                **self.split_tags(tag_dict(found.get("Tags")), state)}

    def import_state(self, id_: str) -> Obj:
        return {"id": id_, "arn": id_}

    def create(self, planned: Obj) -> Obj:
        args: dict[str, Any] = {"PolicyName": planned["name"], "Path": planned["path"] or "/",
                                "PolicyDocument": planned["policy"]}
        if planned.get("description"):
            args["Description"] = planned["description"]
        tags = self.tags_to_write(planned)
        if tags:
            args["Tags"] = tag_list(tags)
        try:
            found = self.aws.client("iam").create_policy(**args)["Policy"]
        except ClientError as exc:
            if code_of(exc) != "EntityAlreadyExists":
                raise
            raise ProviderError(f'the policy "{planned["name"]}" already exists; bring it '
                                "under govctl with `govctl import ADDR <its ARN>`",
                                attribute="name") from None
        return {**planned, "id": found["Arn"], "arn": found["Arn"],
                "policy_id": found.get("PolicyId"), "tags_all": tags}

    def update(self, prior: Obj, planned: Obj) -> Obj:
        arn = prior["id"]
        iam = self.aws.client("iam")
        if not policy.equivalent(prior.get("policy"), planned["policy"]):
            self._prune_versions(arn)
            iam.create_policy_version(PolicyArn=arn, PolicyDocument=planned["policy"],
                                      SetAsDefault=True)
        tags = self.tags_to_write(planned)
        put, remove = tag_changes(prior.get("tags_all") or {}, tags)
        if remove:
            iam.untag_policy(PolicyArn=arn, TagKeys=remove)
        if put:
            iam.tag_policy(PolicyArn=arn, Tags=tag_list(put))
        return {**planned, "id": arn, "arn": arn, "policy_id": prior.get("policy_id"),
                "tags_all": tags}

    def _versions(self, arn: str) -> list[dict[str, Any]]:
        pages = self.aws.client("iam").get_paginator("list_policy_versions").paginate(
            PolicyArn=arn)
        return [v for page in pages for v in page.get("Versions", ())]

    def _prune_versions(self, arn: str) -> None:
        """Make room for one more version: at AWS's limit of five, delete the
        oldest one that is not the default (as Terraform does)."""
        versions = self._versions(arn)
        if len(versions) < MAX_POLICY_VERSIONS:
            return
        old = [v for v in versions if not v.get("IsDefaultVersion")]
        oldest = min(old, key=lambda v: (v["CreateDate"], _version_number(v["VersionId"])))
        self.aws.client("iam").delete_policy_version(PolicyArn=arn,
                                                     VersionId=oldest["VersionId"])

    def delete(self, prior: Obj) -> None:
        arn = prior["id"]
        iam = self.aws.client("iam")
        try:
            for v in self._versions(arn):
                if not v.get("IsDefaultVersion"):
                    iam.delete_policy_version(PolicyArn=arn, VersionId=v["VersionId"])
            iam.delete_policy(PolicyArn=arn)
        except ClientError as exc:
            if is_gone(exc):
                return
            if code_of(exc) == "DeleteConflict":
                raise ProviderError(f"the policy {arn} is still attached to users, groups or "
                                    "roles; detach it before destroying it") from None
            raise

    def find(self, planned: Obj) -> Obj | None:
        name, path = planned.get("name"), planned.get("path") or "/"
        if not isinstance(name, str) or not isinstance(path, str):
            return None
        arn = f"arn:{self.aws.partition}:iam::{self.aws.account_id()}:policy{path}{name}"
        return self.read({**planned, "id": arn})

    def discover(self, known: frozenset[str] = frozenset()) -> Iterator[str]:
        pages = self.aws.client("iam").get_paginator("list_policies").paginate(Scope="Local")
        for page in pages:
            for found in page.get("Policies", ()):
                yield found["Arn"]


def _version_number(version_id: str) -> int:
    digits = version_id.lstrip("v")
    return int(digits) if digits.isdigit() else 0
