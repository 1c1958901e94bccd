"""aws_s3_bucket_versioning: a bucket's versioning state and MFA delete.

S3 can never make a versioned bucket unversioned again; this type refuses
plans that would need it and suspends versioning on destroy.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from govctl.plugins.protocol import ProviderError, attribute, block
from govctl_aws.resource import Obj
from govctl_aws.resources.s3.bucket_setting import BucketSetting, known

VERSIONING_STATUSES = ("Enabled", "Suspended", "Disabled")
MFA_DELETE = ("Enabled", "Disabled")


class VersioningConfiguration(BaseModel):
    status: str = attribute(description="Enabled, Suspended, or Disabled (only for a bucket "
                            "that has never been versioned: AWS cannot go back to it).")
    mfa_delete: str | None = attribute(None, description="Enabled or Disabled: whether "
                                       "deleting a version or changing versioning needs MFA; "
                                       "AWS's value is kept when not set.")


class Versioning(BaseModel):
    bucket: str = attribute(force_new=True)
    expected_bucket_owner: str | None = attribute(None, force_new=True)
    mfa: str | None = attribute(None, description="The MFA device's serial number, a space "
                                "and its current code: AWS requires it to change mfa_delete. "
                                "Not read back.")
    versioning_configuration: VersioningConfiguration = block()
    id: str | None = attribute(computed=True)


class VersioningType(BucketSetting):
    """A bucket's versioning state.

    A bucket that was never versioned answers no Status: that is "Disabled",
    and "Disabled" can only be planned for such a bucket (creating the resource
    with it makes no call). AWS has no way back to unversioned, so destroying
    this resource suspends versioning, as Terraform does (and does nothing for
    a bucket that is still unversioned).
    """

    name = "aws_s3_bucket_versioning"
    model = Versioning
    refresh_calls = ("s3:GetBucketVersioning",)

    def destroy_note(self, prior: Obj) -> str | None:
        return (f"A bucket cannot become unversioned again: destroying this resource "
                f"suspends versioning of {prior.get('bucket')}; existing versions stay.")

    def fetch(self, state: Obj) -> dict[str, Any] | None:
        answer = self.aws.client("s3").get_bucket_versioning(**self.bucket_args(state))
        return {k: answer[k] for k in ("Status", "MFADelete") if k in answer}

    def from_api(self, state: Obj, answer: dict[str, Any]) -> Obj:
        before = (state.get("versioning_configuration") or {}).get("mfa_delete")
        # AWS names MFADelete only once it has been set: until then it is off,
        # which agrees with a configuration that says so or says nothing
        mfa_delete = answer.get("MFADelete") or (before if before in (None, "Disabled")
                                                  else "Disabled")
        return {"versioning_configuration": {"status": answer.get("Status") or "Disabled",
                                             "mfa_delete": mfa_delete}}

    def listed(self, answer: dict[str, Any]) -> bool:
        """Only buckets ever versioned: an unversioned bucket has no setting."""
        return bool(answer.get("Status"))

    def put(self, planned: Obj) -> None:
        config = planned["versioning_configuration"]
        if config["status"] == "Disabled":
            self._check_unversioned(planned)
            return
        body = {"Status": config["status"]}
        if config.get("mfa_delete"):
            body["MFADelete"] = config["mfa_delete"]
        args: dict[str, Any] = {**self.bucket_args(planned), "VersioningConfiguration": body}
        if planned.get("mfa"):
            args["MFA"] = planned["mfa"]
        self.aws.client("s3").put_bucket_versioning(**args)

    def _check_unversioned(self, planned: Obj) -> None:
        """"Disabled" is a promise that the bucket was never versioned; nothing
        to write, but a bucket that was must not be recorded as unversioned."""
        status = (self.fetch(planned) or {}).get("Status")
        if status:
            raise ProviderError(
                f'the bucket "{planned["bucket"]}" has been versioned (its versioning is '
                f'{status}) and S3 cannot make it unversioned again: set '
                'versioning_configuration.status to "Suspended" instead of "Disabled"',
                attribute="versioning_configuration")

    def remove(self, prior: Obj) -> None:
        """Suspend versioning: an S3 bucket can never become unversioned again."""
        if (prior.get("versioning_configuration") or {}).get("status") == "Disabled":
            return
        args: dict[str, Any] = {**self.bucket_args(prior),
                                "VersioningConfiguration": {"Status": "Suspended"}}
        if prior.get("mfa"):
            args["MFA"] = prior["mfa"]
        self.aws.client("s3").put_bucket_versioning(**args)

    def validate(self, config: Obj) -> list[ProviderError]:
        vc = config.get("versioning_configuration")
        if not isinstance(vc, dict):
            return []
        errors = []
        status, mfa_delete = vc.get("status"), vc.get("mfa_delete")
        if known(status) and status not in VERSIONING_STATUSES:
            errors.append(ProviderError(
                "versioning_configuration.status must be one of "
                f'{", ".join(VERSIONING_STATUSES)}, not "{status}"',
                attribute="versioning_configuration"))
        if known(mfa_delete) and mfa_delete not in MFA_DELETE:
            errors.append(ProviderError(
                f'versioning_configuration.mfa_delete must be Enabled or Disabled, not '
                f'"{mfa_delete}"', attribute="versioning_configuration"))
        return errors

    def customize(self, prior: Obj | None, planned: Obj, replace: set[str]) -> Obj:
        vc = planned.get("versioning_configuration")
        before = (prior or {}).get("versioning_configuration") or {}
        if not isinstance(vc, dict) or prior is None or replace:
            return planned
        if vc.get("mfa_delete") is None and before.get("mfa_delete") is not None:
            planned["versioning_configuration"] = {**vc, "mfa_delete": before["mfa_delete"]}
        if vc.get("status") == "Disabled" and before.get("status") not in (None, "Disabled"):
            raise ProviderError(
                f'the bucket "{prior.get("bucket")}" has been versioned (its versioning is '
                f'{before["status"]}) and S3 cannot make it unversioned again: set '
                'versioning_configuration.status to "Suspended" instead of "Disabled"',
                attribute="versioning_configuration")
        return planned
