"""`govctl init` and `govctl providers` through the command line, with the
in-memory provider (the one installed provider)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from govctl import __version__
from govctl.cli import main
from govctl.plugins.testing import InMemoryProvider


@pytest.fixture(autouse=True)
def _reset_provider():
    InMemoryProvider.reset()
    yield
    InMemoryProvider.reset()


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def _provider(root: Path) -> str:
    return f'provider "mem" {{\n  storage = "{root / "world.json"}"\n}}\n'


def _config(root: Path, required: str = "", extra: str = "") -> Path:
    settings = f"govctl {{\n  required_providers {{\n    {required}\n  }}\n}}\n" if required \
        else ""
    return _write(root, {
        "main.hcl": settings + _provider(root) + textwrap.dedent("""
            resource "mem_object" "a" {
              name  = "a"
              value = "one"
            }

            module "child" {
              source = "./child"
            }
            """) + textwrap.dedent(extra),
        "child/child.hcl": """
            resource "mem_object" "b" {
              name = "b"
            }

            data "mem_lookup" "l" {
              name = "b"
            }
            """,
    })


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    fold = re.compile(r"(?<=\S)  +")
    return code, fold.sub(" ", out.out), fold.sub(" ", out.err)


# --- init ---------------------------------------------------------------------

def test_init_succeeds_and_lists_the_providers(tmp_path, capsys):
    d = _config(tmp_path, 'mem = { source = "govctl/mem", version = ">= 0.1" }')
    code, out, err = _run(capsys, "init", "-no-color", str(d))
    assert code == 0, err
    assert err == ""
    assert "Initializing modules...\n- module.child in" in out
    assert "Initializing the backend..." in out
    assert f"- mem: govctl/mem v{__version__} (govctl.plugins.testing:InMemoryProvider" in out
    assert "govctl has been successfully initialized!" in out


def test_init_uses_the_working_directory_by_default(tmp_path, capsys, monkeypatch):
    d = _config(tmp_path)
    monkeypatch.chdir(tmp_path)           # restores the cwd that -chdir changes
    code, out, err = _run(capsys, "-chdir", str(d), "init")
    assert code == 0, err
    assert f"- mem: govctl/mem v{__version__}" in out


def test_init_creates_the_local_backend_directory(tmp_path, capsys):
    d = _config(tmp_path, extra="""
        govctl {
          backend "local" {
            path = "state/prod/govctl.tfstate"
          }
        }
        """)
    assert not (d / "state").exists()
    code, out, err = _run(capsys, "init", str(d))
    assert code == 0, err
    assert (d / "state" / "prod").is_dir()
    assert "state/prod/govctl.tfstate" in out


def test_init_refuses_a_computed_backend_path(tmp_path, capsys):
    d = _config(tmp_path, extra="""
        variable "where" {
          default = "x.tfstate"
        }

        govctl {
          backend "local" {
            path = var.where
          }
        }
        """)
    code, _, err = _run(capsys, "init", "-no-color", str(d))
    assert code == 1
    assert "Error: Invalid backend argument" in err
    assert "must be a literal string" in err


def test_init_missing_provider_names_the_resource_and_the_fix(tmp_path, capsys):
    d = _config(tmp_path)
    (d / "child" / "extra.hcl").write_text('resource "nope_thing" "x" {\n  name = "x"\n}\n')
    code, out, err = _run(capsys, "init", "-no-color", str(d))
    assert code == 1
    assert "successfully initialized" not in out
    assert "Error: Missing required provider" in err
    assert "extra.hcl line 1" in err
    assert 'resource "nope_thing" "x"' in err
    assert 'uses nope_thing.x in module.child, which belongs to provider "nope"' in err
    assert 'requires provider "nope" (source "govctl/nope"), but it is not installed' in err
    assert f"mem {__version__} (govctl/mem)" in err.split("Installed providers:", 1)[1]
    assert "govctl.providers" in err


def test_init_reports_a_missing_provider_once_for_all_modules(tmp_path, capsys):
    d = _config(tmp_path, extra='resource "nope_a" "x" {}\n')
    (d / "child" / "extra.hcl").write_text('resource "nope_b" "y" {}\n')
    code, _, err = _run(capsys, "init", "-no-color", str(d))
    assert code == 1
    assert err.count("Error: Missing required provider") == 1


def test_init_version_constraint_that_fails(tmp_path, capsys):
    d = _config(tmp_path, 'mem = { source = "govctl/mem", version = ">= 99" }')
    code, out, err = _run(capsys, "init", "-no-color", str(d))
    assert code == 1
    assert "successfully initialized" not in out
    assert "Error: Incompatible provider version" in err
    assert f'Provider "mem" {__version__} is installed, but this configuration requires ' \
        'version ">= 99"' in err
    assert 'pip install "govctl[mem]>=99"' in err
    assert 'version = ">= 99"' in err         # the offending source line


def _objects(root: Path, version: str, *names: str) -> Path:
    blocks = "".join(f'resource "mem_object" "{n}" {{\n  name = "{n}"\n}}\n' for n in names)
    return _write(root, {"main.hcl": f"""
        govctl {{
          required_providers {{
            mem = {{ source = "govctl/mem", version = "{version}" }}
          }}
        }}
        {_provider(root)}
        """ + blocks})


@pytest.mark.parametrize("command", [
    ["plan"], ["apply", "-auto-approve"], ["destroy", "-auto-approve"], ["drift"], ["check"],
    ["import", "mem_object.b", "id-b"]])
def test_commands_that_call_providers_refuse_a_version_init_would_refuse(
        tmp_path, capsys, monkeypatch, command):
    """A provider upgraded or swapped after init is refused by every command
    that uses it, before any provider call, as Terraform refuses a provider
    its dependency lock file does not allow."""
    _objects(tmp_path, ">= 0.1", "a")
    monkeypatch.chdir(tmp_path)
    assert _run(capsys, "apply", "-auto-approve", "-no-color")[0] == 0
    made = (tmp_path / "world.json").read_text()
    _objects(tmp_path, ">= 99", "a", "b")
    code, out, err = _run(capsys, command[0], "-no-color", *command[1:])
    assert code == 1, out + err
    assert "Error: Incompatible provider version" in err
    assert 'version = ">= 99"' in err
    assert (tmp_path / "world.json").read_text() == made     # no provider call changed it


def test_init_source_mismatch(tmp_path, capsys):
    d = _config(tmp_path, 'mem = { source = "acme/mem" }')
    code, _, err = _run(capsys, "init", "-no-color", str(d))
    assert code == 1
    assert "Error: Provider source mismatch" in err
    assert 'source "acme/mem"' in err


def test_init_checks_required_version(tmp_path, capsys):
    d = _config(tmp_path, extra='govctl {\n  required_version = ">= 99"\n}\n')
    code, _, err = _run(capsys, "init", "-no-color", str(d))
    assert code == 1
    assert "Error: Unsupported govctl version" in err
    assert f'requires govctl version ">= 99", but this is govctl {__version__}' in err


def test_init_reports_configuration_errors(tmp_path, capsys):
    _write(tmp_path, {"main.hcl": 'resource "mem_object" {\n'})
    code, out, err = _run(capsys, "init", "-no-color", str(tmp_path))
    assert code == 1
    assert "Error:" in err
    assert "successfully initialized" not in out


# --- providers -------------------------------------------------------------------

def test_providers_tree_and_installed_types(tmp_path, capsys):
    d = _config(tmp_path, 'mem = { source = "govctl/mem", version = ">= 0.1" }')
    (d / "child" / "extra.hcl").write_text('resource "nope_thing" "x" {}\n')
    code, out, err = _run(capsys, "providers", str(d))
    assert code == 0, err
    assert "Providers required by configuration:\n" \
        ".\n" \
        "├── provider[govctl/mem] >= 0.1\n" \
        "└── module.child\n" \
        "    ├── provider[govctl/mem]\n" \
        "    └── provider[govctl/nope] (not installed)\n" in out
    assert "Providers required by state" not in out
    assert f"- mem: govctl/mem v{__version__}" in out
    assert "resource types: mem_object, mem_policy" in out
    assert "data source types: mem_lookup" in out


def test_providers_required_by_state(tmp_path, capsys):
    d = _config(tmp_path)
    (d / "child" / "child.hcl").write_text('resource "mem_object" "b" {\n  name = "b"\n}\n')
    assert main(["apply", "-no-color", "-auto-approve", str(d)]) == 0
    capsys.readouterr()
    code, out, err = _run(capsys, "providers", str(d))
    assert code == 0, err
    assert 'Providers required by state:\n\n    provider["govctl/mem"]\n' in out
