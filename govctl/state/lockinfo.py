"""Who holds a state lock, and the error that names them.

Shared by every Locker (govctl.state.storage): Terraform users read lock
holders in this shape whatever the storage.
"""

from __future__ import annotations

import datetime
import getpass
import os
import socket
from dataclasses import dataclass
from typing import Any

from govctl.diagnostics import DiagnosticError, error


@dataclass(frozen=True)
class LockInfo:
    """Who holds a state lock, as Terraform reports it."""

    id: str
    who: str            # user@host
    pid: int
    operation: str
    created: str        # RFC 3339, UTC
    path: str
    version: str

    @staticmethod
    def from_json(data: Any) -> LockInfo | None:
        try:
            return LockInfo(**{k: data[k] for k in LockInfo.__dataclass_fields__})
        except (KeyError, TypeError):
            return None

    def age(self) -> str:
        try:
            then = datetime.datetime.fromisoformat(self.created)
        except ValueError:
            return "unknown time"
        seconds = int((datetime.datetime.now(datetime.UTC) - then).total_seconds())
        if seconds < 120:
            return f"{seconds}s"
        if seconds < 7200:
            return f"{seconds // 60}m"
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"

    def describe(self) -> str:
        return (f"Lock Info:\n  ID:        {self.id}\n  Path:      {self.path}\n"
                f"  Operation: {self.operation}\n  Who:       {self.who}\n"
                f"  PID:       {self.pid}\n  Version:   {self.version}\n"
                f"  Created:   {self.created}")


class LockError(DiagnosticError):
    """The state is locked by someone else. `info` is the holder (None when the
    lock file cannot be read); `stale` is True when no process holds it open
    any more: a crashed run's lock, which only force-unlock removes."""

    def __init__(self, summary: str, detail: str, info: LockInfo | None, stale: bool):
        super().__init__([error(summary, detail)])
        self.info = info
        self.stale = stale


def who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):     # no passwd entry, as in some containers
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
