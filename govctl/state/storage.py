"""Where a backend keeps its bytes, and how it locks them.

A backend is the same machine whatever the storage (govctl.state.backend):
read, replay the journal, write the successor, lock, force-unlock. What
differs between a local file and an object in S3 is only these two small
interfaces, so a new storage (Cloud Storage, later) implements them and
inherits every guarantee the engine tests check once.

Both are compare-and-swap shaped on purpose. A `Store.put` names the version
it replaces, so a write based on a stale read fails (`Conflict`) instead of
losing someone else's update, even when a lock was broken by hand. A
`Locker.try_acquire` either creates the lock or learns that it exists: there
is no read-then-write window in which two runs could both win.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from govctl.state.lockinfo import LockInfo


class Conflict(Exception):
    """The stored object is not the version the writer expected."""


class StorageError(Exception):
    """The storage could not be reached or refused the request; the message is
    the user's to read (it names the location and the service's answer)."""


@dataclass(frozen=True)
class Blob:
    """Stored bytes and the version token they were read at (an S3 ETag, or a
    local file's identity): what `Store.put` compares against."""

    data: bytes
    version: str


class Store(ABC):
    """One object: a state file, or the audit log beside it."""

    #: Where the object lives, for messages: a path, or s3://bucket/key.
    where: str

    @abstractmethod
    def get(self) -> Blob | None:
        """The object's bytes and version, or None when there is no object."""

    def version(self) -> str | None:
        """The stored object's version without its bytes (None: no object); a
        store that can ask for it cheaply (an S3 HEAD) overrides this."""
        blob = self.get()
        return blob.version if blob is not None else None

    @abstractmethod
    def put(self, data: bytes, expect: str | None) -> str:
        """Replace the object whole, only if its current version is `expect`
        (None: only if there is no object); returns the new version. Raises
        Conflict when the object changed since `expect` was read. Whoever
        stores history (a `.backup` file, bucket versioning) does it here."""

    @abstractmethod
    def delete(self) -> None:
        """Remove the object (and what the store keeps beside it); absent is fine."""


class Locker(ABC):
    """The lock of one state."""

    #: Where the lock lives, for messages.
    where: str

    @abstractmethod
    def try_acquire(self, info: LockInfo) -> bool:
        """Take the lock for `info` atomically; False when someone holds it."""

    @abstractmethod
    def holder(self) -> tuple[LockInfo | None, bool] | None:
        """(holder, stale) of the current lock, or None when it is free. The
        holder is None when the lock exists but cannot be read. Stale means the
        holding process is known to be gone."""

    @abstractmethod
    def release(self, info: LockInfo) -> None:
        """Release the lock taken for `info`, only if it is still that lock."""

    @abstractmethod
    def force_release(self, info: LockInfo) -> None:
        """Remove the lock `info` describes, whoever holds it (force-unlock);
        only that lock: one taken since is left alone."""
