"""`govctl init -migrate-state` between the local backend and `backend "s3"`,
through the command line: a configuration whose backend changed is refused
until init has copied every workspace's state (lineage, serial and audit log
kept), or been told to start afresh; a destination holding another history is
never overwritten without -force-copy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.engine.conftest import _reset_provider  # noqa: F401
from tests.state.s3support import (
    KEY,
    Project,
    names_in,
    objects,
    start_project,
)

CONFIG = """
resource "mem_object" "a" {
  name  = "a-${govctl.workspace}"
  value = "one"
}
resource "mem_object" "b" {
  name  = "b-${govctl.workspace}"
}
"""
DEV_KEY = f"env:/dev/{KEY}"
TWO = CONFIG.replace('"one"', '"two"')
REFUSAL = 'Backend initialization required, please run "govctl init"'


@pytest.fixture
def project(moto: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch) -> Project:
    return start_project(moto, tmp_path, capsys, monkeypatch)


def local_state(root: Path, workspace: str = "default") -> dict[str, Any]:
    path = root / "govctl.tfstate" if workspace == "default" else \
        root / "govctl.tfstate.d" / workspace / "govctl.tfstate"
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def local_audit(root: Path, workspace: str = "default") -> bytes:
    base = root if workspace == "default" else root / "govctl.tfstate.d" / workspace
    return (base / "govctl.audit.jsonl").read_bytes()


def lineage_serial(doc: dict[str, Any]) -> tuple[str, int]:
    return doc["lineage"], doc["serial"]


@pytest.fixture
def local(project: Project) -> Project:
    """A project applied with local state, in default and in workspace "dev"
    (two applies there), then back in default."""
    p = project
    p.use_local()
    p.write(CONFIG)
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    p.ok("workspace", "new", "dev")
    assert p.apply()[0] == 0
    p.write(TWO)
    assert p.apply()[0] == 0
    p.ok("workspace", "select", "default")
    assert p.apply()[0] == 0
    assert p.object_keys() == []
    return p


def test_local_to_s3_and_back(local: Project) -> None:
    p = local
    before = {ws: local_state(p.root, ws) for ws in ("default", "dev")}
    audits = {ws: local_audit(p.root, ws) for ws in ("default", "dev")}
    assert audits["dev"].count(b"\n") == 2
    p.use_s3()
    p.write(TWO)

    # the backend changed: nothing runs against the empty bucket until init
    code, out, err = p.plan()
    assert code == 1 and REFUSAL in err
    assert "govctl init -migrate-state" in err and "Plan:" not in out
    code, _, err = p.apply()
    assert code == 1 and REFUSAL in err
    code, _, err = p.init()
    assert code == 1 and REFUSAL in err
    assert p.object_keys() == []
    assert p.world.find("mem_object", "a-default") is not None

    code, out, err = p.init("-migrate-state")
    assert code == 0, err
    assert f"to s3://{p.bucket}/{KEY}" in out
    assert f"- s3: state in s3://{p.bucket}/{KEY}" in out
    for ws, key in (("default", KEY), ("dev", DEV_KEY)):
        copied = p.state(key)
        assert lineage_serial(copied) == lineage_serial(before[ws]), ws
        assert copied["resources"] == before[ws]["resources"]
        assert p.body(key + ".audit.jsonl") == audits[ws], ws
    recorded = json.loads((p.root / ".govctl" / "backend.json").read_text())
    assert recorded["kind"] == "s3" and recorded["bucket"] == p.bucket

    code, out, err = p.plan("-detailed-exitcode")
    assert code == 0, out + err
    assert "Audit log intact: 2 records" in p.ok("audit", "verify")

    # a change made on s3, then back to the local backend
    p.write(CONFIG.replace('"one"', '"three"'))
    assert p.apply()[0] == 0
    on_s3 = p.state()
    assert on_s3["serial"] == before["default"]["serial"] + 1
    p.use_local()
    p.write(CONFIG.replace('"one"', '"three"'))
    code, _, err = p.plan()
    assert code == 1 and REFUSAL in err and f"s3://{p.bucket}/{KEY}" in err
    assert local_state(p.root) == before["default"]
    code, out, err = p.init("-migrate-state")
    assert code == 0, err
    assert lineage_serial(local_state(p.root)) == lineage_serial(on_s3)
    assert names_in(local_state(p.root)) == ["a-default", "b-default"]
    assert local_audit(p.root) == p.body(KEY + ".audit.jsonl")
    assert local_audit(p.root).count(b"\n") == 3
    assert local_state(p.root, "dev") == before["dev"]          # already there
    code, out, err = p.plan("-detailed-exitcode")
    assert code == 0, out + err
    assert "Audit log intact: 3 records" in p.ok("audit", "verify")


def test_a_new_workspace_keeps_its_serial(local: Project) -> None:
    """A workspace that does not exist in the destination yet is created there
    first (an empty state, as `workspace new` makes); the copy must still keep
    the source's serial, not become the successor of that placeholder."""
    p = local
    p.ok("workspace", "new", "qa")
    assert p.apply()[0] == 0                # one apply: serial 1
    qa = local_state(p.root, "qa")
    assert qa["serial"] == 1
    p.use_s3()
    p.write(TWO)
    code, _, err = p.init("-migrate-state")
    assert code == 0, err
    copied = p.state(f"env:/qa/{KEY}")
    assert names_in(copied) == ["a-qa", "b-qa"]
    assert lineage_serial(copied) == lineage_serial(qa)


def test_reconfigure_uses_the_new_backend_as_it_is(local: Project) -> None:
    p = local
    before = (p.root / "govctl.tfstate").read_bytes()
    p.use_s3()
    p.write(TWO)
    code, out, err = p.init("-reconfigure")
    assert code == 0, err
    assert "migrating" not in out
    assert p.object_keys() == []                                  # nothing copied
    code, out, err = p.plan()
    assert code == 0, err
    assert "Plan: 2 to add" in out                         # a fresh, empty state
    assert (p.root / "govctl.tfstate").read_bytes() == before
    assert json.loads((p.root / ".govctl" / "backend.json").read_text())["kind"] == "s3"


def test_another_history_in_the_destination_needs_force_copy(
        local: Project, moto: Any, tmp_path_factory: pytest.TempPathFactory,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    p = local
    # another configuration already keeps a state with resources at the same key
    other = Project(tmp_path_factory.mktemp("other"), moto, p.bucket, capsys)
    other.use_s3()
    other.write(objects("x-other"))
    monkeypatch.chdir(other.root)
    assert other.init()[0] == 0
    assert other.apply()[0] == 0
    theirs = other.body()
    monkeypatch.chdir(p.root)

    mine = local_state(p.root)
    p.use_s3()
    p.write(TWO)
    code, _, err = p.init("-migrate-state")
    assert code == 1
    assert "Destination state is not empty" in err and "-force-copy" in err
    assert json.loads(theirs or b"")["lineage"] in err
    assert p.body() == theirs
    code, _, err = p.plan()
    assert code == 1 and REFUSAL in err                   # still not initialised

    code, out, err = p.init("-migrate-state", "-force-copy")
    assert code == 0, err
    stored = p.state()
    assert stored["lineage"] == mine["lineage"]
    assert names_in(stored) == ["a-default", "b-default"]
    assert stored["serial"] > json.loads(theirs or b"")["serial"]
    code, out, err = p.plan("-detailed-exitcode")
    assert code == 0, out + err

