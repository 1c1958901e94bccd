"""The local backend: a state file on disk, its lock and its journal.

Three files sit beside the state file `<path>`:

- `<path>.backup`: the previous version, kept by every write;
- `<path>.lock.info`: the lock (JSON LockInfo), present while a run holds it;
- `<path>.journal`: changes finished since the state file was last written.

Crash safety rests on two rules. The state file is only ever replaced by a
rename of a fully written and fsynced temporary file, so a run that dies at
any instant leaves the old file or the new one. And apply records each
finished change (and, before a create, its intent) as one fsynced line of the
journal instead of rewriting the whole state each time, which made
Terraform's apply quadratic in the number of resources: the next `read()`
replays the journal, so nothing a dead run finished or started is forgotten.

The journal's first line names the state it applies to (lineage and serial).
A write removes the journal only after the new state file is in place; if a
crash comes between the two, the leftover journal names an older serial and is
discarded rather than replayed twice. The run appending to a journal holds an
flock on it, so a reader can tell a live apply's journal (replayed in memory,
left alone) from a dead one's (folded into the state file), even when the user
turned the state lock off.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from govctl import __version__, atomic
from govctl.addrs import AddrError, parse_instance
from govctl.diagnostics import DiagnosticError, error
from govctl.state import statefile
from govctl.state.jsonenc import EncodeError, Fixed, decode, encode_bytes
from govctl.state.lockinfo import LockError, LockInfo, now, who
from govctl.state.model import FORMAT_VERSION, Intent, OutputState, State, strip_unknown
from govctl.state.statefile import InstanceModel, OutputModel, StrictModel

POLL_SECONDS = 0.5


@dataclass
class _Held:
    fd: int
    info: LockInfo
    inode: tuple[int, int]


# --- the journal -------------------------------------------------------------

class _Begin(StrictModel):
    kind: Literal["begin"]
    lineage: str
    serial: int


class _Set(StrictModel):
    kind: Literal["set"]
    addr: str
    provider: str = Field(pattern=f"^{statefile.PROVIDER_RE.pattern}$")
    instance: InstanceModel


class _Remove(StrictModel):
    kind: Literal["remove"]
    addr: str


class _Intent(StrictModel):
    kind: Literal["intent"]
    addr: str
    provider: str = Field(pattern=f"^{statefile.PROVIDER_RE.pattern}$")
    type: str
    planned: dict[str, Any]


class _Settle(StrictModel):
    kind: Literal["settle"]
    addr: str


class _Outputs(StrictModel):
    kind: Literal["outputs"]
    outputs: dict[str, OutputModel]


_Entry = Annotated[_Begin | _Set | _Remove | _Intent | _Settle | _Outputs,
                   Field(discriminator="kind")]
_ENTRY: TypeAdapter[Any] = TypeAdapter(_Entry)


def _check_entry(entry: Any, where: str) -> Any:
    """A journal entry, validated; raises ValueError saying what is wrong."""
    try:
        model = _ENTRY.validate_python(entry)
    except ValidationError as exc:
        raise ValueError("; ".join(statefile.validation_problems(exc, where))) from None
    if not isinstance(model, _Begin | _Outputs):
        try:
            addr = parse_instance(model.addr)
        except AddrError as exc:
            raise ValueError(f"{where}.addr: {exc}") from None
        if isinstance(model, _Set):
            if model.instance.index_key not in (None, addr.key):
                raise ValueError(f"{where}: index_key {model.instance.index_key!r} is not "
                                 f"the key of {model.addr}")
            problems: list[str] = []
            statefile.check_dependencies(model.instance.dependencies, f"{where}.instance",
                                         problems)
            if problems:
                raise ValueError("; ".join(problems))
    return model


def read_journal(path: Path) -> tuple[_Begin | None, list[Any]]:
    """The journal's header and entries. A last line that is incomplete or does
    not parse is a write a crash cut short: it is ignored. Any other bad line
    means the file was damaged and is an error."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, []
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    models: list[Any] = []
    problems: list[str] = []
    for n, line in enumerate(lines, 1):
        last = n == len(lines)
        try:
            models.append(_check_entry(decode(line.decode("utf-8")), f"line {n}"))
        except ValueError as exc:       # bad JSON, bad UTF-8, bad shape
            if not last:
                problems.append(f"line {n}: {exc}")
    if problems:
        raise DiagnosticError([error(
            "Invalid state journal",
            f"{path} is damaged:\n" + "\n".join(f"  - {p}" for p in problems[:20])
            + "\n\nThe journal holds changes a run finished but did not yet write to the "
            "state file. Repair or remove it, then import any objects it recorded.")])
    if not models or not isinstance(models[0], _Begin):
        if models:
            raise DiagnosticError([error("Invalid state journal",
                                         f"{path}: the first line is not a begin entry.")])
        return None, []
    return models[0], models[1:]


def apply_entries(state: State, entries: list[Any]) -> State:
    """Replay validated journal entries onto `state`, in order."""
    for e in entries:
        if isinstance(e, _Set):
            addr = parse_instance(e.addr)
            state.set_instance(addr, e.provider, statefile.instance_from_model(e.instance,
                                                                                addr.key))
        elif isinstance(e, _Remove):
            state.remove_instance(parse_instance(e.addr))
        elif isinstance(e, _Intent):
            state.add_intent(Intent(e.addr, e.provider, e.type, e.planned))
        elif isinstance(e, _Settle):
            state.settle(e.addr)
        elif isinstance(e, _Outputs):
            state.outputs = {k: OutputState(o.value, o.type, o.sensitive)
                             for k, o in e.outputs.items()}
    return state


def replay(state: State | None, path: Path) -> tuple[State | None, bool]:
    """(state with the journal at `path` replayed, whether a journal file exists).

    Without a state file the journal's own lineage is adopted (a first apply
    that died before writing any state). A journal for another serial or
    lineage is obsolete: its changes are already in the state file.
    """
    header, entries = read_journal(path)
    if header is None:
        return state, path.exists()
    if state is None:
        state = State(lineage=header.lineage, serial=header.serial)
    elif (state.lineage, state.serial) != (header.lineage, header.serial):
        return state, True
    return apply_entries(state, entries), True


class Journal:
    """Appends finished changes to `<path>.journal`, one fsynced JSON line each.

    O(1) per change: the line is independent of the state's size. Thread-safe,
    since apply finishes changes on several threads. The file and its header
    are created on the first append; a write of the state file starts a new one.
    """

    def __init__(self, backend: LocalBackend, lineage: str, serial: int):
        self._backend = backend
        self.path = backend.journal_path
        self._base = (lineage, serial)
        self._fd: int | None = None
        self.mutex = threading.RLock()
        self._queue_lock = threading.Lock()
        self._pending: list[tuple[bytes, threading.Event, list[BaseException]]] = []
        self._wake = threading.Event()
        self._writer: threading.Thread | None = None

    # --- entries -----------------------------------------------------------
    def append(self, entry: dict[str, Any]) -> None:
        """Record one entry durably before returning (see the module docstring)."""
        self.append_many([entry])

    def append_many(self, entries: list[dict[str, Any]]) -> None:
        """Several entries with one fsync: what belongs to one finished change
        (its object and the settling of its intent) costs one disk flush."""
        lines = []
        for entry in entries:
            if entry.get("kind") == "intent" and isinstance(entry.get("planned"), dict):
                entry = {**entry, "planned": strip_unknown(entry["planned"])}
            if entry.get("kind") == "begin":
                raise ValueError("the begin entry is written by the journal itself")
            try:
                _check_entry(entry, "entry")
                lines.append(encode_bytes(Fixed({"kind": entry["kind"], **entry}),
                                          indent=None) + b"\n")
            except EncodeError as exc:
                raise ValueError(f"cannot journal {entry.get('kind')} entry: {exc}") from exc
        data = b"".join(lines)
        if threading.current_thread() is threading.main_thread():
            self._write_now(data)
            return
        # From worker threads: group commit through one writer thread. Each
        # caller waits for its own flush; the writer writes every pending batch
        # with one write and one fsync, so ten threads finishing changes at once
        # cost one flush instead of a convoy on a lock (measured: most of a
        # 1,000-change apply's time went to that convoy).
        done = threading.Event()
        failure: list[BaseException] = []
        with self._queue_lock:
            self._pending.append((data, done, failure))
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._write_batches,
                                                name="govctl-journal", daemon=True)
                self._writer.start()
            self._wake.set()
        done.wait()
        if failure:
            raise failure[0]

    def _write_now(self, data: bytes) -> None:
        with self.mutex:
            if self._fd is None:
                self._open()
            assert self._fd is not None
            atomic.write_all(self._fd, data)
            os.fsync(self._fd)

    def _write_batches(self) -> None:
        while True:
            self._wake.wait(timeout=1.0)
            with self._queue_lock:
                batch, self._pending = self._pending, []
                self._wake.clear()
                if not batch:
                    self._writer = None
                    return
            try:
                self._write_now(b"".join(data for data, _, _ in batch))
            except BaseException as exc:  # every waiter learns the write failed
                for _, _, failure in batch:
                    failure.append(exc)
            for _, done, _ in batch:
                done.set()

    def _open(self) -> None:
        """Create the journal whole: header written and flock taken before the file
        appears under its name, so that nobody sees a journal that is not yet live."""
        lineage, serial = self._base
        header = encode_bytes(Fixed(kind="begin", lineage=lineage, serial=serial),
                              indent=None) + b"\n"
        tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC,
                     0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)      # live while this run holds it open
            atomic.write_all(fd, header)
            os.fsync(fd)
            os.link(tmp, self.path)             # fails if a journal is already there
        except FileExistsError:
            os.close(fd)
            raise DiagnosticError([error(
                "A state journal is already present",
                f"{self.path} exists: another run's changes have not been folded into the "
                "state. Read the state again (which folds it) before applying.")]) from None
        except BaseException:
            os.close(fd)
            raise
        finally:
            tmp.unlink(missing_ok=True)
        atomic.fsync_dir(self.path.parent)    # the file's existence survives a crash too
        self._fd = fd

    @property
    def live(self) -> bool:
        """Whether this journal's file is open (and flocked) by this process."""
        return self._fd is not None

    def fold(self, state: State) -> State:
        """LocalBackend.fold: replay onto `state`, write, remove the journal."""
        return self._backend.fold(state)

    def close(self) -> None:
        with self.mutex:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def _rebase(self, lineage: str, serial: int) -> None:
        """After the state file was written (and this journal removed)."""
        self.close()
        self._base = (lineage, serial)

    # --- helpers for callers ----------------------------------------------
    def set(self, addr: str, provider: str, instance: dict[str, Any]) -> None:
        self.append({"kind": "set", "addr": addr, "provider": provider, "instance": instance})

    def remove(self, addr: str) -> None:
        self.append({"kind": "remove", "addr": addr})

    def intent(self, addr: str, provider: str, type_: str, planned: dict[str, Any]) -> None:
        self.append({"kind": "intent", "addr": addr, "provider": provider, "type": type_,
                     "planned": planned})

    def settle(self, addr: str) -> None:
        self.append({"kind": "settle", "addr": addr})

    def outputs(self, outputs: dict[str, OutputState]) -> None:
        self.append({"kind": "outputs", "outputs": {
            k: {"value": o.value, "type": o.type, "sensitive": o.sensitive}
            for k, o in outputs.items()}})


# --- the backend -------------------------------------------------------------

class LocalBackend:
    """State in a local file (see the module docstring for the files beside it)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.backup_path = self.path.with_name(self.path.name + ".backup")
        self.lock_path = self.path.with_name(self.path.name + ".lock.info")
        self.journal_path = self.path.with_name(self.path.name + ".journal")
        self._held: _Held | None = None
        self._base: tuple[str, int] | None = None
        self._journal: Journal | None = None

    def __repr__(self) -> str:
        return f"LocalBackend({str(self.path)!r})"

    def audit_log_path(self) -> Path:
        """Where the audit log of applies to this state goes: `govctl.audit.jsonl`
        beside the state file (another backend places it beside its state)."""
        return self.path.with_name("govctl.audit.jsonl")

    def exists(self) -> bool:
        """Whether there is any state (a file, or a journal a crashed run left)."""
        return self.path.exists() or self.journal_path.exists()

    # --- reading ----------------------------------------------------------
    def _read_file(self) -> State | None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise DiagnosticError([error("Cannot read the state file",
                                         f"{self.path}: {exc.strerror}.")]) from None
        return statefile.loads(data, str(self.path))

    def read(self) -> State:
        """The current state: a missing file is a new, empty state. A journal left
        by a crashed run is replayed and written into the state file (under the
        lock). A live run's journal (or one under another's lock) is replayed in
        memory only, so `state list` shows an apply's progress."""
        state, journal = replay(self._read_file(), self.journal_path)
        if journal and not self._journal_live_elsewhere():
            if self._held is not None or (self._journal is not None and self._journal.live):
                state = self._persist_fold(state)
            else:
                with contextlib.suppress(LockError), self.lock("fold the state journal"):
                    state, _ = replay(self._read_file(), self.journal_path)
                    state = self._persist_fold(state)
        if state is None:
            state = State()
        self._base = (state.lineage, state.serial)
        return state

    def _persist_fold(self, state: State | None) -> State | None:
        if state is None:       # only an empty journal: nothing to keep
            self._remove_journal()
            return None
        self.write(state)
        return state

    # --- writing ----------------------------------------------------------
    def write(self, state: State) -> None:
        """Write `state` atomically when its content differs from the file's,
        as the next serial (updated in `state` too); keep the old file as
        `.backup`; then remove the journal, whose changes `state` now holds.

        Refuses a state of another lineage, or one older than the file (a
        run that read the state before someone else wrote it).
        """
        if self._journal_live_elsewhere():
            raise DiagnosticError([error(
                "The state is being applied",
                f"Another run is recording changes in {self.journal_path}; writing the state "
                "now would lose them. Wait for it to finish (and keep the state lock on).")])
        journal = self._journal
        with journal.mutex if journal else contextlib.nullcontext():
            data = self._encode_successor(state)
            if data is not None:
                self._replace(data)
            self._remove_journal()
            self._after_write(state)

    def replace_history(self, state: State) -> None:
        """`state push -force` of another lineage: `state` takes over, as the
        next serial of whatever is there, atomically and with the backup kept.
        The one write that may change the lineage; write() refuses it."""
        from govctl.state import statefile

        current = self.read()
        if current is not None:
            state.serial = max(state.serial, current.serial + 1)
        self._replace(statefile.dumps(state))
        self._remove_journal()
        self._after_write(state)

    def _encode_successor(self, state: State) -> bytes | None:
        """Set `state.serial` for writing it over the current file, and return its
        bytes, or None when the content is unchanged. A file govctl wrote is not
        parsed again: its header gives lineage and serial, and the rest of the
        canonical encoding is compared byte for byte."""
        try:
            old_bytes: bytes | None = self.path.read_bytes()
        except FileNotFoundError:
            old_bytes = None
        if old_bytes is None:
            state.serial += 1
            state.govctl_version = __version__
            return statefile.dumps(state)
        head = statefile.read_header(old_bytes)
        if head is None or head.version != FORMAT_VERSION:
            old = statefile.loads(old_bytes, str(self.path))   # errors for a newer format
            self._check_successor(old.lineage, old.serial, state)
            if old.equal_content(state):
                state.serial = old.serial
                return None
            state.serial = old.serial + 1
            state.govctl_version = __version__
            return statefile.dumps(state)
        self._check_successor(head.lineage, head.serial, state)
        state.serial = head.serial + 1
        state.govctl_version = __version__
        data = statefile.dumps(state)
        new_head = statefile.read_header(data)
        assert new_head is not None
        if data[new_head.end:] == old_bytes[head.end:]:
            state.serial = head.serial
            return None
        return data

    def _check_successor(self, lineage: str, serial: int, new: State) -> None:
        if lineage != new.lineage:
            raise DiagnosticError([error(
                "State lineage mismatch",
                f"{self.path} holds lineage {lineage}, but the state being written has "
                f"lineage {new.lineage}: they are histories of different infrastructure. "
                "govctl will not overwrite one with the other.")])
        if serial > new.serial:
            raise DiagnosticError([error(
                "State changed since it was read",
                f"{self.path} is at serial {serial}, newer than serial {new.serial} this "
                "run read: another run wrote it in the meantime. Run again to plan from the "
                "current state.")])

    def _after_write(self, state: State) -> None:
        self._base = (state.lineage, state.serial)
        if self._journal is not None:
            self._journal._rebase(state.lineage, state.serial)

    def _replace(self, data: bytes) -> None:
        """Whole or not at all (govctl.atomic), keeping the old state as the backup."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic.replace(self.path, data, before_rename=lambda: self._keep_backup()
                       if self.path.exists() else None)

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

    def _remove_journal(self) -> None:
        try:
            self.journal_path.unlink()
        except FileNotFoundError:
            return
        atomic.fsync_dir(self.journal_path.parent)

    # --- the journal --------------------------------------------------------
    def journal(self) -> Journal:
        """The journal for this run, started from the state last read (under the
        lock, unless the user turned locking off). Its file appears on the first
        append and is flocked while open, so that no reader folds a live journal."""
        if self._base is None:
            raise RuntimeError("read() the state before starting its journal")
        on_disk = self._read_file()
        if on_disk is not None and (on_disk.lineage, on_disk.serial) != self._base:
            raise DiagnosticError([error(
                "State changed since it was read",
                f"{self.path} is at serial {on_disk.serial}; this run read serial "
                f"{self._base[1]}. Read the state again under the lock.")])
        if self._journal is None:
            self._journal = Journal(self, *self._base)
        else:
            self._journal._rebase(*self._base)
        return self._journal

    def fold(self, state: State) -> State:
        """Replay the journal onto `state`, the state it was started from (as read()
        returned it), write the result atomically and remove the journal; returns
        the state written. Raises ValueError for a journal of another state."""
        journal = self._journal
        with journal.mutex if journal else contextlib.nullcontext():
            header, entries = read_journal(self.journal_path)
            if header is not None and (header.lineage, header.serial) != (state.lineage,
                                                                          state.serial):
                raise ValueError(f"the journal applies to serial {header.serial} of lineage "
                                 f"{header.lineage}, not to serial {state.serial} of "
                                 f"{state.lineage}")
            folded = apply_entries(state.copy(), entries)
            self.write(folded)
            return folded

    def _journal_live_elsewhere(self) -> bool:
        """Whether another run is appending to the journal (holds its flock)."""
        if self._journal is not None and self._journal.live:
            return False
        try:
            fd = os.open(self.journal_path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    # --- locking ------------------------------------------------------------
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
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            try:
                fd = os.open(self.lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                             | os.O_CLOEXEC, 0o644)
            except FileExistsError:
                found = self.lock_holder()
                if found is None:       # released while we looked: try again
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._lock_error(*found, waited=timeout) from None
                time.sleep(min(POLL_SECONDS, remaining))
                continue
            # Locked before anything is written: a lock file with content is held
            # open by a live process, or its holder died (stale).
            fcntl.flock(fd, fcntl.LOCK_EX)
            st = os.fstat(fd)
            info = LockInfo(id=str(uuid.uuid4()), who=who(), pid=os.getpid(), operation=operation,
                            created=now(), path=str(self.path), version=__version__)
            atomic.write_all(fd, encode_bytes(asdict(info)) + b"\n")
            os.fsync(fd)
            self._held = _Held(fd, info, (st.st_dev, st.st_ino))
            return info

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is None:
            return
        if self._journal is not None:
            self._journal.close()
        try:
            st = os.stat(self.lock_path)
            if (st.st_dev, st.st_ino) == held.inode:    # not force-unlocked and retaken
                self.lock_path.unlink()
        except FileNotFoundError:
            pass
        finally:
            os.close(held.fd)       # only now: the file is gone before the flock goes

    def lock_holder(self) -> tuple[LockInfo | None, bool] | None:
        """(holder, stale) of the current lock, or None when the state is unlocked.
        A lock is stale when no process holds its file open (flock) any more."""
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

    def _lock_error(self, info: LockInfo | None, stale: bool, waited: float) -> LockError:
        waited_text = f" (waited {waited:g} s)" if waited > 0 else ""
        if info is None:
            head = f"The state {self.path} is locked, but its lock file cannot be read."
            fix = (f"If no other govctl run is using this state, delete {self.lock_path} by "
                   "hand.")
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
                       "Wait for that run to finish, or pass -lock-timeout to wait for it.")
            head += "\n\n" + info.describe()
        summary = "State lock is stale" if stale else "Error acquiring the state lock"
        return LockError(summary, f"{head}\n\n{fix}", info, stale)

    def force_unlock(self, lock_id: str) -> LockInfo:
        """Remove the lock whose id is `lock_id`, whoever holds it; returns its info."""
        found = self.lock_holder()
        if found is None:
            raise DiagnosticError([error("Failed to unlock state",
                                         f"No lock is held on {self.path}.")])
        info, _ = found
        if info is None:
            raise DiagnosticError([error(
                "Failed to unlock state",
                f"The lock file {self.lock_path} cannot be read, so its ID cannot be checked. "
                "If no other govctl run is using this state, delete it by hand.")])
        if info.id != lock_id:
            raise DiagnosticError([error(
                "Failed to unlock state",
                f'Lock ID "{lock_id}" does not match the existing lock ID "{info.id}".'
                f"\n\n{info.describe()}")])
        if self._held is not None and self._held.info.id == lock_id:
            self._release()
        else:
            self.lock_path.unlink(missing_ok=True)
        return info


__all__ = ["Journal", "LocalBackend", "LockError", "LockInfo", "apply_entries", "read_journal",
           "replay"]
