"""`govctl check`: the policies against the live estate, refreshed now.

Where a plan checks what the configuration will make, check asks whether
what exists today complies, changes made outside govctl included. It reads
the state and the providers and writes nothing, so it takes no lock.
Exit codes: 0 compliant (advisory failures are reported only), 2 a mandatory
or overridable policy fails, 1 error.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from govctl.commands.drift import read_state
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
from govctl.policy.model import Level, Outcome
from govctl.render.diagnostics import print_diagnostics
from govctl.render.policy_text import summary_text


def run(opts: RunOptions, as_json: bool) -> int:
    return _command(lambda o: _check(o, as_json), opts)


def _check(opts: RunOptions, as_json: bool) -> int:
    from govctl.policy import run as policy_run

    module, values, diags = _load(opts)
    policies, pdiags = policy_run.gather(module, opts.policy_dirs)
    diags += pdiags
    if _errors(diags):
        raise _Stop(1, diags)
    state = read_state(backend_for(module, values))    # never folds a journal into the file
    providers = _providers(module)
    opts.mode = "normal"
    the_plan, mdiags = _make_plan(opts, module, values, state, providers)
    diags += mdiags
    if _errors(diags):
        raise _Stop(1, diags)
    results, cdiags = policy_run.check_live(module, the_plan, providers.installed, policies,
                                            state)
    diags += cdiags
    print_diagnostics(diags, colour=opts.colour)
    if _errors(diags):
        return 1
    failing = [r for r in results if r.outcome is Outcome.FAILED]
    if as_json:
        json.dump({"format_version": "1.0", "policies": len(policies),
                   "results": [r.to_json() for r in results]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print(results, failing, len(policies))
    return 2 if any(r.level is not Level.ADVISORY for r in failing) else 0


def _print(results: list[Any], failing: list[Any], count: int) -> None:
    if not count:
        print("No policies: nothing to check.")
        return
    for r in failing:
        print(f"{r.address}: policy \"{r.policy}\" failed ({r.level}): {r.message}")
    if failing:
        print()
    print(summary_text(results).replace("; apply is blocked.", ".")
          + f" ({len(results)} checks of {count} policies against the live estate)")
