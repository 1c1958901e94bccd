"""`govctl drift`: a read-only audit of the live estate against the state and
the configuration.

It plans as `govctl plan` does (normal mode, with refresh), so drift is what
the planner found while refreshing, and the declared values are exactly what
an apply would set. Unlike plan it takes no state lock: it reads the state
file (replaying a crashed run's journal in memory only) and never writes it,
so it can run beside an apply, or from CI with read-only credentials.

Exit codes: 0 no drift, 2 drift found (unwaived or expired-waiver drift, a
blocking policy result, or unmanaged objects with -fail-on-unmanaged), 1 error.
"""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govctl.commands.run import (
    RunOptions,
    _command,
    _errors,
    _load,
    _make_plan,
    _providers,
    _Stop,
    backend_for,
)
from govctl.diagnostics import Diagnostic, DiagnosticError
from govctl.drift.model import Kind, Report, Status
from govctl.policy.model import Result
from govctl.render.diagnostics import print_diagnostics

FORMATS = ("table", "json", "markdown", "sarif")


@dataclass
class DriftOptions:
    directory: Path = Path(".")
    vars: Sequence[tuple[str, str]] = field(default_factory=list)
    format: str = "table"
    all_types: bool = False
    fail_on_unmanaged: bool = False
    parallelism: int = 10
    colour: bool | None = None
    today: datetime.date | None = None       # UTC today unless given (tests)


def run(opts: DriftOptions) -> int:
    run_opts = RunOptions(directory=opts.directory, vars=opts.vars, mode="normal",
                          refresh=True, parallelism=opts.parallelism, lock=False,
                          colour=opts.colour)
    return _command(lambda _: _run(opts, run_opts), run_opts)


def _run(opts: DriftOptions, run_opts: RunOptions) -> int:
    report, diags = build_report(opts, run_opts)
    print_diagnostics(diags, colour=opts.colour)
    if report is None:
        return 1
    out = sys.stdout
    if opts.format == "json":
        from govctl.drift.report import dumps

        out.write(dumps(report) + "\n")
    elif opts.format == "markdown":
        from govctl.drift.markdown import render

        out.write(render(report))
    elif opts.format == "sarif":
        from govctl.drift.sarif import base_directory, sarif

        doc = sarif(report, base_directory(Path(report.config_dir)))
        doc["runs"][0]["invocations"][0]["executionSuccessful"] = not _errors(diags)
        out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    else:
        print_table(report, opts.colour)
    out.flush()
    # an error (a policy that could not be checked, a type not discovered) means
    # the audit is incomplete: never "no drift"
    return 1 if _errors(diags) else report.exit_code


def _live_policy_results(module: Any, plan: Any, state: Any, providers: Any
                         ) -> tuple[list[Result], list[Diagnostic]]:
    """The configuration's policies against the refreshed estate, as `govctl
    check` runs them: a drift audit shows what the live estate breaks too."""
    from govctl.policy import run as policy_run

    policies, diags = policy_run.gather(module, [])
    if not policies or _errors(diags):
        return [], diags            # a broken policy is an error: the audit exits 1
    results, cdiags = policy_run.check_live(module, plan, providers.installed, policies,
                                            state)
    return results, diags + cdiags


def build_report(opts: DriftOptions, run_opts: RunOptions | None = None,
                 policy_results: Sequence[Result] = ()) -> tuple[Report | None,
                                                                  list[Diagnostic]]:
    """The audit, or None with the diagnostics that stopped it."""
    from govctl.drift import waivers
    from govctl.drift.compare import drift_items
    from govctl.drift.unmanaged import discover

    run_opts = run_opts or RunOptions(directory=opts.directory, vars=opts.vars, lock=False,
                                      parallelism=opts.parallelism, colour=opts.colour)
    module, values, diags = _load(run_opts)
    state = read_state(backend_for(module, values))
    providers = _providers(module)       # configured once, for the plan and discovery
    plan, pdiags = _make_plan(run_opts, module, values, state, providers)
    diags = diags + pdiags
    if _errors(diags):
        return None, diags
    today = opts.today or datetime.datetime.now(datetime.UTC).date()
    items = drift_items(plan, state, module, _schema_sensitive(providers))
    uses = waivers.uses(module.waivers.values(), today)
    waivers.apply(items, uses)
    diags += _child_waivers(module)
    # what exists now: objects deleted outside govctl are no longer "known"
    live = state.copy()
    for c in plan.drift:
        if c.after is None:
            live.remove_instance(c.addr)
    unmanaged, coverage, ddiags = discover(module, live, providers, opts.all_types,
                                           opts.parallelism)
    diags += ddiags
    if not policy_results:
        policy_results, cdiags = _live_policy_results(module, plan, state, providers)
        diags += cdiags
    report = Report(items, unmanaged, coverage, uses, list(policy_results), opts.all_types,
                    opts.fail_on_unmanaged, str(module.path),
                    datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    today)
    return report, diags


def read_state(backend: Any) -> Any:
    """The state without a lock and without writing (Backend.peek)."""
    try:
        return backend.peek()
    except DiagnosticError as exc:
        raise _Stop(1, exc.diagnostics) from None


def _schema_sensitive(providers: Any) -> Any:
    from govctl.plugins.schema import schema_from_model

    def names(state_provider: str, type_: str) -> set[str]:
        provider = providers.get(providers.key_from_state(state_provider))
        model = provider.resources.get(type_) if provider is not None else None
        if model is None:
            return set()
        return {n for n, a in schema_from_model(model).attributes.items() if a.sensitive}

    return names


def _child_waivers(root: Any) -> list[Diagnostic]:
    """Waivers are read from the root module, where addresses are absolute; one
    written in a child module would silently waive nothing, so say so."""
    from govctl.diagnostics import warning

    out: list[Diagnostic] = []

    def walk(mod: Any) -> None:
        for child in mod.children.values():
            out.extend(warning("Waiver ignored", f'The waiver "{w.name}" is in a child '
                               "module; waivers are read from the root module only (their "
                               "addresses are absolute). Move it there.", w.block.def_range)
                       for w in child.waivers.values())
            walk(child)

    walk(root)
    return out


# --- the default format: rich tables -----------------------------------------------

def print_table(report: Report, colour: bool | None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from govctl.drift.display import text

    console = Console(no_color=colour is False, highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 160)
    styles = {Status.DRIFT: "bold red", Status.EXPIRED: "bold red", Status.WAIVED: "yellow"}
    if report.items:
        table = Table(title="Drift: changes made outside govctl", title_justify="left")
        for name in ("Resource", "Attribute", "Declared", "Last applied", "Actual",
                     "Status"):
            table.add_column(name, overflow="fold")
        for item in report.items:
            if item.kind is Kind.DELETED:
                table.add_row(Text(item.address), Text("(object)"), Text(""), Text("exists"),
                              Text("deleted", style="red"),
                              Text(_status(item.status, item.waiver),
                                   style=styles[item.status]))
                continue
            for a in item.attributes:
                table.add_row(Text(item.address), Text(a.name),
                              Text(text(a.declared, a.sensitive)),
                              Text(text(a.last_applied, a.sensitive)),
                              Text(text(a.actual, a.sensitive)),
                              Text(_status(a.status, a.waiver), style=styles[a.status]))
        console.print(table)
    if report.unmanaged:
        table = Table(title="Unmanaged objects (in no state)", title_justify="left")
        for name in ("Provider", "Type", "Id"):
            table.add_column(name, overflow="fold")
        for u in report.unmanaged:
            table.add_row(Text(u.provider), Text(u.type), Text(u.id))
        console.print(table)
    if report.policy_results:
        table = Table(title="Policies", title_justify="left")
        for name in ("Policy", "Level", "Resource", "Outcome", "Message"):
            table.add_column(name, overflow="fold")
        for r in report.policy_results:
            table.add_row(Text(r.policy), Text(str(r.level)), Text(r.address),
                          Text(str(r.outcome)), Text(r.message))
        console.print(table)
    if report.waivers:
        table = Table(title="Waivers", title_justify="left")
        for name in ("Waiver", "Address", "Attributes", "Owner", "Expires", "Status",
                     "Matched", "Reason"):
            table.add_column(name, overflow="fold")
        for w in report.waivers:
            table.add_row(Text(w.name), Text(w.address), Text(", ".join(w.attributes) or "all"),
                          Text(w.owner), Text(w.expires.isoformat()),
                          Text("expired", style="bold red") if w.expired else Text("active"),
                          Text(str(w.matched)), Text(w.reason))
        console.print(table)
    console.print(Text(f"Coverage: {report.coverage.sentence()}"))
    console.print(Text(_summary(report), style="bold red" if report.found else "bold green"))


def _status(status: Status, waiver: str | None) -> str:
    return status.label if waiver is None else f"{status.label} ({waiver})"


def _summary(report: Report) -> str:
    parts = [f"{len(report.drifted)} resource(s) drifted"]
    if report.waived:
        parts.append(f"{len(report.waived)} waived")
    expired = sum(1 for i in report.items if i.status is Status.EXPIRED)
    if expired:
        parts.append(f"{expired} with an expired waiver")
    parts.append(f"{len(report.unmanaged)} unmanaged object(s)")
    if report.failing_policies:
        parts.append(f"{len(report.failing_policies)} blocking policy result(s)")
    head = "Drift found: " if report.found else "No drift: "
    return head + ", ".join(parts) + "."
