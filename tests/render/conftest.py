"""The engine tests' workspace (the CLI against the in-memory provider), and
a way to save a plan and render it as Markdown through the real CLI."""

from __future__ import annotations

import pytest

from govctl.cli import main
from tests.engine.conftest import Workspace, _reset_provider, ws  # noqa: F401


class Preview:
    """Plans saved as `p.plan` in the workspace (the working directory, so the
    rendered commands name a stable relative path) and shown as Markdown."""

    def __init__(self, workspace: Workspace, capsys: pytest.CaptureFixture[str]):
        self.ws = workspace
        self.capsys = capsys

    def plan(self, *flags: str, expect: int = 0) -> str:
        code, out, err = self.ws.plan(*flags, "-out", "p.plan")
        assert code == expect, out + err
        return "p.plan"

    def show(self, *flags: str, plan_file: str = "p.plan", expect: int = 0) -> tuple[str, str]:
        """stdout and stderr as written (no folding: the diff's alignment matters)."""
        code = main(["show", "-markdown", *flags, plan_file])
        out = self.capsys.readouterr()
        assert code == expect, out.out + out.err
        return out.out, out.err


@pytest.fixture
def preview(ws: Workspace, capsys: pytest.CaptureFixture[str],  # noqa: F811
            monkeypatch: pytest.MonkeyPatch) -> Preview:
    monkeypatch.chdir(ws.root)
    return Preview(ws, capsys)
