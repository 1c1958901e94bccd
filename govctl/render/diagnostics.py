"""Diagnostics for people (stderr, colour when it is a terminal) and machines."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import TextIO

from govctl.diagnostics import Diagnostic, Severity

_COLOURS = {Severity.ERROR: "\x1b[1;31m", Severity.WARNING: "\x1b[1;33m"}
_RESET = "\x1b[0m"


def print_diagnostics(diags: Iterable[Diagnostic], stream: TextIO | None = None,
                      colour: bool | None = None) -> None:
    out = stream or sys.stderr
    use_colour = out.isatty() if colour is None else colour
    for d in diags:
        text = d.render()
        if use_colour:
            head, _, rest = text.partition("\n")
            text = f"{_COLOURS[d.severity]}{head}{_RESET}\n{rest}" if rest else \
                f"{_COLOURS[d.severity]}{head}{_RESET}"
        out.write("\n" + text + "\n")


def validate_json(diags: list[Diagnostic]) -> str:
    """The shape of `terraform validate -json`."""
    errors = sum(1 for d in diags if d.severity is Severity.ERROR)
    warnings = len(diags) - errors
    doc = {"format_version": "1.0", "valid": errors == 0, "error_count": errors,
           "warning_count": warnings, "diagnostics": [d.to_json() for d in diags]}
    return json.dumps(doc, indent=2)
