"""The README's main job, end to end: the example's walkthrough in the AWS
sandbox (plan, apply, an approval, drift made outside govctl, the plan that
shows it, the apply that restores it). Run on a copy, so the tree stays clean."""

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


def test_walkthrough_runs_the_whole_loop(tmp_path: Path) -> None:
    example = Path("examples") / "ml-platform-aws"
    shutil.copytree(REPO / example, tmp_path / example,
                    ignore=shutil.ignore_patterns("*.tfstate*"))
    shutil.copytree(REPO / "modules", tmp_path / "modules")
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [sys.executable, "-m", "govctl.cli", "sandbox", "--", "bash",
         str(tmp_path / example / "walkthrough.sh")],
        capture_output=True, text=True, timeout=300, env=env)
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    # the drift plan names each change made by hand
    drift = out.split("govctl plan shows what changed outside govctl", 1)[1]
    drift = drift.split("govctl apply restores", 1)[0]
    assert "enable_key_rotation" in drift and "false -> true" in drift
    assert 'approval_status = "Rejected" -> "Approved"' in " ".join(drift.split())
    assert "aws_s3_bucket_public_access_block.this will be updated in-place" in drift
    assert out.rstrip().endswith('}') and 'model_package_group = "mlp-staging-models"' in out
    assert "No changes." in out.split("nothing is left to change", 1)[1]
    # the audit and policy steps
    audit = out.split("govctl drift audits the estate", 1)[1].split("govctl check:", 1)[0]
    assert "Drift found: 3 resource(s) drifted" in audit
    check = out.split("govctl check:", 1)[1].split("govctl plan shows", 1)[0]
    assert 'policy "kms_key_rotation" failed (mandatory)' in check
    assert "Audit log intact: 3 records" in out
