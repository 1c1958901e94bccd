"""An apply record built from real plan and result objects: redaction,
policy results and overrides as the lead's policy model gives them, digests."""

from __future__ import annotations

import json

from govctl.addrs import parse_instance
from govctl.apply import ApplyResult, Outcome
from govctl.audit.chain import canonical
from govctl.audit.records import apply_record, change_entry, plan_digest
from govctl.plan.model import Action, Change, Plan
from govctl.plugins.protocol import UNKNOWN
from govctl.policy.model import Level, Override, Result
from govctl.policy.model import Outcome as Verdict

SECRET = "hunter2-but-longer"


def _plan(secret: str = SECRET) -> Plan:
    addr = parse_instance("mem_object.a")
    change = Change(addr, Action.UPDATE, 'provider["govctl/mem"]',
                    {"name": "a", "value": "one", "secret": "old-secret-value", "id": "i1",
                     "tags": {"team": "ml"}},
                    {"name": "a", "value": "two", "secret": secret, "id": "i1",
                     "tags": {"team": "ml"}, "arn": UNKNOWN},
                    sensitive={"secret"})
    return Plan(changes=[change], lineage="L", prior_serial=3, config_digest="c")


def test_a_record_redacts_and_keeps_only_changed_attributes() -> None:
    plan = _plan()
    addr = plan.changes[0].addr
    result = ApplyResult(outcomes=[Outcome(addr, Action.UPDATE, False,
                                           f"the cloud refused {SECRET}")])
    policy = Result("tagged", Level.OVERRIDABLE, "mem_object.a", "mem_object",
                    Verdict.FAILED, message=f"secret {SECRET} is visible",
                    overridden=Override("tagged", "hotfix INC-42", "alice"))
    record = apply_record(plan, result, command="apply", serial_before=3, serial_after=4,
                          digest="d" * 64, identities={"mem": {"provider": "mem"}},
                          policy_results=[policy],
                          overrides=[Override("tagged", "hotfix INC-42", "alice")],
                          approvals=[{"approver": "carol", "digest": "d" * 64}])
    text = canonical(record)
    assert SECRET.encode() not in text and b"old-secret-value" not in text
    [change] = record["changes"]
    assert change["before"] == {"arn": None, "secret": "(sensitive)", "value": "one"}
    assert change["after"] == {"arn": "(known after apply)", "secret": "(sensitive)",
                               "value": "two"}
    assert record["outcomes"][0]["message"] == "the cloud refused (sensitive)"
    assert record["status"] == "failed"
    assert record["policy_results"][0]["message"] == "secret (sensitive) is visible"
    assert record["policy_results"][0]["overridden"] == {"reason": "hotfix INC-42",
                                                          "by": "alice"}
    assert record["overrides"] == [{"policy": "tagged", "reason": "hotfix INC-42",
                                    "by": "alice"}]
    assert record["approvals"] == [{"approver": "carol", "digest": "d" * 64}]
    json.loads(text)


def test_sensitivity_known_only_from_state_or_schema_is_honoured() -> None:
    change = _plan().changes[0]
    change.sensitive = set()            # as the planner leaves deletes and drift
    entry = change_entry(change, {"secret"})
    assert entry["after"]["secret"] == "(sensitive)"


def test_the_plan_digest_covers_what_the_plan_does() -> None:
    assert plan_digest(_plan()) == plan_digest(_plan())
    assert plan_digest(_plan()) != plan_digest(_plan("another-secret"))
    moved = _plan()
    moved.prior_serial = 4
    assert plan_digest(moved) != plan_digest(_plan())
