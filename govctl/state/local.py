"""The local backend: a state file on disk, its lock and its journal.

Three files sit beside the state file `<path>`:

- `<path>.backup`: the previous version, kept by every write;
- `<path>.lock.info`: the lock (JSON LockInfo), present while a run holds it;
- `<path>.journal`: changes finished since the state file was last written
  (govctl.state.journal).

The state file is only ever replaced by a rename of a fully written and
fsynced temporary file, so a run that dies at any instant leaves the old file
or the new one. The lock file is flocked by the process that holds it, so a
lock whose holder died is known to be stale (not merely old).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from govctl import atomic
from govctl.diagnostics import DiagnosticError, error
from govctl.state.backend import Backend
from govctl.state.journal import Journal, apply_entries, read_journal, replay
from govctl.state.jsonenc import decode, encode_bytes
from govctl.state.lockinfo import LockError, LockInfo
from govctl.state.storage import Blob, Conflict, Locker, Store


def _version(st: os.stat_result) -> str:
    """A local file's identity: a rename of a new file changes the inode."""
    return f"{st.st_dev}:{st.st_ino}:{st.st_mtime_ns}:{st.st_size}"


class FileStore(Store):
    """A file, replaced whole and atomically, the old one kept as `.backup`.

    put() compares the file's identity before the rename; that is not atomic
    against another process, but every local writer holds the state lock (an
    flock'd file on the same disk), and the serial check in Backend catches a
    writer that turned locking off.
    """

    def __init__(self, path: Path):
        self.path = path
        self.backup_path = path.with_name(path.name + ".backup")
        self.where = str(path)

    def get(self) -> Blob | None:
        try:
            with open(self.path, "rb") as f:
                return Blob(f.read(), _version(os.fstat(f.fileno())))
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise DiagnosticError([error("Cannot read the state file",
                                         f"{self.path}: {exc.strerror}.")]) from None

    def version(self) -> str | None:
        try:
            return _version(os.stat(self.path))
        except FileNotFoundError:
            return None

    def put(self, data: bytes, expect: str | None) -> str:
        if self.version() != expect:
            raise Conflict(self.where)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic.replace(self.path, data, before_rename=lambda: self._keep_backup()
                       if self.path.exists() else None)
        return _version(os.stat(self.path))

    def delete(self) -> None:
        for path in (self.path, self.backup_path):
            path.unlink(missing_ok=True)

    def _keep_backup(self) -> None:
        """The current file becomes `.backup`: a hard link, renamed into place so
        that the backup too is always whole (a copy where links are refused)."""
        tmp = self.backup_path.with_name(f".{self.backup_path.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        try:
            os.link(self.path, tmp)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP,
                                 errno.EOPNOTSUPP):
                raise
            shutil.copyfile(self.path, tmp)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
        os.replace(tmp, self.backup_path)


@dataclass
class _Held:
    fd: int
    id: str
    inode: tuple[int, int]


class FileLocker(Locker):
    """`<path>.lock.info`, created exclusively and flocked while held: a lock file
    nobody holds open any more belongs to a run that died (stale)."""

    def __init__(self, lock_path: Path):
        self.lock_path = lock_path
        self.where = str(lock_path)
        self._held: _Held | None = None

    def try_acquire(self, info: LockInfo) -> bool:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                         0o644)
        except FileExistsError:
            return False
        # Locked before anything is written: a lock file with content is held
        # open by a live process, or its holder died (stale).
        fcntl.flock(fd, fcntl.LOCK_EX)
        st = os.fstat(fd)
        atomic.write_all(fd, encode_bytes(asdict(info)) + b"\n")
        os.fsync(fd)
        self._held = _Held(fd, info.id, (st.st_dev, st.st_ino))
        return True

    def release(self, info: LockInfo) -> None:
        held = self._held
        if held is None or held.id != info.id:
            return
        self._held = None
        try:
            st = os.stat(self.lock_path)
            if (st.st_dev, st.st_ino) == held.inode:    # not force-unlocked and retaken
                self.lock_path.unlink()
        except FileNotFoundError:
            pass
        finally:
            os.close(held.fd)       # only now: the file is gone before the flock goes

    def force_release(self, info: LockInfo) -> None:
        if self._held is not None and self._held.id == info.id:
            self.release(info)
            return
        # Take the file away first (a rename is atomic), then look at what was
        # taken: a lock made since `info` was read goes straight back.
        taken = self.lock_path.with_name(f".{self.lock_path.name}.{os.getpid()}.unlock")
        try:
            os.rename(self.lock_path, taken)
        except FileNotFoundError:
            return
        try:
            current = LockInfo.from_json(decode(taken.read_text(encoding="utf-8")))
        except ValueError:
            current = None          # unreadable: the lock the caller was shown
        if current is not None and current.id != info.id:
            with contextlib.suppress(FileExistsError):
                os.link(taken, self.lock_path)
        taken.unlink(missing_ok=True)

    def holder(self) -> tuple[LockInfo | None, bool] | None:
        for attempt in range(3):
            try:
                fd = os.open(self.lock_path, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                return None
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    live = False
                    fcntl.flock(fd, fcntl.LOCK_UN)
                except BlockingIOError:
                    live = True
                with os.fdopen(os.dup(fd), "rb") as f:
                    data = f.read()
            finally:
                os.close(fd)
            if data.strip() or live or attempt == 2:
                try:
                    info = LockInfo.from_json(decode(data.decode("utf-8")))
                except ValueError:
                    info = None
                return info, not live
            time.sleep(0.05)    # empty and not held: its creator may be between open and flock
        return None


class LocalBackend(Backend):
    """State in a local file (see the module docstring for the files beside it)."""

    def __init__(self, path: Path | str, *, codec: object = None):
        self.path = Path(path)
        self.backup_path = self.path.with_name(self.path.name + ".backup")
        self.lock_path = self.path.with_name(self.path.name + ".lock.info")
        super().__init__(FileStore(self.path), FileLocker(self.lock_path),
                         self.path.with_name(self.path.name + ".journal"),
                         codec=codec)

    def audit_log_path(self) -> Path:
        """Where the audit log of applies to this state goes: `govctl.audit.jsonl`
        beside the state file."""
        return self.path.with_name("govctl.audit.jsonl")


__all__ = ["FileLocker", "FileStore", "Journal", "LocalBackend", "LockError", "LockInfo",
           "apply_entries", "read_journal", "replay"]
