"""Shared fixtures: write small configurations into a temporary directory."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

# The moto server fixtures (`moto`): any test may talk to a real AWS API.
pytest_plugins = ["tests.mototest"]


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """write_config({"main.hcl": "...", "mod/x.hcl": "..."}) -> the directory."""

    def write(files: dict[str, str], root: Path | None = None) -> Path:
        base = root or tmp_path
        for name, text in files.items():
            path = base / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return base

    return write
