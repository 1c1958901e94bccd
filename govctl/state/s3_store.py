"""A state (or audit log) kept as one S3 object, replaced by conditional writes.

S3 has compared-and-swapped since 2024: PutObject with If-Match writes only
over the version the writer read, and with If-None-Match: * only where no
object is. That is exactly `Store.put`, so two runs that both read serial 7
cannot both write serial 8, whatever happened to the lock. History is the
bucket's versioning (see `versioning_enabled`), as with Terraform.
"""

from __future__ import annotations

from typing import Any

from govctl.state.s3_errors import (
    boto_errors,
    client_error_code,
    is_missing_key,
    is_precondition_failure,
    storage_error,
)
from govctl.state.storage import Blob, Conflict, Store


def encryption_args(encrypt: bool, kms_key_id: str | None) -> dict[str, str]:
    """The PutObject arguments for server-side encryption: a KMS key when one is
    named, else S3's own keys; nothing when turned off (some S3-compatible
    stores reject the header)."""
    if kms_key_id:
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id}
    return {"ServerSideEncryption": "AES256"} if encrypt else {}


def read_object(client: Any, bucket: str, key: str, where: str) -> Blob | None:
    """The object's bytes and ETag, or None when there is none."""
    try:
        response = client.get_object(Bucket=bucket, Key=key)
        data = response["Body"].read()
    except boto_errors() as exc:
        if is_missing_key(exc):
            return None
        raise storage_error(exc, where, "reading") from None
    return Blob(data, version=response["ETag"])


class S3Store(Store):
    """One object in a bucket; its version is the object's ETag."""

    def __init__(self, client: Any, bucket: str, key: str, *, encrypt: bool = True,
                 kms_key_id: str | None = None):
        self.client = client
        self.bucket = bucket
        self.key = key
        self.where = f"s3://{bucket}/{key}"
        self._encryption = encryption_args(encrypt, kms_key_id)

    def __repr__(self) -> str:
        return f"S3Store({self.where})"

    def get(self) -> Blob | None:
        return read_object(self.client, self.bucket, self.key, self.where)

    def version(self) -> str | None:
        """The object's ETag from a HEAD request: no body, no decryption."""
        try:
            return str(self.client.head_object(Bucket=self.bucket, Key=self.key)["ETag"])
        except boto_errors() as exc:
            if is_missing_key(exc) or client_error_code(exc) in ("404", "NotFound"):
                return None
            raise storage_error(exc, self.where, "reading") from None

    def put(self, data: bytes, expect: str | None) -> str:
        condition = {"IfNoneMatch": "*"} if expect is None else {"IfMatch": expect}
        try:
            response = self.client.put_object(
                Bucket=self.bucket, Key=self.key, Body=data, ContentType="application/json",
                **condition, **self._encryption)
        except boto_errors() as exc:
            # If-Match on a deleted object is a 404: it changed too
            if not (is_precondition_failure(exc) or (expect is not None and is_missing_key(exc))):
                raise storage_error(exc, self.where, "writing") from None
            return self._after_refusal(data, expect, client_error_code(exc))
        return str(response["ETag"])

    def _after_refusal(self, data: bytes, expect: str | None, code: str | None) -> str:
        """A refused write is a Conflict, unless the object now holds exactly these
        bytes: then it was this write, retried by botocore after its answer was
        lost, and failing it would make the caller think its state unsaved."""
        current = self.get()
        if current is not None and current.data == data:
            return current.version
        was = "no object" if expect is None else f"version {expect}"
        raise Conflict(f"{self.where} changed since it was read (expected {was}; S3 answered "
                       f"{code})")

    def delete(self) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key)
        except boto_errors() as exc:
            if not is_missing_key(exc):
                raise storage_error(exc, self.where, "deleting") from None


def versioning_enabled(client: Any, bucket: str) -> bool | None:
    """Whether the bucket keeps every version of the state (Terraform's advice for
    an S3 backend: the only history a broken state can be recovered from). None
    when the credentials may not ask: a warning, not a failure."""
    try:
        response = client.get_bucket_versioning(Bucket=bucket)
    except boto_errors() as exc:
        if client_error_code(exc) in ("AccessDenied", "AllAccessDisabled", "403"):
            return None
        raise storage_error(exc, f"s3://{bucket}", "checking the versioning of") from None
    return response.get("Status") == "Enabled"


__all__ = ["S3Store", "encryption_args", "read_object", "versioning_enabled"]
