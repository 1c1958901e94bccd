"""Root module variable values, in Terraform's precedence order (later wins):

1. environment variables `GOVCTL_VAR_<name>`
2. `govctl.tfvars`, then `govctl.tfvars.json`, in the root module directory
3. `*.auto.tfvars` and `*.auto.tfvars.json` there, in lexical order
4. `-var name=value` and `-var-file=FILE`, in command-line order

Values from the environment and `-var` are taken as a raw string when the
variable's type is string (or it has none), and parsed as an HCL expression
otherwise (`type = any` too), as Terraform does.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from govctl.config.evaluate import InputValue
from govctl.config.model import Variable
from govctl.diagnostics import Diagnostic, error, warning
from govctl.hcl.parser import parse, parse_expression
from govctl.lang import values as V
from govctl.lang.eval import EvalError, Scope, evaluate, suggest
from govctl.lang.types import STRING

ENV_PREFIX = "GOVCTL_VAR_"
DEFAULT_FILES = ("govctl.tfvars", "govctl.tfvars.json")


def collect(root: Path, declared: Mapping[str, Variable],
            cli: Sequence[tuple[str, str]] = (),
            environ: Mapping[str, str] | None = None) -> tuple[dict[str, InputValue],
                                                                list[Diagnostic]]:
    """`cli` is the ordered list of ("var", "name=value") / ("var-file", path)."""
    env = os.environ if environ is None else environ
    values: dict[str, InputValue] = {}
    diags: list[Diagnostic] = []
    for key in sorted(env):
        if key.startswith(ENV_PREFIX):
            name = key[len(ENV_PREFIX):]
            if name in declared:
                _raw(name, env[key], declared, values, diags, "environment")
    files = [root / f for f in DEFAULT_FILES]
    files += sorted(p for p in root.glob("*.auto.tfvars*")
                    if p.name.endswith((".auto.tfvars", ".auto.tfvars.json")))
    for path in files:
        if path.is_file():
            _file(path, declared, values, diags, explicit=False)
    _command_line(cli, declared, values, diags)
    return values, diags


def command_line(declared: Mapping[str, Variable], cli: Sequence[tuple[str, str]]
                 ) -> tuple[dict[str, InputValue], list[Diagnostic]]:
    """Only what -var and -var-file give: applying a saved plan compares them
    with the values the plan was made with."""
    values: dict[str, InputValue] = {}
    diags: list[Diagnostic] = []
    _command_line(cli, declared, values, diags)
    return values, diags


def _command_line(cli: Sequence[tuple[str, str]], declared: Mapping[str, Variable],
                  values: dict[str, InputValue], diags: list[Diagnostic]) -> None:
    for kind, arg in cli:
        if kind == "var-file":
            path = Path(arg)
            if not path.is_file():
                diags.append(error("Failed to read variables file",
                                   f'Given variables file {arg} does not exist.'))
                continue
            _file(path, declared, values, diags, explicit=True)
        else:
            name, sep, raw = arg.partition("=")
            name = name.strip()
            if not sep or not name:
                diags.append(error("Invalid -var option",
                                   f'The given -var option "{arg}" is not correctly '
                                   'specified. It must be a variable name and value separated '
                                   'by an equals sign, like -var="key=value".'))
                continue
            if name not in declared:
                diags.append(error("Value for undeclared variable",
                                   f'A variable named "{name}" was assigned on the command '
                                   "line, but the root module does not declare a variable of "
                                   "that name." + suggest(name, declared)))
                continue
            _raw(name, raw, declared, values, diags, "-var")


def _raw(name: str, raw: str, declared: Mapping[str, Variable],
         values: dict[str, InputValue], diags: list[Diagnostic], source: str) -> None:
    var = declared[name]
    # Terraform's rule: literal for `type = string` or no type at all; any other
    # type, `any` included, parses the text as an expression
    if var.type is STRING or not var.type_given:
        values[name] = InputValue(V.string(raw), None, source)
        return
    expr, pdiags = parse_expression(raw, f"<value for var.{name}>")
    if expr is None:
        diags.extend(_redacted(var, source) if var.sensitive else pdiags)
        return
    try:
        values[name] = InputValue(evaluate(expr, Scope()), expr, source)
    except EvalError as exc:
        diags.extend(_redacted(var, source) if var.sensitive else [exc.diagnostic])


def _redacted(var: Variable, source: str) -> list[Diagnostic]:
    """A sensitive variable's unreadable value: said without the text (the
    parser's own messages quote it)."""
    return [error("Invalid value for input variable",
                  f"The value given for var.{var.name} ({source}), which is sensitive, is not "
                  "a valid expression. Invalid value redacted because it is sensitive.",
                  var.block.def_range)]


def _file(path: Path, declared: Mapping[str, Variable], values: dict[str, InputValue],
          diags: list[Diagnostic], explicit: bool) -> None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        diags.append(error("Failed to read variables file", f"{path}: {exc.strerror}"))
        return
    if path.name.endswith(".json"):
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            diags.append(error("Invalid JSON variables file", f"{path}: {exc}"))
            return
        if not isinstance(doc, dict):
            diags.append(error("Invalid JSON variables file",
                               f"{path}: the root must be an object of variable values."))
            return
        for name, raw in doc.items():
            if _declared(name, declared, path, diags, explicit, None):
                values[name] = InputValue(V.from_python(raw), None, str(path))
        return
    f, pdiags = parse(data, str(path))
    diags.extend(pdiags)
    if f is None:
        return
    for b in f.body.blocks:
        diags.append(error("Unexpected block in variables file",
                           "A variables file can only contain variable assignments "
                           "(name = value).", b.def_range))
    for name, attr in f.body.attributes.items():
        if not _declared(name, declared, path, diags, explicit, attr):
            continue
        try:
            values[name] = InputValue(evaluate(attr.expr, Scope()), attr.expr, str(path))
        except EvalError as exc:
            if declared[name].sensitive:
                diags.extend(_redacted(declared[name], str(path)))
                continue
            d = exc.diagnostic
            if d.summary == "Unknown variable":
                d = error("Variables not allowed",
                          "Variables may not be used here: a variables file holds constant "
                          "values only.", attr.expr.range)
            diags.append(d)


def _declared(name: str, declared: Mapping[str, Variable], path: Path,
              diags: list[Diagnostic], explicit: bool, attr: object) -> bool:
    if name in declared:
        return True
    rng = getattr(attr, "name_range", None)
    diags.append(warning("Value for undeclared variable",
                         f'The root module does not declare a variable named "{name}" but a '
                         f"value was found in file {path}. To use this value, add a variable "
                         "block to the configuration." + suggest(name, declared), rng))
    return False
