"""aws_sagemaker_model_package_group_policy at the protocol level.

moto 5.2.5 lacks Put/Get/DeleteModelPackageGroupPolicy entirely (HTTP 500):
every test attaches a Stubber to the provider's own SageMaker client for
those three operations alone, answering as AWS does and checking the
parameters the provider sends; the group itself lives in moto.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from govctl.plugins.protocol import UNKNOWN, ProviderError
from govctl_aws.provider import AwsProvider
from tests.providers.aws.cases.sagemaker import READERS_POLICY, PartialStubber
from tests.providers.aws.conftest import ACCOUNT, REGION

TYPE = "aws_sagemaker_model_package_group_policy"
GROUP_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/fraud"
POLICY_OPS = ("PutModelPackageGroupPolicy", "GetModelPackageGroupPolicy",
              "DeleteModelPackageGroupPolicy")
WIDER = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": "*", "Action": "sagemaker:*", "Resource": "*"}]})


def compact(doc: str) -> str:
    """How AWS hands a document back: reformatted, the same meaning."""
    return json.dumps(json.loads(doc), separators=(",", ":"), sort_keys=True)


@pytest.fixture
def stub(provider: AwsProvider) -> Iterator[PartialStubber]:
    provider.aws.client("sagemaker").create_model_package_group(ModelPackageGroupName="fraud")
    with PartialStubber(provider.aws.client("sagemaker"), *POLICY_OPS) as s:
        yield s
        s.assert_no_pending_responses()


def expect_put(stub: PartialStubber, doc: str, group: str = "fraud") -> None:
    stub.add_response("put_model_package_group_policy", {"ModelPackageGroupArn": GROUP_ARN},
                      {"ModelPackageGroupName": group, "ResourcePolicy": doc})


def answer_get(stub: PartialStubber, doc: str) -> None:
    stub.add_response("get_model_package_group_policy", {"ResourcePolicy": doc},
                      {"ModelPackageGroupName": "fraud"})


def create(provider: AwsProvider, stub: PartialStubber, doc: str = READERS_POLICY) -> Any:
    proposed = {"model_package_group_name": "fraud", "resource_policy": doc}
    planned = provider.plan(TYPE, None, proposed).planned
    assert planned["id"] is UNKNOWN
    expect_put(stub, doc)
    return provider.apply(TYPE, None, planned)


def test_create_then_reformatted_read_is_no_change(provider: AwsProvider,
                                                   stub: PartialStubber) -> None:
    state = create(provider, stub)
    assert state == {"model_package_group_name": "fraud", "resource_policy": READERS_POLICY,
                     "id": "fraud"}
    answer_get(stub, compact(READERS_POLICY))
    assert provider.read(TYPE, state) == state
    again = provider.plan(TYPE, state, {"model_package_group_name": "fraud",
                                        "resource_policy": compact(READERS_POLICY)})
    assert again.planned == state and not again.requires_replace


def test_update_in_place(provider: AwsProvider, stub: PartialStubber) -> None:
    state = create(provider, stub)
    result = provider.plan(TYPE, state, {"model_package_group_name": "fraud",
                                         "resource_policy": WIDER})
    assert result.requires_replace == set()
    assert result.planned["resource_policy"] == WIDER
    expect_put(stub, WIDER)
    applied = provider.apply(TYPE, state, result.planned)
    assert applied is not None and applied["resource_policy"] == WIDER


def test_other_group_forces_replacement(provider: AwsProvider, stub: PartialStubber) -> None:
    state = create(provider, stub)
    result = provider.plan(TYPE, state, {"model_package_group_name": "churn",
                                         "resource_policy": READERS_POLICY})
    assert result.requires_replace == {"model_package_group_name"}
    assert result.planned["id"] is UNKNOWN


def test_drift_shows_and_apply_restores(provider: AwsProvider, stub: PartialStubber) -> None:
    state = create(provider, stub)
    answer_get(stub, WIDER)                         # widened in the console
    now = provider.read(TYPE, state)
    assert now is not None and json.loads(now["resource_policy"]) == json.loads(WIDER)
    result = provider.plan(TYPE, now, {"model_package_group_name": "fraud",
                                       "resource_policy": READERS_POLICY})
    assert result.planned["resource_policy"] == READERS_POLICY
    assert not result.requires_replace
    expect_put(stub, READERS_POLICY)
    provider.apply(TYPE, now, result.planned)


def test_delete(provider: AwsProvider, stub: PartialStubber) -> None:
    state = create(provider, stub)
    stub.add_response("delete_model_package_group_policy", {},
                      {"ModelPackageGroupName": "fraud"})
    assert provider.apply(TYPE, state, None) is None
    # already gone: AWS answers ValidationException, and that is fine
    stub.add_client_error("delete_model_package_group_policy", "ValidationException",
                          "Cannot find resource policy for fraud.")
    assert provider.apply(TYPE, state, None) is None


def test_no_policy_reads_as_gone(provider: AwsProvider, stub: PartialStubber) -> None:
    stub.add_client_error("get_model_package_group_policy", "ValidationException",
                          "Cannot find resource policy for fraud.")
    assert provider.read(TYPE, {"id": "fraud", "model_package_group_name": "fraud"}) is None


def test_import(provider: AwsProvider, stub: PartialStubber) -> None:
    answer_get(stub, compact(READERS_POLICY))
    imported = provider.import_(TYPE, "fraud")
    assert imported is not None
    assert imported["id"] == imported["model_package_group_name"] == "fraud"
    assert json.loads(imported["resource_policy"]) == json.loads(READERS_POLICY)
    # the configuration's own text then plans as no change
    result = provider.plan(TYPE, imported, {"model_package_group_name": "fraud",
                                            "resource_policy": READERS_POLICY})
    assert result.planned == imported


def test_other_errors_are_not_gone(provider: AwsProvider, stub: PartialStubber) -> None:
    stub.add_client_error("get_model_package_group_policy", "AccessDeniedException",
                          "not allowed", http_status_code=403)
    with pytest.raises(ProviderError) as exc:
        provider.read(TYPE, {"id": "fraud", "model_package_group_name": "fraud"})
    assert "AccessDeniedException" in exc.value.message


def test_not_json_is_a_validation_error(provider: AwsProvider) -> None:
    errors = provider.validate(TYPE, {"model_package_group_name": "fraud",
                                      "resource_policy": "allow everyone"})
    assert [e.attribute for e in errors] == ["resource_policy"]
