"""Checking an audit log: the first bad record, and what was done to it.

The chain itself shows an edited record (its hash no longer matches, or its
bytes are not the canonical form), and a removed, inserted or reordered one
(a `seq` out of order, or a `prev` that is not the hash of the line before).
Records removed from the end leave a shorter but valid chain: only the head
the state keeps (`govctl_audit_head`) shows them, so the anchor is compared
last, and the message says which of the two is behind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from govctl.audit.chain import GENESIS, AuditLog, Head, canonical, parse_line, record_hash

_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Problem:
    """The first bad record. `kind` is one of: edited, removed, reordered,
    inserted, truncated, rewritten, not-json, incomplete, malformed,
    state-behind."""

    kind: str
    message: str
    line: int | None = None      # 1-based line of the log
    seq: int | None = None


@dataclass(frozen=True)
class Anchor:
    """The head a state recorded after its last apply, and that state's lineage."""

    head: Head
    lineage: str


@dataclass
class Report:
    count: int = 0
    head: Head | None = None
    problem: Problem | None = None
    warnings: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None


def short(digest: str) -> str:
    return digest[:12]


def verify(log: AuditLog, anchor: Anchor | None = None) -> Report:
    """Check every line in order, then the head against `anchor`."""
    report = Report()
    lines = log.lines()
    torn = _torn(log)
    parsed = [parse_line(raw) for raw in lines]
    prev_hash, prev_seq, prev_line = GENESIS, 0, 0
    for n, (raw, rec) in enumerate(zip(lines, parsed, strict=True), 1):
        problem = _check_line(n, raw, rec, torn and n == len(lines))
        if problem is None:
            assert rec is not None
            problem = _check_link(n, rec, prev_hash, prev_seq, prev_line, parsed[n:])
        if problem is not None:
            report.problem = problem
            report.count = len(report.records)     # the intact records before it
            return report
        assert rec is not None
        report.records.append(rec)
        prev_hash, prev_seq, prev_line = rec["hash"], rec["seq"], n
    report.count = len(report.records)
    if report.records:
        report.head = Head(prev_seq, prev_hash)
    if anchor is None:
        if report.count:
            report.warnings.append(
                "The state has no audit anchor (govctl_audit_head), so records removed from "
                "the end of the log cannot be detected.")
        return report
    report.problem = _check_anchor(report, anchor)
    return report


def _torn(log: AuditLog) -> bool:
    try:
        with open(log.path, "rb") as f:
            f.seek(0, 2)
            if f.tell() == 0:
                return False
            f.seek(-1, 2)
            return f.read(1) != b"\n"
    except FileNotFoundError:
        return False


def _check_line(n: int, raw: bytes, rec: dict[str, Any] | None, torn: bool) -> Problem | None:
    """A line on its own: JSON, the fields every record has, its hash, its bytes."""
    if rec is None:
        what = "is incomplete (the file does not end with a newline) and " if torn else ""
        return Problem("not-json", f"Line {n} {what}is not a JSON record: it was damaged or "
                       "added by hand.", n)
    seq = rec.get("seq")
    seq_ok = type(seq) is int and seq >= 1
    missing = [name for name, ok in (
        ("seq", seq_ok),
        ("prev", isinstance(rec.get("prev"), str) and _HEX64.fullmatch(rec["prev"])),
        ("hash", isinstance(rec.get("hash"), str) and _HEX64.fullmatch(rec["hash"])),
        ("kind", isinstance(rec.get("kind"), str)),
        ("time", isinstance(rec.get("time"), str))) if not ok]
    seq_val = seq if seq_ok else None
    if missing:
        return Problem("malformed", f"Line {n} is not an audit record: {', '.join(missing)} "
                       "missing or invalid.", n, seq_val)
    if record_hash(rec) != rec["hash"]:
        return Problem("edited", f"Line {n} (seq {seq}) was edited: its content does not "
                       f"match its hash {short(rec['hash'])}.", n, seq_val)
    if canonical(rec) != raw:
        return Problem("edited", f"Line {n} (seq {seq}) was edited: its bytes are not the "
                       "canonical form govctl writes (the hash matches the content, so "
                       "spacing or key order was changed).", n, seq_val)
    if torn:
        return Problem("incomplete", f"Line {n} (seq {seq}) is incomplete: the file does not end "
                       "with a newline.", n, seq_val)
    return None


def _check_link(n: int, rec: dict[str, Any], prev_hash: str, prev_seq: int, prev_line: int,
                later: list[dict[str, Any] | None]) -> Problem | None:
    """The line against the one before it: seq continues, prev is its hash."""
    seq, expected = rec["seq"], prev_seq + 1
    if seq == expected and rec["prev"] == prev_hash:
        return None
    where = f"Line {n} (seq {seq})"
    before = "the start of the log" if prev_line == 0 else \
        f"line {prev_line} (seq {prev_seq})"
    if seq > expected:
        later_seqs = {r.get("seq") for r in later if r is not None}
        if expected in later_seqs:
            return Problem("reordered", f"{where}: records were reordered: seq {expected} "
                           f"should come next after {before}, but it comes later in the log.",
                           n, seq)
        gap = f"seq {expected}" if seq == expected + 1 else f"seq {expected} to {seq - 1}"
        return Problem("removed", f"{where}: a record was removed: {gap} missing after "
                       f"{before}.", n, seq)
    if seq < expected:
        return Problem("inserted", f"{where}: a record was inserted or reordered: seq {seq} "
                       f"after {before}, where seq {expected} should be.", n, seq)
    return Problem("inserted", f"{where}: a record was inserted: its prev "
                   f"{short(rec['prev'])} is not the hash {short(prev_hash)} of {before} "
                   "(or the record before it was replaced).", n, seq)


def _check_anchor(report: Report, anchor: Anchor) -> Problem | None:
    head, records = report.head, report.records
    want = anchor.head
    if head is None:
        return Problem("truncated", f"The audit log is empty or missing, but the state's "
                       f"anchor names seq {want.seq} ({short(want.hash)}): the log was "
                       "removed or emptied (the log is behind the state).", 1, want.seq)
    if head.seq < want.seq:
        gap = f"seq {want.seq}" if want.seq == head.seq + 1 else \
            f"seq {head.seq + 1} to {want.seq}"
        return Problem("truncated", f"The audit log was truncated: it ends at seq {head.seq} "
                       f"(line {report.count}), but the state's anchor names seq {want.seq} "
                       f"({short(want.hash)}); {gap} removed from the end (the log is behind "
                       "the state).", report.count, head.seq)
    anchored = records[want.seq - 1]      # seqs run 1..count once the chain is intact
    if anchored["hash"] != want.hash:
        return Problem("rewritten", f"Line {want.seq} (seq {want.seq}) has hash "
                       f"{short(anchored['hash'])}, but the state's anchor names "
                       f"{short(want.hash)}: the log was rewritten from there on (or the "
                       "state belongs to another log).", want.seq, want.seq)
    ours = [r for r in records[want.seq:] if r.get("lineage") == anchor.lineage]
    if ours:
        last = ours[-1]
        return Problem("state-behind", f"The state is behind the audit log: its anchor names "
                       f"seq {want.seq}, but the log has records for this state (lineage "
                       f"{anchor.lineage}) up to seq {last['seq']}. The state was restored "
                       "from an older version, or an apply stopped before writing it, or a "
                       "record was forged at the end.", last["seq"], last["seq"])
    return None


__all__ = ["Anchor", "Problem", "Report", "short", "verify"]
