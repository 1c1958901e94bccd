"""Configurations with an encryption block, loaded the way a run loads them:
the directory parsed, variables collected (-var, GOVCTL_VAR_x, tfvars), then
the block decoded."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from govctl.config import varfiles
from govctl.config.loader import load_config
from govctl.diagnostics import Diagnostic, Severity
from govctl.state.encryption import EncryptionConfig, load
from tests.engine.conftest import _reset_provider, ws  # noqa: F401  (the CLI workspace)

PASSPHRASE = "correct horse battery staple"
OTHER_PASSPHRASE = "a different passphrase, long enough"

PASSPHRASE_CONFIG = """
variable "state_passphrase" {
  type      = string
  sensitive = true
}
govctl {
  encryption {
    key_provider "passphrase" "main" {
      passphrase = var.state_passphrase
      kdf        = "%s"
    }
    method "aes_gcm" "main" { keys = key_provider.passphrase.main }
    state {
      method   = method.aes_gcm.main
      enforced = true
    }
    plan { method = method.aes_gcm.main }
  }
}
"""

# a state as the backends hold it: values the sealed bytes must not show
STATE_VALUES = ("arn:aws:kms:eu-west-1:123456789012:key/1234abcd", "ml-artifacts-prod",
                "hunter2-super-secret", "data-scientists")
STATE = json.dumps({
    "version": 4, "serial": 7, "lineage": "3f0c-lineage",
    "resources": [{"type": "aws_kms_key", "name": "k",
                   "instances": [{"attributes": {"arn": STATE_VALUES[0]}}]},
                  {"type": "aws_s3_bucket", "name": "b",
                   "instances": [{"attributes": {"bucket": STATE_VALUES[1]}}]},
                  {"type": "aws_iam_role", "name": "r",
                   "instances": [{"attributes": {"password": STATE_VALUES[2],
                                                 "name": STATE_VALUES[3]}}]}],
}, indent=2).encode()


@pytest.fixture(autouse=True)
def govctl_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The rollback memory of every test in a directory of its own."""
    home = tmp_path / "home"
    monkeypatch.setenv("GOVCTL_HOME", str(home))
    return home


Loader = Callable[..., tuple[EncryptionConfig | None, list[Diagnostic]]]


@pytest.fixture
def load_encryption(tmp_path: Path) -> Loader:
    """load_encryption(hcl, vars=[("var", "name=value")]) -> (config, diagnostics)."""

    def run(hcl: str, cli: Sequence[tuple[str, str]] = (), environ: dict[str, str] | None = None,
            files: dict[str, str] | None = None) -> tuple[EncryptionConfig | None,
                                                          list[Diagnostic]]:
        root = tmp_path / "config"
        root.mkdir(exist_ok=True)
        (root / "main.hcl").write_text(textwrap.dedent(hcl))
        for name, text in (files or {}).items():
            (root / name).write_text(textwrap.dedent(text))
        module, diags = load_config(root)
        assert not [d for d in diags if d.severity is Severity.ERROR], \
            [d.render() for d in diags]
        values, vdiags = varfiles.collect(module.path, module.variables, cli, environ or {})
        assert not vdiags, [d.render() for d in vdiags]
        return load(module, values)

    return run


@pytest.fixture
def passphrase_config(load_encryption: Loader) -> Callable[[str], EncryptionConfig]:
    def make(kdf: str = "scrypt", passphrase: str = PASSPHRASE) -> EncryptionConfig:
        cfg, diags = load_encryption(PASSPHRASE_CONFIG % kdf,
                                     [("var", f"state_passphrase={passphrase}")])
        assert not diags, [d.render() for d in diags]
        assert cfg is not None
        return cfg

    return make


def errors(diags: list[Diagnostic]) -> list[tuple[str, str]]:
    """(summary, "file:line:column") of each error, the file by its name only."""
    out = []
    for d in diags:
        assert d.severity is Severity.ERROR, d.render()
        where = ""
        if d.range is not None:
            where = f"{Path(d.range.filename).name}:{d.range.start.line}:{d.range.start.column}"
        out.append((d.summary, where))
    return out


def rendered(exc: BaseException) -> str:
    return "\n".join(d.render() for d in getattr(exc, "diagnostics", []))
