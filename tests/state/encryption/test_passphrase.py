"""Sealing with a passphrase: round trips, nothing in the clear, and every
alteration of the file refused with a diagnostic."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest

from govctl.diagnostics import DiagnosticError
from govctl.state.encryption import EncryptionConfig, header, is_sealed
from tests.state.encryption.conftest import (
    OTHER_PASSPHRASE,
    PASSPHRASE,
    STATE,
    STATE_VALUES,
    rendered,
)

Make = Callable[..., EncryptionConfig]


@pytest.mark.parametrize("kdf", ["scrypt", "pbkdf2_sha512"])
def test_round_trip_for_each_kdf(passphrase_config: Make, kdf: str) -> None:
    cfg = passphrase_config(kdf)
    assert cfg.state is not None
    sealed = cfg.state.seal(STATE, lineage="3f0c-lineage", serial=7)
    assert is_sealed(sealed) and not is_sealed(STATE)
    doc = json.loads(sealed)
    assert doc["kdf"]["name"] == kdf
    assert len(base64.b64decode(doc["kdf"]["salt"])) >= 16
    if kdf == "scrypt":
        assert (doc["kdf"]["n"], doc["kdf"]["r"], doc["kdf"]["p"]) == (2**17, 8, 1)
    else:
        assert doc["kdf"]["iterations"] >= 600_000
    assert header(sealed) == ("state", "3f0c-lineage", 7)
    assert cfg.state.open(sealed, where="s3://b/k") == STATE


def test_sealed_bytes_hold_no_plaintext(passphrase_config: Make) -> None:
    cfg = passphrase_config()
    assert cfg.state is not None
    sealed = cfg.state.seal(STATE, lineage="3f0c-lineage", serial=7)
    for value in (*STATE_VALUES, PASSPHRASE, '"resources"'):
        assert value.encode() not in sealed
        assert value.encode() in STATE or value == PASSPHRASE


def test_each_seal_uses_a_new_nonce(passphrase_config: Make) -> None:
    cfg = passphrase_config()
    assert cfg.state is not None
    a = cfg.state.seal(STATE, lineage="l", serial=1)
    b = cfg.state.seal(STATE, lineage="l", serial=1)
    assert json.loads(a)["nonce"] != json.loads(b)["nonce"]
    assert json.loads(a)["ciphertext"] != json.loads(b)["ciphertext"]


def test_wrong_passphrase_is_a_diagnostic(passphrase_config: Make) -> None:
    sealed = passphrase_config().state.seal(STATE, lineage="l", serial=1)  # type: ignore[union-attr]
    other = passphrase_config(passphrase=OTHER_PASSPHRASE)
    with pytest.raises(DiagnosticError) as exc:
        other.state.open(sealed, where="s3://bucket/govctl.tfstate")  # type: ignore[union-attr]
    text = rendered(exc.value)
    assert ("cannot decrypt the state at s3://bucket/govctl.tfstate with key provider "
            "passphrase.main: wrong key or the file was altered") in text.lower()
    assert PASSPHRASE not in text and OTHER_PASSPHRASE not in text


def _edit(sealed: bytes, change: Callable[[dict], None]) -> bytes:
    doc = json.loads(sealed)
    change(doc)
    return json.dumps(doc).encode()


def _flip(field: str, byte: int) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        raw = bytearray(base64.b64decode(doc[field]))
        raw[byte % len(raw)] ^= 0x01
        doc[field] = base64.b64encode(bytes(raw)).decode()
    return change


def _flip_salt(doc: dict) -> None:
    raw = bytearray(base64.b64decode(doc["kdf"]["salt"]))
    raw[0] ^= 0x80
    doc["kdf"]["salt"] = base64.b64encode(bytes(raw)).decode()


EDITS: dict[str, Callable[[dict], None]] = {
    "serial": lambda d: d.update(serial=d["serial"] + 1),
    "lineage": lambda d: d.update(lineage="another-lineage"),
    "key_provider name": lambda d: d.update(key_provider="passphrase.other"),
    "salt": _flip_salt,
    "nonce": _flip("nonce", 3),
    "ciphertext first byte": _flip("ciphertext", 0),
    "ciphertext middle byte": _flip("ciphertext", 200),
    "ciphertext tag": _flip("ciphertext", -1),
}


@pytest.mark.parametrize("what", sorted(EDITS))
def test_altered_files_do_not_open(passphrase_config: Make, what: str) -> None:
    cfg = passphrase_config()
    assert cfg.state is not None
    sealed = cfg.state.seal(STATE, lineage="3f0c-lineage", serial=7)
    assert cfg.state.open(_edit(sealed, lambda d: None), where="x") == STATE
    with pytest.raises(DiagnosticError) as exc:
        cfg.state.open(_edit(sealed, EDITS[what]), where="/tmp/govctl.tfstate")
    assert "wrong key or the file was altered" in rendered(exc.value)


def test_kind_edit_does_not_open(passphrase_config: Make) -> None:
    cfg = passphrase_config()
    assert cfg.state is not None and cfg.plan is not None
    sealed = cfg.state.seal(STATE, lineage="l", serial=7)
    as_plan = _edit(sealed, lambda d: d.update(kind="plan"))
    with pytest.raises(DiagnosticError) as exc:
        cfg.state.open(as_plan, where="f")
    assert "holds an encrypted plan, not a state" in rendered(exc.value)
    with pytest.raises(DiagnosticError) as exc:
        cfg.plan.open(as_plan, where="f")
    assert "wrong key or the file was altered" in rendered(exc.value)
    # a plan is no state, even with the same key
    with pytest.raises(DiagnosticError):
        cfg.state.open(cfg.plan.seal(b"plan", lineage="l", serial=7), where="f")


@pytest.mark.parametrize("change, reason", [
    (lambda d: d["kdf"].update(n=2**10), "parameter n is not between"),
    (lambda d: d["kdf"].update(n=2**40), "parameter n is not between"),
    (lambda d: d["kdf"].update(name="argon2"), "kdf 'argon2' is not one of"),
    (lambda d: d.update(nonce="not base64!"), "nonce is not valid base64"),
    (lambda d: d.update(govctl_encrypted=2), "format version 2"),
    (lambda d: d.update(lineage="l\x1b[2J"), "its lineage is not a printable string"),
    (lambda d: d.update(serial=-1), "its serial is not a whole number"),
])
def test_malformed_headers_are_reported_before_any_work(passphrase_config: Make,
                                                         change: Callable[[dict], None],
                                                         reason: str) -> None:
    cfg = passphrase_config()
    assert cfg.state is not None
    sealed = cfg.state.seal(STATE, lineage="l", serial=1)
    edited = _edit(sealed, change)
    with pytest.raises(DiagnosticError) as exc:
        cfg.state.open(edited, where="f")
    assert reason in rendered(exc.value)


def test_truncated_file_is_a_diagnostic(passphrase_config: Make) -> None:
    cfg = passphrase_config()
    assert cfg.state is not None
    sealed = cfg.state.seal(STATE, lineage="l", serial=1)
    with pytest.raises(DiagnosticError) as exc:
        cfg.state.open(sealed[: len(sealed) // 2], where="f")
    assert "the file was altered or damaged" in rendered(exc.value)


def test_header_is_readable_without_a_key_but_only_when_well_formed(
        passphrase_config: Make) -> None:
    cfg = passphrase_config()
    assert cfg.state is not None
    sealed = cfg.state.seal(STATE, lineage="lin", serial=3)
    assert header(sealed) == ("state", "lin", 3)
    assert header(_edit(sealed, lambda d: d.update(lineage="l\x1b[2J"))) is None
    assert header(b'{"govctl_encrypted": 1') is None
    assert header(STATE) is None
