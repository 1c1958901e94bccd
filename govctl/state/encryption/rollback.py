"""The highest serial this machine has seen of each encrypted state.

Encryption stops a reader who can fetch the bucket; it does not stop a writer
from putting back an older sealed state, which decrypts perfectly well and
would silently undo changes (a revoked grant, a rotated key). Each machine
therefore remembers the highest serial per lineage it has opened or written,
and refuses anything older unless the caller says the restore is deliberate.
It also remembers which lineage it last saw at each place (a path, an S3
key): another workspace's state copied over this one, or the state deleted
(which would read as a new, empty state and plan to create everything
again), is refused the same way.

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
        entry = self._read()[0].get(lineage)
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

    def check_place(self, where: str, lineage: str | None, allow: bool = False) -> None:
        """Raise DiagnosticError when `where` holds another lineage than the one
        last seen there, or nothing (None) where a state was seen; with `allow`,
        accept it and remember what is there now."""
        known = self._read()[1].get(where)
        if known is None or known == lineage:
            return
        if allow:
            self.record_place(where, lineage)
            return
        found = (f"holds another state (lineage {lineage})" if lineage is not None else
                 "holds no state any more")
        raise DiagnosticError([error(
            "State replaced or removed",
            f"The state at {where} {found}, but this machine last saw lineage {known} "
            "there: it was deleted, or another state (another workspace's?) was put in its "
            "place. Planning against it could destroy or re-create real objects.\n\n"
            "If this is deliberate, allow it for one run with the global flag "
            "-allow-state-rollback (e.g. govctl -allow-state-rollback plan). This machine's "
            f"memory is {self.path}.")])

    def record_place(self, where: str, lineage: str | None) -> None:
        """Remember the lineage at `where` (None: forget it, e.g. a deleted workspace)."""
        def change(lineages: dict[str, Any], places: dict[str, Any]) -> bool:
            if places.get(where) == lineage:
                return False
            if lineage is None:
                places.pop(where, None)
            else:
                places[where] = lineage
            return True

        self._update(change)

    def record(self, lineage: str, serial: int, *, lower: bool = False) -> None:
        """Remember `serial` if it is the highest seen (or, with `lower`, as the
        new mark whatever it was)."""
        def change(lineages: dict[str, Any], places: dict[str, Any]) -> bool:
            entry = lineages.get(lineage)
            if entry is not None and not lower and int(entry["serial"]) >= serial:
                return False
            if entry is not None and int(entry["serial"]) == serial:
                return False
            lineages[lineage] = {"serial": serial, "seen": _now()}
            return True

        self._update(change)

    def _update(self, change: Any) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with self._locked():
                lineages, places = self._read()
                if not change(lineages, places):
                    return
                data = json.dumps({"version": 1, "lineages": lineages, "places": places},
                                  indent=2, sort_keys=True).encode() + b"\n"
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

    def _read(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(lineage -> {serial, seen}, place -> lineage)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}, {}
        except OSError as exc:
            raise DiagnosticError([error("Cannot read the state serials seen",
                                         f"{self.path}: {exc.strerror}.")]) from None
        try:
            doc = json.loads(raw)
            lineages = doc["lineages"]
            for entry in lineages.values():
                int(entry["serial"]), str(entry["seen"])
            places = doc.get("places", {})
            if not all(isinstance(v, str) for v in places.values()):
                raise ValueError("places")
        except (ValueError, TypeError, KeyError, AttributeError):
            raise DiagnosticError([error(
                "Corrupt memory of state serials",
                f"{self.path} is not a file govctl wrote. It records the highest serial of "
                "each encrypted state seen on this machine, to detect rollbacks; delete it to "
                "start again (the protection restarts from the next state read).")]) from None
        return dict(lineages), dict(places)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
