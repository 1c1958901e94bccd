"""The audit log's chain: canonical records, their hashes, and appending.

A log is JSON lines. Each line is one record in canonical form (keys sorted,
no spaces, UTF-8), so that a record has exactly one correct byte string and
any edit, even of whitespace, shows. Each record carries `seq` (from 1),
`prev` (the previous record's `hash`; 64 zeros for the first) and `hash`,
the SHA-256 of the canonical record without `hash`. Changing, removing,
inserting or reordering a record therefore breaks a hash or a link; removing
the last records breaks nothing, which is why the state keeps the head
(`Head`) as an anchor.

Appends are serialised across processes by an exclusive flock on the log
itself and each line is written with one write and fsynced before the lock
is released, so concurrent applies (even of different states sharing a
directory) keep one valid chain.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from govctl import atomic
from govctl.state.jsonenc import decode, encode

GENESIS = "0" * 64
LOG_NAME = "govctl.audit.jsonl"
_TAIL_CHUNK = 8192


class AuditError(Exception):
    """The log cannot be appended to (unwritable, damaged tail); the message says why."""


@dataclass(frozen=True)
class Head:
    """The last record of a log: what the state anchors."""

    seq: int
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash}


def canonical(value: Any) -> bytes:
    """The one byte string of a JSON value: sorted keys, compact, UTF-8, numbers exact."""
    return encode(value, indent=None).encode("utf-8")


def normalise(value: Any) -> Any:
    """`value` as reading its canonical form back gives it (floats become
    Decimal, `-0` becomes 0), so that a record hashed when written hashes the
    same when read: verification re-encodes what it parsed.

    The standard library's C codec does it for a value without fractions
    (almost every record): the exact pure-Python round trip took most of an
    apply's audit step (an apply record lists every change). The two agree on
    such values; a fraction (now a Decimal) makes json.dumps refuse, and then
    the exact codec does the work, as it does for anything else it refuses."""
    plain = _floats_as_decimal(value)
    try:
        text = json.dumps(plain, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return decode(encode(plain, indent=None))
    if not _string_keys(plain):
        return decode(encode(plain, indent=None))
    return json.loads(text)


def _string_keys(value: Any) -> bool:
    """No dict key json.dumps would turn into a string behind our back."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _string_keys(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_string_keys(v) for v in value)
    return True


def _floats_as_decimal(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _floats_as_decimal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_floats_as_decimal(v) for v in value]
    return value


def record_hash(record: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical record without its `hash` field."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


def utc_now() -> str:
    """RFC 3339 UTC with microseconds: records sort by time as they do by seq."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def seal(fields: dict[str, Any], seq: int, prev: str) -> tuple[bytes, str]:
    """The line (with its newline) and hash of a record with these payload
    fields, placed after the record whose hash is `prev`."""
    record = normalise(fields)
    record.update(seq=seq, prev=prev, time=record.get("time") or utc_now())
    body = {k: v for k, v in record.items() if k != "hash"}
    digest = record["hash"] = hashlib.sha256(_canonical_normalised(body)).hexdigest()
    return _canonical_normalised(record) + b"\n", digest


def _canonical_normalised(value: Any) -> bytes:
    """canonical() of a value normalise() returned, by the standard library's
    C encoder: an apply's record lists every change, and the pure-Python
    encoder took a noticeable part of an apply's last step. The two agree byte
    for byte on what normalise() gives (string keys, and no float: a fraction
    is a Decimal, which the C encoder refuses, so the exact encoder writes it)."""
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False)
    except (TypeError, ValueError):
        return canonical(value)
    return text.encode("utf-8")


class AuditLog:
    """One log file. Reading never locks; appending holds the file's flock."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"AuditLog({str(self.path)!r})"

    def append(self, kind: str, payload: dict[str, Any]) -> Head:
        """Append one record of `kind` and return the new head. Raises AuditError."""
        if "hash" in payload or "seq" in payload or "prev" in payload:
            raise ValueError("seq, prev and hash are set by the log")
        try:
            with self._locked() as fd:
                last = _last_record(fd, self.path)
                seq = 1 if last is None else last.seq + 1
                prev = GENESIS if last is None else last.hash
                line, digest = seal({**payload, "kind": kind}, seq, prev)
                atomic.write_all(fd, line)
                os.fsync(fd)
                return Head(seq, digest)
        except OSError as exc:
            raise AuditError(f"cannot append to the audit log {self.path}: "
                             f"{exc.strerror or exc}") from None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[int]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if created:
                atomic.fsync_dir(self.path.parent)
            yield fd
        finally:
            os.close(fd)        # releases the flock

    def lines(self) -> list[bytes]:
        """The raw lines; a last line without its newline is kept (a torn write)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        lines = data.split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        return lines

    def exists(self) -> bool:
        return self.path.exists()


def parse_line(line: bytes) -> dict[str, Any] | None:
    """A line's record, or None when it is not a JSON object."""
    try:
        value = decode(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _last_record(fd: int, path: Path) -> Head | None:
    """The head of the log open at `fd`, read from its tail (O(1) in the log's size)."""
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    tail = b""
    pos = size
    while pos > 0:
        step = min(_TAIL_CHUNK, pos)
        pos -= step
        tail = os.pread(fd, step, pos) + tail
        if tail.count(b"\n") >= 2 or pos == 0:
            break
    if not tail.endswith(b"\n"):
        raise AuditError(f"the audit log {path} ends with an incomplete line (a write cut "
                         "short, or an edit): nothing can be chained to it. Run govctl audit "
                         "verify, and move the damaged log aside to start a new one.")
    last = tail[:-1].rsplit(b"\n", 1)[-1]
    record = parse_line(last)
    seq = record.get("seq") if record else None
    digest = record.get("hash") if record else None
    if type(seq) is not int or not isinstance(digest, str):
        raise AuditError(f"the last line of the audit log {path} is not an audit record: "
                         "nothing can be chained to it. Run govctl audit verify.")
    return Head(seq, digest)


__all__ = ["GENESIS", "LOG_NAME", "AuditError", "AuditLog", "Head", "canonical", "normalise",
           "parse_line", "record_hash", "seal", "utc_now"]
