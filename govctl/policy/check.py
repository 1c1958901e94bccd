"""Checking policies against subjects: resource instances as planned or live.

Pure: no printing, no provider calls. A condition that cannot be decided yet
(it depends on values known only after apply) is UNKNOWN, neither passing
nor failing; one that fails to evaluate is the policy author's error and is
reported as a diagnostic at the policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from govctl.diagnostics import Diagnostic, Range, error
from govctl.lang import values as V
from govctl.lang.eval import EvalError, Scope, evaluate
from govctl.lang.values import SENSITIVE, Value
from govctl.policy.model import Outcome, Override, Policy, Result


@dataclass(frozen=True)
class Subject:
    """One resource instance as a policy sees it."""

    address: str
    type: str
    self_: Value                 # planned (plan) or live (check) object
    before: Value                # the prior object, or null
    action: str                  # create, update, replace, delete, no-op, live
    where: Range | None = None   # the resource block


@cache
def _glob(pattern: str) -> re.Pattern[str]:
    """`*` any run of characters, `?` one; everything else (brackets and
    quotes of instance keys included) literal."""
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern]
    return re.compile("".join(parts) + r"\Z")


def selects(policy: Policy, subject: Subject) -> bool:
    if policy.resource_types is not None and subject.type not in policy.resource_types:
        return False
    if policy.addresses is not None and not any(
            _glob(p).match(subject.address) for p in policy.addresses):
        return False
    if policy.tags:
        # selected by its tags before or after the change (retagging an object
        # must not take it out of a policy's reach in the same plan), and when
        # its tags are not known yet: policies fail closed
        return any(_tags_match(policy.tags, obj) for obj in (subject.self_, subject.before))
    return True


def _tags_match(want: dict[str, str], obj: Value) -> bool:
    tags = _tags(obj)
    if tags is _UNDECIDED:
        return True
    return tags is not None and all(tags.get(k) == v for k, v in want.items())


_UNDECIDED: dict[str, object] = {}


def _tags(obj: Value) -> dict[str, object] | None:
    """The object's tags (tags_all, where the provider fills in default tags);
    _UNDECIDED when they are not known yet."""
    if obj.unknown:
        return _UNDECIDED
    if obj.is_null or not isinstance(obj.v, dict):
        return None
    for name in ("tags_all", "tags", "labels"):
        t = obj.v.get(name)
        if t is not None and not t.is_wholly_known():
            return _UNDECIDED
        if t is not None and not t.is_null:
            py = t.unmark_deep()[0].to_python()
            if isinstance(py, dict):
                return py
    return None


def check(policies: Iterable[Policy], subjects: Iterable[Subject],
          overrides: Iterable[Override] = (), types: Iterable[str] = ()
          ) -> tuple[list[Result], list[Diagnostic]]:
    """`types`: every resource type that could exist (the installed providers'),
    so that `resources.TYPE` is an empty tuple, not an error, when none does."""
    by_name = {o.policy: o for o in overrides}
    results: list[Result] = []
    diags: list[Diagnostic] = []
    broken: set[str] = set()
    subjects = list(subjects)
    everything = _resources(subjects, types)
    for policy in policies:
        for s in subjects:
            if policy.name in broken or not selects(policy, s):
                continue
            if s.action == "delete" and not policy.about_action:
                continue        # removing an object cannot break a rule about its settings
            scope = Scope({"self": s.self_, "before": s.before, "action": V.string(s.action),
                           "resources": everything})
            outcome, message, diag = _decide(policy, s, scope)
            if diag is not None:
                diags.append(diag)
                broken.add(policy.name)          # one error per policy, not per resource
                continue
            results.append(Result(policy.name, policy.level, s.address, s.type, outcome,
                                  message, by_name.get(policy.name)
                                  if outcome is Outcome.FAILED else None,
                                  policy.source, s.where))
    return results, diags


def _resources(subjects: list[Subject], types: Iterable[str]) -> Value:
    """`resources.TYPE`: every object of that type (as planned, or live), so that
    a policy can look across resources (a bucket and its encryption setting)."""
    by_type: dict[str, list[Value]] = {t: [] for t in types}
    for s in subjects:
        if s.action != "delete":
            by_type.setdefault(s.type, []).append(s.self_)
    return V.obj({t: V.tuple_(objs) for t, objs in sorted(by_type.items())})


def _decide(policy: Policy, s: Subject, scope: Scope
            ) -> tuple[Outcome, str, Diagnostic | None]:
    try:
        value = evaluate(policy.condition, scope)
    except EvalError as exc:
        return Outcome.UNKNOWN, "", _broken(policy, s, exc.diagnostic)
    value, _ = value.unmark_deep()
    if value.unknown:
        return Outcome.UNKNOWN, "", None
    if value.is_null or not isinstance(value.v, bool):
        return Outcome.UNKNOWN, "", _broken(policy, s, error(
            "Invalid policy condition", f'The condition of policy "{policy.name}" must be '
            f"true or false; for {s.address} it is {value.type.friendly()}.",
            policy.condition.range))
    if value.v:
        return Outcome.PASSED, "", None
    return Outcome.FAILED, _message(policy, scope), None


def _message(policy: Policy, scope: Scope) -> str:
    fallback = policy.description or f'policy "{policy.name}" failed'
    if policy.error_message is None:
        return fallback
    try:
        msg = evaluate(policy.error_message, scope)
    except EvalError:
        return fallback
    plain, marks = msg.unmark_deep()
    if SENSITIVE in marks:
        return f"{fallback} (the message refers to a sensitive value and is not shown)"
    if plain.unknown or plain.is_null or not isinstance(plain.v, str):
        return fallback
    return plain.v


def _broken(policy: Policy, s: Subject, diag: Diagnostic) -> Diagnostic:
    return error(f'Policy "{policy.name}" could not be checked',
                 f"For {s.address}: {diag.summary}: {diag.detail}",
                 diag.range or policy.source)


def blocking(results: Iterable[Result]) -> list[Result]:
    return [r for r in results if r.blocking]
