"""`govctl state list|show|mv|rm`, `output`, `force-unlock` and the `import`
wiring, through the command line after a real apply with the in-memory provider."""

from __future__ import annotations

import io
import json
import re
import sys
import textwrap
import types
from pathlib import Path

import pytest

from govctl.cli import main
from govctl.plugins.testing import InMemoryProvider, world
from govctl.state.local import LocalBackend

CONFIG = """
resource "mem_object" "a" {
  name   = "a"
  value  = "one"
  secret = "hush"
}

resource "mem_object" "many" {
  count = 2
  name  = "many-${count.index}"
}

module "child" {
  source = "./child"
}

output "value" {
  value = mem_object.a.value
}

output "secret" {
  value     = mem_object.a.secret
  sensitive = true
}

output "names" {
  value = mem_object.many[*].name
}
"""

CHILD = """
resource "mem_object" "b" {
  name  = "b"
  value = "two"
}
"""


@pytest.fixture(autouse=True)
def _reset_provider():
    InMemoryProvider.reset()
    yield
    InMemoryProvider.reset()


class Dir:
    """An applied configuration; run() calls govctl with -chdir into it."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]):
        self.root = root
        self.capsys = capsys

    def run(self, *args: str) -> tuple[int, str, str]:
        code = main(["-chdir", str(self.root), *args])
        out = self.capsys.readouterr()
        fold = re.compile(r"(?<=\S)  +")
        return code, fold.sub(" ", out.out), fold.sub(" ", out.err)

    def state_file(self) -> dict:
        return json.loads((self.root / "govctl.tfstate").read_text())


def _setup(root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
           settings: str = "") -> Dir:
    monkeypatch.chdir(root)          # restores the working directory -chdir changes
    provider = f'provider "mem" {{\n  storage = "{root / "world.json"}"\n}}\n'
    (root / "main.hcl").write_text(textwrap.dedent(settings) + provider + CONFIG)
    (root / "child").mkdir()
    (root / "child" / "child.hcl").write_text(CHILD)
    assert main(["apply", "-no-color", "-auto-approve", str(root)]) == 0, \
        capsys.readouterr().err
    capsys.readouterr()
    return Dir(root, capsys)


@pytest.fixture
def applied(tmp_path: Path, capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch) -> Dir:
    return _setup(tmp_path, capsys, monkeypatch)


ALL = ["mem_object.a", "mem_object.many[0]", "mem_object.many[1]", "module.child.mem_object.b"]


# --- state list -------------------------------------------------------------------

def test_state_list(applied):
    code, out, err = applied.run("state", "list")
    assert code == 0, err
    assert out.splitlines() == ALL


def test_state_list_filters_by_address(applied):
    assert applied.run("state", "list", "mem_object.many")[1].splitlines() == \
        ["mem_object.many[0]", "mem_object.many[1]"]
    assert applied.run("state", "list", "module.child")[1].splitlines() == \
        ["module.child.mem_object.b"]
    assert applied.run("state", "list", "mem_object.a", "mem_object.many[1]")[1] \
        .splitlines() == ["mem_object.a", "mem_object.many[1]"]


def test_state_list_reads_the_configured_backend(tmp_path, capsys, monkeypatch):
    d = _setup(tmp_path, capsys, monkeypatch, settings="""
        govctl {
          backend "local" {
            path = "state/prod.tfstate"
          }
        }
        """)
    assert (tmp_path / "state" / "prod.tfstate").is_file()
    assert not (tmp_path / "govctl.tfstate").exists()
    code, out, err = d.run("state", "list")
    assert code == 0, err
    assert out.splitlines() == ALL


def test_state_list_with_a_state_flag(applied, tmp_path, capsys):
    code = main(["state", "list", "-state", str(tmp_path / "govctl.tfstate")])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out.splitlines() == ALL


def test_state_list_falls_back_when_the_configuration_is_broken(applied):
    (applied.root / "broken.hcl").write_text('resource "mem_object" {\n')
    code, out, err = applied.run("state", "list")
    assert code == 0, err
    assert out.splitlines() == ALL
    assert "Warning: Configuration not loaded" in err


def test_state_list_without_state(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["-chdir", str(tmp_path), "state", "list"])
    err = capsys.readouterr().err
    assert code == 1
    assert "Error: No state file was found!" in err
    assert str(tmp_path / "govctl.tfstate") in err


def test_state_without_subcommand_prints_help(capsys):
    assert main(["state"]) == 1
    assert "list" in capsys.readouterr().out


# --- state show ---------------------------------------------------------------------

def test_state_show(applied):
    code, out, err = applied.run("state", "show", "mem_object.a")
    assert code == 0, err
    assert out.startswith('# mem_object.a:\nresource "mem_object" "a" {\n')
    assert 'name = "a"\n' in out
    assert 'value = "one"\n' in out
    assert 'arn = "arn:mem:object/a"\n' in out
    code, out, _ = applied.run("state", "show", "module.child.mem_object.b")
    assert code == 0
    assert 'value = "two"' in out


def test_state_show_hides_sensitive_attributes(applied):
    code, out, _ = applied.run("state", "show", "mem_object.a")
    assert code == 0
    assert "secret = (sensitive value)" in out
    assert "hush" not in out


def test_state_show_needs_one_instance(applied):
    code, _, err = applied.run("state", "show", "mem_object.many")
    assert code == 1
    assert "No instance found for the given address!" in err
    code, _, err = applied.run("state", "show", "mem_object.nope")
    assert code == 1
    code, _, err = applied.run("state", "show", "not an address")
    assert code == 1
    assert "Error: Invalid address" in err


# --- state mv / rm ---------------------------------------------------------------------

def test_state_mv(applied):
    code, out, err = applied.run("state", "mv", "mem_object.a", "mem_object.renamed")
    assert code == 0, err
    assert 'Move "mem_object.a" to "mem_object.renamed"' in out
    assert "Successfully moved 1 object(s)." in out
    assert applied.run("state", "list", "mem_object.renamed")[1] == "mem_object.renamed\n"
    code, out, err = applied.run("state", "mv", "module.child", "module.other")
    assert code == 0, err
    assert "module.other.mem_object.b" in applied.run("state", "list")[1]
    assert (applied.root / "govctl.tfstate.backup").is_file()


def test_state_mv_refuses_to_overwrite(applied):
    before = applied.state_file()
    code, _, err = applied.run("state", "mv", "mem_object.many[0]", "mem_object.many[1]")
    assert code == 1
    assert "Invalid state move request" in err
    assert "already exists in the state" in err
    assert applied.state_file() == before


def test_state_rm(applied):
    code, out, err = applied.run("state", "rm", "mem_object.a", "module.child")
    assert code == 0, err
    assert "Removed mem_object.a\nRemoved module.child.mem_object.b\n" in out
    assert "Successfully removed 2 resource instance(s)." in out
    assert applied.run("state", "list")[1].splitlines() == \
        ["mem_object.many[0]", "mem_object.many[1]"]
    # forgotten, not destroyed
    assert world(applied.root / "world.json").find("mem_object", "a") is not None


def test_state_rm_with_an_unknown_address_removes_nothing(applied):
    code, _, err = applied.run("state", "rm", "mem_object.a", "mem_object.nope")
    assert code == 1
    assert 'No matching objects found for "mem_object.nope"' in err
    assert applied.run("state", "list")[1].splitlines() == ALL


def test_state_rm_waits_for_the_lock(applied):
    with LocalBackend(applied.root / "govctl.tfstate").lock("test"):
        code, _, err = applied.run("state", "rm", "mem_object.a")
        assert code == 1
        assert "locked" in err
        code, _, err = applied.run("state", "rm", "-lock=false", "mem_object.a")
        assert code == 0, err
    assert "mem_object.a" not in applied.run("state", "list")[1]


# --- output ----------------------------------------------------------------------------

def test_output_all_hides_sensitive_values(applied):
    code, out, err = applied.run("output")
    assert code == 0, err
    assert 'secret = <sensitive>\n' in out
    assert 'value = "one"\n' in out
    assert 'names = [\n  "many-0",\n  "many-1",\n]\n' in out
    assert "hush" not in out


def test_output_one(applied):
    assert applied.run("output", "value")[1] == '"one"\n'
    assert applied.run("output", "secret")[1] == "<sensitive>\n"
    code, _, err = applied.run("output", "nope")
    assert code == 1
    assert 'Output "nope" not found' in err


def test_output_json_shows_sensitive_values(applied):
    code, out, _ = applied.run("output", "-json")
    assert code == 0
    doc = json.loads(out)
    assert doc["secret"] == {"sensitive": True, "type": "string", "value": "hush"}
    assert doc["names"]["value"] == ["many-0", "many-1"]
    code, out, _ = applied.run("output", "-json", "names")
    assert json.loads(out) == ["many-0", "many-1"]


def test_output_raw(applied):
    assert applied.run("output", "-raw", "value")[1] == "one"
    assert applied.run("output", "-raw", "secret")[1] == "hush"
    code, _, err = applied.run("output", "-raw", "names")
    assert code == 1
    assert "Unsupported value for raw output" in err
    code, _, err = applied.run("output", "-raw", "-json", "value")
    assert code == 1
    assert "mutually exclusive" in err


# --- force-unlock ------------------------------------------------------------------------

def test_force_unlock(applied):
    backend = LocalBackend(applied.root / "govctl.tfstate")
    with backend.lock("test") as info:
        code, out, err = applied.run("force-unlock", "-force", info.id)
        assert code == 0, err
        assert "govctl state has been successfully unlocked!" in out
        assert backend.lock_holder() is None
        assert applied.run("state", "rm", "mem_object.a")[0] == 0


def test_force_unlock_with_a_wrong_id(applied):
    backend = LocalBackend(applied.root / "govctl.tfstate")
    with backend.lock("test") as info:
        code, _, err = applied.run("force-unlock", "-force", "not-the-id")
        assert code == 1
        assert f'Lock ID "not-the-id" does not match the existing lock ID "{info.id}"' in err
        assert backend.lock_holder() is not None


def test_force_unlock_asks_for_confirmation(applied, monkeypatch):
    backend = LocalBackend(applied.root / "govctl.tfstate")
    with backend.lock("test") as info:
        monkeypatch.setattr(sys, "stdin", io.StringIO("no\n"))
        code, out, _ = applied.run("force-unlock", info.id)
        assert code == 1
        assert "Do you really want to force-unlock?" in out
        assert "force-unlock cancelled." in out
        assert backend.lock_holder() is not None
        monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))
        code, out, _ = applied.run("force-unlock", info.id)
        assert code == 0
        assert backend.lock_holder() is None


def test_force_unlock_takes_a_directory(applied, capsys):
    backend = LocalBackend(applied.root / "govctl.tfstate")
    with backend.lock("test") as info:
        assert main(["force-unlock", "-force", info.id, str(applied.root)]) == 0
        assert backend.lock_holder() is None


def test_force_unlock_without_a_lock(applied):
    code, _, err = applied.run("force-unlock", "-force", "x")
    assert code == 1
    assert "No lock is held" in err


# --- import --------------------------------------------------------------------------

def test_import_calls_the_import_command(tmp_path, capsys, monkeypatch):
    calls = []

    def run(directory, addr, id_, vars_, lock_timeout, colour=None):
        calls.append((directory, addr, id_, list(vars_), lock_timeout))
        return 0

    fake = types.ModuleType("govctl.commands.importing")
    fake.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "govctl.commands.importing", fake)
    assert main(["import", "-var", "a=1", "-var-file", "x.tfvars", "-lock-timeout", "2s",
                 "mem_object.a", "id-123"]) == 0
    assert calls == [(Path("."), "mem_object.a", "id-123",
                      [("var", "a=1"), ("var-file", "x.tfvars")], 2.0)]
    assert main(["import", "-config", str(tmp_path), "mem_object.b", "id-9"]) == 0
    assert calls[-1] == (tmp_path, "mem_object.b", "id-9", [], 0.0)
