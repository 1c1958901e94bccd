"""A backend: one state, wherever its bytes live, with its lock and journal.

Everything that makes state safe is here once, whatever the storage
(govctl.state.storage): reading and replaying the journal a crashed run left,
writing only a successor of what is stored (same lineage, not older, and with
a compare-and-swap on the stored version, so that a lost update is impossible
even when a lock was broken by hand), and the lock loop with Terraform's
messages. A local file and an S3 object differ only in their Store and Locker.

Encryption (govctl.state.encryption) sits between the state's bytes and the
store: a `codec` seals what is written and opens what is read, and the
rollback guard refuses an encrypted state older than one this machine has seen.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from pathlib import Path
from typing import Any

from govctl import __version__
from govctl.diagnostics import DiagnosticError, error
from govctl.state import statefile
from govctl.state.journal import (
    Journal,
    JournalNotFolded,
    apply_entries,
    mark_folded,
    read_journal,
    replay,
)
from govctl.state.lockinfo import LockError, LockInfo
from govctl.state.locking import Locking
from govctl.state.model import FORMAT_VERSION, State
from govctl.state.storage import Blob, Conflict, Locker, StorageError, Store

#: Set for one command by -allow-state-rollback (govctl.cli): accept an encrypted
#: state older than one seen, or another one where one was seen.
ROLLBACK: contextvars.ContextVar[bool] = contextvars.ContextVar("allow_rollback", default=False)


class Backend(Locking):
    """One state: `store` holds its bytes, `locker` its lock, and the journal
    of a running apply is the local file `journal_path`."""

    kind = "local"

    def __init__(self, store: Store, locker: Locker, journal_path: Path, *,
                 codec: Any = None):
        self.store = store
        self.locker = locker
        self.journal_path = journal_path
        self.codec = codec              # encryption (govctl.state.encryption.Codec) or None
        self.accept_plain = False       # read unencrypted state (init -migrate-state)
        self._held: LockInfo | None = None
        self._base: tuple[str, int] | None = None
        # (lineage, serial, version) of the stored state this backend last read or
        # wrote: a write of that state's successor must replace exactly that version
        self._seen: tuple[str, int, str] | None = None
        self._seen_plain: bytes | None = None   # its plaintext: no second GET or decrypt
        self._journal: Journal | None = None

    @property
    def where(self) -> str:
        return self.store.where

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.where!r})"

    def audit_log_path(self) -> Path:
        raise NotImplementedError

    def exists(self) -> bool:
        """Whether there is any state (stored, or a journal a crashed run left)."""
        return self._get() is not None or self.journal_path.exists()

    # --- bytes ---------------------------------------------------------------
    def _get(self) -> Blob | None:
        try:
            return self.store.get()
        except StorageError as exc:
            raise DiagnosticError([error("Cannot read the state", str(exc))]) from None

    def _version(self) -> str | None:
        try:
            return self.store.version()
        except StorageError as exc:
            raise DiagnosticError([error("Cannot read the state", str(exc))]) from None

    def _stored(self) -> tuple[str | None, bytes | None]:
        """(version, plaintext) of what is stored now. When it is the version
        this backend last read or wrote, the plaintext kept then is used: one
        HEAD instead of a GET and, for an encrypted state, a key service call."""
        version = self._version()
        if version is None:
            return None, None
        if self._seen is not None and self._seen[2] == version and \
                self._seen_plain is not None:
            return version, self._seen_plain
        blob = self._get()
        if blob is None:
            return None, None
        return blob.version, self._plain(blob)

    def _put(self, data: bytes, expect: str | None) -> str:
        try:
            return self.store.put(data, expect)
        except Conflict:
            raise self._changed() from None
        except StorageError as exc:
            raise DiagnosticError([error("Failed to write the state", str(exc))]) from None

    def _changed(self) -> DiagnosticError:
        return DiagnosticError([error(
            "State changed since it was read",
            f"{self.where} was written by another run between this run's read and its "
            "write (the stored version is not the one read), so this write was refused "
            "rather than lose that run's changes. Run again to plan from the current "
            "state.")])

    def _plain(self, blob: Blob) -> bytes:
        """The state bytes of `blob`, opened by the codec (which refuses an older
        serial than this machine has seen, unless rollback is allowed)."""
        from govctl.state import encryption

        if self.codec is None:
            return encryption.refuse_sealed(blob.data, self.where)
        if self.accept_plain and not encryption.is_sealed(blob.data):
            return blob.data
        data: bytes = self.codec.open(blob.data, where=self.where,
                                      allow_rollback=ROLLBACK.get())
        return data

    def _sealed(self, plain: bytes, state: State) -> bytes:
        if self.codec is None:
            return plain
        data: bytes = self.codec.seal(plain, lineage=state.lineage, serial=state.serial)
        return data

    def _store(self, plain: bytes, state: State, expect: str | None) -> None:
        """Seal and put; the rollback memory learns the serial once it is stored."""
        version = self._put(self._sealed(plain, state), expect)
        self._seen, self._seen_plain = (state.lineage, state.serial, version), plain
        if self.codec is not None:
            self.codec.record_written(state.lineage, state.serial)
        if self._places is not None:
            self._places.record_place(self.where, state.lineage)

    @property
    def _places(self) -> Any:
        """The rollback memory, for an encrypted state: which lineage this machine
        last saw here (govctl.state.encryption.rollback)."""
        codec = self.codec
        if codec is None or not codec.encrypts:
            return None
        return codec.rollback

    def forget_place(self) -> None:
        """This state was removed on purpose (workspace delete): a new one here is
        not a replacement."""
        if self._places is not None:
            self._places.record_place(self.where, None)

    def _check_place(self, lineage: str | None) -> None:
        places = self._places
        if places is not None:
            places.check_place(self.where, lineage, ROLLBACK.get())

    def _load(self) -> tuple[State | None, Blob | None]:
        blob = self._get()
        if blob is None:
            self._check_place(None)
            return None, None
        plain = self._plain(blob)
        state = statefile.loads(plain, self.where)
        self._check_place(state.lineage)
        self._seen, self._seen_plain = (state.lineage, state.serial, blob.version), plain
        if self._places is not None:
            self._places.record_place(self.where, state.lineage)
        return state, blob

    # --- reading ---------------------------------------------------------------
    def read(self) -> State:
        """The current state: nothing stored is a new, empty state. A journal left
        by a crashed run is replayed and written into the state (under the lock).
        A live run's journal (or one under another's lock) is replayed in memory
        only, so `state list` shows an apply's progress."""
        state, journal = self._replay()
        if journal and not self._journal_live_elsewhere():
            if self._held is not None or (self._journal is not None and self._journal.live):
                state = self._persist_fold(state)
            else:
                with contextlib.suppress(LockError), self.lock("fold the state journal"):
                    state, _ = self._replay()
                    state = self._persist_fold(state)
        if state is None:
            state = State()
        self._base = (state.lineage, state.serial)
        return state

    def peek(self) -> State:
        """The current state for a read-only command (drift, check): through the
        store and the codec like read(), with a journal a crashed run left
        replayed in memory only; takes no lock and writes nothing."""
        state, _ = replay(self._load()[0], self.journal_path, self.codec)
        return state if state is not None else State()

    def _replay(self) -> tuple[State | None, bool]:
        """The stored state with the journal replayed. A dead journal whose changes
        never reached the state (JournalNotFolded) is set aside, so that it is
        neither lost nor in the way, and the error names where it went."""
        try:
            return replay(self._load()[0], self.journal_path, self.codec)
        except JournalNotFolded as exc:
            if self._journal_live_elsewhere():
                raise
            import datetime

            stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
            aside = self.journal_path.with_name(f"{self.journal_path.name}.not-folded-{stamp}")
            os.replace(self.journal_path, aside)
            raise JournalNotFolded(aside, exc.header, exc.entries, exc.state) from None

    def _persist_fold(self, state: State | None) -> State | None:
        if state is None:       # only an empty journal: nothing to keep
            self._remove_journal()
            return None
        self.write(state)
        return state

    # --- writing ---------------------------------------------------------------
    def write(self, state: State) -> None:
        """Store `state` when its content differs from what is stored, as the next
        serial (updated in `state` too); then remove the journal, whose changes
        `state` now holds. Refuses a state of another lineage, or one older than
        what is stored (a run that read the state before someone else wrote it)."""
        if self._journal_live_elsewhere():
            raise DiagnosticError([error(
                "The state is being applied",
                f"Another run is recording changes in {self.journal_path}; writing the state "
                "now would lose them. Wait for it to finish (and keep the state lock on).")])
        journal = self._journal
        with journal.mutex if journal else contextlib.nullcontext():
            if journal is not None and journal.live:
                mark_folded(state, journal.id)      # its changes are in `state`
            version, old = self._stored()
            read_as = (state.lineage, state.serial)
            data = self._encode_successor(state, old)
            seen = self._seen
            if data is not None and seen is not None and seen[:2] == read_as and \
                    version != seen[2]:
                state.serial = read_as[1]
                raise self._changed()   # If-Match on the version read, in effect
            if data is not None:
                self._store(data, state, version)
            self._remove_journal()
            self._after_write(state)

    def rewrite(self, state: State) -> None:
        """Store `state` as the next serial even when its content is unchanged:
        `state rekey`, which re-encrypts with the current key."""
        version, plain = self._stored()
        self._refuse_if_replaced(version)
        old = statefile.loads(plain, self.where) if plain is not None else None
        if old is not None:
            self._check_successor(old.lineage, old.serial, state)
            state.serial = old.serial + 1
        else:
            state.serial += 1
        state.govctl_version = __version__
        self._store(statefile.dumps(state), state, version)
        self._after_write(state)

    def replace_history(self, state: State) -> None:
        """`state push -force` of another lineage: `state` takes over, as the
        next serial of whatever is there. The one write that may change the
        lineage; write() refuses it."""
        version, plain = self._stored()
        self._refuse_if_replaced(version)
        if plain is not None:
            old = statefile.loads(plain, self.where)
            state.serial = max(state.serial, old.serial + 1)
        self._store(statefile.dumps(state), state, version)
        self._remove_journal()
        self._after_write(state)

    def _refuse_if_replaced(self, version: str | None) -> None:
        """A whole-state rewrite (rekey, push -force) replaces only what this
        backend read: anything stored since is another run's."""
        if self._seen is not None and version != self._seen[2]:
            raise self._changed()

    def _encode_successor(self, state: State, old_bytes: bytes | None) -> bytes | None:
        """Set `state.serial` for writing it over the stored `old_bytes`, and return
        its bytes, or None when the content is unchanged. A state govctl wrote is
        not parsed again: its header gives lineage and serial, and the rest of the
        canonical encoding is compared byte for byte."""
        if old_bytes is None:
            state.serial += 1
            state.govctl_version = __version__
            return statefile.dumps(state)
        head = statefile.read_header(old_bytes)
        if head is None or head.version != FORMAT_VERSION:
            old = statefile.loads(old_bytes, self.where)   # errors for a newer format
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
                f"{self.where} holds lineage {lineage}, but the state being written has "
                f"lineage {new.lineage}: they are histories of different infrastructure. "
                "govctl will not overwrite one with the other.")])
        if serial > new.serial:
            raise DiagnosticError([error(
                "State changed since it was read",
                f"{self.where} is at serial {serial}, newer than serial {new.serial} this "
                "run read: another run wrote it in the meantime. Run again to plan from the "
                "current state.")])

    def _after_write(self, state: State) -> None:
        self._base = (state.lineage, state.serial)
        if self._journal is not None:
            self._journal._rebase(state.lineage, state.serial)

    def _remove_journal(self) -> None:
        from govctl import atomic

        try:
            self.journal_path.unlink()
        except FileNotFoundError:
            return
        atomic.fsync_dir(self.journal_path.parent)

    # --- the journal -------------------------------------------------------------
    def journal(self) -> Journal:
        """The journal for this run, started from the state last read (under the
        lock, unless the user turned locking off). Its file appears on the first
        append and is flocked while open, so that no reader folds a live journal."""
        if self._base is None:
            raise RuntimeError("read() the state before starting its journal")
        seen = self._seen
        unchanged = seen is not None and seen[:2] == self._base and \
            self._version() == seen[2]
        stored = None if unchanged else self._load()[0]
        if stored is not None and (stored.lineage, stored.serial) != self._base:
            raise DiagnosticError([error(
                "State changed since it was read",
                f"{self.where} is at serial {stored.serial}; this run read serial "
                f"{self._base[1]}. Read the state again under the lock.")])
        self.journal_path.parent.mkdir(parents=True, exist_ok=True)
        if self._journal is None:
            self._journal = Journal(self, *self._base)
        else:
            self._journal._rebase(*self._base)
        return self._journal

    def fold(self, state: State) -> State:
        """Replay the journal onto `state`, the state it was started from (as read()
        returned it), write the result and remove the journal; returns the state
        written. Raises ValueError for a journal of another state."""
        journal = self._journal
        with journal.mutex if journal else contextlib.nullcontext():
            own = journal.entries() if journal is not None else None
            if own is not None:         # this run's open journal: no need to re-read it
                base, entries, journal_id = own
            else:
                header, entries = read_journal(self.journal_path, self.codec)
                base = (header.lineage, header.serial) if header is not None else None
                journal_id = header.id if header is not None else None
            if base is not None and base != (state.lineage, state.serial):
                raise ValueError(f"the journal applies to serial {base[1]} of lineage "
                                 f"{base[0]}, not to serial {state.serial} of "
                                 f"{state.lineage}")
            folded = mark_folded(apply_entries(state.copy(), entries), journal_id)
            self.write(folded)
            return folded

    def _journal_live_elsewhere(self) -> bool:
        """Whether another run is appending to the journal (holds its flock)."""
        import fcntl

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
