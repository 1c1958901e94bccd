"""AWS errors as the user must see them: the operation, AWS's code and message.

A missing object is not an error during refresh; `is_gone` tells which codes
mean "it does not exist" so that read can answer None."""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)

from govctl.plugins.protocol import ProviderError

GONE_CODES = frozenset({
    "NoSuchEntity", "NoSuchBucket", "NotFoundException", "NoSuchKey", "ResourceNotFound",
    "NoSuchPublicAccessBlockConfiguration", "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchBucketPolicy", "ValidationException:NotFound", "404",
})
THROTTLING = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException",
                        "RequestLimitExceeded", "SlowDown"})


def code_of(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def is_gone(exc: BaseException, *also: str) -> bool:
    """True when `exc` says the object does not exist."""
    code = code_of(exc)
    return bool(code) and (code in GONE_CODES or code in also)


def provider_error(exc: BaseException, doing: str, attribute: str | None = None) -> ProviderError:
    """A ProviderError naming what we were doing and what AWS answered."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code, message = err.get("Code", "Error"), err.get("Message", "") or str(exc)
        return ProviderError(f"{doing}: {code}: {message}", attribute=attribute,
                             retryable=code in THROTTLING)
    if isinstance(exc, NoCredentialsError):
        return ProviderError(f"{doing}: no AWS credentials were found (set access_key and "
                             "secret_key, a profile, or AWS_ACCESS_KEY_ID and "
                             "AWS_SECRET_ACCESS_KEY)")
    if isinstance(exc, NoRegionError):
        return ProviderError(f"{doing}: no AWS region (set `region` or AWS_REGION)",
                             attribute="region")
    if isinstance(exc, EndpointConnectionError):
        return ProviderError(f"{doing}: cannot reach {exc.kwargs.get('endpoint_url')} "
                             "(is the endpoint right, and is the sandbox running?)",
                             retryable=True)
    if isinstance(exc, BotoCoreError):
        return ProviderError(f"{doing}: {exc}")
    return ProviderError(f"{doing}: {exc}")
