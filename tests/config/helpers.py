"""Run the config pipeline on a directory and look at the result."""

from __future__ import annotations

from pathlib import Path

from govctl.config import varfiles
from govctl.config.evaluate import Options, Result, evaluate_config
from govctl.config.loader import load_config
from govctl.diagnostics import Diagnostic, Severity


def run(directory: Path, cli: list[tuple[str, str]] | None = None,
        env: dict[str, str] | None = None, validate_only: bool = False) -> Result:
    module, diags = load_config(directory)
    if any(d.severity is Severity.ERROR for d in diags):
        r = Result()
        r.diagnostics = diags
        return r
    values, vdiags = varfiles.collect(module.path, module.variables, cli or [], env or {})
    result = evaluate_config(module, values, Options(validate_only=validate_only))
    result.diagnostics = diags + vdiags + result.diagnostics
    return result


def errors(result: Result) -> list[Diagnostic]:
    return [d for d in result.diagnostics if d.severity is Severity.ERROR]


def summaries(result: Result) -> list[str]:
    return [d.summary for d in errors(result)]


def py(result: Result, name: str) -> object:
    return result.outputs[name].to_python()
