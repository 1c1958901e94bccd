"""The aws_kms key provider against a real KMS API (the moto server): a data
key per seal, wrapped in the header; key problems named in diagnostics."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from govctl.diagnostics import DiagnosticError
from govctl.state.encryption import Codec
from tests.mototest import Moto
from tests.state.encryption.conftest import PASSPHRASE, STATE, STATE_VALUES, Loader, rendered

KMS_CONFIG = """
variable "passphrase" {
  default = "%s"
}
variable "kms_key" {}
govctl {
  encryption {
    key_provider "aws_kms" "prod" {
      kms_key_id = var.kms_key
      key_spec   = "AES_256"
      %s
    }
    key_provider "passphrase" "old" { passphrase = var.passphrase }
    method "aes_gcm" "new" { keys = key_provider.aws_kms.prod }
    method "aes_gcm" "old" { keys = key_provider.passphrase.old }
    state {
      method   = method.aes_gcm.%s
      enforced = true
      %s
    }
  }
}
"""


@pytest.fixture
def kms(moto: Moto, monkeypatch: pytest.MonkeyPatch) -> Any:
    """KMS in the sandbox, found by govctl through AWS_ENDPOINT_URL."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    return moto.client("kms")


def new_key(kms: Any, alias: str = "alias/govctl-state") -> str:
    key_id = kms.create_key(Description="govctl state")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    return key_id


def codec(load_encryption: Loader, key: str, method: str = "new", fallback: str = "",
          extra: str = "") -> Codec:
    fb = f"fallback {{ method = method.aes_gcm.{fallback} }}" if fallback else ""
    cfg, diags = load_encryption(KMS_CONFIG % (PASSPHRASE, extra, method, fb),
                                 environ={"GOVCTL_VAR_kms_key": key})
    assert not diags, [d.render() for d in diags]
    assert cfg is not None and cfg.state is not None
    return cfg.state


def test_round_trip_with_a_data_key_per_seal(kms: Any, load_encryption: Loader) -> None:
    key_id = new_key(kms)
    state = codec(load_encryption, "alias/govctl-state")
    a = state.seal(STATE, lineage="l", serial=1)
    b = state.seal(STATE, lineage="l", serial=1)
    da, db = json.loads(a), json.loads(b)
    assert da["key_provider"] == "aws_kms.prod" and da["kms_key_id"] == "alias/govctl-state"
    assert da["wrapped_key"] != db["wrapped_key"]
    for value in STATE_VALUES:
        assert value.encode() not in a
    # the wrapped key is KMS's own: KMS opens it, and it is not the AES key itself
    plain = kms.decrypt(CiphertextBlob=base64.b64decode(da["wrapped_key"]))
    assert plain["KeyId"].endswith(key_id) and len(plain["Plaintext"]) == 32
    assert plain["Plaintext"] not in a
    assert state.open(a, where="s3://b/k") == STATE
    assert state.open(b, where="s3://b/k") == STATE


def test_region_from_the_configuration(kms: Any, load_encryption: Loader,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    new_key(kms)
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    state = codec(load_encryption, "alias/govctl-state", extra='region = "eu-west-1"')
    assert state.open(state.seal(STATE, lineage="l", serial=1), where="f") == STATE
    other_region = codec(load_encryption, "alias/govctl-state", extra='region = "us-east-1"')
    with pytest.raises(DiagnosticError) as exc:
        other_region.seal(STATE, lineage="l", serial=1)
    assert "KMS key alias/govctl-state (key provider aws_kms.prod)" in rendered(exc.value)


def test_missing_key_is_named(kms: Any, load_encryption: Loader) -> None:
    state = codec(load_encryption, "alias/nothing-here")
    with pytest.raises(DiagnosticError) as exc:
        state.seal(STATE, lineage="l", serial=1)
    text = rendered(exc.value)
    assert "Cannot encrypt the state" in text
    assert "KMS key alias/nothing-here (key provider aws_kms.prod): GenerateDataKey failed: " \
           "the key or alias does not exist" in text


def test_unreachable_kms_is_named(kms: Any, load_encryption: Loader,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    new_key(kms)
    state = codec(load_encryption, "alias/govctl-state")
    sealed = state.seal(STATE, lineage="l", serial=1)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    cut_off = codec(load_encryption, "alias/govctl-state")
    with pytest.raises(DiagnosticError) as exc:
        cut_off.open(sealed, where="s3://bucket/state")
    text = rendered(exc.value)
    assert "The state at s3://bucket/state: KMS key alias/govctl-state (key provider " \
           "aws_kms.prod): Decrypt failed: Could not connect" in text


def test_another_key_cannot_open(kms: Any, load_encryption: Loader) -> None:
    """Real KMS answers IncorrectKeyException (wrong key); moto denies the call:
    either way a diagnostic names the key provider."""
    new_key(kms, "alias/a")
    new_key(kms, "alias/b")
    sealed = codec(load_encryption, "alias/a").seal(STATE, lineage="l", serial=1)
    with pytest.raises(DiagnosticError) as exc:
        codec(load_encryption, "alias/b").open(sealed, where="s3://bucket/state")
    text = rendered(exc.value)
    assert ("at s3://bucket/state with key provider aws_kms.prod: wrong key or the file was "
            "altered") in text or \
        ("The state at s3://bucket/state: KMS key alias/b (key provider aws_kms.prod): "
         "Decrypt failed: the caller is not allowed to use the key") in text


def test_altered_wrapped_key_or_key_id_does_not_open(kms: Any, load_encryption: Loader) -> None:
    new_key(kms)
    state = codec(load_encryption, "alias/govctl-state")
    sealed = json.loads(state.seal(STATE, lineage="l", serial=1))
    edited = dict(sealed, kms_key_id="alias/other")
    with pytest.raises(DiagnosticError) as exc:
        state.open(json.dumps(edited).encode(), where="f")
    assert "wrong key or the file was altered" in rendered(exc.value)
    blob = bytearray(base64.b64decode(sealed["wrapped_key"]))
    blob[-1] ^= 1
    edited = dict(sealed, wrapped_key=base64.b64encode(bytes(blob)).decode())
    with pytest.raises(DiagnosticError) as exc:
        state.open(json.dumps(edited).encode(), where="f")
    assert "Cannot decrypt the state" in rendered(exc.value)


def test_moving_from_a_passphrase_to_kms(kms: Any, load_encryption: Loader) -> None:
    new_key(kms)
    old = codec(load_encryption, "alias/govctl-state", method="old")
    sealed_old = old.seal(STATE, lineage="l", serial=1)
    kms_only = codec(load_encryption, "alias/govctl-state")
    with pytest.raises(DiagnosticError) as exc:
        kms_only.open(sealed_old, where="f")
    assert ("encrypted with key provider passphrase.old, which no method of the state uses "
            "(configured: aws_kms.prod)") in rendered(exc.value)
    migrating = codec(load_encryption, "alias/govctl-state", fallback="old")
    assert migrating.open(sealed_old, where="f") == STATE
    sealed_new = migrating.seal(STATE, lineage="l", serial=2)
    assert json.loads(sealed_new)["key_provider"] == "aws_kms.prod"
    assert kms_only.open(sealed_new, where="f") == STATE
