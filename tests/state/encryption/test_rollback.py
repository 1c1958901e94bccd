"""The highest serial seen per lineage: an older encrypted state is refused
unless the caller allows the rollback."""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from govctl.diagnostics import DiagnosticError
from govctl.state.encryption import EncryptionConfig, Rollback
from tests.state.encryption.conftest import STATE, rendered

Make = Callable[..., EncryptionConfig]


def test_older_serial_refused_after_a_newer_one_was_opened(passphrase_config: Make,
                                                            govctl_home: Path) -> None:
    codec = passphrase_config().state
    assert codec is not None
    v4 = codec.seal(STATE, lineage="lin-a", serial=4)
    v7 = codec.seal(STATE, lineage="lin-a", serial=7)
    assert codec.open(v4, where="s3://bucket/state") == STATE
    assert codec.open(v7, where="s3://bucket/state") == STATE
    memory = json.loads((govctl_home / "seen-serials.json").read_text())
    assert memory["lineages"]["lin-a"]["serial"] == 7
    seen_at = memory["lineages"]["lin-a"]["seen"]
    with pytest.raises(DiagnosticError) as exc:
        codec.open(v4, where="s3://bucket/state")
    text = rendered(exc.value)
    assert "State rollback refused" in text
    assert (f"serial 4 is older than serial 7 seen on this machine at {seen_at}: the state was "
            "rolled back — replayed by someone who can write the bucket?") in text
    assert "s3://bucket/state" in text
    # another lineage is another history
    assert codec.open(codec.seal(STATE, lineage="lin-b", serial=1), where="f") == STATE


def test_rollback_allowed_lowers_the_mark(passphrase_config: Make) -> None:
    codec = passphrase_config().state
    assert codec is not None and codec.rollback is not None
    v4 = codec.seal(STATE, lineage="lin", serial=4)
    codec.open(codec.seal(STATE, lineage="lin", serial=7), where="f")
    assert codec.open(v4, where="f", allow_rollback=True) == STATE
    seen = codec.rollback.seen("lin")
    assert seen is not None and seen[0] == 4
    # the restored history carries on from there
    assert codec.open(codec.seal(STATE, lineage="lin", serial=5), where="f") == STATE
    with pytest.raises(DiagnosticError):
        codec.open(v4, where="f")


def test_written_serials_are_remembered(passphrase_config: Make) -> None:
    codec = passphrase_config().state
    assert codec is not None and codec.rollback is not None
    v2 = codec.seal(STATE, lineage="lin", serial=2)
    assert codec.rollback.seen("lin") is None   # sealing alone records nothing
    codec.record_written("lin", 3)
    with pytest.raises(DiagnosticError):
        codec.open(v2, where="f")


def test_plans_and_unencrypted_states_are_not_tracked(passphrase_config: Make,
                                                      govctl_home: Path) -> None:
    cfg = passphrase_config()
    assert cfg.plan is not None and cfg.plan.rollback is None
    cfg.plan.open(cfg.plan.seal(b"plan", lineage="lin", serial=9), where="f")
    assert not (govctl_home / "seen-serials.json").exists()


def test_memory_defaults_to_home_dot_govctl(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.delenv("GOVCTL_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    Rollback().record("lin", 3)
    assert json.loads((tmp_path / ".govctl" / "seen-serials.json").read_text())[
        "lineages"]["lin"]["serial"] == 3


def test_corrupt_memory_is_a_diagnostic(govctl_home: Path) -> None:
    govctl_home.mkdir()
    (govctl_home / "seen-serials.json").write_text("{not json")
    with pytest.raises(DiagnosticError) as exc:
        Rollback().check("lin", 1, "f")
    assert "Corrupt memory of state serials" in rendered(exc.value)
    assert "delete it to start again" in rendered(exc.value)


def _record_many(path: str, start: int) -> None:
    r = Rollback(Path(path))
    for i in range(start, start + 40):
        r.record(f"lineage-{i % 4}", i)


def test_parallel_writers_keep_every_lineage_and_the_highest_serial(tmp_path: Path) -> None:
    path = tmp_path / "seen.json"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_record_many, args=(str(path), start))
             for start in (0, 100, 200)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        assert p.exitcode == 0
    doc = json.loads(path.read_text())["lineages"]
    assert {k: v["serial"] for k, v in doc.items()} == {
        f"lineage-{n}": max(i for i in range(200, 240) if i % 4 == n) for n in range(4)}
    assert [n for n in os.listdir(tmp_path) if n.endswith(".tmp")] == []
