"""Engine tests drive the real command line against the in-memory provider,
whose world lives in a JSON file so that separate processes share it."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from govctl.cli import main
from govctl.plugins.testing import InMemoryProvider, world


@pytest.fixture(autouse=True)
def _reset_provider():
    InMemoryProvider.reset()
    yield
    InMemoryProvider.reset()


class Workspace:
    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]):
        self.root = root
        self.capsys = capsys
        self.world_path = root / "world.json"
        self.world = world(self.world_path)

    def write(self, text: str, name: str = "main.hcl") -> None:
        header = ('provider "mem" {\n  storage = "' + str(self.world_path) + '"\n}\n')
        (self.root / name).write_text(header + textwrap.dedent(text))

    def run(self, *args: str) -> tuple[int, str, str]:
        """Exit code, stdout and stderr; runs of spaces folded (alignment varies)."""
        code = main([*args])
        out = self.capsys.readouterr()
        return code, _fold(out.out), _fold(out.err)

    def plan(self, *flags: str) -> tuple[int, str, str]:
        return self.run("plan", "-no-color", *flags, str(self.root))

    def apply(self, *flags: str) -> tuple[int, str, str]:
        return self.run("apply", "-no-color", "-auto-approve", *flags, str(self.root))

    def state(self) -> dict:
        return json.loads((self.root / "govctl.tfstate").read_text())

    def addresses(self) -> list[str]:
        out = []
        for r in self.state()["resources"]:
            prefix = (r["module"] + ".") if r.get("module") else ""
            for i in r["instances"]:
                key = i.get("index_key")
                suffix = "" if key is None else (f"[{key}]" if isinstance(key, int)
                                                 else f'["{key}"]')
                out.append(f"{prefix}{r['type']}.{r['name']}{suffix}")
        return sorted(out)


def _fold(text: str) -> str:
    return "\n".join(re.sub(r"(?<=\S)  +", " ", line) for line in text.splitlines()) + "\n"


@pytest.fixture
def ws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Workspace:
    return Workspace(tmp_path, capsys)


Writer = Callable[[str], None]
