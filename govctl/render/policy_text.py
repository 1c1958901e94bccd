"""Policy results as plan lines: a verdict under each changed resource, and
a summary (with the failures of resources the plan does not otherwise show)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from govctl.policy.model import Level, Outcome

Line = tuple[str, str]


def _verdict(r: Any) -> Line:
    if r.outcome is Outcome.UNKNOWN:
        return ("cyan", f'    # policy "{r.policy}": decided after apply (its condition '
                "depends on values not known yet)")
    if r.overridden is not None:
        return ("yellow", f'    # policy "{r.policy}" failed ({r.level}), overridden: '
                f"{r.overridden.reason}")
    style = "red" if r.level is not Level.ADVISORY else "yellow"
    return (style, f'    # policy "{r.policy}" failed ({r.level}): {r.message}')


def policy_lines_by_address(results: Sequence[Any]) -> dict[str, list[Line]]:
    out: dict[str, list[Line]] = {}
    for r in results:
        if r.outcome is not Outcome.PASSED:
            out.setdefault(r.address, []).append(_verdict(r))
    return out


def counts(results: Iterable[Any]) -> tuple[int, int, int, int]:
    """(passed, failed, failed and blocking, undecided)."""
    rs = list(results)
    return (sum(r.outcome is Outcome.PASSED for r in rs),
            sum(r.outcome is Outcome.FAILED for r in rs),
            sum(r.blocking for r in rs),
            sum(r.outcome is Outcome.UNKNOWN for r in rs))


def summary_text(results: Sequence[Any]) -> str:
    passed, failed, blocking, unknown = counts(results)
    mandatory = sum(r.outcome is Outcome.FAILED and r.level is Level.MANDATORY
                    for r in results)
    text = f"Policies: {passed} passed, {failed} failed ({mandatory} mandatory)"
    overridden = sum(r.overridden is not None for r in results)
    if overridden:
        text += f", {overridden} overridden"
    if unknown:
        text += f", {unknown} decided after apply"
    return text + ("; apply is blocked." if blocking else ".")


def policy_summary(results: Sequence[Any], shown: set[str]) -> list[Line]:
    if not results:
        return []
    lines: list[Line] = [("", "")]
    unshown = [r for r in results if r.outcome is Outcome.FAILED and r.address not in shown]
    if unshown:
        lines.append(("", "Policy failures on resources without changes:"))
        for r in unshown:
            style, text = _verdict(r)
            lines.append((style, f"  {r.address}: {text.strip()[2:]}"))
        lines.append(("", ""))
    _, failed, blocking, _ = counts(results)
    style = "red" if blocking else "yellow" if failed else "green"
    lines.append((style, summary_text(results)))
    return lines
