"""Audit tests drive the real command line against the in-memory provider
(tests/engine's workspace), and read and damage the log file as an attacker
with write access to it would."""

from __future__ import annotations

from pathlib import Path

import pytest

from govctl.plugins.testing import InMemoryProvider
from tests.engine.conftest import Workspace


@pytest.fixture(autouse=True)
def _reset_provider():
    InMemoryProvider.reset()
    yield
    InMemoryProvider.reset()


@pytest.fixture
def ws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Workspace:
    return Workspace(tmp_path, capsys)
