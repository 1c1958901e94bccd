"""Policies for a command: gather them (configuration and -policy-dir), settle
the overrides asked for, and check a plan or a live estate."""

from __future__ import annotations

import getpass
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from govctl.config import model as m
from govctl.diagnostics import Diagnostic, error, warning
from govctl.plan.model import Plan
from govctl.policy import decode, subjects
from govctl.policy.check import Subject, check
from govctl.policy.model import Level, Override, Policy, Result


def gather(root: m.Module, dirs: Sequence[Path]) -> tuple[list[Policy], list[Diagnostic]]:
    mine, diags = decode.from_modules(root)
    more, ddiags = decode.from_dirs(list(dirs))
    policies, udiags = decode.unique(mine + more)
    return policies, diags + ddiags + udiags


def overrides(policies: Sequence[Policy], names: Sequence[str], reason: str | None
              ) -> tuple[list[Override], list[Diagnostic]]:
    """-override-policy NAME (repeatable) with one -reason TEXT."""
    if not names:
        if reason:
            return [], [warning("Reason without override", "-reason is only used with "
                                "-override-policy NAME.")]
        return [], []
    if not reason or not reason.strip():
        return [], [error("Override without a reason", "-override-policy needs -reason "
                          "TEXT: the reason is recorded in the plan and the audit log.")]
    by_name = {p.name: p for p in policies}
    out: list[Override] = []
    diags: list[Diagnostic] = []
    user = _user()
    for name in dict.fromkeys(names):
        p = by_name.get(name)
        if p is None:
            from govctl.lang.eval import suggest

            diags.append(error("Unknown policy", f'-override-policy names "{name}", which is '
                               "not a policy of this configuration or its policy "
                               "directories." + suggest(name, list(by_name))))
        elif p.level is Level.MANDATORY:
            diags.append(error("Mandatory policy", f'The policy "{name}" is mandatory and '
                               "cannot be overridden.", p.source))
        elif p.level is Level.ADVISORY:
            diags.append(warning("Advisory policy", f'The policy "{name}" is advisory and '
                                 "never blocks: there is nothing to override.", p.source))
        else:
            out.append(Override(name, reason.strip(), user))
    return out, diags


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def check_plan(root: m.Module, plan: Plan, installed: Mapping[str, Any],
               policies: Sequence[Policy], given: Sequence[Override]
               ) -> tuple[list[Result], list[Any], list[Diagnostic]]:
    """The results, and the signed approvals the plan needs (Requirement)."""
    from govctl.approvals.requirements import requirements

    planned = subjects.planned(plan, root, installed)
    results, diags = check(policies, planned, given, _types(installed))
    return results, requirements(policies, planned), diags


def check_live(root: m.Module, plan: Plan, installed: Mapping[str, Any],
               policies: Sequence[Policy], state: Any
               ) -> tuple[list[Result], list[Diagnostic]]:
    """The policies against the refreshed objects of a normal plan, with what
    `state` (read before the refresh) last recorded as `before`."""
    last = {str(addr): inst.attributes for addr, _rs, inst in state.instances()}
    live: list[Subject] = subjects.live(plan, root, installed, last)
    return check(policies, live, types=_types(installed))


def _types(installed: Mapping[str, Any]) -> list[str]:
    return sorted({t for cls in installed.values() for t in cls.resources})


def decide_after_apply(root: m.Module, plan: Plan, installed: Mapping[str, Any],
                       policies: Sequence[Policy], state: Any
                       ) -> tuple[list[Result], list[Diagnostic]]:
    """Policies that were "decided after apply" at plan time, decided now on the
    objects apply made; the plan's results are updated in place. A blocking
    failure here is an error: the object exists, and the run must say so."""
    from govctl.policy.model import Outcome

    pending = {(r.policy, r.address) for r in plan.policy_results
               if r.outcome is Outcome.UNKNOWN}
    if not pending:
        return [], []
    wanted = [p for p in policies if any(p.name == name for name, _ in pending)]
    made = subjects.applied(plan, root, installed, state, {a for _, a in pending})
    results, diags = check(wanted, made, plan.overrides, _types(installed))
    decided = {(r.policy, r.address): r for r in results if (r.policy, r.address) in pending}
    plan.policy_results = [decided.get((r.policy, r.address), r) for r in plan.policy_results]
    failed = [r for r in decided.values() if r.blocking]
    diags += [error("Policy failed after apply",
                    f'{r.address}: policy "{r.policy}" ({r.level}) could only be decided once '
                    f"the object existed, and it fails: {r.message}. The change was made; "
                    "fix the configuration and apply again.", r.resource_range)
              for r in failed]
    return failed, diags
