"""Files that are either whole or not there: the one way govctl replaces a
file (state, backups, plans, approvals, formatted configuration).

Written to a temporary file in the same directory, fsynced, renamed over the
target, and the directory fsynced so the rename itself survives a crash; a
failure at any point leaves the old file as it was and no temporary behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def replace(path: Path, data: bytes, mode: int | None = None,
            before_rename: Callable[[], None] | None = None) -> None:
    """Make `path` hold `data`. `mode`: the new file's permissions (mkstemp's
    0o600 otherwise, right for state and plans, which hold secrets);
    `before_rename`: a last step while the old file is still in place (the
    state keeps it as its backup)."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    tmp = Path(tmp_name)
    try:
        try:
            write_all(fd, data)
            if mode is not None:
                os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        if before_rename is not None:
            before_rename()
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(directory)
