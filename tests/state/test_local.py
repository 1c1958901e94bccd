"""LocalBackend reading and writing: atomic replacement, backup, serial and
lineage rules, and a writer killed at random instants."""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from govctl.diagnostics import DiagnosticError
from govctl.state.local import LocalBackend
from govctl.state.model import State
from govctl.state.statefile import dumps, loads

from .conftest import put, sample_state


def test_missing_file_is_a_new_empty_state(backend):
    assert not backend.exists()
    s = backend.read()
    assert s.resources == {} and s.serial == 0
    assert not backend.path.exists()


def test_first_write_creates_serial_1_private_file(backend):
    s = sample_state()
    backend.write(s)
    assert s.serial == 1
    assert backend.exists()
    assert stat.S_IMODE(backend.path.stat().st_mode) == 0o600     # state holds secrets
    back = backend.read()
    assert back.serial == 1 and back.equal_content(s)
    assert not backend.backup_path.exists()


def test_creates_missing_directories(tmp_path):
    b = LocalBackend(tmp_path / "a" / "b" / "state.json")
    b.write(State())
    assert b.read().serial == 1


def test_serial_increments_only_on_change(saved):
    s = saved.read()
    before = saved.path.read_bytes()
    saved.write(s)
    saved.write(s.copy())
    assert s.serial == 1 and saved.path.read_bytes() == before
    put(s, "x_t.new", {"a": 1})
    saved.write(s)
    assert s.serial == 2
    back = saved.read()
    assert back.serial == 2 and back.lineage == s.lineage
    assert not back.equal_content(loads(before, "old"))


def test_a_bool_for_a_number_is_a_change(saved):
    s = saved.read()
    s.outputs["count"].value = True
    saved.write(s)
    assert s.serial == 2


def test_backup_holds_the_previous_version(saved):
    first = saved.path.read_bytes()
    s = saved.read()
    put(s, "x_t.new", {"a": 1})
    saved.write(s)
    assert saved.backup_path.read_bytes() == first
    second = saved.path.read_bytes()
    put(s, "x_t.newer", {"a": 2})
    saved.write(s)
    assert saved.backup_path.read_bytes() == second


def test_backup_is_copied_where_hard_links_are_refused(saved, monkeypatch):
    def no_link(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")
    monkeypatch.setattr(os, "link", no_link)
    first = saved.path.read_bytes()
    s = saved.read()
    put(s, "x_t.new", {"a": 1})
    saved.write(s)
    assert saved.backup_path.read_bytes() == first


def test_failed_rename_leaves_the_old_file_intact(saved, monkeypatch):
    before = saved.path.read_bytes()
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(dst) == saved.path:
            raise OSError(errno.EIO, "simulated crash before the rename")
        real_replace(src, dst)
    monkeypatch.setattr(os, "replace", failing_replace)
    s = saved.read()
    put(s, "x_t.new", {"a": 1})
    with pytest.raises(OSError, match="simulated"):
        saved.write(s)
    assert saved.path.read_bytes() == before
    assert [p.name for p in saved.path.parent.iterdir() if p.name.endswith(".tmp")] == []
    monkeypatch.setattr(os, "replace", real_replace)
    assert saved.read().serial == 1


def test_failed_temp_write_leaves_the_old_file_intact(saved, monkeypatch):
    before = saved.path.read_bytes()

    def failing_fsync(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "fsync", failing_fsync)
    s = saved.read()
    put(s, "x_t.new", {"a": 1})
    with pytest.raises(OSError, match="No space"):
        saved.write(s)
    monkeypatch.undo()
    assert saved.path.read_bytes() == before
    assert [p.name for p in saved.path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_refuses_another_lineage(saved):
    other = sample_state()
    with pytest.raises(DiagnosticError, match="lineage"):
        saved.write(other)


def test_refuses_a_state_older_than_the_file(saved):
    stale = saved.read()
    newer = saved.read()
    put(newer, "x_t.new", {})
    saved.write(newer)
    put(stale, "x_t.other", {})
    with pytest.raises(DiagnosticError, match="State changed since it was read"):
        saved.write(stale)


def test_hand_formatted_file_is_compared_by_content(saved):
    s = saved.read()
    doc = json.loads(saved.path.read_bytes())
    saved.path.write_text(json.dumps(doc, indent=4, sort_keys=True))
    saved.write(s)
    assert s.serial == 1            # equal content: no new version


def test_refuses_to_overwrite_a_newer_format(saved):
    doc = json.loads(saved.path.read_bytes())
    doc["version"] = 2
    saved.path.write_text(json.dumps(doc))
    with pytest.raises(DiagnosticError, match="newer govctl"):
        saved.write(State(lineage=doc["lineage"], serial=5))


def test_read_reports_a_damaged_file(saved):
    saved.path.write_bytes(saved.path.read_bytes()[:100])
    with pytest.raises(DiagnosticError, match="truncated"):
        saved.read()


WRITER = """
import sys
from govctl.addrs import parse_instance
from govctl.state.local import LocalBackend
from govctl.state.model import InstanceState
b = LocalBackend(sys.argv[1])
s = b.read()
print("ready", flush=True)
i = 0
while True:
    i += 1
    a = parse_instance(f"x_t.r[{i % 50}]")
    s.set_instance(a, 'provider["govctl/aws"]', InstanceState(a.key, {"i": i, "pad": "x" * 2000}))
    b.write(s)
"""


def test_writer_killed_at_random_instants_leaves_old_or_new(backend):
    rng = random.Random(3)
    backend.write(State())
    last_serial = 1
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(backend.path)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.05, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = loads(backend.path.read_bytes(), str(backend.path))   # whole, never torn
        assert state.serial >= last_serial
        last_serial = state.serial
        assert dumps(state) == backend.path.read_bytes()
    assert last_serial > 1


def test_whole_state_rewrites_replace_only_the_version_read(saved):
    """rekey and push -force write whatever content they hold: they must not
    replace a state someone stored after this backend read it."""
    state = saved.read()
    other = LocalBackend(saved.path)
    theirs = other.read()
    theirs.outputs = {}
    from govctl.state.model import OutputState

    theirs.outputs["theirs"] = OutputState("kept", "string")
    other.write(theirs)
    stored = saved.path.read_bytes()
    with pytest.raises(DiagnosticError, match="State changed since it was read"):
        saved.rewrite(state)
    pushed = State()
    with pytest.raises(DiagnosticError, match="State changed since it was read"):
        saved.replace_history(pushed)
    assert saved.path.read_bytes() == stored
