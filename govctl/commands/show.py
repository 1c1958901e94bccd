"""`govctl show [-json] [PLANFILE]`: a saved plan, or the state, for people
(as `govctl plan` and `govctl state show` print them) or for tools (in
Terraform's JSON plan and state representations)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from govctl.diagnostics import DiagnosticError, error
from govctl.render.diagnostics import print_diagnostics


def run(plan_file: Path | None, backend: Any, json: bool, colour: bool | None) -> int:
    try:
        if plan_file is not None:
            return _show_plan(plan_file, json, colour)
        return _show_state(backend, json)
    except DiagnosticError as exc:
        print_diagnostics(exc.diagnostics, colour=colour)
        return 1


def _show_plan(path: Path, json: bool, colour: bool | None) -> int:
    from govctl.plan import planfile

    data, plan, variables = planfile.read(path)
    if json:
        from govctl.render.json_plan import dumps, plan_json

        prior, configuration = planfile.show_context(planfile.plaintext(data, path), str(path))
        sys.stdout.write(dumps(plan_json(plan, variables, prior, configuration)) + "\n")
        return 0
    from rich.console import Console

    from govctl.commands.run import _print_plan

    _print_plan(Console(no_color=colour is False, highlight=False, soft_wrap=True), plan)
    return 0


def _show_state(backend: Any, json: bool) -> int:
    from govctl.state.model import State

    state = backend.read() if backend.exists() else State()
    if json:
        from govctl.render.json_plan import dumps, state_json

        sys.stdout.write(dumps(state_json(state)) + "\n")
        return 0
    from govctl.state.commands import _object

    if not state.resources and not state.outputs:
        print("The state file is empty. No resources are represented.")
        return 0
    for addr, _, inst in state.instances():
        res = addr.resource
        kind = "data" if res.mode == "data" else "resource"
        sensitive = {tuple(p) for p in inst.sensitive_paths}
        print(f"# {addr}:" + (" (tainted)" if inst.tainted else ""))
        print(f'{kind} "{res.type}" "{res.name}" ' + _object(inst.attributes, (), sensitive, 0))
        print()
    if state.outputs:
        print("\nOutputs:\n")
        for name, out in sorted(state.outputs.items()):
            value = "(sensitive value)" if out.sensitive else _value(out.value)
            print(f"{name} = {value}")
    return 0


def _value(v: Any) -> str:
    from govctl.render.json_plan import dumps

    return dumps(v)


def markdown(plan_file: Path | None, template: Path | None, json: bool,
             colour: bool | None) -> int:
    """`govctl show -markdown [-template FILE] PLANFILE`: the saved plan as a
    pull-request comment (govctl/render/plan_markdown.py)."""
    from govctl.render.plan_markdown import render_file

    try:
        if json:
            raise DiagnosticError([error("Conflicting options",
                                         "-markdown and -json cannot be used together.")])
        if plan_file is None:
            raise DiagnosticError([error("No plan file given",
                                         "-markdown renders a saved plan: run "
                                         "`govctl plan -out FILE`, then "
                                         "`govctl show -markdown FILE`.")])
        text = render_file(plan_file, template)
    except DiagnosticError as exc:
        print_diagnostics(exc.diagnostics, colour=colour)
        return 1
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
