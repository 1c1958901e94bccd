"""`govctl validate` checks the backend and encryption blocks without reaching
any storage or key service."""

from __future__ import annotations

from pathlib import Path

import pytest

from govctl.cli import main

BAD = """
govctl {
  backend "s3" {
    bucket = "x"
    kee    = "y"
  }
  encryption {
    key_provider "passphrase" "p" {
      passphrase = var.p
    }
    method "aes_gcm" "m" { keys = key_provider.passphrase.q }
    state { method = method.aes_gcm.m }
  }
}
variable "p" {
  type = string
}
"""


def test_validate_reports_backend_and_encryption_mistakes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.hcl").write_text(BAD)
    assert main(["validate", "-no-color", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert 'The s3 backend needs "key".' in err
    assert 'main.hcl line 5, column 5' in err and 'Did you mean "key"?' in err
    assert "Reference to undeclared key provider" in err and "line 11" in err


def test_a_valid_settings_block_validates(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    fixed = BAD.replace("kee ", "key ").replace("passphrase.q", "passphrase.p")
    (tmp_path / "main.hcl").write_text(fixed)
    assert main(["validate", "-no-color", str(tmp_path)]) == 0, capsys.readouterr().err
