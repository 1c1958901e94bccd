"""`backend "s3"`: every workspace's state as an object in one bucket.

The storage pieces are govctl.state.s3 (conditional writes for the state and
its `.tflock`); this module makes them a Backend and a set of workspaces.

Two things cannot live in S3 as they do on disk. The apply journal needs
cheap durable appends, so it stays on the local disk of the machine that
applies (`.govctl/journal/` in the root module): a crashed run's changes are
folded in by the next run from the same directory, as for the local backend.
The audit log cannot be appended to in place, so it is read from
`<key>.audit.jsonl` into `.govctl/audit/`, appended there, and written back
(If-Match on the version read) just before the state that anchors its new
head: a log that is ahead of its state is explained by the state's anchor; a
state ahead of its log would not be.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from govctl.diagnostics import Diagnostic, DiagnosticError, error, warning
from govctl.hcl import ast
from govctl.state.backend import Backend
from govctl.state.backends import Backends, literal_arguments, stamp
from govctl.state.model import State
from govctl.state.storage import Blob, Conflict, StorageError, Store

ARGUMENTS: dict[str, type] = {
    "bucket": str, "key": str, "region": str, "endpoint": str, "profile": str,
    "access_key": str, "secret_key": str, "workspace_key_prefix": str,
    "use_path_style": bool, "max_retries": int, "encrypt": bool, "kms_key_id": str,
    "use_lockfile": bool,
}
AUDIT_SUFFIX = ".audit.jsonl"


def _local_name(settings: Any, key: str) -> str:
    """A file name for this machine's copy of something of state `key`."""
    where = f"{settings.resolved_endpoint() or 'aws'}|{settings.bucket}|{key}"
    return hashlib.sha256(where.encode()).hexdigest()[:24]


class S3Backend(Backend):
    """One workspace's state object, its lock, and its audit log in the bucket."""

    kind = "s3"

    def __init__(self, settings: Any, client: Any, name: str, root_dir: Path, **extras: Any):
        from govctl.state import s3

        store, locker = s3.storage_for(settings, name, client)
        local = _local_name(settings, store.key)
        super().__init__(store, locker, root_dir / ".govctl" / "journal" / f"{local}.journal",
                         **extras)
        self.key = store.key
        self.audit_store: Store = s3.S3Store(client, settings.bucket, store.key + AUDIT_SUFFIX,
                                             encrypt=settings.encrypt,
                                             kms_key_id=settings.kms_key_id)
        self._audit_cache = root_dir / ".govctl" / "audit" / f"{local}{AUDIT_SUFFIX}"
        self._audit_read: Blob | None = None
        self._audit_fetched = False

    def audit_log_path(self) -> Path:
        """This machine's copy of the audit log, fetched from the bucket (once)."""
        from govctl import atomic

        if not self._audit_fetched:
            try:
                self._audit_read = self.audit_store.get()
            except StorageError as exc:
                raise DiagnosticError([error("Cannot read the audit log", str(exc))]) from None
            self._audit_cache.parent.mkdir(parents=True, exist_ok=True)
            atomic.replace(self._audit_cache,
                           self._audit_read.data if self._audit_read else b"")
            self._audit_fetched = True
        return self._audit_cache

    def _publish_audit(self) -> None:
        if not self._audit_fetched:
            return
        data = self._audit_cache.read_bytes()
        before = self._audit_read
        if data == (before.data if before else b""):
            return
        try:
            version = self.audit_store.put(data, before.version if before else None)
        except Conflict:
            raise DiagnosticError([error(
                "The audit log changed during this run",
                f"{self.audit_store.where} was written by another run since this one read it "
                "(was the state lock broken?). The state was not written; this run's record "
                f"is in {self._audit_cache}.")]) from None
        except StorageError as exc:
            raise DiagnosticError([error("Failed to write the audit log", str(exc))]) from None
        self._audit_read = Blob(data, version)

    def _put(self, data: bytes, expect: str | None) -> str:
        self._publish_audit()
        return super()._put(data, expect)


class S3Backends(Backends):
    """Workspaces as Terraform's S3 backend lays them out: the default at `key`,
    workspace W at `<workspace_key_prefix>/W/<key>`."""

    kind = "s3"

    def __init__(self, settings: Any, root_dir: Path, **extras: Any):
        self.settings = settings
        self.root_dir = root_dir
        self.extras = extras
        self._client: Any = None

    @classmethod
    def from_block(cls, root_dir: Path, block: ast.Block | None, **extras: Any) -> S3Backends:
        from govctl.state.s3 import S3Settings

        args, diags = literal_arguments(block, ARGUMENTS, "s3")
        rng = block.def_range if block is not None else None
        for name in ("bucket", "key"):
            if block is None or name not in block.body.attributes:
                diags.append(error("Missing backend argument",
                                   f'The s3 backend needs "{name}".', rng))
        if args.pop("use_lockfile", True) is False:
            assert block is not None
            diags.append(error(
                "Unsupported backend argument",
                "govctl always locks S3 state with a lock object written conditionally "
                "(use_lockfile = true); it cannot be turned off.",
                block.body.attributes["use_lockfile"].expr.range))
        if diags:
            raise DiagnosticError(diags)
        try:
            settings = S3Settings(**args)
        except StorageError as exc:
            raise DiagnosticError([error("Invalid s3 backend configuration", str(exc),
                                         rng)]) from None
        return cls(settings, root_dir, **extras)

    @property
    def client(self) -> Any:
        if self._client is None:
            from govctl.state.s3 import client_for

            try:
                self._client = client_for(self.settings)
            except StorageError as exc:
                raise DiagnosticError([error("Cannot reach the s3 backend", str(exc))]) from None
        return self._client

    def describe(self) -> str:
        return self.settings.where

    def names(self) -> list[str]:
        from govctl.state.s3 import list_workspaces

        try:
            return list_workspaces(self.client, self.settings)
        except StorageError as exc:
            raise DiagnosticError([error("Cannot list workspaces", str(exc))]) from None

    def exists(self, name: str) -> bool:
        from govctl.state import workspaces

        if name == workspaces.DEFAULT:
            return True
        return workspaces.name_problem(name) is None and self.backend(name)._get() is not None

    def create(self, name: str) -> None:
        """As Terraform's S3 backend: a new workspace is an empty state object."""
        backend = self.backend(name)
        with backend.lock("workspace new"):
            backend.write(State())

    def _make(self, name: str) -> S3Backend:
        return S3Backend(self.settings, self.client, name, self.root_dir, **self.extras)

    def delete(self, name: str) -> str | None:
        backend = self._make(name)
        kept = None
        try:
            log = backend.audit_store.get()
            if log is not None:
                kept = self.keep_audit_log(name, log.data)
                backend.audit_store.delete()
            backend.store.delete()
        except (StorageError, Conflict) as exc:
            raise DiagnosticError([error("Failed to delete the workspace", str(exc))]) from None
        backend.journal_path.unlink(missing_ok=True)
        return kept

    def keep_audit_log(self, name: str, data: bytes) -> str:
        from govctl.state.s3 import S3Store

        settings = self.settings
        stem = f"{settings.workspace_key_prefix or 'env:'}/.deleted/{name}-{stamp()}"
        for n in range(100):
            key = f"{stem}{AUDIT_SUFFIX}" if n == 0 else f"{stem}-{n}{AUDIT_SUFFIX}"
            # the kept copy is as sensitive as the log: the same server-side encryption
            keep = S3Store(self.client, settings.bucket, key, encrypt=settings.encrypt,
                           kms_key_id=settings.kms_key_id)
            try:
                keep.put(data, None)        # If-None-Match: never over an earlier kept log
            except Conflict:
                continue
            except StorageError as exc:
                raise DiagnosticError([error(
                    "Failed to keep the audit log", f"{exc}. Nothing was removed.")]) from None
            return keep.where
        raise DiagnosticError([error("Failed to keep the audit log",
                                     f"{stem}{AUDIT_SUFFIX} and its numbered successors "
                                     "exist. Nothing was removed.")])

    def advice(self) -> list[Diagnostic]:
        from govctl.state.s3 import versioning_enabled

        try:
            enabled = versioning_enabled(self.client, self.settings.bucket)
        except StorageError as exc:
            return [error("Cannot reach the s3 backend", str(exc))]
        if enabled is False:
            return [warning(
                "Bucket versioning is off",
                f"The bucket {self.settings.bucket} does not keep old versions of objects. "
                "Turn versioning on: it is the only history from which a damaged or "
                "wrongly overwritten state can be recovered (govctl keeps no .backup in S3).")]
        return []
