"""Helpers shared by the engine tests: running govctl in a subprocess (crash
and signal tests need a process of their own), clearing the stale lock a
killed run leaves, and looking at the Plan a command made."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from govctl.plan.model import Plan
from govctl.plugins.testing import FAIL_ENV, InMemoryProvider
from govctl.state.local import LocalBackend

REPO = Path(__file__).resolve().parents[2]


def govctl_env(fail: Any = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop(FAIL_ENV, None)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    if fail is not None:
        env[FAIL_ENV] = json.dumps(fail)
    return env


def govctl_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "govctl", *args]


def run_govctl(*args: str, fail: Any = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(govctl_cmd(*args), env=govctl_env(fail), capture_output=True,
                          text=True, timeout=timeout, cwd=REPO)


def clear_stale_lock(root: Path) -> None:
    """What `govctl force-unlock ID` does after a crash: the killed run's lock."""
    backend = LocalBackend(root / "govctl.tfstate")
    found = backend.lock_holder()
    if found is None:
        return
    info, stale = found
    assert stale and info is not None, "the lock is held by a live process"
    backend.force_unlock(info.id)


def capture_plans(monkeypatch: pytest.MonkeyPatch) -> list[Plan]:
    """Every Plan the CLI prints from now on, in order (it is still printed)."""
    from govctl.commands import run

    plans: list[Plan] = []
    original = run._print_plan

    def spy(console: Any, plan: Plan) -> None:
        plans.append(plan)
        original(console, plan)

    monkeypatch.setattr(run, "_print_plan", spy)
    return plans


def objects(count: int, prefix: str = "o") -> str:
    return "".join(f'resource "mem_object" "{prefix}{i}" {{\n  name = "{prefix}{i}"\n}}\n'
                   for i in range(1, count + 1))


CBD = ('resource "mem_object" "r" {\n  name = "%s"\n'
       '  lifecycle {\n    create_before_destroy = true\n  }\n}\n')


def unfinished_replacement(ws: Any) -> None:
    """mem_object.r replaced create_before_destroy, its old object not destroyed
    (the delete failed): the new object exists, the old one is deposed."""
    ws.write(CBD % "one")
    assert ws.apply()[0] == 0
    ws.write(CBD % "two")
    InMemoryProvider.inject(call="delete", name="one", error="busy")
    assert ws.apply()[0] == 1
    InMemoryProvider.reset()
