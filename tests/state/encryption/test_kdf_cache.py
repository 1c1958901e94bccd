"""A run that writes state many times pays the passphrase KDF once."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Callable

import pytest

from govctl.state.encryption import EncryptionConfig, kdf_derivations
from tests.state.encryption.conftest import STATE

Make = Callable[..., EncryptionConfig]


@pytest.mark.parametrize("kdf", ["scrypt", "pbkdf2_sha512"])
def test_twenty_seals_derive_once(passphrase_config: Make, kdf: str) -> None:
    # a passphrase no other test in this process has used
    cfg = passphrase_config(kdf, passphrase="fresh " + secrets.token_hex(8))
    assert cfg.state is not None and cfg.plan is not None
    before = kdf_derivations()
    sealed = [cfg.state.seal(STATE, lineage="l", serial=i) for i in range(20)]
    sealed.append(cfg.plan.seal(b"plan", lineage="l", serial=20))
    assert kdf_derivations() - before == 1
    # one salt for the whole process, a fresh nonce each time
    assert len({json.loads(s)["kdf"]["salt"] for s in sealed}) == 1
    assert len({json.loads(s)["nonce"] for s in sealed}) == 21
    # opening what this process wrote needs no derivation either
    for i, s in enumerate(sealed[:20]):
        assert cfg.state.open(s, where="f") == STATE, i
    assert kdf_derivations() - before == 1


SEAL_ELSEWHERE = """
import sys
from govctl.state.encryption import Codec, AesGcm, PassphraseProvider
codec = Codec("state", AesGcm("aes_gcm.m", PassphraseProvider("main", sys.argv[1])))
sys.stdout.buffer.write(codec.seal(sys.stdin.buffer.read(), lineage="l", serial=2))
"""


def test_a_file_from_another_process_derives_once_more(passphrase_config: Make) -> None:
    pw = "fresh " + secrets.token_hex(8)
    cfg = passphrase_config(passphrase=pw)
    assert cfg.state is not None
    mine = json.loads(cfg.state.seal(STATE, lineage="l", serial=1))
    # another run (another process, as on another machine) has its own salt
    other = subprocess.run([sys.executable, "-c", SEAL_ELSEWHERE, pw], input=STATE,
                           capture_output=True, check=True).stdout
    assert json.loads(other)["kdf"]["salt"] != mine["kdf"]["salt"]
    before = kdf_derivations()
    assert cfg.state.open(other, where="f") == STATE
    assert cfg.state.open(other, where="f") == STATE
    assert kdf_derivations() - before == 1
