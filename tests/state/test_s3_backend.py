"""`backend "s3"` end to end: govctl's command line against a moto server over
HTTP, with the in-memory provider's world in a file. What is asserted is what
the bucket holds, read with the test's own client: the state object per
workspace, its `.tflock`, and the audit log written back beside it."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from govctl.diagnostics import DiagnosticError
from govctl.state import statefile
from govctl.state.model import OutputState
from govctl.state.s3 import S3Settings
from govctl.state.s3backend import S3Backends
from tests.engine.conftest import _reset_provider  # noqa: F401
from tests.state.conftest import rendered
from tests.state.s3support import (
    KEY,
    REGION,
    Project,
    addresses_in,
    make_bucket,
    names_in,
    objects,
    s3_lock_holder,
    start_project,
)
from tests.state.test_s3_storage import dead_pid

OUTPUT = 'output "arn" {\n  value = mem_object.a.arn\n}\n'
LOCK_KEY = KEY + ".tflock"
AUDIT_KEY = KEY + ".audit.jsonl"


@pytest.fixture
def project(moto: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch) -> Project:
    return start_project(moto, tmp_path, capsys, monkeypatch)


def local_state_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if ".tfstate" in p.name)


def backends_of(p: Project) -> S3Backends:
    return S3Backends(S3Settings(bucket=p.bucket, key=KEY, region=REGION, endpoint=p.moto.url),
                      p.root)


# --- 1. the round trip ------------------------------------------------------------------

def test_round_trip_keeps_the_state_in_the_bucket(project: Project, tmp_path: Path) -> None:
    p = project
    p.write(objects("a", "b") + OUTPUT)
    code, out, err = p.init()
    assert code == 0, err
    assert f"- s3: state in s3://{p.bucket}/{KEY}" in out
    assert "Warning: Bucket versioning is off" in err and p.bucket in err

    code, out, err = p.apply()
    assert code == 0, err
    assert "Apply complete! Resources: 2 added" in out
    stored = p.state()
    assert names_in(stored) == ["a", "b"]
    assert stored["serial"] == 1
    pulled = json.loads(p.ok("state", "pull"))
    assert (pulled["lineage"], pulled["serial"]) == (stored["lineage"], stored["serial"])
    assert pulled == stored
    assert p.s3.head_object(Bucket=p.bucket, Key=KEY)["ServerSideEncryption"] == "AES256"
    assert p.body(LOCK_KEY) is None                     # released
    assert sorted(o["name"] for o in p.world.list("mem_object")) == ["a", "b"]

    code, out, err = p.plan("-detailed-exitcode")
    assert code == 0, out + err
    assert "No changes." in out
    assert p.ok("state", "list").split() == ["mem_object.a", "mem_object.b"]

    shown = json.loads(p.ok("show", "-json"))
    resources = shown["values"]["root_module"]["resources"]
    assert [r["address"] for r in resources] == ["mem_object.a", "mem_object.b"]
    assert shown["values"]["outputs"]["arn"]["value"] == "arn:mem:object/a"
    assert p.ok("output", "-raw", "arn") == "arn:mem:object/a\n"
    assert p.ok("output") == 'arn = "arn:mem:object/a"\n'

    # push: an older serial is refused and the object is left alone
    old = tmp_path / "old.tfstate"
    old.write_text(json.dumps(pulled))
    p.write(objects("a", "b", value="w") + OUTPUT)
    assert p.apply()[0] == 0
    current = p.body()
    assert p.state()["serial"] == pulled["serial"] + 1
    code, _, err = p.run("state", "push", str(old))
    assert code == 1 and "older serial" in err
    assert p.body() == current
    # a newer one is accepted and becomes the next serial
    newer = json.loads(current or b"")
    newer["serial"] += 5
    newer["outputs"]["pushed"] = {"value": "yes", "type": "string"}
    (tmp_path / "newer.tfstate").write_text(json.dumps(newer))
    p.ok("state", "push", str(tmp_path / "newer.tfstate"))
    assert p.state()["outputs"]["pushed"]["value"] == "yes"
    assert p.state()["lineage"] == pulled["lineage"]

    code, out, err = p.run("destroy", "-no-color", "-auto-approve", str(p.root))
    assert code == 0, err
    assert "Destroy complete! Resources: 2 destroyed." in out
    after = p.state()
    assert after["resources"] == [] and after["lineage"] == pulled["lineage"]
    assert p.world.list("mem_object") == []
    assert p.ok("state", "list") == "\n"

    # no state file was written on this machine, and no journal was left behind
    assert local_state_files(p.root) == sorted([old, tmp_path / "newer.tfstate"])
    assert list((p.root / ".govctl" / "journal").glob("*")) == []
    assert sorted(p.object_keys()) == [KEY, AUDIT_KEY]


def test_init_with_versioning_and_the_endpoint_from_the_environment(
        moto: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOVCTL_WORKSPACE", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    p = Project(tmp_path, moto, make_bucket(moto, versioned=True), capsys)
    p.use_s3(endpoint=None)
    p.write(objects("a"))
    code, out, err = p.init()
    assert code == 0, err
    assert f"- s3: state in s3://{p.bucket}/{KEY}" in out
    assert "versioning" not in err
    assert p.apply()[0] == 0
    assert names_in(p.state()) == ["a"]
    p.write(objects("a", "b"))
    assert p.apply()[0] == 0
    versions = p.s3.list_object_versions(Bucket=p.bucket, Prefix=KEY)["Versions"]
    assert len([v for v in versions if v["Key"] == KEY]) == 2     # the history S3 keeps


def test_init_reports_a_missing_bucket(project: Project) -> None:
    project.bucket = "no-such-bucket"
    project.use_s3()
    project.write(objects("a"))
    code, _, err = project.init()
    assert code == 1
    assert "no-such-bucket" in err and "NoSuchBucket" in err
    assert "Traceback" not in err


# --- 2. the lock -------------------------------------------------------------------------

def test_plan_fails_at_once_while_another_process_holds_the_lock(project: Project) -> None:
    p = project
    p.write(objects("a"))
    assert p.init()[0] == 0
    child, lock_id = s3_lock_holder(p, "apply")
    release: threading.Timer | None = None
    try:
        holder = json.loads(p.body(LOCK_KEY) or b"")
        assert holder["id"] == lock_id and holder["pid"] == child.pid
        code, out, err = p.plan()
        assert code == 1
        assert "Error acquiring the state lock" in err
        assert f"(pid {child.pid})" in err and '"apply"' in err
        assert holder["who"] in err and f"ID: {lock_id}" in err
        assert "waited" not in err
        assert "Plan:" not in out and p.world.list("mem_object") == []
        # the lock is the other process's, still there
        assert json.loads(p.body(LOCK_KEY) or b"")["id"] == lock_id

        # -lock-timeout waits for the holder to let go
        release = threading.Timer(1.0, child.say)
        release.start()
        code, out, err = p.plan("-lock-timeout=60s")
        assert code == 0, err
        assert "Plan: 1 to add" in out
        assert child.line() == "released"
    finally:
        if release is not None:
            release.cancel()
            release.join()
        child.close()
    assert p.body(LOCK_KEY) is None


def test_lock_timeout_expires_naming_the_holder(project: Project) -> None:
    p = project
    p.write(objects("a"))
    child, lock_id = s3_lock_holder(p, "state push")
    try:
        code, _, err = p.apply("-lock-timeout=1s")
        assert code == 1
        assert "(waited 1 s)" in err and lock_id in err and '"state push"' in err
    finally:
        child.close()


def test_force_unlock_removes_a_live_holders_lock_and_only_that(project: Project) -> None:
    p = project
    p.write(objects("a"))
    child, lock_id = s3_lock_holder(p, "apply")
    try:
        code, _, err = p.run("force-unlock", "-force", "not-the-id")
        assert code == 1 and f'does not match the existing lock ID "{lock_id}"' in err
        assert p.body(LOCK_KEY) is not None
        out = p.ok("force-unlock", "-force", lock_id)
        assert "successfully unlocked" in out
        assert p.body(LOCK_KEY) is None
        # another run takes the lock; the first holder's release leaves it alone
        other = backends_of(p).backend("default")
        with other.lock("plan") as info:
            child.say()
            assert child.line() == "released"
            assert json.loads(p.body(LOCK_KEY) or b"")["id"] == info.id
        assert p.body(LOCK_KEY) is None
    finally:
        child.close()
    code, _, err = p.run("force-unlock", "-force", lock_id)
    assert code == 1 and "No lock is held on" in err


def test_a_dead_local_holder_is_reported_stale(project: Project) -> None:
    p = project
    p.write(objects("a"))
    child, lock_id = s3_lock_holder(p, "apply")
    child.kill()
    child.close()
    code, _, err = p.apply()
    assert code == 1
    assert "State lock is stale" in err and "no longer running" in err
    assert f"pid {child.pid}" in err and f"govctl force-unlock {lock_id}" in err
    assert p.world.list("mem_object") == []
    assert json.loads(p.body(LOCK_KEY) or b"")["id"] == lock_id     # never broken by itself
    assert "successfully unlocked" in p.ok("force-unlock", "-force", lock_id)
    code, _, err = p.apply()
    assert code == 0, err
    assert names_in(p.state()) == ["a"]


def test_a_lock_of_a_dead_pid_on_another_host_is_not_stale(project: Project) -> None:
    """Only this machine's processes can be checked: elsewhere a lock is live."""
    p = project
    p.write(objects("a"))
    doc = {"id": "remote-lock", "who": "ci@build-host-7.example", "pid": dead_pid(),
           "operation": "apply", "created": "2024-01-01T00:00:00.000000Z",
           "path": f"s3://{p.bucket}/{KEY}", "version": "0.1.0"}
    p.put(LOCK_KEY, json.dumps(doc).encode())
    code, _, err = p.plan()
    assert code == 1
    assert "Error acquiring the state lock" in err and "stale" not in err
    assert "ci@build-host-7.example" in err and "remote-lock" in err


# --- 3. no lost update --------------------------------------------------------------------

def applied_state(p: Project) -> Any:
    p.write(objects("a"))
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    return backends_of(p).backend("default")


def test_a_write_based_on_an_older_serial_is_refused_without_any_lock(project: Project) -> None:
    p = project
    first = applied_state(p)
    state = first.read()                          # serial N, no lock taken
    serial = state.serial
    # another writer moves the state to N+1 meanwhile
    p.write(objects("a", "b"))
    assert p.apply()[0] == 0
    written = p.body()
    assert p.state()["serial"] == serial + 1
    state.outputs["mine"] = OutputState("lost?", "string")
    with pytest.raises(DiagnosticError) as exc:
        first.write(state)
    text = rendered(exc.value)
    assert "State changed since it was read" in text
    assert f"serial {serial + 1}" in text
    assert p.body() == written
    assert names_in(p.state()) == ["a", "b"]


def test_a_write_racing_another_between_read_and_put_is_refused(project: Project) -> None:
    """The compare-and-swap itself: another writer lands between this write's
    read of the stored version and its conditional put."""
    p = project
    first = applied_state(p)
    state = first.read()
    other = backends_of(p).backend("default")
    theirs = other.read()
    theirs.outputs["theirs"] = OutputState("kept", "string")
    state.outputs["mine"] = OutputState("lost?", "string")
    version = first.store.version        # how a write reads the stored version

    def read_then_someone_writes() -> Any:
        seen = version()
        if not theirs_written:
            other.write(theirs)
            theirs_written.append(True)
        return seen

    theirs_written: list[bool] = []
    first.store.version = read_then_someone_writes  # type: ignore[method-assign]
    with pytest.raises(DiagnosticError) as exc:
        first.write(state)
    text = rendered(exc.value)
    assert "State changed since it was read" in text
    assert "between this run's read and its write" in text
    stored = p.state()
    assert stored["outputs"] == {"theirs": {"value": "kept", "type": "string"}}
    assert stored["serial"] == theirs.serial


# --- 4. workspaces ---------------------------------------------------------------------------

WS_CONFIG = """
resource "mem_object" "a" {
  name  = "a-${govctl.workspace}"
  value = terraform.workspace
}
"""
DEV_KEY = f"env:/dev/{KEY}"


def test_workspaces_are_objects_in_the_bucket(project: Project,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    p = project
    p.write(WS_CONFIG)
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    default_before = p.body()

    out = p.ok("workspace", "new", "dev")
    assert 'Created and switched to workspace "dev"' in out
    created = p.state(DEV_KEY)
    assert created["resources"] == []
    assert created["lineage"] != p.state()["lineage"]
    assert p.ok("workspace", "list") == "  default\n* dev\n"
    assert p.ok("workspace", "show") == "dev\n"
    code, _, err = p.run("workspace", "new", "dev")
    assert code == 1 and "already exists" in err

    code, out, err = p.plan()
    assert code == 0 and "Plan: 1 to add" in out, err
    assert p.apply()[0] == 0
    assert names_in(p.state(DEV_KEY)) == ["a-dev"]
    assert p.body() == default_before                   # default untouched
    assert (p.world.find("mem_object", "a-dev") or {}).get("value") == "dev"
    assert p.body(DEV_KEY + ".audit.jsonl") is not None

    p.ok("workspace", "select", "default")
    code, out, err = p.plan("-detailed-exitcode")
    assert code == 0, out + err

    code, _, err = p.run("workspace", "delete", "dev")
    assert code == 1 and "Workspace is not empty" in err
    assert p.body(DEV_KEY) is not None
    out = p.ok("workspace", "delete", "-force", "dev")
    assert 'Deleted workspace "dev"!' in out
    assert p.body(DEV_KEY) is None and p.body(DEV_KEY + ".audit.jsonl") is None
    kept = [k for k in p.object_keys() if k.startswith("env:/.deleted/")]
    assert len(kept) == 1 and kept[0].startswith("env:/.deleted/dev-")
    assert kept[0].endswith(".audit.jsonl") and kept[0] in out
    assert '"kind":"apply"' in (p.body(kept[0]) or b"").decode()
    assert p.ok("workspace", "list") == "* default\n"     # .deleted is no workspace
    assert p.body() == default_before
    assert sorted(p.object_keys()) == sorted([KEY, AUDIT_KEY, kept[0]])

    # an empty workspace goes without -force; a missing one is an error
    p.ok("workspace", "new", "tmp")
    p.ok("workspace", "select", "default")
    p.ok("workspace", "delete", "tmp")
    assert p.body(f"env:/tmp/{KEY}") is None
    code, _, err = p.run("workspace", "delete", "tmp")
    assert code == 1 and "doesn't exist" in err


def test_state_commands_in_a_non_default_workspace(project: Project) -> None:
    p = project
    p.write(WS_CONFIG + 'output "name" {\n  value = mem_object.a.name\n}\n')
    assert p.init()[0] == 0
    p.ok("workspace", "new", "dev")
    assert p.apply()[0] == 0
    assert names_in(p.state(DEV_KEY)) == ["a-dev"]
    assert p.ok("state", "list").split() == ["mem_object.a"]
    assert p.ok("output", "-raw", "name") == "a-dev\n"
    assert json.loads(p.ok("state", "pull")) == p.state(DEV_KEY)
    assert "Audit log intact: 1 record" in p.ok("audit", "verify")


def test_a_missing_workspace_in_the_environment_is_an_error(project: Project,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    p = project
    p.write(WS_CONFIG)
    assert p.init()[0] == 0
    p.ok("workspace", "new", "dev")
    p.ok("workspace", "select", "default")
    monkeypatch.setenv("GOVCTL_WORKSPACE", "dev")
    assert p.apply()[0] == 0
    assert names_in(p.state(DEV_KEY)) == ["a-dev"]
    before = p.object_keys()
    monkeypatch.setenv("GOVCTL_WORKSPACE", "dve")
    for args in (("plan", "-no-color", str(p.root)),
                 ("apply", "-no-color", "-auto-approve", str(p.root)), ("state", "list")):
        code, _, err = p.run(*args)
        assert code == 1, args
        assert "Currently selected workspace does not exist" in err
        assert 'The workspace "dve"' in err and "GOVCTL_WORKSPACE" in err
    assert p.object_keys() == before                       # no state object was started
    assert p.world.find("mem_object", "a-dve") is None


# --- 5. the audit log --------------------------------------------------------------------------

def test_audit_log_is_written_back_and_verified(project: Project) -> None:
    p = project
    p.write(objects("a"))
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    p.write(objects("a", "b"))
    assert p.apply()[0] == 0
    out = p.ok("audit", "verify")
    assert "Audit log intact: 2 records" in out

    raw = (p.body(AUDIT_KEY) or b"").decode().splitlines()
    lines = list(raw)
    records = [json.loads(line) for line in lines]
    assert [r["kind"] for r in records] == ["apply", "apply"]
    assert [r["seq"] for r in records] == [1, 2]
    assert p.state()["govctl_audit_head"]["seq"] == 2
    shown = p.ok("audit", "show")
    assert "1 added" in shown and len(shown.splitlines()) == 3

    # someone edits the first record in the bucket
    edited = dict(records[0])
    edited["user"] = "mallory"
    lines[0] = json.dumps(edited, separators=(",", ":"))
    p.put(AUDIT_KEY, ("\n".join(lines) + "\n").encode())
    code, _, err = p.run("audit", "verify")
    assert code == 1
    assert "Audit log record edited" in err
    # and removing the last one leaves the state's anchor ahead of the log
    p.put(AUDIT_KEY, (raw[0] + "\n").encode())
    code, _, err = p.run("audit", "verify")
    assert code == 1
    assert "Audit log truncated" in err and "seq 2 removed" in err, err


def test_the_state_object_is_a_state_file(project: Project) -> None:
    """What is in the bucket parses as govctl's state, header first (lineage and
    serial readable without parsing the rest, as the backend relies on)."""
    p = project
    p.write(objects("a"))
    assert p.init()[0] == 0
    assert p.apply()[0] == 0
    data = p.body() or b""
    head = statefile.read_header(data)
    assert head is not None
    stored = p.state()
    assert (head.lineage, head.serial) == (stored["lineage"], stored["serial"])
    assert addresses_in(stored) == ["mem_object.a"]


def test_backend_credentials_are_never_written_or_printed(project: Project) -> None:
    """Keys in the backend block reach boto3 only: not init's record of the
    backend, not the output, not the state or the audit log."""
    p = project
    secret = "wJalrXUtnFEMI-K7MDENG-not-for-output"
    block = p.backend.replace("  }\n}", f'    access_key = "AKIAIOSFODNN7EXAMPLE"\n'
                              f'    secret_key = "{secret}"\n  }}\n}}', 1)
    assert secret in block
    p.backend = block
    p.write(objects("a"))
    outputs = [p.init(), p.apply(), p.plan(), p.run("state", "pull"), p.run("audit", "show")]
    for code, out, err in outputs:
        assert code == 0, err
        assert secret not in out + err
    assert names_in(p.state()) == ["a"]
    recorded = (p.root / ".govctl" / "backend.json").read_text()
    assert p.bucket in recorded and "AKIAIOSFODNN7EXAMPLE" not in recorded
    for path in p.root.rglob("*"):
        if path.is_file() and path.name != "main.hcl":
            assert secret.encode() not in path.read_bytes(), path
    for key in p.object_keys():
        assert secret.encode() not in (p.body(key) or b""), key


def test_a_write_replaces_only_the_version_it_read(project: Project) -> None:
    """If-Match on the version last seen: someone puts another state of the same
    serial back in the bucket (an old copy restored by hand, say) after this
    run read it; the serial alone cannot tell, the version can."""
    p = project
    first = applied_state(p)
    state = first.read()
    stored = p.body()
    assert stored is not None
    doc = json.loads(stored)
    doc["outputs"] = {"restored": {"value": "by hand", "type": "string"}}
    p.put(KEY, json.dumps(doc).encode())          # same lineage and serial, another version
    replaced = p.body()
    state.outputs["mine"] = OutputState("lost?", "string")
    with pytest.raises(DiagnosticError) as exc:
        first.write(state)
    assert "State changed since it was read" in rendered(exc.value)
    assert p.body() == replaced
