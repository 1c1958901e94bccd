"""Changing keys and moving to or from encryption: the fallback reads the old
form, writes use the new one; unencrypted input only when a method allows it."""

from __future__ import annotations

import pytest

from govctl.diagnostics import DiagnosticError
from govctl.state.encryption import header, is_sealed, refuse_sealed
from tests.state.encryption.conftest import (
    OTHER_PASSPHRASE,
    PASSPHRASE,
    STATE,
    Loader,
    rendered,
)

TWO_KEYS = """
variable "old" {}
variable "new" {}
govctl {
  encryption {
    key_provider "passphrase" "old" { passphrase = var.old }
    key_provider "passphrase" "new" {
      passphrase = var.new
      kdf        = "pbkdf2_sha512"
    }
    method "aes_gcm" "old" { keys = key_provider.passphrase.old }
    method "aes_gcm" "new" { keys = key_provider.passphrase.new }
    method "unencrypted" "migrate" {}
    state {
      method = method.%s
      %s
    }
  }
}
"""

VARS = [("var", f"old={PASSPHRASE}"), ("var", f"new={OTHER_PASSPHRASE}")]


def state_codec(load_encryption: Loader, method: str, fallback: str | None = None):
    fb = f"fallback {{ method = method.{fallback} }}" if fallback else ""
    cfg, diags = load_encryption(TWO_KEYS % (method, fb), VARS)
    assert not diags, [d.render() for d in diags]
    assert cfg is not None and cfg.state is not None
    return cfg.state


def test_fallback_reads_the_old_key_and_seal_writes_the_new(load_encryption: Loader) -> None:
    old = state_codec(load_encryption, "aes_gcm.old")
    sealed_old = old.seal(STATE, lineage="l", serial=3)
    assert b'"passphrase.old"' in sealed_old
    new_only = state_codec(load_encryption, "aes_gcm.new")
    with pytest.raises(DiagnosticError) as exc:
        new_only.open(sealed_old, where="f")
    text = rendered(exc.value)
    assert "with key provider passphrase.new: wrong key or the file was altered" in text
    assert "No method of the state uses key provider passphrase.old" in text
    migrating = state_codec(load_encryption, "aes_gcm.new", "aes_gcm.old")
    assert migrating.open(sealed_old, where="f") == STATE
    assert migrating.needs_reseal(sealed_old)
    sealed_new = migrating.seal(STATE, lineage="l", serial=4)
    assert b'"passphrase.new"' in sealed_new and b'"pbkdf2_sha512"' in sealed_new
    assert not migrating.needs_reseal(sealed_new)
    assert new_only.open(sealed_new, where="f") == STATE
    with pytest.raises(DiagnosticError):
        old.open(sealed_new, where="f")


def test_unencrypted_input_is_refused_with_the_way_to_migrate(load_encryption: Loader) -> None:
    codec = state_codec(load_encryption, "aes_gcm.new")
    with pytest.raises(DiagnosticError) as exc:
        codec.open(STATE, where="/work/govctl.tfstate")
    text = rendered(exc.value)
    assert "Unencrypted state refused" in text
    assert "The state at /work/govctl.tfstate is not encrypted" in text
    assert 'method "unencrypted" "migrate" {}' in text
    assert "fallback { method = method.unencrypted.migrate }" in text


def test_unencrypted_input_accepted_through_the_fallback(load_encryption: Loader) -> None:
    codec = state_codec(load_encryption, "aes_gcm.new", "unencrypted.migrate")
    assert codec.open(STATE, where="f") == STATE
    assert codec.needs_reseal(STATE)
    sealed = codec.seal(STATE, lineage="l", serial=8)
    assert is_sealed(sealed)
    assert codec.open(sealed, where="f") == STATE


def test_decrypting_back_to_unencrypted(load_encryption: Loader) -> None:
    sealed = state_codec(load_encryption, "aes_gcm.old").seal(STATE, lineage="l", serial=2)
    codec = state_codec(load_encryption, "unencrypted.migrate", "aes_gcm.old")
    assert codec.open(sealed, where="f") == STATE
    assert codec.open(STATE, where="f") == STATE
    assert codec.seal(STATE, lineage="l", serial=3) == STATE


def test_readers_without_configuration_refuse_sealed_input(load_encryption: Loader) -> None:
    sealed = state_codec(load_encryption, "aes_gcm.old").seal(STATE, lineage="lin", serial=9)
    assert refuse_sealed(STATE, "f") == STATE
    with pytest.raises(DiagnosticError) as exc:
        refuse_sealed(sealed, "s3://bucket/govctl.tfstate")
    text = rendered(exc.value)
    assert "Encrypted state but no encryption configured" in text
    assert "s3://bucket/govctl.tfstate is encrypted (lineage lin, serial 9)" in text
    assert header(STATE) is None


def test_no_encryption_block_is_no_configuration(load_encryption: Loader) -> None:
    cfg, diags = load_encryption('variable "x" {\n  default = 1\n}\n')
    assert cfg is None and diags == []


def test_only_plan_configured(load_encryption: Loader) -> None:
    cfg, diags = load_encryption("""
        govctl {
          encryption {
            key_provider "passphrase" "p" { passphrase = "sixteen chars ok!" }
            method "aes_gcm" "m" { keys = key_provider.passphrase.p }
            plan { method = method.aes_gcm.m }
          }
        }
        """)
    assert not diags and cfg is not None
    assert cfg.state is None and cfg.plan is not None
    assert cfg.plan.open(cfg.plan.seal(b"plan bytes", lineage="l", serial=0), where="p") == \
        b"plan bytes"
