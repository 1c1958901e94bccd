"""The highest serial this machine has seen of each encrypted state.

Encryption stops a reader who can fetch the bucket; it does not stop a writer
from putting back an older sealed state, which decrypts perfectly well and
would silently undo changes (a revoked grant, a rotated key). Each machine
therefore remembers the highest serial per lineage it has opened or written,
and refuses anything older unless the caller says the restore is deliberate.

The memory is one small JSON file (`$GOVCTL_HOME/seen-serials.json`, else
`~/.govctl/`), updated under an flock and replaced atomically, so parallel
runs on one machine neither lose nor corrupt each other's updates.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from govctl import atomic
from govctl.diagnostics import DiagnosticError, error

HOME_ENV = "GOVCTL_HOME"
FILENAME = "seen-serials.json"


def govctl_home() -> Path:
    home = os.environ.get(HOME_ENV)
    return Path(home) if home else Path(os.path.expanduser("~")) / ".govctl"


class Rollback:
    """`check` before trusting an opened state, `record` once a serial is seen
    or written."""

    def __init__(self, path: Path | None = None):
        self.path = path if path is not None else govctl_home() / FILENAME

    def seen(self, lineage: str) -> tuple[int, str] | None:
        """(highest serial, when it was first seen, ISO UTC) or None."""
        entry = self._read().get(lineage)
        if entry is None:
            return None
        return int(entry["serial"]), str(entry["seen"])

    def check(self, lineage: str, serial: int, where: str, allow: bool = False) -> None:
        """Raise DiagnosticError when `serial` is older than the one remembered
        for `lineage`; with `allow`, accept it and lower the memory to it (a
        deliberate restore: the states written after it build on it)."""
        seen = self.seen(lineage)
        if seen is None or serial >= seen[0]:
            return
        if allow:
            self.record(lineage, serial, lower=True)
            return
        high, when = seen
        raise DiagnosticError([error(
            "State rollback refused",
            f"The state at {where}: serial {serial} is older than serial {high} seen on this "
            f"machine at {when}: the state was rolled back — "
            "replayed by someone who can write the bucket?\n\n"
            "If an older state was restored on purpose, allow the rollback for one run with "
            "the global flag -allow-state-rollback (e.g. govctl -allow-state-rollback plan); "
            f"the next write makes it the new mark. This machine's memory of serials is "
            f"{self.path}.")])

    def record(self, lineage: str, serial: int, *, lower: bool = False) -> None:
        """Remember `serial` if it is the highest seen (or, with `lower`, as the
        new mark whatever it was)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with self._locked():
                doc = self._read()
                entry = doc.get(lineage)
                if entry is not None and not lower and int(entry["serial"]) >= serial:
                    return
                if entry is not None and int(entry["serial"]) == serial:
                    return
                doc[lineage] = {"serial": serial, "seen": _now()}
                data = json.dumps({"version": 1, "lineages": doc}, indent=2,
                                  sort_keys=True).encode() + b"\n"
                atomic.replace(self.path, data)
        except OSError as exc:
            raise DiagnosticError([error(
                "Cannot record the state's serial",
                f"{self.path}: {exc.strerror}. govctl remembers the highest serial of each "
                f"encrypted state to detect rollbacks; set {HOME_ENV} to a writable "
                "directory.")]) from None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.path.with_name(self.path.name + ".lock"),
                     os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _read(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise DiagnosticError([error("Cannot read the state serials seen",
                                         f"{self.path}: {exc.strerror}.")]) from None
        try:
            doc = json.loads(raw)
            lineages = doc["lineages"]
            for entry in lineages.values():
                int(entry["serial"]), str(entry["seen"])
        except (ValueError, TypeError, KeyError, AttributeError):
            raise DiagnosticError([error(
                "Corrupt memory of state serials",
                f"{self.path} is not a file govctl wrote. It records the highest serial of "
                "each encrypted state seen on this machine, to detect rollbacks; delete it to "
                "start again (the protection restarts from the next state read).")]) from None
        return dict(lineages)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
