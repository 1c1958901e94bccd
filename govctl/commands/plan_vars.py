"""-var and -var-file given when applying a saved plan.

A saved plan was made with its variables' values and keeps them; applying it
with other values would apply changes nobody reviewed, so Terraform (1.10 and
later) refuses a value that differs from the plan's, and so does govctl. The
same value is accepted (scripts pass the same flags to plan and apply), and
so are the encryption block's key variables, which plan files never keep.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from govctl.config import model as m
from govctl.config.evaluate import InputValue
from govctl.diagnostics import Diagnostic, DiagnosticError, Severity, error


def against_plan(module: m.Module, planned: dict[str, Any],
                 cli: Sequence[tuple[str, str]]) -> dict[str, InputValue]:
    """The key variables given on the command line; DiagnosticError for a
    value that is not the plan's, or a -var that cannot be read."""
    from govctl.config import varfiles

    if not cli:
        return {}
    given, diags = varfiles.command_line(module.variables, cli)
    if any(d.severity is Severity.ERROR for d in diags):
        raise DiagnosticError(diags)
    keys = key_names(module)
    problems = [_changed(module.variables[name], planned, value)
                for name, value in sorted(given.items()) if name not in keys]
    refused = [p for p in problems if p is not None]
    if refused:
        raise DiagnosticError(refused)
    return {name: value for name, value in given.items() if name in keys}


def _changed(var: m.Variable, planned: dict[str, Any], given: InputValue
             ) -> Diagnostic | None:
    now = plain(given.value)
    before = planned[var.name] if var.name in planned else \
        plain(var.default) if var.default is not None else None
    if now == before:
        return None
    return error(
        "Can't change variable when applying a saved plan",
        f"The variable {var.name} cannot be set using the -var and -var-file options when "
        "applying a saved plan file, because a saved plan includes the variable values that "
        f"were set when it was created. The saved plan specifies {_shown(var, before)} as the "
        f"value whereas during apply the value {_shown(var, now)} was given. Make a new plan "
        "with the new value, or apply this one without it.")


def key_names(module: m.Module) -> frozenset[str]:
    """The encryption block's key variables, which plan files never keep."""
    if module.settings.encryption_block is None:
        return frozenset()
    from govctl.state.encryption.files import key_variables

    return frozenset(key_variables(module))


def plain(value: Any) -> Any:
    """A variable's value as a plan file keeps it; None when not wholly known."""
    if not value.is_wholly_known():
        return None
    return value.unmark_deep()[0].to_python()


def _shown(var: m.Variable, value: Any) -> str:
    if var.sensitive:
        return "(sensitive value)"
    return json.dumps(value, default=str, sort_keys=True)
