"""The README's team setup, end to end in the AWS sandbox: the state bucket
bootstrapped with govctl, local state migrated into it and encrypted with KMS,
a second runner's lock, workspaces, rekey, and an old state put back in the
bucket refused. Run on a copy, so the tree stays clean."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("moto.server")
pytest.importorskip("govctl_aws")

REPO = Path(__file__).resolve().parents[1]


def test_team_setup_walkthrough(tmp_path: Path) -> None:
    example = tmp_path / "team-setup"
    shutil.copytree(REPO / "examples" / "team-setup", example,
                    ignore=shutil.ignore_patterns("*.tfstate*", ".govctl*", "backend.hcl"))
    shutil.copy(REPO / "examples" / "team-setup" / "backend.hcl", example / "backend.hcl")
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [sys.executable, "-m", "govctl.cli", "sandbox", "--", "bash",
         str(example / "walkthrough.sh")],
        capture_output=True, text=True, timeout=300, env=env)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "Backend initialization required" in out
    assert 'workspace "default": copied' in out
    # the object in the bucket is sealed by KMS and shows none of the estate
    assert "sealed by aws_kms.state" in out
    assert "contains 'ml-engineer-default': False" in out
    assert "contains 'aws_iam_role': False" in out
    assert "The state is locked by ci@runner-b (pid 4242)" in out
    assert "govctl force-unlock 2f6f1c1e-runner-b" in out
    assert "* default\n  staging" in out
    assert "State rollback refused" in out and "serial 1 is older than serial 2" in out
    assert "Audit log intact: 1 record" in out
