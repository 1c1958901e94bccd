"""IAM: roles, managed and inline policies, attachments, and policy documents.

Policy texts are compared by meaning (policy.equivalent): IAM hands back
documents reformatted and, for roles, URL-encoded, and botocore decodes
them into dicts. A read keeps the recorded text while AWS's still means the
same, so a refresh never reports a reformatting as drift.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, Field

from govctl.plugins.protocol import ProviderError, attribute, block
from govctl_aws import policy
from govctl_aws.errors import code_of, is_gone
from govctl_aws.resource import DataSource, Obj, ResourceType

MAX_POLICY_VERSIONS = 5       # AWS keeps at most five versions of a managed policy


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def tag_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or ()}


def timestamp(value: datetime | None) -> str | None:
    """RFC 3339 in UTC, as Terraform records IAM dates."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tag_changes(old: dict[str, str], new: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The tags to (re)write and the keys to remove to go from `old` to `new`."""
    put = {k: v for k, v in new.items() if old.get(k) != v}
    return put, sorted(set(old) - set(new))


def policy_errors(config: Obj, name: str) -> list[ProviderError]:
    doc = config.get(name)
    if isinstance(doc, str) and policy.parse(doc) is None:
        return [ProviderError(f"{name} is not a JSON policy document", attribute=name)]
    return []


# --- aws_iam_role ---------------------------------------------------------------

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

    def discover(self) -> Iterator[str]:
        for page in self.aws.client("iam").get_paginator("list_roles").paginate():
            for role in page.get("Roles", ()):
                yield role["RoleName"]


# --- aws_iam_policy -------------------------------------------------------------

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

    def discover(self) -> Iterator[str]:
        pages = self.aws.client("iam").get_paginator("list_policies").paginate(Scope="Local")
        for page in pages:
            for found in page.get("Policies", ()):
                yield found["Arn"]


def _version_number(version_id: str) -> int:
    digits = version_id.lstrip("v")
    return int(digits) if digits.isdigit() else 0


# --- aws_iam_role_policy --------------------------------------------------------

class RolePolicy(BaseModel):
    name: str = attribute(force_new=True, description="The inline policy's name.")
    role: str = attribute(force_new=True, description="The name of the role it is part of.")
    policy: str = attribute(description="The policy document (JSON). Compared by meaning.")
    id: str | None = attribute(computed=True)


def split_id(id_: str, sep: str, what: str) -> tuple[str, str]:
    first, found, rest = id_.partition(sep)
    if not found or not first or not rest:
        raise ProviderError(f'"{id_}" is not a valid {what}')
    return first, rest


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


# --- aws_iam_role_policy_attachment ---------------------------------------------

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


# --- data "aws_iam_policy_document" ---------------------------------------------

class PrincipalBlock(BaseModel):
    type: str = attribute(description='"AWS", "Service", "Federated", "CanonicalUser" or "*".')
    identifiers: set[str] = attribute()


class ConditionBlock(BaseModel):
    test: str = attribute(description='The condition operator, e.g. "StringEquals".')
    variable: str = attribute(description='The context key, e.g. "aws:SourceAccount".')
    values: list[str] = attribute()


class StatementBlock(BaseModel):
    sid: str | None = attribute(None)
    effect: str = attribute("Allow", description='"Allow" or "Deny".')
    actions: set[str] | None = attribute(None)
    not_actions: set[str] | None = attribute(None)
    resources: set[str] | None = attribute(None)
    not_resources: set[str] | None = attribute(None)
    principals: list[PrincipalBlock] = block()
    not_principals: list[PrincipalBlock] = block()
    condition: list[ConditionBlock] = block()


class PolicyDocument(BaseModel):
    version: str = attribute("2012-10-17")
    policy_id: str | None = attribute(None)
    source_policy_documents: list[str] | None = attribute(None, description="Documents whose "
                                                          "statements come first; a statement "
                                                          "of this one with the same Sid wins.")
    override_policy_documents: list[str] | None = attribute(None, description="Documents "
                                                            "whose statements replace those "
                                                            "with the same Sid.")
    statement: list[StatementBlock] = block()
    json_: Annotated[str | None, Field(alias="json")] = attribute(computed=True)
    minified_json: str | None = attribute(computed=True)
    id: str | None = attribute(computed=True)


_SID = re.compile(r"^[a-zA-Z0-9]*$")
_VERSIONS = ("2008-10-17", "2012-10-17")


def _vars(values: str | list[str], version: str) -> str | list[str]:
    """Terraform's `&{...}` is an IAM policy variable `${...}` (HCL would
    interpolate the latter); the 2008 policy language has no variables."""
    items = [values] if isinstance(values, str) else values
    if version == "2008-10-17" and any("&{" in v for v in items):
        raise ProviderError("policy variables (&{...}) need version 2012-10-17",
                            attribute="statement")
    out = [v.replace("&{", "${") for v in items]
    return out[0] if isinstance(values, str) else out


def _principals(blocks: list[Obj], version: str) -> policy.Principals:
    return [(p["type"], _vars(policy.string_or_list(p["identifiers"] or ()), version))
            for p in blocks or ()]


def _conditions(blocks: list[Obj], version: str) -> policy.Conditions:
    out: policy.Conditions = []
    for c in blocks or ():
        values = _vars(list(c["values"] or ()), version)
        out.append((c["test"], c["variable"],
                    values[0] if isinstance(values, list) and len(values) == 1 else values))
    return out


def _statement(st: Obj, version: str) -> dict[str, Any]:
    effect = st.get("effect") or "Allow"
    if effect not in ("Allow", "Deny"):
        raise ProviderError(f'a statement\'s effect must be "Allow" or "Deny", not "{effect}"',
                            attribute="statement")
    sid = st.get("sid") or ""
    if not _SID.match(sid):
        raise ProviderError(f'the Sid "{sid}" may hold only letters and digits',
                            attribute="statement")
    out: dict[str, Any] = {"Sid": sid, "Effect": effect}
    for key, name in (("Action", "actions"), ("NotAction", "not_actions")):
        if st.get(name):
            out[key] = policy.string_or_list(st[name])
    for key, name in (("Resource", "resources"), ("NotResource", "not_resources")):
        if st.get(name):
            out[key] = _vars(policy.string_or_list(st[name]), version)
    out["Principal"] = _principals(st.get("principals") or [], version)
    out["NotPrincipal"] = _principals(st.get("not_principals") or [], version)
    out["Condition"] = _conditions(st.get("condition") or [], version)
    return out


def _decoded(texts: list[str] | None, attribute_: str) -> list[policy.Doc]:
    docs = []
    for i, text in enumerate(texts or ()):
        if text is None:
            continue
        try:
            docs.append(policy.decode(text))
        except ValueError as exc:
            raise ProviderError(f"{attribute_}[{i}] is not a policy document: {exc}",
                                attribute=attribute_) from None
    return docs


class PolicyDocumentData(DataSource):
    name = "aws_iam_policy_document"
    model = PolicyDocument
    # computed locally, like Terraform's: no API call at all
    refresh_calls = ()

    def read(self, config: Obj) -> Obj:
        version = config.get("version") or "2012-10-17"
        if version not in _VERSIONS:
            raise ProviderError(f'version must be "2012-10-17" or "2008-10-17", not '
                                f'"{version}"', attribute="version")
        merged: policy.Doc = {"Version": "", "Id": "", "Statement": []}
        sources = _decoded(config.get("source_policy_documents"), "source_policy_documents")
        policy.check_unique_sids(sources, "source_policy_documents")
        for doc in sources:
            policy.merge(merged, doc)
        policy.merge(merged, self._own(config, version))
        for doc in _decoded(config.get("override_policy_documents"),
                            "override_policy_documents"):
            policy.merge(merged, doc)
        text, minified, id_ = policy.render(merged)
        return {**config, "json": text, "minified_json": minified, "id": id_}

    def _own(self, config: Obj, version: str) -> policy.Doc:
        statements = [_statement(st, version) for st in config.get("statement") or ()]
        sids = [s["Sid"] for s in statements if s["Sid"]]
        dup = next((s for i, s in enumerate(sids) if s in sids[:i]), None)
        if dup is not None:
            raise ProviderError(f"duplicate Sid ({dup}); remove the Sid or make it unique",
                                attribute="statement")
        return {"Version": version, "Id": config.get("policy_id") or "",
                "Statement": statements}


# --- data "aws_iam_role" --------------------------------------------------------

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


RESOURCES: tuple[type[ResourceType], ...] = (RoleType, PolicyType, RolePolicyType,
                                             RolePolicyAttachmentType)
DATA_SOURCES: tuple[type[DataSource], ...] = (PolicyDocumentData, RoleDataSource)
