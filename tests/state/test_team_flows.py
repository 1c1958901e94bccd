"""Second review of remote state and encryption (issue 7), from the user's side:
the CLI run in-process against the moto server's S3 (and KMS) and the
in-memory provider, the way a team following README "Backends", "Encryption"
and "Team setup" would. One test per bug found (all fixed), each asserting
what the user needs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.state.s3support import Project, objects, start_project
from tests.state.test_remote_state_regressions import crash_apply, journal_files, lock_id
from tests.state.test_s3_replay import PASSPHRASE, config

NEW_PASSPHRASE = "the team's new passphrase, long enough"


@pytest.fixture
def project(moto: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch) -> Project:
    """An S3 project in `<tmp>/one` with the passphrase of test_s3_replay's
    encryption block in the environment and a rollback memory of its own."""
    monkeypatch.setenv("GOVCTL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GOVCTL_VAR_passphrase", PASSPHRASE)
    (tmp_path / "one").mkdir()
    return start_project(moto, tmp_path / "one", capsys, monkeypatch)


def encrypted(n: int) -> str:
    """test_s3_replay's configuration (n objects, passphrase.team), with plans
    encrypted too so that `plan -out` is allowed."""
    return config(n).replace("    state {", "    plan { method = method.aes_gcm.team }\n"
                                          "    state {")


def rotated(body: str) -> str:
    """`body` after the passphrase was changed the way README "Rotation" says: the
    new passphrase is the primary method (it keeps the name `team`), the old one
    is declared as `passphrase.old` and is the state's fallback."""
    return (body
            .replace('variable "passphrase" {',
                     'variable "old_passphrase" {\n  type      = string\n  sensitive = true\n}\n'
                     'variable "passphrase" {')
            .replace('    method "aes_gcm" "team" { keys = key_provider.passphrase.team }',
                     '    method "aes_gcm" "team" { keys = key_provider.passphrase.team }\n'
                     '    key_provider "passphrase" "old" {\n'
                     '      passphrase = var.old_passphrase\n      kdf        = "pbkdf2_sha512"\n'
                     '    }\n'
                     '    method "aes_gcm" "old" { keys = key_provider.passphrase.old }')
            .replace("      enforced = true",
                     "      enforced = true\n      fallback { method = method.aes_gcm.old }"))


def delete_bucket(p: Project) -> None:
    keys = p.object_keys()
    if keys:
        p.s3.delete_objects(Bucket=p.bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    p.s3.delete_bucket(Bucket=p.bucket)


def pulled_names(p: Project) -> list[str]:
    """Resource names in `state pull`'s plaintext JSON (the bucket's is sealed)."""
    out = p.ok("state", "pull")
    doc = json.loads(out)
    return sorted(i["attributes"]["name"] for r in doc.get("resources", [])
                  for i in r["instances"])


# --- drift and check cannot read a remote or an encrypted state ----------------------------

def test_drift_audits_a_state_kept_in_s3(project: Project) -> None:
    p = project
    p.write(objects("a"))
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    obj = p.world.find("mem_object", "a")
    assert obj is not None
    p.world.put("mem_object", {**obj, "value": "changed by hand"})
    code, out, err = p.run("drift", "-no-color", str(p.root))
    assert code == 2, out + err
    assert "mem_object.a" in out
    code, out, err = p.run("check", str(p.root))
    assert code == 0, out + err


def test_drift_and_check_read_an_encrypted_state(project: Project) -> None:
    p = project
    p.use_local()
    p.write(encrypted(1))
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    code, out, err = p.run("drift", "-no-color", str(p.root))
    assert code == 0, out + err
    code, out, err = p.run("check", str(p.root))
    assert code == 0, out + err


# --- an unreadable bucket escapes the state and audit commands as a traceback ---------------

def test_state_commands_report_a_missing_bucket(project: Project) -> None:
    p = project
    p.write(objects("a"))
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    delete_bucket(p)                          # or AccessDenied, or the network down
    for args in (("state", "list"), ("state", "pull"), ("state", "rm", "mem_object.a")):
        code, out, err = p.run(*args)
        assert code == 1, out + err
        assert "NoSuchBucket" in err or "does not exist" in err, err


def test_audit_commands_report_a_missing_bucket(project: Project) -> None:
    p = project
    p.write(objects("a"))
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    delete_bucket(p)
    for args in (("audit", "verify"), ("audit", "show")):
        code, out, err = p.run(*args)
        assert code == 1, out + err
        assert "audit log" in err


# --- key rotation is blocked by a crashed run's journal ------------------------------------

def test_rotating_the_passphrase_after_a_crashed_apply(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    p = project
    p.write(encrypted(1))
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    p.write(encrypted(2))
    crash_apply(p, "o1")                      # o1 exists; only the journal records it
    assert p.run("force-unlock", "-force", lock_id(p), str(p.root))[0] == 0
    # the passphrase leaked: the team rotates it as README "Rotation" says
    monkeypatch.setenv("GOVCTL_VAR_old_passphrase", PASSPHRASE)
    monkeypatch.setenv("GOVCTL_VAR_passphrase", NEW_PASSPHRASE)
    p.write(rotated(encrypted(2)))
    code, out, err = p.run("state", "rekey")
    assert code == 0, out + err
    assert journal_files(p.root) == []
    # then removes the fallback: the state, o1 included, opens with the new key alone
    monkeypatch.delenv("GOVCTL_VAR_old_passphrase")
    p.write(encrypted(2))
    code, out, err = p.apply()
    assert code == 0, out + err
    assert pulled_names(p) == ["o0", "o1"]


# --- the passphrase "from -var" does not reach init or the state commands -------------------

def test_the_state_commands_take_the_passphrase_from_var(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    p = project
    p.write(encrypted(1))
    assert p.init()[0] == 0
    assert p.apply("-var", f"passphrase={PASSPHRASE}")[0] == 0
    monkeypatch.delenv("GOVCTL_VAR_passphrase")    # the CI job passes it with -var
    code, out, err = p.run("state", "list")
    assert code == 1 and "-var" in err              # the advice the error gives ...
    code, out, err = p.run("state", "list", "-var", f"passphrase={PASSPHRASE}")
    assert code == 0, out + err
    assert "mem_object.o0" in out


# --- messages ------------------------------------------------------------------------------

def test_no_state_in_the_bucket_is_named_by_its_url(project: Project) -> None:
    p = project
    p.write(objects("a"))
    assert p.init()[0] == 0
    code, out, err = p.run("state", "list")
    assert code == 1, out + err
    assert f"s3://{p.bucket}/" in err
    assert "S3Backend(" not in err
