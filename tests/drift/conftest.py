"""Drift tests drive `govctl drift` through the real command line against the
in-memory provider (its world in a JSON file, changed out of band with
`ws.world.put(...)`), as the engine tests do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from govctl.plugins.testing import InMemoryProvider
from tests.engine.conftest import Workspace


@pytest.fixture(autouse=True)
def _reset_provider():
    InMemoryProvider.reset()
    yield
    InMemoryProvider.reset()


class DriftWorkspace(Workspace):
    def drift(self, *flags: str) -> tuple[int, str, str]:
        """Exit code, stdout and stderr of `govctl drift`, unfolded (JSON, SARIF)."""
        from govctl.cli import main

        code = main(["drift", "-no-color", *flags, str(self.root)])
        out = self.capsys.readouterr()
        return code, out.out, out.err

    def drift_json(self, *flags: str) -> tuple[int, dict[str, Any]]:
        code, out, err = self.drift("-json", *flags)
        assert code in (0, 2), err
        return code, json.loads(out)

    def applied(self) -> None:
        code, out, err = self.apply()
        assert code == 0, out + err

    def change(self, name: str, **attrs: Any) -> None:
        """Change the mem_object `name` outside govctl."""
        obj = self.world.find("mem_object", name)
        assert obj is not None
        obj.update(attrs)
        self.world.put("mem_object", obj)


@pytest.fixture
def dws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> DriftWorkspace:
    return DriftWorkspace(tmp_path, capsys)
