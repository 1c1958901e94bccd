"""`govctl plan`, `govctl apply` and `govctl destroy`: load, lock, plan, show,
confirm, apply, persist. The planner and the executor are pure of I/O with
the user; this module is where the user is talked to.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govctl.diagnostics import Diagnostic, DiagnosticError, Severity, error
from govctl.gcpause import paused
from govctl.render.diagnostics import print_diagnostics


@dataclass
class RunOptions:
    directory: Path = Path(".")
    vars: Sequence[tuple[str, str]] = field(default_factory=list)
    out: Path | None = None
    plan_file: Path | None = None
    mode: str = "normal"                  # normal | destroy | refresh-only
    refresh: bool = True
    targets: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    replace: list[str] = field(default_factory=list)
    detailed_exitcode: bool = False
    parallelism: int = 10
    lock: bool = True
    lock_timeout: float = 0.0
    auto_approve: bool = False
    input: bool = True
    colour: bool | None = None
    policy_dirs: list[Path] = field(default_factory=list)
    override_policies: list[str] = field(default_factory=list)
    override_reason: str | None = None
    json: bool = False                    # Terraform's machine-readable UI on stdout
    json_out: Path | None = None          # plan -json-out FILE: the JSON plan, too


def _json_ui(opts: RunOptions) -> Any:
    """With -json, the machine-readable UI (govctl.render.json_ui) that every
    point below talks through instead of the console; None otherwise."""
    if not opts.json:
        return None
    from govctl.render.json_ui import JsonUI

    return JsonUI(sys.stdout)


def _report(opts: RunOptions, diags: list[Diagnostic]) -> None:
    """Diagnostics to stderr for people, or as diagnostic lines with -json."""
    ui = _json_ui(opts)
    if ui is not None:
        ui.diagnostics(diags)
    else:
        print_diagnostics(diags, colour=opts.colour)


def _errors(diags: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diags)


class _Stop(Exception):
    def __init__(self, code: int, diags: list[Diagnostic] | None = None):
        self.code = code
        self.diags = diags or []


def _console(opts: RunOptions) -> Any:
    from rich.console import Console

    return Console(no_color=opts.colour is False, highlight=False, soft_wrap=True)


def _load(opts: RunOptions) -> tuple[Any, dict[str, Any], list[Diagnostic]]:
    from govctl.config import varfiles
    from govctl.config.loader import load_config

    module, diags = load_config(opts.directory)
    if _errors(diags):
        raise _Stop(1, diags)
    values, vdiags = varfiles.collect(module.path, module.variables, opts.vars)
    diags += vdiags
    if not _errors(diags) and opts.input and sys.stdin.isatty():
        asked, adiags = _ask_for_missing(module, values)
        values.update(asked)
        diags += adiags
    if _errors(diags):
        raise _Stop(1, diags)
    return module, values, diags


def _ask_for_missing(module: Any, values: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """Required root variables nothing set, asked for at the terminal as
    Terraform asks (-input=false or no terminal: the plan reports them); a
    sensitive one is read without echo."""
    import getpass

    from govctl.config import varfiles

    given: list[tuple[str, str]] = []
    for name, var in sorted(module.variables.items()):
        if var.default is not None or name in values:
            continue
        about = f"\n  {var.description}\n" if var.description else ""
        prompt = f"var.{name}{about}\n  Enter a value: "
        try:
            text = getpass.getpass(prompt) if var.sensitive else input(prompt)
        except EOFError:
            break
        given.append(("var", f"{name}={text}"))
    return varfiles.command_line(module.variables, given)


def backend_for(module: Any, values: Any = None) -> Any:
    """The backend of the current workspace (govctl.state.backends)."""
    try:
        return backends_for(module, values).current(module.path)
    except DiagnosticError as exc:
        raise _Stop(1, exc.diagnostics) from None


def backends_for(module: Any, values: Any = None, *, initialised: bool = True) -> Any:
    """The configured backend of every workspace, with the state's encryption;
    raises DiagnosticError. `initialised`: refuse a backend whose states are
    still in the one `init` last set up (govctl.state.migrate)."""
    from govctl.state import backends, migrate

    cfg = encryption_of(module, values)
    configured = backends.configured(module, codec=cfg.state if cfg is not None else None)
    if initialised:
        migrate.check_initialised(module.path, configured)
    return configured


def encryption_values(module: Any, vars: list[Any]) -> Any:
    """Variable values for the encryption block from -var/-var-file (and the
    environment and tfvars files), for commands that take no others; None when
    there is no encryption block. DiagnosticError for a bad -var."""
    if module.settings.encryption_block is None:
        return None
    from govctl.config import varfiles

    values, diags = varfiles.collect(module.path, module.variables, vars)
    if _errors(diags):
        raise DiagnosticError(diags)
    return values


def encryption_of(module: Any, values: Any = None) -> Any:
    """The root module's encryption configuration (None without an encryption
    block). `values`: the root variables' values; by default those the
    environment and tfvars files give (a bad file is reported where the run's
    own variables are read)."""
    if module.settings.encryption_block is None:
        return None
    from govctl.config import varfiles
    from govctl.state import encryption

    if values is None:
        values, _ = varfiles.collect(module.path, module.variables, [])
    cfg, diags = encryption.load(module, values)
    if _errors(diags):
        raise DiagnosticError(diags)
    return cfg


def _providers(module: Any) -> Any:
    """The providers the configuration uses, after the check init makes of its
    required_providers (commands.init.required_problems): DiagnosticError."""
    from govctl.commands.init import required_problems
    from govctl.plan.providers import ProviderSet
    from govctl.plugins.registry import LazyInstalled

    installed = LazyInstalled()
    problems = required_problems(module, installed)
    if _errors(problems):
        raise DiagnosticError(problems)
    return ProviderSet(installed, module)


def _print_plan(console: Any, plan: Any) -> None:
    """The plan's lines, coloured with plain ANSI codes and written at once:
    rich's layout of one Text per line (or one huge Text) took seconds for a
    5,000-resource plan, and the plan needs no layout."""
    from govctl.render.plan_text import render_plan

    colour = not console.no_color and console.is_terminal
    out = []
    for style, text in render_plan(plan):
        code = _ANSI.get(style, "") if colour else ""
        out.append(f"{code}{text}\x1b[0m" if code else text)
    console.file.write("\n".join(out) + "\n")
    console.file.flush()


_ANSI = {"green": "\x1b[32m", "yellow": "\x1b[33m", "red": "\x1b[31m", "cyan": "\x1b[36m",
         "bold": "\x1b[1m", "bold green": "\x1b[1;32m"}


def _make_plan(opts: RunOptions, module: Any, values: dict[str, Any], state: Any,
               providers: Any = None) -> Any:
    import datetime

    from govctl.plan.options import PlanOptions
    from govctl.plan.planner import make_plan

    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ui = _json_ui(opts)
    with _refresh_progress(opts) as progress:
        plan, diags = make_plan(module, values, state, providers or _providers(module),
                                PlanOptions(opts.mode, opts.refresh, opts.targets,
                                            opts.excludes, opts.replace, opts.parallelism,
                                            progress,
                                            ui.refresh_event if ui is not None else None),
                                now)
    return plan, diags


@contextlib.contextmanager
def _refresh_progress(opts: RunOptions) -> Iterator[Any]:
    """A progress bar while a large estate is refreshed, on a terminal only."""
    console = _console(opts)
    if opts.json or not console.is_terminal:
        yield None
        return
    from rich.progress import Progress

    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("Refreshing state...", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def plan(opts: RunOptions) -> int:
    return _command(_plan, opts)


def apply(opts: RunOptions) -> int:
    return _command(_apply, opts)


def _command(body: Callable[[RunOptions], int], opts: RunOptions) -> int:
    """Run a command body; every user-caused failure it raises becomes printed
    diagnostics and an exit code, never a traceback."""
    with paused():
        if opts.json:
            _json_ui(opts).version()
        try:
            return body(opts)
        except _Stop as stop:
            _report(opts, stop.diags)
            return stop.code
        except DiagnosticError as exc:
            _report(opts, exc.diagnostics)
            return 1


def _plan(opts: RunOptions) -> int:
    console = _console(opts)
    module, values, diags = _load(opts)
    backend = backend_for(module, values)
    with _locked(backend, "plan", opts):
        state = backend.read()
        the_plan = _plan_and_show(console, opts, module, values, state, diags)
    if the_plan is None:
        return 1
    if opts.out is not None:
        from govctl.plan import planfile

        cfg = encryption_of(module, values)
        if cfg is not None and cfg.state is not None and cfg.plan is None and \
                cfg.state.encrypts:
            raise _Stop(1, [error(
                "Saved plan would not be encrypted",
                "The state is encrypted, but the encryption block has no plan method: a plan "
                "file holds the state it was made from and the variables' values, and "
                "would hold them in clear. Add `plan { method = ... }` to the encryption "
                "block (the state's method will do).",
                module.settings.encryption_block.def_range)])
        try:
            planfile.write(opts.out, the_plan, _plain_vars(values, module), prior=state,
                           module=module, codec=cfg.plan if cfg is not None else None)
        except OSError as exc:
            raise _Stop(1, [error("Failed to write plan file",
                                  f"The plan could not be saved to {opts.out}: "
                                  f"{exc.strerror or exc}.")]) from None
        if not opts.json:
            console.print(f"\nSaved the plan to: {opts.out}\n\nTo perform exactly these "
                          "actions, run the following command to apply:\n"
                          f'    govctl apply "{opts.out}"')
    if opts.json_out is not None:
        from govctl.render import json_plan

        json_plan.write(opts.json_out, the_plan, _plain_vars(values, module), state, module)
    if opts.detailed_exitcode and the_plan.has_changes:
        return 2
    return 0


def _plan_and_show(console: Any, opts: RunOptions, module: Any, values: dict[str, Any],
                   state: Any, diags: list[Diagnostic], providers: Any = None) -> Any:
    """Plan, print the diagnostics (with those of loading) and the plan; None
    when there were errors, which leave nothing to apply or save."""
    providers = providers or _providers(module)
    the_plan, pdiags = _make_plan(opts, module, values, state, providers)
    diags = diags + pdiags
    if not _errors(diags):
        diags += _check_policies(opts, module, the_plan, providers)
    if _errors(diags):
        _report(opts, diags)
        return None
    ui = _json_ui(opts)
    if ui is not None:
        ui.plan(the_plan)
    else:
        _print_plan(console, the_plan)
    _report(opts, diags)
    blocked = [r for r in the_plan.policy_results if r.blocking]
    if blocked:
        _report(opts, [_policy_block(blocked)])
        return None
    return the_plan


def _check_policies(opts: RunOptions, module: Any, the_plan: Any,
                    providers: Any) -> list[Diagnostic]:
    """Check the configuration's policies (and -policy-dir's) against the plan;
    the results ride on the plan (shown with it, saved with it, audited)."""
    from govctl.policy import run as policy_run

    policies, diags = policy_run.gather(module, opts.policy_dirs)
    given, odiags = policy_run.overrides(policies, opts.override_policies,
                                         opts.override_reason)
    diags += odiags
    if _errors(diags) or not policies:
        return diags
    results, needed, cdiags = policy_run.check_plan(module, the_plan, providers.installed,
                                                    policies, given)
    the_plan.policy_results = results
    the_plan.overrides = given
    the_plan.approvals_required = needed
    return diags + cdiags


def _decide_after_apply(opts: RunOptions, module: Any, the_plan: Any, state: Any,
                        providers: Any) -> list[Diagnostic]:
    from govctl.policy import run as policy_run

    if not any(str(r.outcome) == "unknown" for r in the_plan.policy_results):
        return []
    policies, diags = policy_run.gather(module, opts.policy_dirs)
    if _errors(diags):
        return diags
    _failed, cdiags = policy_run.decide_after_apply(module, the_plan, providers.installed,
                                                    policies, state)
    return cdiags


def _policy_block(blocked: list[Any]) -> Diagnostic:
    names = sorted({r.policy for r in blocked})
    overridable = sorted({r.policy for r in blocked if str(r.level) == "overridable"})
    hint = (" Overridable ones may be overridden with -override-policy NAME -reason "
            f"TEXT ({', '.join(overridable)})." if overridable else "")
    return error("Policy check failed",
                 f"{len(blocked)} result(s) of {', '.join(names)} block this plan: it cannot "
                 f"be applied or saved.{hint}")


def _apply(opts: RunOptions) -> int:
    console = _console(opts)
    if opts.json and not opts.auto_approve and opts.plan_file is None:
        raise _Stop(1, [_json_needs_approval()])
    if opts.plan_file is not None:
        return _apply_saved(opts, console)
    module, values, diags = _load(opts)
    backend = backend_for(module, values)
    providers = _providers(module)      # configured once, for the plan and the apply
    with _locked(backend, "apply", opts):
        state = backend.read()
        the_plan = _plan_and_show(console, opts, module, values, state, diags, providers)
        if the_plan is None:
            return 1
        if not the_plan.has_changes:
            if opts.json:
                _json_ui(opts).apply_summary(0, 0, 0, _operation(opts))
            return 0
        if the_plan.approvals_required:
            raise _Stop(1, [_needs_saved_plan(the_plan.approvals_required)])
        if not opts.auto_approve and not _confirm(console, opts):
            console.print("\nDestroy cancelled." if opts.mode == "destroy"
                          else "\nApply cancelled.")
            return 1
        return _execute(console, opts, module, values, the_plan, state, backend, providers)


def _json_needs_approval() -> Diagnostic:
    return error("Plan file or auto-approve required",
                 "govctl cannot ask for interactive approval when -json is set. Apply a "
                 "saved plan file (govctl plan -out FILE, then govctl apply -json FILE), or "
                 "add -auto-approve.")


def _operation(opts: RunOptions) -> str:
    return "destroy" if opts.mode == "destroy" else "apply"


def _needs_saved_plan(reqs: list[Any]) -> Diagnostic:
    what = "; ".join(f'"{r.policy}" needs {r.required} for {", ".join(r.addresses)}'
                     for r in reqs)
    return error("Plan needs approvals",
                 f"Policies require signed approvals of this exact plan ({what}). Save it "
                 "with govctl plan -out FILE, have it approved with govctl approve FILE "
                 "-approver NAME -key KEYFILE, then run govctl apply FILE.")


def _approvals(module: Any, the_plan: Any, plan_file: Path, data: bytes) -> list[Any]:
    """The signatures that count for a saved plan that needs them; _Stop when
    they do not meet every requirement."""
    if not the_plan.approvals_required:
        return []
    from govctl.approvals import approvers, signatures  # cryptography: only when needed
    from govctl.approvals.requirements import verify

    keys, diags = approvers.keys(module)
    try:
        given = signatures.load(plan_file)
    except ValueError as exc:
        diags.append(error("Invalid approvals file", str(exc)))
        given = []
    good, vdiags = verify(the_plan.approvals_required, given, keys,
                          signatures.digest_of(data))
    if _errors(diags + vdiags):
        raise _Stop(1, diags + vdiags)
    return good


def _apply_saved(opts: RunOptions, console: Any) -> int:
    from govctl.commands import plan_vars
    from govctl.config.evaluate import InputValue
    from govctl.lang.values import from_python
    from govctl.plan import planfile
    from govctl.plan.digest import config_digest

    assert opts.plan_file is not None
    data, the_plan, variables = planfile.read(opts.plan_file, opts.directory)
    cli, opts.vars = opts.vars, []
    if the_plan.config_dir:
        opts.directory = Path(the_plan.config_dir)
    module, _, _ = _load(opts)
    values = {k: InputValue(from_python(v), None, "plan file") for k, v in variables.items()}
    given = plan_vars.against_plan(module, variables, cli)
    if module.settings.encryption_block is not None:
        values = {**_with_key_variables(module, values), **given}
    cfg = encryption_of(module, values)
    if cfg is not None:
        from govctl.state.encryption.files import check_plain

        check_plain(data, str(opts.plan_file), cfg.plan)
    backend = backend_for(module, values)
    with _locked(backend, "apply", opts):
        state = backend.read()
        stale = []
        if state.lineage != the_plan.lineage and the_plan.prior_serial != 0:
            stale.append(f"the state's lineage is {state.lineage}, the plan was made for "
                         f"{the_plan.lineage}")
        elif state.serial != the_plan.prior_serial:
            stale.append(f"the state is at serial {state.serial}, the plan was made at serial "
                         f"{the_plan.prior_serial}")
        if config_digest(module, values) != the_plan.config_digest:
            stale.append("the configuration has changed since the plan was made")
        if stale:
            raise _Stop(1, [error("Saved plan is stale",
                                  "The plan cannot be applied: " + "; ".join(stale)
                                  + ". Create a new plan with govctl plan.")])
        providers = _providers(module)
        _recheck_policies(opts, module, the_plan, providers)
        approvals = _approvals(module, the_plan, opts.plan_file, data)
        return _execute(console, opts, module, values, the_plan, state, backend, providers,
                        approvals=approvals)


def _recheck_policies(opts: RunOptions, module: Any, the_plan: Any, providers: Any) -> None:
    """A saved plan's policy results and required approvals are worked out again
    from its changes and the policies in force now (the configuration's and
    -policy-dir's): what the file says of itself is never trusted, so editing
    it cannot lift a block or an approval requirement. Its overrides stand as
    recorded (mandatory policies ignore them)."""
    from govctl.policy import run as policy_run

    policies, diags = policy_run.gather(module, opts.policy_dirs)
    if _errors(diags):
        raise _Stop(1, diags)
    if not policies:
        # nothing can fail or need approval; checking would still load every
        # installed provider's schemas (the AWS provider imports boto3)
        the_plan.policy_results, the_plan.approvals_required = [], []
        return
    results, needed, cdiags = policy_run.check_plan(module, the_plan, providers.installed,
                                                    policies, the_plan.overrides)
    if _errors(cdiags):
        raise _Stop(1, cdiags)
    the_plan.policy_results = results
    the_plan.approvals_required = needed
    blocked = [r for r in results if r.blocking]
    if blocked:
        raise _Stop(1, [_policy_block(blocked)])


def _execute(console: Any, opts: RunOptions, module: Any, values: dict[str, Any],
             the_plan: Any, state: Any, backend: Any, providers: Any = None,
             approvals: Any = ()) -> int:
    from govctl.apply import apply_plan
    from govctl.audit.recorder import record_apply
    from govctl.plan.model import Action
    from govctl.plan.providers import ProviderSet  # noqa: F401 - typing aid

    def event(kind: str, change: Any, message: str) -> None:
        verb = {"start": {Action.CREATE: "Creating...", Action.UPDATE: "Modifying...",
                          Action.DELETE: "Destroying...", Action.REPLACE: "Replacing..."},
                "done": {Action.CREATE: "Creation complete", Action.UPDATE: "Modifications "
                         "complete", Action.DELETE: "Destruction complete",
                         Action.REPLACE: "Replacement complete"}}
        if kind == "error":
            console.print(f"{change.addr}: [red]failed[/red]: {message}", markup=True)
            return
        # a plain line, as rich would print it: rendering it through rich cost
        # ~0.1 ms of CPU under the interpreter lock, twice per change, on the
        # workers that should be starting the next provider call
        line = f"{change.addr}: {verb[kind].get(change.action, kind)}\n"
        with progress_lock:
            console.file.write(line)
            console.file.flush()

    progress_lock = threading.Lock()

    def interrupted(count: int) -> None:
        # called from the SIGINT handler: plain writes, no console locks
        if count == 1:
            sys.stderr.write("\nInterrupt received.\nPlease wait for govctl to exit or data "
                             "loss may occur.\nGracefully shutting down...\n")
        else:
            sys.stderr.write("\nTwo interrupts received. Exiting immediately; what finished "
                             "is saved.\n")
        sys.stderr.flush()

    ui = _json_ui(opts)
    journal = backend.journal()
    working = state.copy()
    providers = providers or _providers(module)
    result = apply_plan(module, values, the_plan, working, journal, providers,
                        opts.parallelism, event if ui is None else ui.apply_event,
                        interrupted)
    result.diagnostics += _decide_after_apply(opts, module, the_plan, working, providers)
    # recorded before the fold, so that the state written carries the log's new head
    audit_diags = record_apply(backend, the_plan, result, state, providers,
                               command="destroy" if opts.mode == "destroy" else "apply",
                               plan_file=opts.plan_file,
                               approvals=[{"approver": a.approver, "digest": a.digest,
                                           "time": a.time, "signature": a.signature}
                                          for a in approvals])
    backend.fold(state)
    _report(opts, result.diagnostics + audit_diags)
    ok = [o for o in result.outcomes if o.ok]
    added = sum(1 for o in ok if o.action in (Action.CREATE, Action.REPLACE))
    changed = sum(1 for o in ok if o.action is Action.UPDATE)
    destroyed = sum(1 for o in ok if o.action in (Action.DELETE, Action.REPLACE))
    failed = result.failed
    for f in failed:
        failure = [error(f"Failed to {f.action} {f.addr}", f.message, f.where)]
        if ui is not None:
            ui.diagnostics(failure, address=str(f.addr))
        else:
            print_diagnostics(failure, colour=opts.colour)
    if failed or result.interrupted or _errors(result.diagnostics + audit_diags):
        skipped = f", {len(result.skipped)} skipped" if result.skipped else ""
        if ui is None:      # -json: the errored hooks and the diagnostics said it
            console.print(f"\nApply failed. Resources: {added} added, {changed} changed, "
                          f"{destroyed} destroyed; {len(failed)} failed{skipped}.")
        return 1
    if ui is not None:
        ui.apply_summary(added, changed, destroyed, _operation(opts))
        if opts.mode != "destroy":
            ui.outputs(working.outputs)
        return 0
    if opts.mode == "destroy":      # as Terraform words it
        console.print(f"\nDestroy complete! Resources: {destroyed} destroyed.")
    else:
        imported = sum(1 for c in the_plan.changes if c.importing is not None)
        lead = f"{imported} imported, " if imported else ""     # recorded before the walk
        console.print(f"\nApply complete! Resources: {lead}{added} added, {changed} changed, "
                      f"{destroyed} destroyed.")
        _print_outputs(console, working)
    return 0


def _print_outputs(console: Any, state: Any) -> None:
    """The root outputs after an apply, as Terraform prints them."""
    from govctl.state.commands import output_lines

    lines = output_lines(state)
    if lines:
        console.file.write("\nOutputs:\n\n" + "\n".join(lines) + "\n")
        console.file.flush()


def _confirm(console: Any, opts: RunOptions) -> bool:
    if not opts.input or (not sys.stdin.isatty() and not opts.input):
        return False
    if opts.mode == "destroy":      # Terraform's words for each
        console.print("\nDo you really want to destroy all resources?\n  govctl will destroy "
                      "all your managed infrastructure, as shown above.\n  There is no undo. "
                      "Only 'yes' will be accepted to confirm.\n")
    else:
        console.print("\nDo you want to perform these actions?\n  govctl will perform the "
                      "actions described above.\n  Only 'yes' will be accepted to approve.\n")
    try:
        answer = input("  Enter a value: ")
    except EOFError:
        return False
    return answer.strip() == "yes"


def _with_key_variables(module: Any, values: dict[str, Any]) -> dict[str, Any]:
    """A saved plan's values plus the encryption block's own variables, which
    plan files never keep: from the environment and tfvars files, as then."""
    from govctl.commands.plan_vars import key_names
    from govctl.config import varfiles

    wanted = key_names(module) - set(values)
    if not wanted:
        return values
    found, _ = varfiles.collect(module.path, module.variables, [])
    return {**values, **{k: v for k, v in found.items() if k in wanted}}


def _plain_vars(values: dict[str, Any], module: Any = None) -> dict[str, Any]:
    """The variables' values a plan file keeps: not the encryption block's keys."""
    from govctl.commands.plan_vars import key_names, plain

    secret = key_names(module) if module is not None else frozenset()
    return {k: plain(v.value) for k, v in values.items()
            if v.value.is_wholly_known() and k not in secret}


class _locked:
    """The state lock for commands that write (and plan, as Terraform does)."""

    def __init__(self, backend: Any, operation: str, opts: RunOptions):
        self.cm = backend.lock(operation, opts.lock_timeout) if opts.lock else None

    def __enter__(self) -> None:
        from govctl.state.local import LockError

        if self.cm is not None:
            try:
                self.cm.__enter__()
            except LockError as exc:
                raise _Stop(1, exc.diagnostics) from None

    def __exit__(self, *exc: object) -> None:
        if self.cm is not None:
            self.cm.__exit__(*exc)
