"""The chain on its own: each kind of tampering is found at the right line,
an intact log verifies, and concurrent appenders keep one valid chain."""

from __future__ import annotations

import hashlib
import itertools
import json
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from govctl.audit.chain import GENESIS, AuditError, AuditLog, Head, canonical, record_hash
from govctl.audit.verify import Anchor, verify


def _log(tmp_path: Path, n: int = 4) -> tuple[AuditLog, Head]:
    log = AuditLog(tmp_path / "govctl.audit.jsonl")
    head = None
    for i in range(1, n + 1):
        head = log.append("apply", {"lineage": "L", "serial_before": i - 1, "serial_after": i,
                                    "note": f"apply {i}"})
    assert head is not None
    return log, head


def _lines(log: AuditLog) -> list[bytes]:
    return log.path.read_bytes().splitlines()


def _write(log: AuditLog, lines: list[bytes]) -> None:
    log.path.write_bytes(b"".join(line + b"\n" for line in lines))


def test_an_intact_log_verifies_and_its_records_chain(tmp_path: Path) -> None:
    log, head = _log(tmp_path)
    report = verify(log, Anchor(head, "L"))
    assert report.ok, report.problem
    assert report.count == 4 and report.head == head
    records = [json.loads(line) for line in _lines(log)]
    assert [r["seq"] for r in records] == [1, 2, 3, 4]
    assert records[0]["prev"] == GENESIS
    for before, after in itertools.pairwise(records):
        assert after["prev"] == before["hash"]
    for raw, rec in zip(_lines(log), records, strict=True):
        # canonical: sorted keys, compact; hash over the record without "hash"
        assert raw == json.dumps(rec, sort_keys=True, separators=(",", ":")).encode()
        body = {k: v for k, v in rec.items() if k != "hash"}
        assert rec["hash"] == hashlib.sha256(
            json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def test_numbers_keep_their_digits_and_verify(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "n.jsonl")
    head = log.append("apply", {"ratio": Decimal("0.10"), "f": 1e-07, "big": 10**30})
    line = _lines(log)[0]
    assert b'"ratio":0.10' in line and b'"big":1000000000000000000000000000000' in line
    assert verify(log, Anchor(head, "L")).ok


def test_an_edited_field_is_found(tmp_path: Path) -> None:
    log, head = _log(tmp_path)
    lines = _lines(log)
    lines[2] = lines[2].replace(b'"note":"apply 3"', b'"note":"apply 9"')
    _write(log, lines)
    problem = verify(log, Anchor(head, "L")).problem
    assert problem is not None
    assert (problem.kind, problem.line, problem.seq) == ("edited", 3, 3)
    assert "Line 3 (seq 3) was edited" in problem.message


def test_a_reformatted_line_is_an_edit_even_with_its_content_intact(tmp_path: Path) -> None:
    log, head = _log(tmp_path)
    lines = _lines(log)
    lines[1] = json.dumps(json.loads(lines[1]), sort_keys=True).encode()   # spaces added
    _write(log, lines)
    problem = verify(log, Anchor(head, "L")).problem
    assert problem is not None and (problem.kind, problem.line) == ("edited", 2)
    assert "canonical" in problem.message


def test_a_removed_middle_record_is_found(tmp_path: Path) -> None:
    log, head = _log(tmp_path)
    lines = _lines(log)
    del lines[1]
    _write(log, lines)
    problem = verify(log, Anchor(head, "L")).problem
    assert problem is not None
    assert (problem.kind, problem.line, problem.seq) == ("removed", 2, 3)
    assert "seq 2 missing after line 1 (seq 1)" in problem.message


def test_swapped_records_are_found(tmp_path: Path) -> None:
    log, head = _log(tmp_path)
    lines = _lines(log)
    lines[1], lines[2] = lines[2], lines[1]
    _write(log, lines)
    problem = verify(log, Anchor(head, "L")).problem
    assert problem is not None
    assert (problem.kind, problem.line, problem.seq) == ("reordered", 2, 3)


def test_a_forged_record_with_a_valid_hash_but_a_wrong_prev_is_found(tmp_path: Path) -> None:
    log, head = _log(tmp_path)
    lines = _lines(log)
    forged = json.loads(lines[2])
    forged["note"] = "nothing to see"
    forged["prev"] = "ab" * 32
    forged["hash"] = record_hash(forged)
    lines.insert(2, canonical(forged))          # its own hash checks out
    _write(log, lines)
    problem = verify(log, Anchor(head, "L")).problem
    assert problem is not None
    assert (problem.kind, problem.line, problem.seq) == ("inserted", 3, 3)
    assert "prev abababababab is not the hash" in problem.message


def test_a_duplicated_record_is_found(tmp_path: Path) -> None:
    log, head = _log(tmp_path)
    lines = _lines(log)
    lines.insert(2, lines[0])
    _write(log, lines)
    problem = verify(log, Anchor(head, "L")).problem
    assert problem is not None and (problem.kind, problem.line, problem.seq) == \
        ("inserted", 3, 1)


def test_a_truncated_tail_is_found_only_with_the_state_anchor(tmp_path: Path) -> None:
    log, head = _log(tmp_path)
    _write(log, _lines(log)[:2])
    unanchored = verify(log, None)
    assert unanchored.ok and unanchored.count == 2      # the chain alone cannot tell
    assert "cannot be detected" in unanchored.warnings[0]
    problem = verify(log, Anchor(head, "L")).problem
    assert problem is not None and problem.kind == "truncated"
    assert "ends at seq 2" in problem.message and "seq 3 to 4 removed" in problem.message
    assert "the log is behind the state" in problem.message


def test_a_deleted_log_is_a_truncation_when_the_state_is_anchored(tmp_path: Path) -> None:
    log, head = _log(tmp_path)
    log.path.unlink()
    problem = verify(log, Anchor(head, "L")).problem
    assert problem is not None and problem.kind == "truncated"
    assert verify(log, None).ok


def test_a_rewritten_chain_disagrees_with_the_anchor(tmp_path: Path) -> None:
    log, head = _log(tmp_path)
    records = [json.loads(line) for line in _lines(log)]
    forged = AuditLog(tmp_path / "forged.jsonl")
    for rec in records:
        payload = {k: v for k, v in rec.items() if k not in ("seq", "prev", "hash", "kind")}
        if rec["seq"] == 2:
            payload["note"] = "rewritten"
        forged.append("apply", payload)
    assert verify(forged, None).ok                      # a consistent forgery...
    problem = verify(forged, Anchor(head, "L")).problem
    assert problem is not None and problem.kind == "rewritten"   # ...but not the anchored one


def test_a_garbage_line_is_found(tmp_path: Path) -> None:
    log, head = _log(tmp_path)
    lines = _lines(log)
    lines.insert(1, b"this is not json {")
    _write(log, lines)
    problem = verify(log, Anchor(head, "L")).problem
    assert problem is not None and (problem.kind, problem.line) == ("not-json", 2)
    assert "Line 2" in problem.message


def test_appending_after_a_torn_line_is_refused(tmp_path: Path) -> None:
    log, _ = _log(tmp_path, 2)
    data = log.path.read_bytes()
    log.path.write_bytes(data[:-20])                    # a write cut short
    with pytest.raises(AuditError, match="incomplete line"):
        log.append("apply", {"note": "x"})
    problem = verify(log).problem
    assert problem is not None and problem.line == 2 and problem.kind == "not-json"


def test_the_log_assigns_seq_prev_and_hash(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    with pytest.raises(ValueError):
        log.append("apply", {"seq": 7})
    assert not log.path.exists()


WRITER = textwrap.dedent("""
    import sys
    from govctl.audit.chain import AuditLog
    log = AuditLog(sys.argv[1])
    for i in range(50):
        log.append("apply", {"writer": sys.argv[2], "n": i})
""")


def test_concurrent_appenders_keep_one_valid_chain(tmp_path: Path) -> None:
    path = tmp_path / "shared.jsonl"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name])
             for name in ("a", "b")]
    for p in procs:
        assert p.wait(timeout=120) == 0
    report = verify(AuditLog(path))
    assert report.ok, report.problem
    assert report.count == 100
    records = [json.loads(line) for line in path.read_bytes().splitlines()]
    assert [r["seq"] for r in records] == list(range(1, 101))
    for name in ("a", "b"):
        assert [r["n"] for r in records if r["writer"] == name] == list(range(50))
