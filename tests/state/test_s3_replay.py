"""Replay: an older encrypted state put back in the bucket (by anyone who can
write it) is refused by every client that has seen a newer one, and the
encrypted objects in the bucket hold no plaintext."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.state.s3support import KEY, Project, start_project

PASSPHRASE = "a passphrase long enough for the state"
ENCRYPTION = """
variable "passphrase" {
  type      = string
  sensitive = true
}
govctl {
  encryption {
    key_provider "passphrase" "team" {
      passphrase = var.passphrase
      kdf        = "pbkdf2_sha512"
    }
    method "aes_gcm" "team" { keys = key_provider.passphrase.team }
    state {
      method   = method.aes_gcm.team
      enforced = true
    }
  }
}
"""
SECRET = "value-only-the-state-knows"


@pytest.fixture
def project(moto: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv("GOVCTL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GOVCTL_VAR_passphrase", PASSPHRASE)
    (tmp_path / "config").mkdir()
    p = start_project(moto, tmp_path / "config", capsys, monkeypatch)
    p.use_s3()
    return p


def config(n: int) -> str:
    return ENCRYPTION + "".join(
        f'resource "mem_object" "o{i}" {{\n  name  = "o{i}"\n  value = "{SECRET}"\n}}\n'
        for i in range(n))


def test_an_older_state_put_back_in_the_bucket_is_refused(project: Project) -> None:
    p = project
    p.write(config(1))
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    old = p.body()
    assert old is not None and SECRET.encode() not in old and b"mem_object" not in old
    p.write(config(2))
    assert p.apply()[0] == 0
    newer = p.body()
    assert newer is not None and SECRET.encode() not in newer
    p.put(KEY, old)                                  # the replay
    code, _, err = p.plan()
    assert code == 1
    assert "State rollback refused" in err and "serial 1 is older than serial 2" in err
    assert p.body() == old                           # refused: nothing written
    # restoring an old state on purpose is possible, and said so
    code, out, err = p.run("-allow-state-rollback", "plan", "-no-color", str(p.root))
    assert code == 0, err
    assert "mem_object.o1 will be created" in out
