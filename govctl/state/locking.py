"""The state lock loop, shared by every backend: take the lock or name who holds
it (Terraform's messages), wait with -lock-timeout, release, force-unlock.
What a lock is (a flocked file, an S3 object) is the Locker's business
(govctl.state.storage)."""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from govctl import __version__
from govctl.diagnostics import DiagnosticError, error
from govctl.state.lockinfo import LockError, LockInfo, now, who
from govctl.state.storage import Locker, StorageError

POLL_SECONDS = 0.5


class Locking:
    """Mixed into Backend: `locker`, `where` and the run's journal are its."""

    locker: Locker
    _held: LockInfo | None
    _journal: Any

    @property
    def where(self) -> str:
        raise NotImplementedError

    @contextlib.contextmanager
    def lock(self, operation: str, timeout: float = 0.0) -> Iterator[LockInfo]:
        """Hold the state lock for the block. Fails at once with a LockError
        naming the holder, or keeps trying every 0.5 s for `timeout` seconds."""
        info = self._acquire(operation, timeout)
        try:
            yield info
        finally:
            self._release()

    def _acquire(self, operation: str, timeout: float) -> LockInfo:
        deadline = time.monotonic() + timeout
        info = LockInfo(id=str(uuid.uuid4()), who=who(), pid=os.getpid(), operation=operation,
                        created=now(), path=self.where, version=__version__)
        while True:
            if self._locker_call(self.locker.try_acquire, info):
                self._held = info
                return info
            found = self._locker_call(self.locker.holder)
            if found is None:       # released while we looked: try again
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._lock_error(*found, waited=timeout)
            time.sleep(min(POLL_SECONDS, remaining))

    def _locker_call(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except StorageError as exc:
            raise DiagnosticError([error("Error acquiring the state lock", str(exc))]) from None

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is None:
            return
        if self._journal is not None:
            self._journal.close()
        try:
            self.locker.release(held)
        except StorageError as exc:
            raise DiagnosticError([error(
                "Error releasing the state lock",
                f"{exc}\n\nThe lock may still be held; once no run is using the state, "
                f"remove it with:\n\n  govctl force-unlock {held.id}")]) from None

    def lock_holder(self) -> tuple[LockInfo | None, bool] | None:
        """(holder, stale) of the current lock, or None when the state is unlocked."""
        result: tuple[LockInfo | None, bool] | None = self._locker_call(self.locker.holder)
        return result

    def _lock_error(self, info: LockInfo | None, stale: bool, waited: float) -> LockError:
        waited_text = f" (waited {waited:g} s)" if waited > 0 else ""
        if info is None:
            head = f"The state {self.where} is locked, but its lock cannot be read."
            fix = (f"If no other govctl run is using this state, remove {self.locker.where} "
                   "by hand.")
        else:
            host = info.who.rpartition("@")[2]
            head = (f"The state is locked by {info.who} (pid {info.pid}) for "
                    f'"{info.operation}" since {info.created} ({info.age()} ago)'
                    f"{waited_text}.")
            if stale:
                head = (f"The state is locked by a process that is no longer running: "
                        f"{info.who} (pid {info.pid} on {host}) took the lock for "
                        f'"{info.operation}" at {info.created}, {info.age()} ago, and is gone '
                        "without releasing it (a crash?). This lock is stale.")
                fix = ("If no other govctl run is using this state, check that the state "
                       "is as you expect and remove the lock with:\n\n"
                       f"  govctl force-unlock {info.id}")
            else:
                fix = ("govctl locks the state so that two runs never change it at once. "
                       "Wait for that run to finish, or pass -lock-timeout to wait for it. "
                       "If that run died on another machine, remove its lock with "
                       f"govctl force-unlock {info.id}.")
            head += "\n\n" + info.describe()
        summary = "State lock is stale" if stale else "Error acquiring the state lock"
        return LockError(summary, f"{head}\n\n{fix}", info, stale)

    def force_unlock(self, lock_id: str) -> LockInfo:
        """Remove the lock whose id is `lock_id`, whoever holds it; returns its info."""
        found = self.lock_holder()
        if found is None:
            raise DiagnosticError([error("Failed to unlock state",
                                         f"No lock is held on {self.where}.")])
        info, _ = found
        if info is None:
            raise DiagnosticError([error(
                "Failed to unlock state",
                f"The lock {self.locker.where} cannot be read, so its ID cannot be checked. "
                "If no other govctl run is using this state, delete it by hand.")])
        if info.id != lock_id:
            raise DiagnosticError([error(
                "Failed to unlock state",
                f'Lock ID "{lock_id}" does not match the existing lock ID "{info.id}".'
                f"\n\n{info.describe()}")])
        if self._held is not None and self._held.id == lock_id:
            self._release()
        else:
            self._locker_call(self.locker.force_release, info)
        return info
