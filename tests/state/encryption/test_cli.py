"""Encryption end to end through the CLI with the local backend: the state file,
the apply journal and saved plans hold no plaintext; a wrong key changes
nothing; unencrypted state is refused unless migrating; an older state put
back is a rollback; `state rekey` moves to a new key."""

from __future__ import annotations

import json

import pytest

from govctl.diagnostics import DiagnosticError
from govctl.state import encryption
from govctl.state.local import LocalBackend
from tests.engine.conftest import Workspace
from tests.state.encryption.conftest import OTHER_PASSPHRASE, PASSPHRASE

SECRET = "s3cr3t-value-nobody-may-read"
NAME = "bucket-of-model-weights"

ENCRYPTION = """
variable "passphrase" {
  type      = string
  sensitive = true
}
variable "old_passphrase" {
  type      = string
  sensitive = true
  default   = ""
}
govctl {
  encryption {
    key_provider "passphrase" "main" {
      passphrase = var.passphrase
      kdf        = "pbkdf2_sha512"
    }
    %(extra_providers)s
    method "aes_gcm" "main" { keys = key_provider.passphrase.main }
    %(extra_methods)s
    state {
      method   = method.aes_gcm.main
      enforced = true
      %(fallback)s
    }
    plan { method = method.aes_gcm.main }
  }
}
"""

RESOURCES = f"""
resource "mem_object" "a" {{
  name   = "{NAME}"
  secret = "{SECRET}"
}}
"""


def configure(ws: Workspace, *, extra_providers: str = "", extra_methods: str = "",
              fallback: str = "", resources: str = RESOURCES) -> None:
    ws.write(ENCRYPTION % {"extra_providers": extra_providers, "extra_methods": extra_methods,
                           "fallback": fallback} + resources)


@pytest.fixture(autouse=True)
def _passphrase(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVCTL_VAR_passphrase", PASSPHRASE)
    monkeypatch.chdir(ws.root)


def plaintext_free(data: bytes) -> None:
    for value in (SECRET, NAME, PASSPHRASE, "mem_object"):
        assert value.encode() not in data, value


def test_state_and_plan_files_hold_no_plaintext(ws: Workspace) -> None:
    configure(ws)
    code, _, err = ws.plan("-out", str(ws.root / "p.plan"))
    assert code == 0, err
    plan = (ws.root / "p.plan").read_bytes()
    assert encryption.is_sealed(plan)
    plaintext_free(plan)
    code, out, err = ws.run("show", "-no-color", str(ws.root / "p.plan"))
    assert code == 0 and "mem_object.a will be created" in out, err
    code, _, err = ws.run("apply", "-no-color", str(ws.root / "p.plan"))
    assert code == 0, err
    state = (ws.root / "govctl.tfstate").read_bytes()
    assert encryption.is_sealed(state)
    plaintext_free(state)
    code, out, _ = ws.run("state", "list")
    assert out.split() == ["mem_object.a"]
    code, out, err = ws.plan("-detailed-exitcode")
    assert code == 0, out + err


def test_the_journal_lines_are_sealed_and_replayed(ws: Workspace) -> None:
    configure(ws, resources="")
    assert ws.apply()[0] == 0
    from govctl.commands.run import backend_for
    from govctl.config.loader import load_config

    module, _ = load_config(ws.root)
    backend = backend_for(module)
    with backend.lock("test"):
        backend.read()
        backend.journal().set("mem_object.a", 'provider["govctl/mem"]',
                              {"attributes": {"name": NAME, "secret": SECRET, "id": "x"}})
        data = backend.journal_path.read_bytes()
        plaintext_free(data)
        assert b'"sealed"' in data.split(b"\n")[0]
        # another reader with the key sees the live journal's change
        live = LocalBackend(ws.root / "govctl.tfstate", codec=backend.codec).read()
        assert next(iter(live.instances()))[2].attributes["secret"] == SECRET
        # and one without it is told the journal is encrypted
        with pytest.raises(DiagnosticError, match="ncrypt"):
            LocalBackend(ws.root / "govctl.tfstate").read()
    assert backend.journal_path.exists()      # left by a run that did not fold it
    folded = backend.read()                   # the next run folds it into the state
    assert not backend.journal_path.exists()
    assert next(iter(folded.instances()))[2].attributes["secret"] == SECRET
    plaintext_free((ws.root / "govctl.tfstate").read_bytes())


def test_a_wrong_passphrase_changes_nothing(ws: Workspace,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    configure(ws)
    assert ws.apply()[0] == 0
    before = (ws.root / "govctl.tfstate").read_bytes()
    monkeypatch.setenv("GOVCTL_VAR_passphrase", OTHER_PASSPHRASE)
    code, out, err = ws.apply()
    assert code == 1
    assert "wrong key or the file was altered" in err
    assert OTHER_PASSPHRASE not in out + err and PASSPHRASE not in out + err
    assert (ws.root / "govctl.tfstate").read_bytes() == before


def test_unencrypted_state_is_refused_unless_migrating(ws: Workspace) -> None:
    ws.write(RESOURCES)
    assert ws.apply()[0] == 0
    assert SECRET.encode() in (ws.root / "govctl.tfstate").read_bytes()
    configure(ws)
    code, _, err = ws.plan()
    assert code == 1 and "Unencrypted state refused" in err
    configure(ws, extra_methods='method "unencrypted" "migrate" {}',
              fallback="fallback { method = method.unencrypted.migrate }")
    code, _, err = ws.run("state", "rekey")
    assert code == 0, err
    data = (ws.root / "govctl.tfstate").read_bytes()
    assert encryption.is_sealed(data)
    plaintext_free(data)
    configure(ws)                    # fallback removed: the encrypted state reads
    code, out, err = ws.plan("-detailed-exitcode")
    assert code == 0, out + err


def test_an_older_state_put_back_is_a_rollback(ws: Workspace) -> None:
    configure(ws)
    assert ws.apply()[0] == 0
    old = (ws.root / "govctl.tfstate").read_bytes()
    configure(ws, resources=RESOURCES + 'resource "mem_object" "b" {\n  name = "b"\n}\n')
    assert ws.apply()[0] == 0
    (ws.root / "govctl.tfstate").write_bytes(old)
    code, _, err = ws.plan()
    assert code == 1 and "rolled back" in err, err
    code, out, err = ws.run("-allow-state-rollback", "plan", "-no-color", str(ws.root))
    assert code == 0, err
    assert "mem_object.b will be created" in out


def test_rekey_moves_the_state_to_a_new_passphrase(ws: Workspace,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    configure(ws)
    assert ws.apply()[0] == 0
    # the new key is primary, the old one the fallback, for one rekey
    monkeypatch.setenv("GOVCTL_VAR_old_passphrase", PASSPHRASE)
    monkeypatch.setenv("GOVCTL_VAR_passphrase", OTHER_PASSPHRASE)
    configure(ws, extra_providers="""key_provider "passphrase" "old" {
      passphrase = var.old_passphrase
      kdf        = "pbkdf2_sha512"
    }""", extra_methods='method "aes_gcm" "old" { keys = key_provider.passphrase.old }',
              fallback="fallback { method = method.aes_gcm.old }")
    code, out, err = ws.run("state", "rekey")
    assert code == 0, err
    head = json.loads((ws.root / "govctl.tfstate").read_bytes())
    assert head["key_provider"] == "passphrase.main"
    configure(ws)                    # the old key is gone: only the new one opens it
    code, out, err = ws.plan("-detailed-exitcode")
    assert code == 0, out + err
    monkeypatch.setenv("GOVCTL_VAR_passphrase", PASSPHRASE)
    assert ws.plan()[0] == 1


def test_an_encrypted_state_without_configuration_is_refused(ws: Workspace) -> None:
    configure(ws)
    assert ws.apply()[0] == 0
    ws.write(RESOURCES)
    code, _, err = ws.plan()
    assert code == 1
    assert "encrypt" in err.lower()


def test_an_unencrypted_plan_is_refused_when_plans_are_encrypted(ws: Workspace) -> None:
    from govctl.plan import planfile

    configure(ws)
    path = ws.root / "p.plan"
    assert ws.plan("-out", str(path))[0] == 0
    # the sealed plan swapped for its plaintext (a forged plan would look the same)
    path.write_bytes(planfile.plaintext(path.read_bytes(), path, ws.root))
    code, _, err = ws.run("apply", "-no-color", str(path))
    assert code == 1 and "Unencrypted plan refused" in err, err
    assert not (ws.root / "govctl.tfstate").exists()


def test_a_saved_plan_keeps_no_passphrase_and_applies_with_the_one_given_then(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from govctl.plan import planfile

    configure(ws)
    path = ws.root / "p.plan"
    assert ws.plan("-out", str(path))[0] == 0
    inside = planfile.plaintext(path.read_bytes(), path, ws.root)
    assert PASSPHRASE.encode() not in inside
    code, out, err = ws.run("show", "-json", str(path))
    assert code == 0 and PASSPHRASE not in out
    # apply reads the passphrase from the environment, as the plan did
    monkeypatch.setenv("GOVCTL_VAR_passphrase", OTHER_PASSPHRASE)
    assert ws.run("apply", "-no-color", str(path))[0] == 1     # cannot open it
    monkeypatch.setenv("GOVCTL_VAR_passphrase", PASSPHRASE)
    code, _, err = ws.run("apply", "-no-color", str(path))
    assert code == 0, err


def test_a_state_encrypted_without_a_plan_method_refuses_to_save_a_plan(ws: Workspace) -> None:
    ws.write(ENCRYPTION.replace("    plan { method = method.aes_gcm.main }\n", "") % {
        "extra_providers": "", "extra_methods": "", "fallback": ""} + RESOURCES)
    code, _, err = ws.plan("-out", str(ws.root / "p.plan"))
    assert code == 1 and "Saved plan would not be encrypted" in err
    assert not (ws.root / "p.plan").exists()


def test_a_state_deleted_or_replaced_is_refused_but_a_deleted_workspace_is_not(
        ws: Workspace) -> None:
    configure(ws, resources='resource "mem_object" "a" {\n  name = "a-${govctl.workspace}"\n}\n')
    assert ws.apply()[0] == 0
    (ws.root / "govctl.tfstate").unlink()               # gone: would re-create everything
    code, _, err = ws.plan()
    assert code == 1 and "State replaced or removed" in err
    assert ws.run("-allow-state-rollback", "plan", "-no-color", str(ws.root))[0] == 0
    # a workspace deleted on purpose, then made again, is a new state, not a loss
    code, out, err = ws.run("workspace", "new", "dev")
    assert code == 0, out + err
    code, out, err = ws.apply()
    assert code == 0, out + err
    assert ws.run("workspace", "select", "default")[0] == 0
    assert ws.run("workspace", "delete", "-force", "dev")[0] == 0
    assert ws.run("workspace", "new", "dev")[0] == 0
    code, _, err = ws.plan()
    assert code == 0, err


def test_init_and_workspace_take_the_passphrase_from_var(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOVCTL_VAR_passphrase")
    given = ("-var", f"passphrase={PASSPHRASE}")
    configure(ws, resources='resource "mem_object" "a" {\n  name = "a-${govctl.workspace}"\n}\n')
    code, out, err = ws.run("init", "-no-color", *given, str(ws.root))
    assert code == 0, out + err
    assert ws.apply(*given)[0] == 0
    code, out, err = ws.run("workspace", "new", *given, "dev")
    assert code == 0, out + err
    assert ws.apply(*given)[0] == 0
    assert ws.run("workspace", "select", *given, "default")[0] == 0
    code, _, err = ws.run("workspace", "delete", "-force", "dev")   # no key: told so
    assert code == 1 and "passphrase" in err
    code, out, err = ws.run("workspace", "delete", "-force", *given, "dev")
    assert code == 0, out + err
