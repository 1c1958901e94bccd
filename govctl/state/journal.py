"""The state journal: changes an apply finished since the state was last written.

Apply records each finished change (and, before a create, its intent) as one
fsynced line instead of rewriting the whole state each time, which made
Terraform's apply quadratic in the number of resources; the next read of the
state replays the journal, so nothing a dead run finished or started is lost.

The journal always sits on the local disk of the machine that applies, whatever
backend holds the state: an fsync is cheap there, and a remote object cannot
be appended to. Its first line names the state it applies to (lineage and
serial): a write of the state removes the journal only after the new state is
in place, and a leftover journal naming an older serial is discarded rather
than replayed twice. The run appending to a journal holds an flock on it, so a
reader can tell a live apply's journal (replayed in memory, left alone) from a
dead one's (folded into the state).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from govctl import atomic
from govctl.addrs import AddrError, parse_instance
from govctl.diagnostics import DiagnosticError, error
from govctl.state import statefile
from govctl.state.jsonenc import EncodeError, Fixed, decode, encode_bytes
from govctl.state.model import Intent, OutputState, State, strip_unknown
from govctl.state.statefile import InstanceModel, OutputModel, StrictModel

if TYPE_CHECKING:
    from govctl.state.backend import Backend


class _Begin(StrictModel):
    kind: Literal["begin"]
    lineage: str
    serial: int
    sealed: dict[str, Any] | None = None    # the stream key's header (encryption)
    id: str | None = None                   # recorded in the state it is folded into


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
    sent: bool = True


class _Settle(StrictModel):
    kind: Literal["settle"]
    addr: str


class _Sent(StrictModel):
    """The create of an intent written with `sent: false` is being sent now."""

    kind: Literal["sent"]
    addr: str


class _Outputs(StrictModel):
    kind: Literal["outputs"]
    outputs: dict[str, OutputModel]


_Entry = Annotated[_Begin | _Set | _Remove | _Intent | _Settle | _Sent | _Outputs,
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


def _encode_line(entry: dict[str, Any]) -> bytes:
    """One JSON line. The C encoder handles almost every entry (a tenth of the
    pure-Python encoder's CPU, on the apply's critical path); what it cannot
    write exactly (Decimal numbers, NaN, unknowns) goes through jsonenc, whose
    errors say where the bad value is."""
    try:
        return json.dumps(entry, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False).encode("utf-8") + b"\n"
    except (TypeError, ValueError):
        return encode_bytes(Fixed(entry), indent=None) + b"\n"


class _Undecryptable(ValueError):
    """A whole journal line that the key does not open."""


class LineSeal:
    """AES-GCM for the journal's entry lines when the state is encrypted: a line
    holds attribute values as plaintext JSON, and it sits on disk as long as
    the state file does. Each line is bound to the journal's lineage, serial
    and line number, so lines cannot be swapped, reordered or moved between
    journals."""

    def __init__(self, key: bytes | list[bytes], lineage: str, serial: int):
        """`key`: the key, or for reading the candidates; the first line that one
        of them opens settles which."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._candidates = [AESGCM(k) for k in (key if isinstance(key, list) else [key])]
        self._aead = self._candidates[0]
        self._aad = f"govctl-journal|{lineage}|{serial}|".encode()

    def seal(self, line: bytes, number: int) -> bytes:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, line, self._aad + str(number).encode())
        return base64.b64encode(nonce + sealed)

    def open(self, line: bytes, number: int) -> bytes:
        from cryptography.exceptions import InvalidTag

        try:
            raw = base64.b64decode(line, validate=True)
        except ValueError:
            raise ValueError("not a sealed journal line") from None
        if len(raw) <= 12:
            raise ValueError("not a sealed journal line")
        aad = self._aad + str(number).encode()
        for aead in self._candidates:
            try:
                plain = aead.decrypt(raw[:12], raw[12:], aad)
            except InvalidTag:
                continue
            self._aead, self._candidates = aead, [aead]
            return plain
        raise _Undecryptable("cannot be decrypted (wrong key, or the line was altered)")


def read_journal(path: Path, codec: Any = None) -> tuple[_Begin | None, list[Any]]:
    """The journal's header and entries. A last line without its newline is a
    write a crash cut short: it is ignored. Any other bad line means the file
    was damaged (or, sealed, written with another key) and is an error.
    `codec`: the state's encryption, which opens a sealed journal's lines and
    refuses an unsealed one where the state may only be read encrypted."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, []
    lines = data.split(b"\n")
    torn = lines.pop()          # b"" when the file ends with a whole line
    models: list[Any] = []
    problems: list[str] = []
    undecryptable = False
    seal: LineSeal | None = None
    for n, line in enumerate(lines, 1):
        # a crash can also leave a whole last line of garbage (a zero-filled tail)
        last = n == len(lines) and not torn
        try:
            if seal is not None:
                line = seal.open(line, n)
            models.append(_check_entry(decode(line.decode("utf-8")), f"line {n}"))
        except _Undecryptable as exc:   # a well-formed line the key does not open
            undecryptable = True
            problems.append(f"line {n}: {exc}")
            continue
        except ValueError as exc:       # bad JSON, bad UTF-8, bad shape
            if not last:
                problems.append(f"line {n}: {exc}")
            continue
        if n == 1 and isinstance(models[0], _Begin):
            seal = _line_seal(models[0], codec, path, has_entries=len(lines) > 1 or bool(torn))
    if not lines and torn:              # a first line cut short: nothing was recorded
        return None, []
    if undecryptable:
        raise DiagnosticError([error(
            "Cannot decrypt the state journal",
            f"{path} holds changes a run finished but did not yet write to the state, and "
            "they cannot be decrypted with the configured key (or the file was altered):\n"
            + "\n".join(f"  - {p}" for p in problems[:20])
            + "\n\nRun govctl with the key that applied them; nothing was changed.")])
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


def _line_seal(begin: _Begin, codec: Any, path: Path, has_entries: bool) -> LineSeal | None:
    if begin.sealed is None:
        if has_entries and codec is not None and not codec.reads_unencrypted:
            raise DiagnosticError([error(
                "Unencrypted state journal refused",
                f"{path} is not encrypted, but the state is: govctl never writes such a "
                "journal for it, so this one was not written by govctl for this state. "
                "Its changes were not applied. Check where it came from; remove it if it "
                "is not yours.")])
        return None
    if codec is None:
        raise DiagnosticError([error(
            "Encrypted state journal",
            f"{path} is encrypted, but no encryption is configured to read it. Run from the "
            "configuration that applied it.")])
    keys = codec.stream_keys_for(begin.sealed, str(path))
    return LineSeal(keys, begin.lineage, begin.serial)


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
            state.add_intent(Intent(e.addr, e.provider, e.type, e.planned, e.sent))
        elif isinstance(e, _Settle):
            state.settle(e.addr)
        elif isinstance(e, _Sent):
            state.mark_sent(e.addr)
        elif isinstance(e, _Outputs):
            state.outputs = {k: OutputState(o.value, o.type, o.sensitive)
                             for k, o in e.outputs.items()}
    return state


class JournalNotFolded(DiagnosticError):
    """A journal for another state than the stored one, whose changes the stored
    state does not show to have taken in: they would be lost if it were discarded."""

    def __init__(self, path: Path, header: _Begin, entries: list[Any], state: State):
        self.path = path
        self.header = header
        self.entries = entries
        self.state = state
        done = []
        for e in entries:
            if isinstance(e, _Set):
                ident = e.instance.attributes.get("id")
                done.append(f"  - {e.addr} recorded" + (f" (id {ident})" if isinstance(
                    ident, str) else ""))
            elif isinstance(e, _Intent):
                done.append(f"  - {e.addr}: a create was started (it may exist)")
            elif isinstance(e, _Remove):
                done.append(f"  - {e.addr} removed")
        listed = "\n".join(done[:30]) + ("\n  ..." if len(done) > 30 else "")
        super().__init__([error(
            "A run's changes are not in the state",
            f"{path} records changes a run made to serial {header.serial} of lineage "
            f"{header.lineage} and did not write into the state, which has since become "
            f"serial {state.serial} of lineage {state.lineage} (another run wrote it, perhaps "
            "after a force-unlock). Its changes:\n" + (listed or "  (none)") + "\n\n"
            "govctl does not merge them into a newer state by itself. Bring the objects "
            "they made under management (govctl import ADDR ID, or an import block), "
            "then remove the file.")])


def replay(state: State | None, path: Path, codec: Any = None) -> tuple[State | None, bool]:
    """(state with the journal at `path` replayed, whether a journal file exists).

    Without a state file the journal's own lineage is adopted (a first apply
    that died before writing any state). A journal for another serial or
    lineage is obsolete when the state names it among the journals folded into
    it (a crash came between writing the state and removing the journal);
    otherwise its changes never reached the state (JournalNotFolded), which
    happens when the journal is kept apart from the state (a remote backend)
    and another run moved the state on.
    """
    header, entries = read_journal(path, codec)
    if header is None:
        return state, path.exists()
    if state is None:
        state = State(lineage=header.lineage, serial=header.serial)
    elif (state.lineage, state.serial) != (header.lineage, header.serial):
        if header.id is None or header.id in state.journals or not entries:
            return state, True
        raise JournalNotFolded(path, header, entries, state)
    return mark_folded(apply_entries(state, entries), header.id), True


def mark_folded(state: State, journal_id: str | None) -> State:
    """Record that the journal `journal_id` is folded into `state`."""
    from govctl.state.model import JOURNALS_KEPT

    if journal_id is not None and journal_id not in state.journals:
        state.journals = [*state.journals, journal_id][-JOURNALS_KEPT:]
    return state


class Journal:
    """Appends finished changes to `<path>.journal`, one fsynced JSON line each.

    O(1) per change: the line is independent of the state's size. Thread-safe,
    since apply finishes changes on several threads. The file and its header
    are created on the first append; a write of the state file starts a new one.
    """

    def __init__(self, backend: Backend, lineage: str, serial: int):
        self._backend = backend
        self.path = backend.journal_path
        self._base = (lineage, serial)
        self._fd: int | None = None
        self._seal: LineSeal | None = None    # encrypted state: entry lines are sealed
        self._lines = 0
        self.id: str | None = None            # this file's, in its begin line
        self.mutex = threading.RLock()
        self._syncing = threading.Lock()      # held by an fsync (see _write_now)
        self._queue_lock = threading.Lock()
        self._pending: list[tuple[bytes, list[Any], threading.Event,
                                  list[BaseException]]] = []
        # the validated entries this process wrote to the open file, in file order:
        # folding them needs no re-reading and re-validating of the file
        self.written: list[Any] = []
        self._wake = threading.Event()
        self._writer: threading.Thread | None = None

    # --- entries -----------------------------------------------------------
    def append(self, entry: dict[str, Any]) -> None:
        """Record one entry durably before returning (see the module docstring)."""
        self.append_many([entry])

    def prepare(self, entries: list[dict[str, Any]]) -> tuple[bytes, list[Any]]:
        """The entries checked and encoded as lines, with their checked models."""
        lines, models = [], []
        for entry in entries:
            if entry.get("kind") == "intent" and isinstance(entry.get("planned"), dict):
                entry = {**entry, "planned": strip_unknown(entry["planned"])}
            if entry.get("kind") == "begin":
                raise ValueError("the begin entry is written by the journal itself")
            try:
                models.append(_check_entry(entry, "entry"))
                lines.append(_encode_line({"kind": entry["kind"], **entry}))
            except EncodeError as exc:
                raise ValueError(f"cannot journal {entry.get('kind')} entry: {exc}") from exc
        return b"".join(lines), models

    def append_unsynced(self, entry: dict[str, Any]) -> None:
        """Write one entry now, without waiting for the disk: a killed process
        loses nothing the kernel holds, and the next fsync of this file (any
        finished change's) makes it durable. For the `sent` mark a create
        writes in its provider slot, where an fsync would hold the slot; only a
        power cut in the moment before that next fsync loses it, and then the
        next plan takes the create for one that was never sent."""
        self._write(*self.prepare([entry]))

    def append_many(self, entries: list[dict[str, Any]]) -> None:
        """Several entries with one fsync: what belongs to one finished change
        (its object and the settling of its intent) costs one disk flush."""
        data, models = self.prepare(entries)
        if threading.current_thread() is threading.main_thread():
            self._write_now(data, models)
            return
        # From worker threads: group commit through one writer thread. Each
        # caller waits for its own flush; the writer writes every pending batch
        # with one write and one fsync, so ten threads finishing changes at once
        # cost one flush instead of a convoy on a lock (measured: most of a
        # 1,000-change apply's time went to that convoy).
        done = threading.Event()
        failure: list[BaseException] = []
        with self._queue_lock:
            self._pending.append((data, models, done, failure))
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._write_batches,
                                                name="govctl-journal", daemon=True)
                self._writer.start()
            self._wake.set()
        done.wait()
        if failure:
            raise failure[0]

    def _write_now(self, data: bytes, models: list[Any]) -> None:
        """Write under `mutex`, then fsync under `_syncing` only: a `sent` mark
        (append_unsynced) written meanwhile waits for the write, not for the
        disk; the fsync covers it too. close() takes both locks, so the file
        is not closed under an fsync."""
        fd = self._write(data, models)
        with self._syncing:
            if self._fd == fd:
                os.fsync(fd)
            # else closed since the write: close() fsynced it first

    def _write(self, data: bytes, models: list[Any]) -> int:
        """Append the lines (sealed when the state is encrypted), in order with
        every other write; the file descriptor written to."""
        with self.mutex:
            if self._fd is None:
                self._open()
            assert self._fd is not None
            if self._seal is not None:
                data = self._sealed_lines(data)
            atomic.write_all(self._fd, data)
            self.written.extend(models)
            return self._fd

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
                self._write_now(b"".join(data for data, _, _, _ in batch),
                                [m for _, models, _, _ in batch for m in models])
            except BaseException as exc:  # every waiter learns the write failed
                for _, _, _, failure in batch:
                    failure.append(exc)
            for _, _, done, _ in batch:
                done.set()

    def _open(self) -> None:
        """Create the journal whole: header written and flock taken before the file
        appears under its name, so that nobody sees a journal that is not yet live."""
        lineage, serial = self._base
        self.written = []
        self.id = uuid.uuid4().hex
        begin: dict[str, Any] = {"kind": "begin", "lineage": lineage, "serial": serial,
                                 "id": self.id}
        codec = self._backend.codec
        stream = codec.stream_key() if codec is not None else None
        self._seal = None
        if stream is not None:
            key, begin["sealed"] = stream
            self._seal = LineSeal(key, lineage, serial)
        header = encode_bytes(Fixed(begin), indent=None) + b"\n"
        self._lines = 1
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

    def _sealed_lines(self, data: bytes) -> bytes:
        assert self._seal is not None
        out = []
        for line in data.split(b"\n")[:-1]:
            self._lines += 1
            out.append(self._seal.seal(line, self._lines) + b"\n")
        return b"".join(out)

    def entries(self) -> tuple[tuple[str, int], list[Any], str | None] | None:
        """(lineage, serial), the entries and the id of the file this process holds
        open (exactly what it wrote there), or None when it holds none."""
        with self.mutex:
            if self._fd is None:
                return None
            return self._base, list(self.written), self.id

    @property
    def live(self) -> bool:
        """Whether this journal's file is open (and flocked) by this process."""
        return self._fd is not None

    def fold(self, state: State) -> State:
        """Backend.fold: replay onto `state`, write, remove the journal."""
        return self._backend.fold(state)

    def close(self) -> None:
        with self.mutex, self._syncing:
            if self._fd is not None:
                os.fsync(self._fd)      # what a writer had not flushed yet
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
