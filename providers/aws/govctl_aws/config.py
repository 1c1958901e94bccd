"""The `provider "aws"` block, named as in the Terraform AWS provider so that
existing configurations carry over. Anything left unset falls back to what
boto3 reads itself: AWS_REGION / AWS_DEFAULT_REGION, AWS_PROFILE, the
credential chain, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>."""

from __future__ import annotations

from pydantic import BaseModel

from govctl.plugins.protocol import attribute, block

SERVICES = ("iam", "kms", "s3", "sagemaker", "sts")


class AssumeRole(BaseModel):
    role_arn: str = attribute()
    session_name: str | None = attribute(None)
    external_id: str | None = attribute(None, sensitive=True)
    duration_seconds: int | None = attribute(None)


class Endpoints(BaseModel):
    """Per-service URLs; the sandbox points them all at one moto server."""

    iam: str | None = attribute(None)
    kms: str | None = attribute(None)
    s3: str | None = attribute(None)
    sagemaker: str | None = attribute(None)
    sts: str | None = attribute(None)


class DefaultTags(BaseModel):
    tags: dict[str, str] | None = attribute(None)


class AwsConfig(BaseModel):
    region: str | None = attribute(None)
    profile: str | None = attribute(None)
    access_key: str | None = attribute(None, sensitive=True)
    secret_key: str | None = attribute(None, sensitive=True)
    token: str | None = attribute(None, sensitive=True)
    max_retries: int | None = attribute(None, description="Attempts per call, throttling "
                                        "included (adaptive retry mode); default 25.")
    retry_mode: str | None = attribute(None, description="adaptive (default), standard "
                                       "or legacy.")
    s3_use_path_style: bool | None = attribute(None)
    skip_requesting_account_id: bool | None = attribute(None)
    assume_role: AssumeRole | None = block(max_items=1)
    endpoints: Endpoints | None = block(max_items=1)
    default_tags: DefaultTags | None = block(max_items=1)
