"""The contract every AWS resource type keeps: a valid schema, a create
followed by a plan shows no changes, a refresh costs exactly the calls the
type documents, import reads back what apply recorded, and discovery lists it."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from govctl.plugins.schema import schema_from_model
from govctl_aws.provider import AwsProvider
from govctl_aws.resources import DATA_SOURCES, RESOURCES
from tests.providers.aws.cases import Case, iam, kms, s3, sagemaker
from tests.providers.aws.conftest import AwsWorkspace

CASES: list[Case] = [*iam.CASES, *kms.CASES, *s3.CASES, *sagemaker.CASES]


def test_every_resource_type_has_a_case() -> None:
    assert {c.type for c in CASES} >= {cls.name for cls in RESOURCES}


@pytest.mark.parametrize("cls", [*RESOURCES, *DATA_SOURCES], ids=lambda c: c.name)
def test_schema_is_valid(cls: Any) -> None:
    schema = schema_from_model(cls.model)
    assert schema.attributes or schema.blocks
    local = cls.name == "aws_iam_policy_document"      # computed here, no API call
    assert cls.refresh_calls or local, f"{cls.name} does not document what its refresh costs"
    if cls in RESOURCES:
        assert "id" in schema.attributes and schema.attributes["id"].computed


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.type)
def test_contract(case: Case, aws: AwsWorkspace, provider: AwsProvider) -> None:
    if case.moto_lacks:
        pytest.skip(f"moto 5.2.5 lacks {', '.join(case.moto_lacks)} "
                    "(checked with those calls stubbed in test_sagemaker_contract.py)")
    if case.setup is not None:
        case.setup(aws.moto)
    aws.write(case.config)
    aws.applied()
    aws.no_changes()
    attrs = aws.attrs(f"{case.type}.this")

    rt = provider._type(case.type)
    provider.aws.calls.clear()
    assert provider.read(case.type, attrs) is not None
    assert Counter(provider.aws.calls) == Counter(rt.refresh_calls)

    imported = provider.import_(case.type, case.import_id(attrs))
    assert imported is not None
    for name in case.import_ignores:
        imported[name] = attrs.get(name)
    assert imported == attrs

    if case.discoverable:
        assert attrs["id"] in set(provider.discover(case.type))
