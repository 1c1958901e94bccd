"""data "aws_iam_policy_document": a policy written in HCL blocks.

Computed locally, like Terraform's, and rendered byte for byte as Terraform
renders it (see `policy_render`), so ported configurations keep their
documents and ids.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, Field

from govctl.plugins.protocol import ProviderError, attribute, block
from govctl_aws import policy_decode, policy_render
from govctl_aws.resource import DataSource, Obj


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


def _principals(blocks: list[Obj], version: str) -> policy_render.Principals:
    return [(p["type"], _vars(policy_render.string_or_list(p["identifiers"] or ()), version))
            for p in blocks or ()]


def _conditions(blocks: list[Obj], version: str) -> policy_render.Conditions:
    out: policy_render.Conditions = []
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
            out[key] = policy_render.string_or_list(st[name])
    for key, name in (("Resource", "resources"), ("NotResource", "not_resources")):
        if st.get(name):
            out[key] = _vars(policy_render.string_or_list(st[name]), version)
    out["Principal"] = _principals(st.get("principals") or [], version)
    out["NotPrincipal"] = _principals(st.get("not_principals") or [], version)
    out["Condition"] = _conditions(st.get("condition") or [], version)
    return out


def _decoded(texts: list[str] | None, attribute_: str) -> list[policy_render.Doc]:
    docs = []
    for i, text in enumerate(texts or ()):
        if text is None:
            continue
        try:
            docs.append(policy_decode.decode(text))
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
        merged: policy_render.Doc = {"Version": "", "Id": "", "Statement": []}
        sources = _decoded(config.get("source_policy_documents"), "source_policy_documents")
        policy_decode.check_unique_sids(sources, "source_policy_documents")
        for doc in sources:
            policy_render.merge(merged, doc)
        policy_render.merge(merged, self._own(config, version))
        for doc in _decoded(config.get("override_policy_documents"),
                            "override_policy_documents"):
            policy_render.merge(merged, doc)
        text, minified, id_ = policy_render.render(merged)
        return {**config, "json": text, "minified_json": minified, "id": id_}

    def _own(self, config: Obj, version: str) -> policy_render.Doc:
        statements = [_statement(st, version) for st in config.get("statement") or ()]
        sids = [s["Sid"] for s in statements if s["Sid"]]
        dup = next((s for i, s in enumerate(sids) if s in sids[:i]), None)
        if dup is not None:
            raise ProviderError(f"duplicate Sid ({dup}); remove the Sid or make it unique",
                                attribute="statement")
        return {"Version": version, "Id": config.get("policy_id") or "",
                "Statement": statements}
