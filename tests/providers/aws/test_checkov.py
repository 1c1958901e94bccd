"""Checkov (`--framework terraform_plan`) reads `govctl show -json` of a plan for
an AWS configuration as it reads Terraform's: no parse errors, and its AWS
checks report on our resources.

Checkov pins its own dependencies, so it runs from a virtual environment of
its own (tests/.checkov-venv, gitignored), never from ours. Installing it
takes about 30 s from a warm wheel cache and one to three minutes from PyPI,
so the test is skipped unless GOVCTL_TEST_CHECKOV=1 asks for it or the
environment is already there; an install that fails or runs past
INSTALL_TIMEOUT skips with the reason rather than failing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.providers.aws.conftest import AwsWorkspace

VENV = Path(__file__).resolve().parents[2] / ".checkov-venv"
CHECKOV = VENV / "bin" / "checkov"
INSTALL_TIMEOUT = 300

pytestmark = pytest.mark.skipif(
    os.environ.get("GOVCTL_TEST_CHECKOV") != "1" and not CHECKOV.exists(),
    reason="Checkov is installed on demand: set GOVCTL_TEST_CHECKOV=1 (or create "
           "tests/.checkov-venv with checkov in it)")

CONFIG = """
resource "aws_kms_key" "rotated" {
  description             = "rotated"
  enable_key_rotation     = true
  deletion_window_in_days = 7
}

resource "aws_kms_key" "static" {
  description         = "never rotated"
  enable_key_rotation = false
}

resource "aws_s3_bucket" "data" {
  bucket = "ml-checkov-data"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.rotated.arn
    }
    bucket_key_enabled = true
  }
}
"""


def _checkov() -> Path:
    """The checkov executable, installed into its own environment if need be
    (a file lock keeps two test processes from installing at once)."""
    import fcntl

    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / ".checkov-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if CHECKOV.exists():
            return CHECKOV
        try:
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True,
                           capture_output=True, timeout=120)
            subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "-q",
                            "checkov"], check=True, capture_output=True, text=True,
                           timeout=INSTALL_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.skip(f"installing checkov took longer than {INSTALL_TIMEOUT} s")
        except subprocess.CalledProcessError as exc:
            pytest.skip(f"installing checkov failed: {str(exc.stderr)[-500:]}")
        if not CHECKOV.exists():
            pytest.skip("checkov was installed but its executable is missing")
        return CHECKOV


def _scan(checkov: Path, plan_json: Path) -> dict[str, Any]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(plan_json.parent),
           "LANG": "C.UTF-8", "BC_SKIP_MAPPING": "TRUE", "CHECKOV_NO_UPDATE": "1",
           "LOG_LEVEL": "WARNING"}
    proc = subprocess.run([str(checkov), "-f", str(plan_json), "--framework", "terraform_plan",
                           "-o", "json", "--soft-fail", "--skip-download"],
                          capture_output=True, text=True, env=env, cwd=plan_json.parent,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    # one framework: one report object (a list when several ran)
    assert isinstance(report, dict), proc.stdout[:2000]
    return report


def test_checkov_scans_show_json(aws: AwsWorkspace) -> None:
    checkov = _checkov()
    aws.write(CONFIG)
    plan_file = aws.root / "checkov.plan"
    code, out, err = aws.plan("-out", str(plan_file))
    assert code == 0, out + err
    code, shown, err = aws.run("show", "-json", str(plan_file))
    assert code == 0, err
    plan_json = aws.root / "plan.json"
    plan_json.write_text(shown)
    report = _scan(checkov, plan_json)
    assert report["check_type"] == "terraform_plan"
    summary = report["summary"]
    assert summary["parsing_errors"] == 0, report["results"].get("parsing_errors")
    assert summary["resource_count"] == 4
    results = report["results"]
    passed = {(c["check_id"], c["resource"]) for c in results["passed_checks"]}
    failed = {(c["check_id"], c["resource"]) for c in results["failed_checks"]}
    # CKV_AWS_7: KMS key rotation
    assert ("CKV_AWS_7", "aws_kms_key.rotated") in passed
    assert ("CKV_AWS_7", "aws_kms_key.static") in failed
    # CKV_AWS_145 (bucket encrypted with KMS) is a graph check: it passes only
    # when Checkov follows the encryption resource's `references` in
    # `configuration` to the bucket
    assert ("CKV_AWS_145", "aws_s3_bucket.data") in passed
    # CKV_AWS_41 (no credentials in the provider block): the provider block
    # does hold access_key/secret_key literals; the representation hides them
    assert ("CKV_AWS_41", "aws.default") in passed
    checked = {resource for _, resource in passed | failed}
    assert "aws_s3_bucket.data" in checked
    assert not any("govctl" in r for r in checked)     # our extras are not resources
