"""Signed approvals of saved plans: a policy with required_approvals guards the
resources it selects; only a saved plan signed by enough distinct declared
approvers (Ed25519) may change them, and a changed plan loses its approvals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.engine.conftest import Workspace
from tests.policy.keys import write_keys

NAMES = ("alice", "bob", "carol")


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    """name -> private key file; bob's public key is PEM, the others' OpenSSH."""
    return write_keys(tmp_path / "keys", NAMES, pem=["bob"])


def config(keys: dict[str, Path], value: str = "v1", approvers: str = "") -> str:
    blocks = "".join(f'approver "{n}" {{\n  public_key = file("{keys[n]}.pub")\n}}\n'
                     for n in NAMES)
    return blocks + f"""
resource "mem_object" "model" {{
  name  = "model"
  value = "{value}"
}}

resource "mem_object" "other" {{
  name = "other"
}}

policy "two_person_rule" {{
  enforcement_level  = "mandatory"
  addresses          = ["mem_object.model"]
  required_approvals = 2
  {approvers}
  condition          = true
}}
"""


def approve(ws: Workspace, plan: Path, who: str, key: Path) -> tuple[int, str, str]:
    return ws.run("approve", str(plan), "-approver", who, "-key", str(key))


def test_direct_apply_is_refused(ws: Workspace, keys: dict[str, Path]) -> None:
    ws.write(config(keys))
    code, _out, err = ws.apply()
    assert code == 1
    assert "Plan needs approvals" in err and "govctl approve" in err
    assert ws.world.list("mem_object") == []


def test_two_distinct_approvers_are_needed(ws: Workspace, keys: dict[str, Path]) -> None:
    ws.write(config(keys))
    plan = ws.root / "release.plan"
    assert ws.plan("-out", str(plan))[0] == 0
    code, _out, err = ws.run("apply", "-no-color", str(plan))
    assert code == 1 and "Plan not approved" in err and "it has none" in err
    code, out, _err = approve(ws, plan, "alice", keys["alice"])
    assert code == 0 and 'policy "two_person_rule": 1 of 2 approvals' in out
    approve(ws, plan, "alice", keys["alice"])          # again: still one approver
    code, _out, err = ws.run("apply", "-no-color", str(plan))
    assert code == 1 and "it has 1 (alice)" in err
    assert ws.world.list("mem_object") == []
    code, out, _err = approve(ws, plan, "bob", keys["bob"])
    assert code == 0 and "2 of 2 approvals" in out
    code, out, err = ws.run("apply", "-no-color", str(plan))
    assert code == 0, out + err
    assert {o["name"] for o in ws.world.list("mem_object")} == {"model", "other"}
    record = json.loads((ws.root / "govctl.audit.jsonl").read_text().splitlines()[-1])
    assert sorted(a["approver"] for a in record["approvals"]) == ["alice", "bob"]


def test_wrong_key_is_refused(ws: Workspace, keys: dict[str, Path]) -> None:
    ws.write(config(keys))
    plan = ws.root / "p.plan"
    ws.plan("-out", str(plan))
    code, _out, err = approve(ws, plan, "bob", keys["carol"])
    assert code == 1 and "is not the key declared for approver \"bob\"" in err
    code, _out, err = approve(ws, plan, "mallory", keys["carol"])
    assert code == 1 and "Unknown approver" in err


def test_forged_signature_does_not_count(ws: Workspace, keys: dict[str, Path]) -> None:
    ws.write(config(keys))
    plan = ws.root / "p.plan"
    ws.plan("-out", str(plan))
    approve(ws, plan, "alice", keys["alice"])
    approve(ws, plan, "carol", keys["carol"])
    side = plan.with_name(plan.name + ".approvals.json")
    doc = json.loads(side.read_text())
    doc["approvals"][1]["approver"] = "bob"        # carol's signature claimed by bob
    side.write_text(json.dumps(doc))
    code, _out, err = ws.run("apply", "-no-color", str(plan))
    assert code == 1
    assert "bob (the signature does not match the approver's key)" in err


def test_a_changed_plan_loses_its_approvals(ws: Workspace, keys: dict[str, Path]) -> None:
    ws.write(config(keys))
    plan = ws.root / "p.plan"
    ws.plan("-out", str(plan))
    approve(ws, plan, "alice", keys["alice"])
    approve(ws, plan, "bob", keys["bob"])
    ws.write(config(keys, value="v2"))
    ws.plan("-out", str(plan))                     # a new plan in the same file
    code, _out, err = ws.run("apply", "-no-color", str(plan))
    assert code == 1
    assert "alice (approved another plan: the plan changed after approval)" in err
    assert ws.world.list("mem_object") == []


def test_approvers_list_limits_who_counts(ws: Workspace, keys: dict[str, Path]) -> None:
    ws.write(config(keys, approvers='approvers = ["alice", "bob"]'))
    plan = ws.root / "p.plan"
    ws.plan("-out", str(plan))
    approve(ws, plan, "alice", keys["alice"])
    approve(ws, plan, "carol", keys["carol"])
    code, _out, err = ws.run("apply", "-no-color", str(plan))
    assert code == 1 and "carol (not one of this policy's approvers)" in err


def test_changes_elsewhere_need_no_approval(ws: Workspace, keys: dict[str, Path]) -> None:
    ws.write(config(keys))
    plan = ws.root / "p.plan"
    ws.plan("-out", str(plan))
    approve(ws, plan, "alice", keys["alice"])
    approve(ws, plan, "bob", keys["bob"])
    assert ws.run("apply", "-no-color", str(plan))[0] == 0
    # only the unguarded object changes now: a plain apply goes through
    ws.write(config(keys).replace('name = "other"', 'name = "other"\n  value = "x"'))
    code, out, err = ws.apply()
    assert code == 0, out + err


def test_bad_public_key_is_a_diagnostic(ws: Workspace, keys: dict[str, Path]) -> None:
    (ws.root / "bad.pub").write_text("ssh-rsa AAAA not a key\n")
    ws.write(config(keys).replace(f'file("{keys["carol"]}.pub")',
                                  f'file("{ws.root / "bad.pub"}")'))
    plan = ws.root / "p.plan"
    ws.plan("-out", str(plan))
    code, _out, err = approve(ws, plan, "alice", keys["alice"])
    assert code == 1 and 'public_key of approver "carol"' in err


def test_editing_the_plan_cannot_drop_its_approval_requirement(
        ws: Workspace, keys: dict[str, Path]) -> None:
    ws.write(config(keys))
    plan = ws.root / "p.plan"
    ws.plan("-out", str(plan))
    doc = json.loads(plan.read_text())
    doc["approvals_required"] = []
    plan.write_text(json.dumps(doc))
    code, _out, err = ws.run("apply", "-no-color", str(plan))
    assert code == 1 and "Plan not approved" in err
    assert ws.world.list("mem_object") == []


def test_swapping_an_approver_key_makes_the_plan_stale(ws: Workspace,
                                                       keys: dict[str, Path]) -> None:
    ws.write(config(keys))
    plan = ws.root / "p.plan"
    ws.plan("-out", str(plan))
    carol = Path(f"{keys['carol']}.pub").read_bytes()
    Path(f"{keys['alice']}.pub").write_bytes(carol)       # carol could sign as alice
    code, _out, err = ws.run("approve", str(plan), "-approver", "alice", "-key",
                             str(keys["carol"]))
    assert code == 1 and "Shared approver key" in err
    code, _out, err = ws.run("apply", "-no-color", str(plan))
    assert code == 1 and ("stale" in err or "Shared approver key" in err)


@pytest.mark.parametrize("content", [
    '{"approvals": [{"approver": ["x"], "digest": "d", "signature": "s"}]}',
    '{"approvals": [{"approver": "alice", "digest": "d", "signature": 12345}]}',
    "[" * 100000 + "]" * 100000,
    "not json",
])
def test_malformed_approvals_are_diagnostics(ws: Workspace, keys: dict[str, Path],
                                             content: str) -> None:
    ws.write(config(keys))
    plan = ws.root / "p.plan"
    ws.plan("-out", str(plan))
    plan.with_name(plan.name + ".approvals.json").write_text(content)
    code, out, err = ws.run("apply", "-no-color", str(plan))
    assert code == 1 and "Traceback" not in out + err
    assert "approvals" in err.lower()
    code, out, err = ws.run("approve", str(plan), "-approver", "alice", "-key",
                            str(keys["alice"]))
    assert code == 1 and "Traceback" not in out + err
