"""State in S3 (`backend "s3"`): the storage interfaces (govctl.state.storage)
over one bucket, compatible with Terraform's S3 backend layout.

    settings = S3Settings(bucket="acme-state", key="ml/govctl.tfstate", region="eu-west-1")
    client = client_for(settings)
    store = S3Store(client, settings.bucket, workspace_key(settings, "prod"))
    locker = S3Locker(client, settings.bucket, store.key)

The pieces live in s3_settings (settings and client), s3_store (the state
object and the versioning check), s3_lock (the `.tflock` lock) and
s3_workspaces (key layout and listing); this module is their one import.
"""

from __future__ import annotations

from typing import Any

from govctl.state.s3_lock import LOCK_SUFFIX, S3Locker
from govctl.state.s3_settings import S3Settings, client_for
from govctl.state.s3_store import S3Store, versioning_enabled
from govctl.state.s3_workspaces import list_workspaces, workspace_key


def storage_for(settings: S3Settings, workspace: str, client: Any = None,
                *, host_pid_check: bool = True) -> tuple[S3Store, S3Locker]:
    """The store and locker of one workspace's state (a client is made from the
    settings unless one is given, so several workspaces can share one)."""
    client = client if client is not None else client_for(settings)
    key = workspace_key(settings, workspace)
    sse: dict[str, Any] = {"encrypt": settings.encrypt, "kms_key_id": settings.kms_key_id}
    return (S3Store(client, settings.bucket, key, **sse),
            S3Locker(client, settings.bucket, key, host_pid_check=host_pid_check, **sse))


__all__ = ["LOCK_SUFFIX", "S3Locker", "S3Settings", "S3Store", "client_for", "list_workspaces",
           "storage_for", "versioning_enabled", "workspace_key"]
