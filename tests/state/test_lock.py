"""State locking across real processes: a second run fails at once naming the
holder, or waits; a crashed holder's lock is reported stale but kept until
force-unlock."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

from govctl.diagnostics import DiagnosticError
from govctl.state.local import LocalBackend, LockError

from .conftest import rendered
from .procs import hold_lock


def test_lock_file_holds_the_lock_info(backend):
    with backend.lock("plan") as info:
        doc = json.loads(backend.lock_path.read_text())
        assert doc == {"id": info.id, "who": info.who, "pid": info.pid, "operation": "plan",
                       "created": info.created, "path": str(backend.path),
                       "version": info.version}
        assert "@" in info.who and info.created.endswith("Z")
    assert not backend.lock_path.exists()


def test_second_process_fails_at_once_naming_the_holder(backend):
    child, lock_id = hold_lock(backend.path, "apply")
    try:
        start = time.monotonic()
        with pytest.raises(LockError) as exc, backend.lock("plan"):
            pass
        assert time.monotonic() - start < 0.5
        err = exc.value
        assert not err.stale and err.info is not None
        assert err.info.id == lock_id and err.info.pid == child.pid
        text = err.diagnostics[0].render()
        assert "Error acquiring the state lock" in text
        assert f"(pid {child.pid})" in text and '"apply"' in text
        assert err.info.created in text and err.info.who in text and lock_id in text
        assert "-lock-timeout" in text
    finally:
        child.close()


def test_timeout_waits_for_the_holder_to_release(backend):
    child, _ = hold_lock(backend.path)
    try:
        threading.Timer(1.0, child.say).start()
        start = time.monotonic()
        with backend.lock("apply", timeout=10) as info:
            waited = time.monotonic() - start
            assert info.pid != child.pid
        assert 0.8 < waited < 3
        assert child.line() == "released"
    finally:
        child.close()


def test_timeout_expires(backend):
    child, _ = hold_lock(backend.path)
    try:
        start = time.monotonic()
        with pytest.raises(LockError) as exc, backend.lock("apply", timeout=1.0):
            pass
        assert "(waited 1 s)" in rendered(exc.value)
        assert 0.9 < time.monotonic() - start < 2.5
    finally:
        child.close()


def test_killed_holder_leaves_a_stale_lock_until_force_unlock(backend):
    child, lock_id = hold_lock(backend.path, "apply")
    child.kill()
    child.close()
    assert backend.lock_path.exists()
    with pytest.raises(LockError) as exc, backend.lock("plan"):
        pass
    err = exc.value
    assert err.stale and err.info is not None and err.info.id == lock_id
    text = err.diagnostics[0].render()
    assert "State lock is stale" in text and "no longer running" in text
    assert f"pid {child.pid}" in text and "ago" in text
    assert f"govctl force-unlock {lock_id}" in text
    assert backend.lock_path.exists()               # never broken automatically
    assert backend.lock_holder() == (err.info, True)

    with pytest.raises(DiagnosticError) as bad:
        backend.force_unlock("wrong-id")
    assert f'"wrong-id" does not match the existing lock ID "{lock_id}"' in rendered(bad.value)
    assert backend.force_unlock(lock_id).id == lock_id
    assert not backend.lock_path.exists()
    with backend.lock("plan"):
        pass


def test_stale_lock_is_not_taken_by_waiting(backend):
    child, _ = hold_lock(backend.path)
    child.kill()
    child.close()
    with pytest.raises(LockError) as exc, backend.lock("apply", timeout=0.6):
        pass
    assert exc.value.stale


def test_force_unlock_without_a_lock(backend):
    with pytest.raises(DiagnosticError) as exc:
        backend.force_unlock("x")
    assert "No lock is held on" in rendered(exc.value)


def test_unreadable_lock_file(backend):
    backend.lock_path.write_text("garbage")
    with pytest.raises(LockError) as exc, backend.lock("apply"):
        pass
    assert exc.value.info is None and exc.value.stale
    assert "cannot be read" in exc.value.diagnostics[0].render()
    with pytest.raises(DiagnosticError) as exc2:
        backend.force_unlock("x")
    assert "delete it by hand" in rendered(exc2.value)


def test_two_backends_in_one_process_exclude_each_other(backend):
    other = LocalBackend(backend.path)
    with backend.lock("apply"):
        with pytest.raises(LockError) as exc, other.lock("plan"):
            pass
        assert not exc.value.stale
    with other.lock("plan"):
        pass


def test_release_after_force_unlock_keeps_the_new_holders_lock(backend):
    other = LocalBackend(backend.path)
    with backend.lock("apply") as info:
        other.force_unlock(info.id)
        with other.lock("plan") as info2:
            pass_through = LocalBackend(backend.path).lock_holder()
            assert pass_through is not None and pass_through[0] == info2
            backend._release()          # the first holder finishes now
            assert backend.lock_path.exists()
            holder = other.lock_holder()
            assert holder is not None and holder[0] == info2 and not holder[1]


def test_force_release_leaves_a_lock_taken_since_alone(tmp_path):
    """force-unlock of lock A must not remove lock B, taken after A was read."""
    from govctl.state.local import FileLocker
    from govctl.state.lockinfo import LockInfo, now, who

    def info(lock_id: str) -> LockInfo:
        return LockInfo(id=lock_id, who=who(), pid=os.getpid(), operation="apply",
                        created=now(), path="x", version="test")

    first, second = FileLocker(tmp_path / "s.lock.info"), FileLocker(tmp_path / "s.lock.info")
    old = info("old")
    assert first.try_acquire(old)
    first.release(old)
    new = info("new")
    assert second.try_acquire(new)
    FileLocker(tmp_path / "s.lock.info").force_release(old)      # read before `new` was taken
    found = second.holder()
    assert found is not None and found[0] is not None and found[0].id == "new"
    FileLocker(tmp_path / "s.lock.info").force_release(new)
    assert second.holder() is None
