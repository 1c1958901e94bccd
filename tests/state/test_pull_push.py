"""`govctl state pull` and `state push` through the real command line: Terraform's
rules for pushing (no older serial, no other lineage, unless -force), and a file
that is not a state changes nothing."""

from __future__ import annotations

import json

import pytest

from tests.engine.conftest import _reset_provider, ws  # noqa: F401

CONFIG = """
resource "mem_object" "a" {
  name  = "a"
  value = "one"
}
"""


@pytest.fixture
def applied(ws, monkeypatch):  # noqa: F811
    monkeypatch.chdir(ws.root)
    monkeypatch.delenv("GOVCTL_WORKSPACE", raising=False)
    ws.write(CONFIG)
    assert ws.apply()[0] == 0
    return ws


def pull(where) -> dict:
    code, out, err = where.run("state", "pull")
    assert code == 0, err
    return json.loads(out)


def test_pull_prints_the_state(applied):
    pulled = pull(applied)
    on_disk = applied.state()
    assert pulled == on_disk
    assert pulled["resources"][0]["type"] == "mem_object"


def test_pull_without_state_prints_nothing(ws, monkeypatch):  # noqa: F811
    monkeypatch.chdir(ws.root)
    monkeypatch.delenv("GOVCTL_WORKSPACE", raising=False)
    ws.write(CONFIG)
    assert ws.run("state", "pull") == (0, "\n", "\n")


def test_push_newer_serial_replaces_the_state(applied, tmp_path):
    state = pull(applied)
    state["serial"] += 5
    state["outputs"] = {"pushed": {"value": "yes", "type": "string"}}
    path = tmp_path / "new.tfstate"
    path.write_text(json.dumps(state))
    before = (applied.root / "govctl.tfstate").read_bytes()
    code, _, err = applied.run("state", "push", str(path))
    assert code == 0, err
    assert applied.state()["outputs"]["pushed"]["value"] == "yes"
    assert applied.state()["serial"] > pull_serial(before)
    assert (applied.root / "govctl.tfstate.backup").read_bytes() == before


def pull_serial(data: bytes) -> int:
    return json.loads(data)["serial"]


def test_push_older_or_equal_serial_refused_unless_forced(applied, tmp_path):
    old = pull(applied)
    assert applied.run("state", "rm", "mem_object.a")[0] == 0   # serial moves on
    current = (applied.root / "govctl.tfstate").read_bytes()
    path = tmp_path / "old.tfstate"
    path.write_text(json.dumps(old))
    code, _, err = applied.run("state", "push", str(path))
    assert code == 1
    assert "older serial" in err
    assert (applied.root / "govctl.tfstate").read_bytes() == current
    same = json.loads(current)
    same["outputs"] = {"x": {"value": "1", "type": "string"}}
    path.write_text(json.dumps(same))
    code, _, err = applied.run("state", "push", str(path))
    assert code == 1 and "same serial" in err
    assert (applied.root / "govctl.tfstate").read_bytes() == current
    path.write_text(json.dumps(old))
    code, _, err = applied.run("state", "push", "-force", str(path))
    assert code == 0, err
    now = applied.state()
    assert applied.addresses() == ["mem_object.a"]
    assert now["serial"] == json.loads(current)["serial"] + 1


def test_push_other_lineage_refused_unless_forced(applied, tmp_path):
    other = pull(applied)
    other["lineage"] = "00000000-0000-4000-8000-000000000000"
    other["serial"] += 10
    path = tmp_path / "other.tfstate"
    path.write_text(json.dumps(other))
    current = (applied.root / "govctl.tfstate").read_bytes()
    code, _, err = applied.run("state", "push", str(path))
    assert code == 1 and "lineage" in err
    assert (applied.root / "govctl.tfstate").read_bytes() == current
    code, _, err = applied.run("state", "push", "-force", str(path))
    assert code == 0, err
    assert applied.state()["lineage"] == other["lineage"]
    assert (applied.root / "govctl.tfstate.backup").read_bytes() == current


@pytest.mark.parametrize("content", [b"not json", b"{}", b'{"version": 4, "serial": -1}',
                                     b""])
def test_push_garbage_rejected_without_touching_the_state(applied, tmp_path, content):
    path = tmp_path / "bad.tfstate"
    path.write_bytes(content)
    current = (applied.root / "govctl.tfstate").read_bytes()
    for flags in ([], ["-force"]):
        code, _, err = applied.run("state", "push", *flags, str(path))
        assert code == 1
        assert "Error" in err or "error" in err.lower()
        assert (applied.root / "govctl.tfstate").read_bytes() == current
    assert not (applied.root / "govctl.tfstate.lock.info").exists()


def test_push_missing_file(applied, tmp_path):
    code, _, err = applied.run("state", "push", str(tmp_path / "nope"))
    assert code == 1 and "Cannot read the state to push" in err


def test_push_into_a_workspace(applied, tmp_path):
    state = pull(applied)
    assert applied.run("workspace", "new", "copy")[0] == 0
    path = tmp_path / "s.tfstate"
    path.write_text(json.dumps(state))
    code, _, err = applied.run("state", "push", str(path))
    assert code == 0, err
    copied = applied.root / "govctl.tfstate.d" / "copy" / "govctl.tfstate"
    assert json.loads(copied.read_text())["lineage"] == state["lineage"]
    code, out, _ = applied.run("state", "list")
    assert out.split() == ["mem_object.a"]
