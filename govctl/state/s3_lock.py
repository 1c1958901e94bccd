"""The state lock as an object beside the state, `<key>.tflock`, the name
Terraform's S3 backend uses for its native (DynamoDB-free) locking, so a
Terraform user recognises it and the same IAM policy covers both.

Taking the lock is one PutObject with If-None-Match: *: S3 creates the object
for exactly one of any number of concurrent writers and refuses the rest, so
there is no read-then-write window. Releasing reads the lock, checks that it
is still the one taken (by its id), and deletes it with If-Match on the ETag
just read, so a lock that was force-unlocked and taken again by another run
in between is left alone.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict
from typing import Any

from govctl.state.lockinfo import LockInfo
from govctl.state.s3_errors import (
    boto_errors,
    client_error_code,
    is_missing_key,
    is_precondition_failure,
    storage_error,
)
from govctl.state.s3_store import encryption_args, read_object
from govctl.state.storage import Locker

LOCK_SUFFIX = ".tflock"


def pid_running(pid: int) -> bool:
    """Whether a process with this pid exists on this machine. Not knowing
    (no permission, a nonsense pid) counts as running: a lock is only called
    stale when its holder is certainly gone."""
    if pid <= 0:            # 0 and negatives name process groups, not a process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class S3Locker(Locker):
    """The lock of the state at s3://bucket/key.

    host_pid_check: whether a lock taken on this machine (by hostname) by a
    process that no longer runs is reported stale. Turn it off where hostnames
    are shared by unrelated machines (identical container hostnames)."""

    def __init__(self, client: Any, bucket: str, key: str, *, host_pid_check: bool = True,
                 encrypt: bool = True, kms_key_id: str | None = None):
        self.client = client
        self.bucket = bucket
        self.lock_key = key + LOCK_SUFFIX
        self.where = f"s3://{bucket}/{self.lock_key}"
        self.host_pid_check = host_pid_check
        self._encryption = encryption_args(encrypt, kms_key_id)

    def __repr__(self) -> str:
        return f"S3Locker({self.where})"

    def try_acquire(self, info: LockInfo) -> bool:
        body = json.dumps(asdict(info), indent=2).encode("utf-8") + b"\n"
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.lock_key, Body=body,
                                   ContentType="application/json", IfNoneMatch="*",
                                   **self._encryption)
        except boto_errors() as exc:
            if not is_precondition_failure(exc):
                raise storage_error(exc, self.where, "taking the lock") from None
            # botocore retries a request whose answer was lost; its retry is refused
            # by the lock the first attempt created. That lock is ours.
            found = self._read()
            return found is not None and found[0] is not None and found[0].id == info.id
        return True

    def holder(self) -> tuple[LockInfo | None, bool] | None:
        found = self._read()
        if found is None:
            return None
        info, _ = found
        return info, info is not None and self._is_stale(info)

    def release(self, info: LockInfo) -> None:
        self._delete_if_id(info.id)

    def force_release(self, info: LockInfo) -> None:
        self._delete_if_id(info.id)

    # --- internals ---------------------------------------------------------------
    def _read(self) -> tuple[LockInfo | None, str] | None:
        """(holder or None when unreadable, ETag) of the lock, None when there is none."""
        blob = read_object(self.client, self.bucket, self.lock_key, self.where)
        if blob is None:
            return None
        try:
            info = LockInfo.from_json(json.loads(blob.data.decode("utf-8")))
        except (ValueError, UnicodeDecodeError):
            info = None
        return info, blob.version

    def _is_stale(self, info: LockInfo) -> bool:
        """Only a holder on this machine can be checked; elsewhere the lock's age
        (in LockInfo) is all anyone can go by."""
        if not self.host_pid_check:
            return False
        if info.who.rpartition("@")[2] != socket.gethostname():
            return False
        return not pid_running(info.pid)

    def _delete_if_id(self, lock_id: str) -> None:
        found = self._read()
        if found is None or found[0] is None or found[0].id != lock_id:
            return          # gone, unreadable, or someone else's lock now
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.lock_key, IfMatch=found[1])
        except boto_errors() as exc:
            if is_precondition_failure(exc) or is_missing_key(exc):
                return      # replaced or removed since we read it: not ours to delete
            if client_error_code(exc) not in ("NotImplemented", "501"):
                raise storage_error(exc, self.where, "releasing the lock") from None
            # an S3-compatible store without conditional deletes: the id check
            # above is the best there is
            self._plain_delete()

    def _plain_delete(self) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.lock_key)
        except boto_errors() as exc:
            if not is_missing_key(exc):
                raise storage_error(exc, self.where, "releasing the lock") from None
