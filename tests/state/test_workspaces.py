"""Workspaces through the real command line and the in-memory provider: one
state per workspace, the selection rules, and `govctl.workspace` in names."""

from __future__ import annotations

import io
import json

import pytest

from govctl.commands import console
from tests.engine.conftest import _reset_provider, ws  # noqa: F401

CONFIG = """
resource "mem_object" "a" {
  name  = "a-${govctl.workspace}"
  value = terraform.workspace
}
"""


@pytest.fixture
def here(ws, monkeypatch):  # noqa: F811
    """The workspace fixture, run from its directory with no workspace override."""
    monkeypatch.chdir(ws.root)
    monkeypatch.delenv("GOVCTL_WORKSPACE", raising=False)
    ws.write(CONFIG)
    return ws


def names_in(path) -> list[str]:
    state = json.loads(path.read_text())
    return [i["attributes"]["name"] for r in state["resources"] for i in r["instances"]]


def test_each_workspace_has_its_own_state(here):
    assert here.apply()[0] == 0
    code, out, err = here.run("workspace", "new", "dev")
    assert code == 0, err
    assert 'Created and switched to workspace "dev"' in out
    assert (here.root / ".govctl" / "environment").read_text().strip() == "dev"
    code, out, err = here.plan()
    assert code == 0, err
    assert "Plan: 1 to add" in out          # dev sees none of default's objects
    code, out, err = here.apply()
    assert code == 0, err
    dev_state = here.root / "govctl.tfstate.d" / "dev" / "govctl.tfstate"
    assert names_in(dev_state) == ["a-dev"]
    assert names_in(here.root / "govctl.tfstate") == ["a-default"]
    assert here.world.find("mem_object", "a-dev")["value"] == "dev"
    assert here.world.find("mem_object", "a-default")["value"] == "default"
    code, out, _ = here.run("state", "list")
    assert out.split() == ["mem_object.a"]
    # back in default: no changes, its own object only
    assert here.run("workspace", "select", "default")[0] == 0
    code, out, err = here.plan("-detailed-exitcode")
    assert code == 0, out + err
    # the audit log sits beside each workspace's state
    assert (dev_state.parent / "govctl.audit.jsonl").exists()
    assert (here.root / "govctl.audit.jsonl").exists()


def test_list_show_and_select(here):
    code, out, _ = here.run("workspace", "list")
    assert out == "* default\n"
    assert here.run("workspace", "new", "dev")[0] == 0
    assert here.run("workspace", "new", "b_2")[0] == 0
    code, out, _ = here.run("workspace", "list")
    assert out == "  default\n* b_2\n  dev\n"
    assert here.run("workspace", "show")[1] == "b_2\n"
    code, out, err = here.run("workspace", "select", "dev")
    assert code == 0 and 'Switched to workspace "dev".' in out
    assert here.run("workspace", "show")[1] == "dev\n"
    code, _, err = here.run("workspace", "select", "nope")
    assert code == 1 and "doesn't exist" in err
    assert here.run("workspace", "show")[1] == "dev\n"
    code, out, err = here.run("workspace", "select", "-or-create", "nope")
    assert code == 0, err
    assert here.run("workspace", "show")[1] == "nope\n"
    code, _, err = here.run("workspace", "new", "dev")
    assert code == 1 and "already exists" in err


@pytest.mark.parametrize("name", ["../x", "a b", "a/b", "é", ""])
def test_invalid_names_are_refused(here, name):
    code, _, err = here.run("workspace", "new", name)
    assert code == 1
    assert "Invalid workspace name" in err
    assert not (here.root / "govctl.tfstate.d").exists()


def test_environment_variable_overrides_and_is_checked(here, monkeypatch):
    assert here.run("workspace", "new", "dev")[0] == 0
    assert here.run("workspace", "select", "default")[0] == 0
    monkeypatch.setenv("GOVCTL_WORKSPACE", "dev")
    assert here.run("workspace", "show")[1] == "dev\n"
    code, _, err = here.run("workspace", "select", "default")
    assert code == 1 and "GOVCTL_WORKSPACE" in err
    assert here.apply()[0] == 0
    assert here.world.find("mem_object", "a-dev") is not None
    assert not (here.root / "govctl.tfstate").exists()
    # a typo must not start an empty state (and re-create everything)
    monkeypatch.setenv("GOVCTL_WORKSPACE", "dve")
    code, _, err = here.plan()
    assert code == 1
    assert "Currently selected workspace does not exist" in err
    code, _, err = here.run("state", "list")
    assert code == 1 and 'The workspace "dve"' in err
    monkeypatch.setenv("GOVCTL_WORKSPACE", "../up")
    assert here.plan()[0] == 1


def test_govctl_workspace_in_console(here):
    assert here.run("workspace", "new", "staging")[0] == 0
    out = io.StringIO()
    code = console.run(console.ConsoleOptions(here.root, [], False),
                       stdin=io.StringIO('"ws-${govctl.workspace}"\n'), stdout=out)
    assert code == 0
    assert out.getvalue().strip() == '"ws-staging"'


def test_delete_rules(here):
    assert here.run("workspace", "new", "dev")[0] == 0
    assert here.apply()[0] == 0
    code, _, err = here.run("workspace", "delete", "dev")
    assert code == 1 and "your active workspace" in err
    code, _, err = here.run("workspace", "delete", "default")
    assert code == 1 and "Cannot delete the default workspace" in err
    assert here.run("workspace", "select", "default")[0] == 0
    code, _, err = here.run("workspace", "delete", "dev")
    assert code == 1 and "Workspace is not empty" in err and "1 resource" in err
    assert (here.root / "govctl.tfstate.d" / "dev" / "govctl.tfstate").exists()
    code, _, err = here.run("workspace", "delete", "missing")
    assert code == 1 and "doesn't exist" in err
    code, out, err = here.run("workspace", "delete", "-force", "dev")
    assert code == 0, err
    assert 'Deleted workspace "dev"!' in out
    assert not (here.root / "govctl.tfstate.d" / "dev").exists()
    assert here.run("workspace", "list")[1] == "* default\n"
    # the audit log of the deleted workspace is kept, out of the workspaces' way
    kept = list((here.root / "govctl.tfstate.d" / ".deleted").glob("dev-*.audit.jsonl"))
    assert len(kept) == 1 and '"kind":"apply"' in kept[0].read_text()
    assert "audit log is kept" in out
    # an empty workspace goes without -force
    assert here.run("workspace", "new", "tmp")[0] == 0
    assert here.run("workspace", "select", "default")[0] == 0
    assert here.run("workspace", "delete", "tmp")[0] == 0
    assert here.run("workspace", "list")[1] == "* default\n"
