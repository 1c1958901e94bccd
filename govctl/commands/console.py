"""`govctl console`: evaluate expressions against a configuration, one per
line of standard input, printed as `terraform console` prints them. An error
is reported and the console carries on with the next line.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from govctl.config import varfiles
from govctl.config.evaluate import ModuleEval, Options, Result
from govctl.config.loader import load_config
from govctl.diagnostics import Diagnostic, Severity, error
from govctl.hcl import ast
from govctl.hcl.parser import parse_expression
from govctl.lang.eval import EvalError, evaluate
from govctl.lang.types import type_string
from govctl.render.diagnostics import print_diagnostics
from govctl.render.hcl_value import render


@dataclass
class ConsoleOptions:
    directory: Path
    vars: Sequence[tuple[str, str]] = field(default_factory=list)
    colour: bool | None = None


def _has_errors(diags: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diags)


def run(opts: ConsoleOptions, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    module, diags = load_config(opts.directory, allow_empty=True)
    if not _has_errors(diags):
        values, vdiags = varfiles.collect(module.path, module.variables, opts.vars)
        diags += vdiags
    if _has_errors(diags):
        print_diagnostics(diags, colour=opts.colour)
        return 1
    result = Result()
    # as Terraform's console: impure functions give real values here
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    opts_eval = Options(validate_only=False, plan_time=False, plan_timestamp=now)
    root = ModuleEval(module, values, opts_eval, module.path, result)
    root.run()
    print_diagnostics(result.diagnostics, colour=opts.colour)
    if _has_errors(result.diagnostics):
        return 1
    status = 0
    for line in stdin:
        text = line.strip()
        if not text:
            continue
        if text == "exit":
            break
        try:
            out.write(evaluate_line(root, text) + "\n")
        except _LineError as exc:
            status = 1
            print_diagnostics(exc.diagnostics, colour=opts.colour)
    return status


class _LineError(Exception):
    def __init__(self, diags: list[Diagnostic]):
        self.diagnostics = diags


def evaluate_line(root: ModuleEval, text: str) -> str:
    expr, diags = parse_expression(text)
    if expr is None or diags:
        raise _LineError(diags)
    # type() is a console-only function in Terraform
    want_type = isinstance(expr, ast.Call) and expr.name == "type"
    if want_type:
        assert isinstance(expr, ast.Call)
        if len(expr.args) != 1:
            raise _LineError([error("Invalid function argument",
                                    'Function "type" takes exactly one argument.', expr.range)])
        expr = expr.args[0]
    mark = len(root.result.diagnostics)
    scope = root.scope_for(expr, {})
    new = root.result.diagnostics[mark:]
    del root.result.diagnostics[mark:]
    root.result.seen.difference_update(
        (d.summary, d.detail, str(d.range) if d.range else "") for d in new)
    if scope is None:
        raise _LineError(new)
    try:
        value = evaluate(expr, scope)
    except EvalError as exc:
        raise _LineError([exc.diagnostic]) from None
    return type_string(value.type) if want_type else render(value)
