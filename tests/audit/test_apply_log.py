"""Applies through the real command line append audit records: redacted,
attributed, anchored in the state; `govctl audit verify` and `show` read them."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from govctl.plugins.testing import InMemoryProvider
from tests.engine.conftest import Workspace

SECRET = "s3cr3t-value-xyz"
NEW_SECRET = "an0ther-s3cret-abc"

ONE = f"""
resource "mem_object" "a" {{
  name   = "a"
  value  = "one"
  secret = "{SECRET}"
}}
"""

TWO = f"""
resource "mem_object" "a" {{
  name   = "a"
  value  = "two"
  secret = "{NEW_SECRET}"
}}

resource "mem_object" "b" {{
  name  = "b"
  value = "bee"
}}
"""


def _log_path(ws: Workspace) -> Path:
    return ws.root / "govctl.audit.jsonl"


def _records(ws: Workspace) -> list[dict[str, Any]]:
    return [json.loads(line) for line in _log_path(ws).read_bytes().splitlines()]


def _applied(ws: Workspace, text: str) -> None:
    ws.write(text)
    code, out, err = ws.apply()
    assert code == 0, out + err


def _audit(ws: Workspace, *args: str) -> tuple[int, str, str]:
    return ws.run("-chdir", str(ws.root), "audit", *args, "-no-color")


def test_apply_records_redacted_changes_identity_and_serials(ws: Workspace) -> None:
    _applied(ws, ONE)
    _applied(ws, TWO)
    data = _log_path(ws).read_bytes()
    assert SECRET.encode() not in data and NEW_SECRET.encode() not in data
    first, second = _records(ws)

    assert (first["seq"], first["kind"], first["command"], first["status"]) == \
        (1, "apply", "apply", "complete")
    assert first["identities"] == {"mem": {"provider": "mem",
                                           "storage": str(ws.world_path)}}
    assert first["user"] and first["host"]
    [create] = first["changes"]
    assert create["address"] == "mem_object.a" and create["action"] == "create"
    assert create["before"] is None
    assert create["after"]["secret"] == "(sensitive)"
    assert create["after"]["id"] == "(known after apply)"
    assert create["after"]["value"] == "one"
    assert first["outcomes"] == [{"address": "mem_object.a", "action": "create",
                                  "status": "ok", "message": ""}]
    assert (first["serial_before"], first["serial_after"]) == (0, 1)
    assert first["policy_results"] == [] and first["approvals"] == []

    # an update records only what it changes; the secret changed, its value does not show
    update = next(c for c in second["changes"] if c["address"] == "mem_object.a")
    assert update["before"] == {"secret": "(sensitive)", "value": "one"}
    assert update["after"] == {"secret": "(sensitive)", "value": "two"}
    assert second["summary"] == {"added": 1, "changed": 1, "destroyed": 0, "failed": 0,
                                 "skipped": 0}
    assert second["prev"] == first["hash"]
    state = ws.state()
    assert (second["serial_before"], second["serial_after"]) == (1, state["serial"])
    assert second["lineage"] == state["lineage"]
    assert state["govctl_audit_head"] == {"seq": 2, "hash": second["hash"]}

    code, out, err = _audit(ws, "verify")
    assert code == 0, err
    assert out.strip() == f"Audit log intact: 2 records, head {second['hash'][:12]}"


def test_a_plan_with_no_changes_adds_no_record(ws: Workspace) -> None:
    _applied(ws, ONE)
    _applied(ws, ONE)
    assert len(_records(ws)) == 1


def test_a_partly_failed_apply_is_recorded_with_the_secret_scrubbed(ws: Workspace) -> None:
    _applied(ws, ONE)
    InMemoryProvider.inject(call="create", name="b", error=f"refused: {NEW_SECRET} leaked")
    ws.write(TWO)
    code, _out, _err = ws.apply()
    assert code == 1
    data = _log_path(ws).read_bytes()
    assert NEW_SECRET.encode() not in data
    rec = _records(ws)[-1]
    assert rec["status"] == "partial"
    outcomes = {o["address"]: o for o in rec["outcomes"]}
    assert outcomes["mem_object.a"]["status"] == "ok"
    assert outcomes["mem_object.b"]["status"] == "failed"
    assert outcomes["mem_object.b"]["message"] == "refused: (sensitive) leaked"
    assert rec["summary"]["failed"] == 1
    assert rec["serial_after"] == ws.state()["serial"]
    assert _audit(ws, "verify")[0] == 0


def test_destroy_and_saved_plans_are_recorded(ws: Workspace) -> None:
    _applied(ws, ONE)
    plan_file = ws.root / "change.plan"
    ws.write(TWO)
    code, out, err = ws.plan("-out", str(plan_file))
    assert code == 0, out + err
    code, out, err = ws.run("apply", "-no-color", str(plan_file))
    assert code == 0, out + err
    saved = _records(ws)[-1]
    assert saved["plan_digest"] == hashlib.sha256(plan_file.read_bytes()).hexdigest()
    assert saved["plan_file"] == str(plan_file)
    code, out, err = ws.run("destroy", "-no-color", "-auto-approve", str(ws.root))
    assert code == 0, out + err
    gone = _records(ws)[-1]
    assert gone["command"] == "destroy" and gone["summary"]["destroyed"] == 2
    assert {c["action"] for c in gone["changes"]} == {"delete"}
    secret_before = next(c for c in gone["changes"] if c["address"] == "mem_object.a")
    assert secret_before["before"]["secret"] == "(sensitive)"
    assert NEW_SECRET.encode() not in _log_path(ws).read_bytes()
    assert _audit(ws, "verify")[0] == 0


def test_verify_names_the_first_edited_record(ws: Workspace) -> None:
    for text in (ONE, TWO, ONE):
        _applied(ws, text)
    lines = _log_path(ws).read_bytes().splitlines()
    lines[1] = lines[1].replace(b'"value":"two"', b'"value":"TWO"')
    _log_path(ws).write_bytes(b"".join(line + b"\n" for line in lines))
    code, _out, err = _audit(ws, "verify")
    assert code == 1
    assert "Error: Audit log record edited" in err
    assert "govctl.audit.jsonl line 2, column 1" in err
    assert "Line 2 (seq 2) was edited" in err
    assert "The 1 record before it verify." in err


def test_verify_finds_records_cut_from_the_end_by_the_state_anchor(ws: Workspace) -> None:
    for text in (ONE, TWO, ONE):
        _applied(ws, text)
    lines = _log_path(ws).read_bytes().splitlines(keepends=True)
    _log_path(ws).write_bytes(b"".join(lines[:2]))
    code, _out, err = _audit(ws, "verify")
    assert code == 1
    assert "Error: Audit log truncated" in err
    assert "ends at seq 2" in err and "names seq 3" in err
    assert "the log is behind the state" in err


def test_a_state_restored_from_its_backup_is_behind_the_log(ws: Workspace) -> None:
    _applied(ws, ONE)
    _applied(ws, TWO)
    shutil.copyfile(ws.root / "govctl.tfstate.backup", ws.root / "govctl.tfstate")
    code, _out, err = _audit(ws, "verify")
    assert code == 1
    assert "Error: State is behind the audit log" in err
    assert "anchor names seq 1" in err and "up to seq 2" in err


def test_the_anchor_survives_state_commands(ws: Workspace) -> None:
    _applied(ws, TWO)
    head = ws.state()["govctl_audit_head"]
    code, _out, err = ws.run("-chdir", str(ws.root), "state", "rm", "mem_object.b")
    assert code == 0, err
    assert ws.state()["govctl_audit_head"] == head
    assert _audit(ws, "verify")[0] == 0


def test_explicit_log_and_state_paths(ws: Workspace, tmp_path_factory: Any) -> None:
    _applied(ws, ONE)
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    shutil.copyfile(_log_path(ws), elsewhere / "copy.jsonl")
    code, out, err = ws.run("-chdir", str(elsewhere), "audit", "verify", "-log", "copy.jsonl",
                            "-state", str(ws.root / "govctl.tfstate"))
    assert code == 0, err
    assert "Audit log intact: 1 record," in out
    code, out, err = ws.run("-chdir", str(elsewhere), "audit", "verify", "-log", "copy.jsonl",
                            "-state", "missing.tfstate")
    assert code == 1 and "No state file" in err


def test_a_log_that_cannot_be_written_fails_the_command_but_keeps_the_state(
        ws: Workspace) -> None:
    _log_path(ws).mkdir()                   # not a file: every append fails
    ws.write(ONE)
    code, _out, err = ws.apply()
    assert code == 1
    assert "Error: Failed to write the audit log" in err
    assert "recorded in the state all the same" in err
    assert ws.addresses() == ["mem_object.a"]
    assert ws.world.find("mem_object", "a") is not None
    assert "govctl_audit_head" not in ws.state()


def test_show_lists_records(ws: Workspace) -> None:
    _applied(ws, ONE)
    _applied(ws, TWO)
    code, out, err = _audit(ws, "show")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].split() == ["TIME", "SEQ", "KIND", "WHO", "SUMMARY"]
    first, second = _records(ws)
    assert lines[1].split()[1:3] == ["1", "apply"]
    assert f"mem={ws.world_path}" in lines[1]
    assert f"1 added, 0 changed, 0 destroyed; plan {first['plan_digest'][:12]}" in lines[1]
    assert "1 added, 1 changed, 0 destroyed" in lines[2]
    assert lines[1].split()[0] == first["time"][:19] + "Z"

    code, out, err = _audit(ws, "show", "-n", "1")
    assert code == 0 and len(out.strip().splitlines()) == 2 and " 2 apply " in out

    code, out, err = _audit(ws, "show", "-json")
    assert code == 0
    assert json.loads(out) == [first, second]
