"""Where an S3 backend's state lives, and the client that reaches it.

The settings mirror Terraform's `backend "s3"` arguments so a configuration
moves over unchanged. The client is built for a state backend rather than
for bulk work: adaptive retries absorb throttling, and short connect/read
timeouts make an unreachable endpoint a clear error in seconds instead of a
hang of minutes at the start of every plan.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from govctl.state.storage import StorageError

#: Seconds. Connect is the one that matters for a wrong or dead endpoint.
CONNECT_TIMEOUT = 3
READ_TIMEOUT = 10
DEFAULT_MAX_RETRIES = 5         # Terraform's default for the S3 backend


@dataclass(frozen=True)
class S3Settings:
    """A `backend "s3"` block. Credentials default to boto3's chain (environment,
    profile, instance role); the access and secret keys stay out of repr."""

    bucket: str
    key: str
    region: str | None = None
    endpoint: str | None = None
    profile: str | None = None
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    workspace_key_prefix: str = "env:"
    #: None: path style exactly when a custom endpoint is in use (MinIO, moto).
    use_path_style: bool | None = None
    max_retries: int | None = None
    encrypt: bool = True
    kms_key_id: str | None = None

    def __post_init__(self) -> None:
        # Terraform's own rules: a leading or trailing slash would make keys that
        # S3 accepts but no listing finds again.
        if not self.bucket:
            raise StorageError('the s3 backend needs a "bucket"')
        if not self.key or self.key.startswith("/") or self.key.endswith("/"):
            raise StorageError(f'the s3 backend\'s "key" must be a non-empty object key that '
                               f"neither starts nor ends with '/' (got {self.key!r})")
        prefix = self.workspace_key_prefix
        if prefix.startswith("/") or prefix.endswith("/"):
            raise StorageError('the s3 backend\'s "workspace_key_prefix" must neither start '
                               f"nor end with '/' (got {prefix!r})")
        if self.max_retries is not None and self.max_retries < 0:
            raise StorageError('the s3 backend\'s "max_retries" cannot be negative')

    def resolved_endpoint(self) -> str | None:
        """The endpoint boto3 will use: the setting, else AWS_ENDPOINT_URL_S3, else
        AWS_ENDPOINT_URL (as boto3 reads them itself), resolved here so that path
        style and messages can depend on it."""
        if self.endpoint:
            return self.endpoint
        if os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
            return None
        return (os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
                or None)

    def path_style(self) -> bool:
        if self.use_path_style is not None:
            return self.use_path_style
        return self.resolved_endpoint() is not None

    @property
    def where(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def client_for(settings: S3Settings) -> Any:
    """A boto3 S3 client for `settings`. boto3 is imported here, not at module
    load, because it is the optional `govctl[aws]` extra."""
    try:
        import boto3
        import botocore.config
        from botocore.exceptions import BotoCoreError
    except ImportError:
        raise StorageError("the s3 backend needs boto3: pip install 'govctl[aws]'") from None
    retries = DEFAULT_MAX_RETRIES if settings.max_retries is None else settings.max_retries
    config = botocore.config.Config(
        retries={"mode": "adaptive", "total_max_attempts": retries + 1},
        connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
        s3={"addressing_style": "path" if settings.path_style() else "auto"})
    # botocore reads AWS_DEFAULT_REGION and the profile; the SDKs and the CLI
    # also read AWS_REGION
    region = settings.region or os.environ.get("AWS_REGION") or None
    endpoint = settings.resolved_endpoint()
    try:
        session = boto3.Session(
            aws_access_key_id=settings.access_key, aws_secret_access_key=settings.secret_key,
            profile_name=settings.profile or None, region_name=region)
        if not session.region_name:
            raise StorageError(f'{settings.where}: no AWS region: set "region" in the s3 '
                               "backend block or AWS_REGION in the environment")
        return session.client("s3", endpoint_url=endpoint, config=config)
    except BotoCoreError as exc:
        raise StorageError(f"{settings.where}: cannot set up the AWS session: {exc}") from None
    except ValueError as exc:
        # botocore rejects an endpoint it cannot parse with a bare ValueError,
        # before any request is made
        if endpoint is None:
            raise StorageError(f"{settings.where}: cannot set up the AWS session: {exc}") \
                from None
        raise StorageError(f"{settings.where}: the endpoint {endpoint!r}, set by "
                           f"{_endpoint_source(settings)}, is not a valid URL (such as "
                           "https://s3.eu-west-1.amazonaws.com)") from None


def _endpoint_source(settings: S3Settings) -> str:
    """Where the endpoint in use was set, so the message says what to fix."""
    if settings.endpoint:
        return 'the s3 backend\'s "endpoint"'
    return "AWS_ENDPOINT_URL_S3" if os.environ.get("AWS_ENDPOINT_URL_S3") else "AWS_ENDPOINT_URL"
