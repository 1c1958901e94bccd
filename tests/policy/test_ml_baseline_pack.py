"""The ML baseline pack as files: it loads without a diagnostic, its README
lists every policy at the level the pack gives it, and it governs nothing it
does not select (the behaviour of each policy is tested against AWS
configurations in tests/providers/aws/test_policy_ml_baseline.py)."""

from __future__ import annotations

import re
from pathlib import Path

from govctl.policy.decode import from_dirs
from govctl.policy.model import Level

PACK = Path(__file__).resolve().parents[2] / "modules" / "policies" / "ml-baseline"

EXPECTED = {
    "s3_encryption_customer_managed_key": Level.MANDATORY,
    "s3_bucket_encrypted": Level.MANDATORY,
    "kms_key_rotation": Level.MANDATORY,
    "s3_public_access_block_complete": Level.MANDATORY,
    "s3_bucket_public_access_blocked": Level.MANDATORY,
    "s3_bucket_policy_not_public": Level.MANDATORY,
    "iam_no_wildcard_admin": Level.MANDATORY,
    "approver_cannot_publish": Level.OVERRIDABLE,
    "approval_has_evaluation_evidence": Level.OVERRIDABLE,
}


def test_pack_loads_without_diagnostics() -> None:
    policies, diags = from_dirs([PACK])
    assert diags == []
    assert {p.name: p.level for p in policies} == EXPECTED
    for p in policies:
        assert p.description, p.name
        assert p.error_message is not None, p.name
        assert p.resource_types, p.name          # every policy says what it governs


def test_readme_lists_every_policy_at_its_level() -> None:
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| (\w+) \|", (PACK / "README.md").read_text(),
                      re.M)
    assert dict(rows) == {name: str(level) for name, level in EXPECTED.items()}
    assert len(rows) == len(EXPECTED)


def test_pack_selects_nothing_in_a_configuration_without_aws(ws) -> None:
    ws.write('resource "mem_object" "a" {\n  name = "a"\n  value = "v"\n}\n')
    code, out, err = ws.plan("-policy-dir", str(PACK))
    assert code == 0, out + err
    assert "Plan: 1 to add" in out
    assert "Policies:" not in out and "policy" not in out
