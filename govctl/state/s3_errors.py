"""How an S3 answer maps onto the storage interface's two failures.

A refused precondition is not an error but the compare-and-swap saying no
(`Conflict`, or a lock that is taken); everything else becomes a
`StorageError` whose message names the object and the service's own code, so
the user can tell a missing bucket from a denied request from a dead endpoint.
botocore's messages carry URLs and codes, never credentials.
"""

from __future__ import annotations

import functools
from typing import Any

from govctl.state.storage import StorageError

#: 412: the If-Match / If-None-Match condition failed. 409: real S3's answer when
#: another conditional write to the same key was in flight; the other one won.
PRECONDITION_CODES = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})
MISSING_KEY_CODES = frozenset({"NoSuchKey", "NotFound"})


@functools.cache
def boto_errors() -> tuple[type[BaseException], ...]:
    """What a boto3 call raises (ClientError, BotoCoreError), for `except`
    clauses in modules that must import without botocore installed."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        return ()
    return (ClientError, BotoCoreError)


def client_error_code(exc: BaseException) -> str | None:
    """The service's error code of a botocore ClientError; None for anything else
    (so callers need not import botocore, which is optional)."""
    response: Any = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if status == 412:
        return "PreconditionFailed"
    return str(code) if code else (str(status) if status else None)


def is_precondition_failure(exc: BaseException) -> bool:
    return client_error_code(exc) in PRECONDITION_CODES


def is_missing_key(exc: BaseException) -> bool:
    return client_error_code(exc) in MISSING_KEY_CODES


def storage_error(exc: BaseException, where: str, doing: str) -> StorageError:
    """A StorageError for a failed `doing` (e.g. "reading") on `where`, naming the
    service's code and message, or what stopped the request from reaching it."""
    code = client_error_code(exc)
    if code is not None:
        message = getattr(exc, "response", {}).get("Error", {}).get("Message") or ""
        hint = _HINTS.get(code, "")
        return StorageError(f"{doing} {where} failed: {code}"
                            + (f": {message}" if message else "") + hint)
    name = type(exc).__name__
    if name in _UNREACHABLE:
        return StorageError(f"{doing} {where} failed: the S3 endpoint cannot be reached "
                            f"({exc}). Check the endpoint, the region and the network.")
    if name in _NO_CREDENTIALS:
        return StorageError(f"{doing} {where} failed: no AWS credentials ({exc}). Set a "
                            "profile or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.")
    return StorageError(f"{doing} {where} failed: {exc}")


_UNREACHABLE = frozenset({"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError",
                          "ConnectionClosedError", "ProxyConnectionError", "SSLError"})
_NO_CREDENTIALS = frozenset({"NoCredentialsError", "PartialCredentialsError",
                             "ProfileNotFound"})
_HINTS = {
    "NoSuchBucket": " (create the bucket first: govctl does not create its backend's bucket)",
    "AccessDenied": " (check the credentials' IAM permissions on the bucket and key)",
}
