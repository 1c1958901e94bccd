"""The contract of test_contract.py for the SageMaker cases that need more
than a configuration: the approval's version is registered first (as the
training pipeline would), and the group policy, whose API moto 5.2.5 lacks,
is checked at the protocol level with those calls alone stubbed."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from govctl_aws.provider import AwsProvider
from tests.providers.aws.cases.sagemaker import (
    CASES,
    READERS_POLICY,
    PartialStubber,
    SageMakerCase,
)
from tests.providers.aws.conftest import ACCOUNT, REGION, AwsWorkspace

POLICY = "aws_sagemaker_model_package_group_policy"
GROUP_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/contract-models"


@pytest.mark.parametrize("case", [c for c in CASES if not c.moto_lacks], ids=lambda c: c.type)
def test_contract_through_the_cli(case: SageMakerCase, aws: AwsWorkspace,
                                  provider: AwsProvider) -> None:
    if case.setup is not None:
        case.setup(aws.moto)
    aws.write(case.config)
    aws.applied()
    aws.no_changes()
    attrs = aws.attrs(f"{case.type}.this")

    rt = provider._type(case.type)
    provider.aws.calls.clear()
    assert provider.read(case.type, attrs) == attrs
    assert Counter(provider.aws.calls) == Counter(rt.refresh_calls)

    imported = provider.import_(case.type, case.import_id(attrs))
    assert imported is not None
    for name in case.import_ignores:
        imported[name] = attrs.get(name)
    assert imported == attrs
    if case.discoverable:
        assert attrs["id"] in set(provider.discover(case.type))


def test_policy_contract_with_stubbed_policy_calls(aws: AwsWorkspace,
                                                   provider: AwsProvider) -> None:
    case = next(c for c in CASES if c.type == POLICY)
    aws.moto.client("sagemaker").create_model_package_group(
        ModelPackageGroupName="contract-models")
    proposed = {"model_package_group_name": "contract-models", "resource_policy": READERS_POLICY}
    # moto 5.2.5 lacks Put/GetModelPackageGroupPolicy (HTTP 500): stubbed, and only they
    sm = provider.aws.client("sagemaker")
    with PartialStubber(sm, *case.moto_lacks) as stub:
        stub.add_response("put_model_package_group_policy", {"ModelPackageGroupArn": GROUP_ARN},
                          {"ModelPackageGroupName": "contract-models",
                           "ResourcePolicy": READERS_POLICY})
        planned = provider.plan(POLICY, None, proposed).planned
        state = provider.apply(POLICY, None, planned)
        assert state is not None and state["id"] == "contract-models"

        compact = json.dumps(json.loads(READERS_POLICY), separators=(",", ":"))
        stub.add_response("get_model_package_group_policy", {"ResourcePolicy": compact},
                          {"ModelPackageGroupName": "contract-models"})
        provider.aws.calls.clear()
        assert provider.read(POLICY, state) == state        # reformatted, same meaning
        # a stubbed call never reaches the session's counter: the stub's queue
        # counts it (exactly the one Get, consumed), the counter every other call
        stub.assert_no_pending_responses()
        stubbed = Counter({"sagemaker:GetModelPackageGroupPolicy": 1})
        assert Counter(provider.aws.calls) + stubbed == Counter(
            provider._type(POLICY).refresh_calls)

        again = provider.plan(POLICY, state, proposed)
        assert again.planned == state and not again.requires_replace

        stub.add_response("get_model_package_group_policy", {"ResourcePolicy": compact},
                          {"ModelPackageGroupName": case.import_id(state)})
        imported = provider.import_(POLICY, case.import_id(state))
        assert imported is not None
        assert imported["id"] == state["id"]
        assert json.loads(imported["resource_policy"]) == json.loads(state["resource_policy"])
        stub.assert_no_pending_responses()

        # discovery: the known group is listed without a Get; another is asked
        aws.moto.client("sagemaker").create_model_package_group(
            ModelPackageGroupName="bare-models")
        stub.add_client_error("get_model_package_group_policy", "ValidationException",
                              "Cannot find resource policy for bare-models.",
                              expected_params={"ModelPackageGroupName": "bare-models"})
        assert list(provider.discover(POLICY, {"contract-models"})) == ["contract-models"]
        stub.assert_no_pending_responses()
