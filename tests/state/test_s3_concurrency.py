"""Twenty real processes racing `govctl apply -auto-approve -lock-timeout=0`
against one S3 state, round after round: one wins each round, every other
fails naming the winner's lock, and no round's changes are lost.

The racers are forked from a fork server that has imported govctl and boto3
once (twenty fresh interpreters importing them would cost most of the time)
and each runs govctl's command line, `govctl.cli.main`, as `python -m
govctl.cli` would, with its own boto3 client, output files and exit code.

Two barriers make the race a fair one rather than a matter of timing: all
processes start the command together, and each waits, once its attempt at the
lock has succeeded or failed, until every other has tried too. So the winner
still holds the lock when the last loser tries it: a loser can never come
after the winner has finished (and then, correctly, succeed with no changes).
The race for the lock itself is untouched: twenty conditional PutObjects of
`.tflock`, with moto's write path widened (race_window) so that a lock that
is not atomic would let several through.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.engine.conftest import _reset_provider  # noqa: F401
from tests.state.s3support import KEY, Project, fold, names_in, start_project
from tests.state.test_s3_storage import race_window  # noqa: F401

RACERS = 20
ROUNDS = 3
BARRIER_TIMEOUT = 60


@pytest.fixture
def project(moto: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch) -> Project:
    return start_project(moto, tmp_path, capsys, monkeypatch)


def racer(index: int, root: str, env: dict[str, str], start: Any, tried: Any) -> None:
    """One racing process: govctl apply in `root`, stdout and stderr to
    `<index>.out`/`.err` there, and the lock it took (if any) to `<index>.lock`."""
    from govctl.cli import main
    from govctl.state.backend import Backend
    from govctl.state.lockinfo import LockError

    os.environ.clear()
    os.environ.update(env)
    here = Path(root)
    os.chdir(here)
    out = open(here / "race" / f"{index}.out", "w")     # noqa: SIM115 (kept to exit)
    err = open(here / "race" / f"{index}.err", "w")     # noqa: SIM115
    os.dup2(out.fileno(), 1)
    os.dup2(err.fileno(), 2)
    sys.stdout, sys.stderr = out, err

    acquire = Backend._acquire
    attempts: list[int] = []

    def attempt(self: Backend, operation: str, timeout: float) -> Any:
        """The real _acquire; then, the first time only, wait for every racer
        to have tried, holding the lock if this one won it."""
        first = not attempts
        attempts.append(1)
        try:
            info = acquire(self, operation, timeout)
        except LockError:
            if first:
                tried.wait(BARRIER_TIMEOUT)
            raise
        if first:
            (here / "race" / f"{index}.lock").write_text(json.dumps(
                {"id": info.id, "who": info.who, "pid": info.pid}))
            tried.wait(BARRIER_TIMEOUT)
        return info

    Backend._acquire = attempt  # type: ignore[method-assign]
    start.wait(BARRIER_TIMEOUT)
    code = main(["apply", "-no-color", "-auto-approve", "-lock-timeout=0", root])
    out.flush()
    err.flush()
    sys.exit(code)


def configuration(round_no: int) -> str:
    """Round r's configuration: resources r1..r<r>, each with value "round-<r>"
    (so every round both adds one and changes the ones before)."""
    return "".join(f'resource "mem_object" "r{i}" {{\n  name  = "r{i}"\n'
                   f'  value = "round-{round_no}"\n}}\n' for i in range(1, round_no + 1))


def race(p: Project, ctx: Any) -> list[tuple[int, int, str, dict[str, Any] | None]]:
    """Run one round; (exit code, pid, stderr, lock taken) of each racer."""
    race_dir = p.root / "race"
    for f in race_dir.glob("*"):
        f.unlink()
    start, tried = ctx.Barrier(RACERS), ctx.Barrier(RACERS)
    env = dict(os.environ)
    procs = [ctx.Process(target=racer, args=(i, str(p.root), env, start, tried))
             for i in range(RACERS)]
    for proc in procs:
        proc.start()
    try:
        for proc in procs:
            proc.join(timeout=120)
    finally:
        for proc in procs:
            if proc.exitcode is None:
                proc.kill()
                proc.join()
    results = []
    for i, proc in enumerate(procs):
        lock = race_dir / f"{i}.lock"
        results.append((proc.exitcode, proc.pid, fold((race_dir / f"{i}.err").read_text()),
                        json.loads(lock.read_text()) if lock.exists() else None))
    return results


@pytest.fixture
def forkserver() -> Any:
    """A fork server that has imported what a govctl run imports (every module
    of govctl, boto3 and botocore this test process has loaded by now)."""
    ctx = multiprocessing.get_context("forkserver")
    wanted = ("govctl", "govctl_aws", "boto3", "botocore", "pydantic")
    ctx.set_forkserver_preload([*sorted(name for name in sys.modules
                                        if name.partition(".")[0] in wanted),
                                __name__])
    return ctx


def test_twenty_applies_race_one_wins_each_round_nothing_lost(
        project: Project, forkserver: Any, race_window: None) -> None:  # noqa: F811
    p = project
    (p.root / "race").mkdir()
    p.write(configuration(1))
    assert p.init()[0] == 0
    assert p.plan()[0] == 0         # loads what a run imports, for the fork server
    serial = 0
    started = time.monotonic()
    for round_no in range(1, ROUNDS + 1):
        p.write(configuration(round_no))
        results = race(p, forkserver)
        codes = [code for code, _, _, _ in results]
        winners = [r for r in results if r[0] == 0]
        assert len(winners) == 1, f"round {round_no}: exit codes {codes}\n" + \
            "\n".join(err for code, _, err, _ in results if code not in (0, 1))
        _, winner_pid, winner_err, lock = winners[0]
        assert lock is not None and lock["pid"] == winner_pid, winner_err
        assert sorted(codes) == [0] + [1] * (RACERS - 1), f"round {round_no}: {codes}"
        for code, pid, err, taken in results:
            if code == 0:
                continue
            assert taken is None, f"round {round_no}: loser {pid} took a lock too"
            assert "Error acquiring the state lock" in err, err
            assert f"ID: {lock['id']}" in err, err
            assert f"locked by {lock['who']} (pid {winner_pid})" in err, err
            assert '"apply"' in err, err

        stored = p.state()
        assert stored["serial"] > serial, f"round {round_no}: the serial did not advance"
        serial = stored["serial"]
        expected = [f"r{i}" for i in range(1, round_no + 1)]
        assert names_in(stored) == expected
        values = {i["attributes"]["value"] for r in stored["resources"] for i in r["instances"]}
        assert values == {f"round-{round_no}"}
        in_world = p.world.list("mem_object")
        assert sorted(o["name"] for o in in_world) == expected      # no duplicates
        assert len({o["id"] for o in in_world}) == len(expected)
        assert {o["value"] for o in in_world} == {f"round-{round_no}"}
        assert p.body(KEY + ".tflock") is None
        audit = (p.body(KEY + ".audit.jsonl") or b"").decode().splitlines()
        assert len(audit) == round_no                               # one apply a round
    elapsed = time.monotonic() - started
    print(f"\n{ROUNDS} rounds of {RACERS} racing applies: {elapsed:.1f} s", file=sys.__stderr__)
    assert "Audit log intact: 3 records" in p.ok("audit", "verify")
