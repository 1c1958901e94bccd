"""What the sandbox adds to moto 5: the model registry calls it lacks.

moto answers SageMaker's Put/Get/DeleteModelPackageGroupPolicy,
DeleteModelPackageGroup and DeleteModelPackage with HTTP 500, so the
example's registry could not be applied or destroyed in the sandbox. These
handlers keep the same state AWS would (a policy per group; a group cannot be
deleted while it holds versions) inside moto's own backend objects. They are
installed only in a sandbox process, never in the provider or its tests:
the tests meet moto as it is and stub the missing calls explicitly.

`install` also makes S3's conditional writes atomic (govctl_aws.moto_conditional),
which the test server does too: that one is a fidelity fix every user of
moto's S3 needs, not a missing call.
"""

from __future__ import annotations

from typing import Any

_INSTALLED = False


def install() -> None:
    """Add the handlers to moto's SageMaker responses and make its S3 conditional
    writes atomic (once per process)."""
    global _INSTALLED
    if _INSTALLED:
        return
    from moto.core.responses import ActionResult, EmptyResult
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.responses import SageMakerResponse

    from govctl_aws.moto_conditional import make_conditional_writes_atomic

    make_conditional_writes_atomic()

    def group(self: Any, name: str) -> Any:
        return self.sagemaker_backend.describe_model_package_group(name)

    def put_policy(self: Any) -> Any:
        g = group(self, self._get_param("ModelPackageGroupName"))
        g.govctl_policy = self._get_param("ResourcePolicy")
        return ActionResult({"ModelPackageGroupArn": g.arn})

    def get_policy(self: Any) -> Any:
        name = self._get_param("ModelPackageGroupName")
        policy = getattr(group(self, name), "govctl_policy", None)
        if policy is None:
            raise ValidationError(f"Cannot find resource policy for {name}.")
        return ActionResult({"ResourcePolicy": policy})

    def delete_policy(self: Any) -> Any:
        g = group(self, self._get_param("ModelPackageGroupName"))
        g.govctl_policy = None
        return EmptyResult()

    def delete_group(self: Any) -> Any:
        name = self._get_param("ModelPackageGroupName")
        group(self, name)
        backend = self.sagemaker_backend
        if any(p.model_package_group_name == name for p in backend.model_packages.values()):
            raise ValidationError(f"Model package group {name} is not empty: delete its "
                                  "model packages first.")
        del backend.model_package_groups[name]
        return EmptyResult()

    def delete_package(self: Any) -> Any:
        name = self._get_param("ModelPackageName")
        backend = self.sagemaker_backend
        for key, package in list(backend.model_packages.items()):
            if name in (key, package.arn):
                del backend.model_packages[key]
        return EmptyResult()

    SageMakerResponse.put_model_package_group_policy = put_policy
    SageMakerResponse.get_model_package_group_policy = get_policy
    SageMakerResponse.delete_model_package_group_policy = delete_policy
    SageMakerResponse.delete_model_package_group = delete_group
    SageMakerResponse.delete_model_package = delete_package
    _INSTALLED = True
