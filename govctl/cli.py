"""Command line: flags -> options objects -> a command's run(). No logic here.

Flags are Terraform's single-dash style (-var, -json, -check). Imports are
lazy so that `govctl --version` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from govctl import __version__


class _Ordered(argparse.Action):
    """Keep -var and -var-file in command-line order (later ones win)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        items = list(getattr(namespace, "vars", None) or [])
        kind = "var-file" if option_string in ("-var-file", "--var-file") else "var"
        items.append((kind, str(values)))
        namespace.vars = items


def _bool_flag(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="govctl", description="Declarative governance for ML "
                                "platforms on AWS and Google Cloud.")
    p.add_argument("-version", "--version", "-v", action="store_true",
                   help="print the version")
    p.add_argument("-chdir", "--chdir", help="switch to this directory before doing anything")
    p.add_argument("-allow-state-rollback", "--allow-state-rollback",
                   dest="allow_state_rollback", action="store_true",
                   help="accept an encrypted state older than one this machine has seen "
                   "(after restoring an old version on purpose)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    v = sub.add_parser("validate", help="check that the configuration is valid")
    v.add_argument("dir", nargs="?", default=".", type=Path)
    v.add_argument("-json", "--json", action="store_true", help="machine-readable output")
    v.add_argument("-no-color", "--no-color", dest="no_color", action="store_true")

    f = sub.add_parser("fmt", help="rewrite configuration files in the canonical format")
    f.add_argument("targets", nargs="*", type=Path, default=[Path(".")])
    f.add_argument("-check", "--check", action="store_true",
                   help="exit 3 if any file needs changes")
    f.add_argument("-diff", "--diff", action="store_true", help="show the changes as a diff")
    f.add_argument("-recursive", "--recursive", action="store_true",
                   help="also format subdirectories")
    f.add_argument("-write", "--write", type=_bool_flag, default=True, metavar="BOOL")
    f.add_argument("-list", "--list", type=_bool_flag, default=True, metavar="BOOL")
    f.add_argument("-no-color", "--no-color", dest="no_color", action="store_true")

    c = sub.add_parser("console", help="evaluate expressions read from standard input")
    c.add_argument("dir", nargs="?", default=".", type=Path)
    c.add_argument("-var", "--var", action=_Ordered, dest="vars", metavar="NAME=VALUE")
    c.add_argument("-var-file", "--var-file", action=_Ordered, dest="vars", metavar="FILE")
    c.add_argument("-no-color", "--no-color", dest="no_color", action="store_true")

    for name, help_ in (("plan", "show the changes required by the configuration"),
                        ("apply", "make the changes required by the configuration"),
                        ("destroy", "destroy every object managed by the configuration")):
        _run_flags(sub.add_parser(name, help=help_), name)

    ap = sub.add_parser("approve", help="sign a saved plan as one of its approvers")
    ap.add_argument("plan_file", type=Path, metavar="PLANFILE")
    _flag(ap, "approver", required=True, metavar="NAME")
    _flag(ap, "key", dest="key_file", required=True, type=Path, metavar="KEYFILE",
          help="the approver's Ed25519 private key (OpenSSH or PEM)")
    _flag(ap, "comment", default="", metavar="TEXT")
    _flag(ap, "no-color", dest="no_color", action="store_true")

    ck = sub.add_parser("check", help="check the policies against the live estate")
    ck.add_argument("dir", nargs="?", default=".", type=Path)
    ck.add_argument("-var", "--var", action=_Ordered, dest="vars", metavar="NAME=VALUE")
    ck.add_argument("-var-file", "--var-file", action=_Ordered, dest="vars", metavar="FILE")
    _flag(ck, "parallelism", type=_parallelism, default=10, metavar="N")
    _flag(ck, "json", action="store_true", help="machine-readable results")
    _flag(ck, "no-color", dest="no_color", action="store_true")
    _flag(ck, "policy-dir", dest="policy_dirs", action="append", default=[], type=Path,
          metavar="DIR", help="also check the policies in DIR (repeatable)")

    g = sub.add_parser("graph", help="print the dependency graph in DOT")
    g.add_argument("dir", nargs="?", default=".", type=Path)
    _flag(g, "type", default="plan", metavar="TYPE")

    i = sub.add_parser("init", help="check the providers and prepare the backend")
    i.add_argument("dir", nargs="?", default=".", type=Path)
    _flag(i, "no-color", dest="no_color", action="store_true")
    _var_flags(i)
    _flag(i, "migrate-state", dest="migrate_state", action="store_true",
          help="copy every workspace's state from the previous backend to the configured one")
    _flag(i, "reconfigure", action="store_true",
          help="use the configured backend as it is, ignoring the previous one's states")
    _flag(i, "force-copy", dest="force_copy", action="store_true",
          help="with -migrate-state: overwrite a destination that holds another history")

    sb = sub.add_parser("sandbox", help="run a provider's local sandbox (no cloud account)")
    _flag(sb, "name", default=None, help="the sandbox (default: the only one installed)")
    _flag(sb, "port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    _flag(sb, "env-file", dest="env_file", type=Path, default=None, metavar="FILE",
          help="also write the environment to FILE as export lines")
    sb.add_argument("sandbox_command", nargs=argparse.REMAINDER, metavar="-- COMMAND ...",
                    help="run COMMAND in the sandbox's environment, then stop")

    pr = sub.add_parser("providers", help="show the providers the configuration needs")
    pr.add_argument("dir", nargs="?", default=".", type=Path)
    _flag(pr, "no-color", dest="no_color", action="store_true")

    _state_parsers(sub)

    o = sub.add_parser("output", help="show output values from the state")
    o.add_argument("name", nargs="?", default=None, metavar="NAME")
    _flag(o, "json", action="store_true", help="machine-readable output, sensitive values "
          "included")
    _flag(o, "raw", action="store_true", help="print one string, number or bool as it is")
    _state_flag(o)
    _flag(o, "no-color", dest="no_color", action="store_true")

    sh = sub.add_parser("show", help="show a saved plan or the state")
    sh.add_argument("plan_file", nargs="?", default=None, type=Path, metavar="PLANFILE")
    _flag(sh, "json", action="store_true", help="Terraform's JSON plan or state "
          "representation, sensitive values included")
    _flag(sh, "markdown", action="store_true", help="the saved plan as a pull-request "
          "comment (Markdown), within GitHub's comment size limit")
    _flag(sh, "template", type=Path, default=None, metavar="FILE",
          help="a jinja2 template for -markdown instead of the default one")
    _state_flag(sh)
    _flag(sh, "no-color", dest="no_color", action="store_true")

    im = sub.add_parser("import", help="bring an existing object under govctl's management")
    im.add_argument("addr", metavar="ADDR")
    im.add_argument("id", metavar="ID")
    _flag(im, "config", type=Path, default=Path("."), metavar="DIR",
          help="the configuration directory (default: the working directory)")
    im.add_argument("-var", "--var", action=_Ordered, dest="vars", metavar="NAME=VALUE")
    im.add_argument("-var-file", "--var-file", action=_Ordered, dest="vars", metavar="FILE")
    _flag(im, "lock-timeout", dest="lock_timeout", type=_duration, default=0.0,
          metavar="DURATION")
    _flag(im, "no-color", dest="no_color", action="store_true")
    _flag(im, "input", type=_bool_flag, default=True, metavar="BOOL",
          help="accepted for Terraform's scripts: import never prompts")

    fu = sub.add_parser("force-unlock", help="remove a lock left on the state")
    fu.add_argument("lock_id", metavar="LOCK_ID")
    fu.add_argument("dir", nargs="?", default=".", type=Path)
    _flag(fu, "force", action="store_true", help="do not ask for confirmation")

    _drift_parser(sub)

    _audit_parsers(sub)

    _workspace_parsers(sub)

    sub.add_parser("version", help="print the version")
    return p


def _audit_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    au = sub.add_parser("audit", help="verify or list the audit log of applies")
    au.set_defaults(print_audit_help=au.print_help)
    asub = au.add_subparsers(dest="audit_command", metavar="SUBCOMMAND")
    av = asub.add_parser("verify", help="check the audit log's hash chain and its head")
    ash = asub.add_parser("show", help="list the audit log's records")
    _flag(ash, "json", action="store_true", help="the records as a JSON array")
    _flag(ash, "n", dest="count", type=int, default=None, metavar="N",
          help="only the last N records")
    for q in (av, ash):
        _flag(q, "log", type=Path, default=None, metavar="PATH",
              help="the audit log (default: govctl.audit.jsonl beside the state)")
        _state_flag(q)
        _flag(q, "no-color", dest="no_color", action="store_true")


def _workspace_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    w = sub.add_parser("workspace", help="list, create, select and delete workspaces")
    w.set_defaults(print_workspace_help=w.print_help)
    wsub = w.add_subparsers(dest="workspace_command", metavar="SUBCOMMAND")
    wl = wsub.add_parser("list", help="list the workspaces (* marks the current one)")
    wsh = wsub.add_parser("show", help="print the current workspace's name")
    wn = wsub.add_parser("new", help="create a workspace and select it")
    wse = wsub.add_parser("select", help="select a workspace")
    _flag(wse, "or-create", dest="or_create", action="store_true",
          help="create the workspace if it does not exist")
    wd = wsub.add_parser("delete", help="delete a workspace and its state")
    _flag(wd, "force", action="store_true", help="even if its state still has resources")
    _flag(wd, "lock-timeout", dest="lock_timeout", type=_duration, default=0.0,
          metavar="DURATION")
    for q in (wn, wse, wd):
        q.add_argument("name", metavar="NAME")
    for q in (wl, wsh, wn, wse, wd):
        q.add_argument("dir", nargs="?", default=".", type=Path)
        _flag(q, "no-color", dest="no_color", action="store_true")
    for q in (wn, wse, wd):     # they write or read a state: its encryption's variables
        _var_flags(q)


def _drift_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    d = sub.add_parser("drift", help="audit the live estate: drift, unmanaged objects, "
                       "waivers (read-only)")
    d.add_argument("dir", nargs="?", default=".", type=Path)
    d.add_argument("-var", "--var", action=_Ordered, dest="vars", metavar="NAME=VALUE")
    d.add_argument("-var-file", "--var-file", action=_Ordered, dest="vars", metavar="FILE")
    fmt = d.add_mutually_exclusive_group()
    for name, what in (("json", "a JSON document"), ("markdown", "Markdown"),
                       ("sarif", "SARIF 2.1.0, for code scanning")):
        fmt.add_argument(f"-{name}", f"--{name}", dest="drift_format", action="store_const",
                         const=name, help=f"print the report as {what}")
    d.set_defaults(drift_format="table")
    _flag(d, "all-types", dest="all_types", action="store_true",
          help="look for unmanaged objects of every type of the providers in use")
    _flag(d, "fail-on-unmanaged", dest="fail_on_unmanaged", action="store_true",
          help="exit 2 when unmanaged objects exist")
    _flag(d, "parallelism", type=_parallelism, default=10, metavar="N")
    _flag(d, "no-color", dest="no_color", action="store_true")


def _state_flag(p: argparse.ArgumentParser) -> None:
    _flag(p, "state", dest="state_path", type=Path, default=None, metavar="PATH",
          help="the state file (default: the configuration's backend)")
    _var_flags(p)


def _var_flags(p: argparse.ArgumentParser) -> None:
    """-var and -var-file, for commands that only need values for the encryption
    block (a passphrase), given as plan and apply take them."""
    p.add_argument("-var", "--var", action=_Ordered, dest="vars", metavar="NAME=VALUE")
    p.add_argument("-var-file", "--var-file", action=_Ordered, dest="vars", metavar="FILE")


def _state_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    st = sub.add_parser("state", help="advanced state management")
    st.set_defaults(print_state_help=st.print_help)
    ss = st.add_subparsers(dest="state_command", metavar="SUBCOMMAND")
    ls = ss.add_parser("list", help="list the resource instances in the state")
    ls.add_argument("addresses", nargs="*", metavar="ADDR")
    _state_flag(ls)
    sh = ss.add_parser("show", help="show one resource instance in the state")
    sh.add_argument("address", metavar="ADDR")
    _state_flag(sh)
    rm = ss.add_parser("rm", help="forget instances (the objects themselves stay)")
    rm.add_argument("addresses", nargs="+", metavar="ADDR")
    mv = ss.add_parser("mv", help="move an instance, resource or module to another address")
    mv.add_argument("source", metavar="SOURCE")
    mv.add_argument("destination", metavar="DESTINATION")
    for q in (rm, mv):
        _state_flag(q)
        _flag(q, "lock", type=_bool_flag, default=True, metavar="BOOL")
        _flag(q, "lock-timeout", dest="lock_timeout", type=_duration, default=0.0,
              metavar="DURATION")
    pl = ss.add_parser("pull", help="print the state (JSON) to standard output")
    _state_flag(pl)
    pu = ss.add_parser("push", help="replace the state with a state file's")
    pu.add_argument("push_file", type=Path, metavar="FILE")
    _flag(pu, "force", action="store_true", help="even another lineage or an older serial")
    _state_flag(pu)
    _flag(pu, "lock-timeout", dest="lock_timeout", type=_duration, default=0.0,
          metavar="DURATION")
    rk = ss.add_parser("rekey", help="write the state again with the current encryption key")
    _state_flag(rk)
    _flag(rk, "lock-timeout", dest="lock_timeout", type=_duration, default=0.0,
          metavar="DURATION")
    for q in (ls, sh, rm, mv, pl, pu, rk):
        _flag(q, "no-color", dest="no_color", action="store_true")


def _flag(p: argparse.ArgumentParser, name: str, **kw: object) -> None:
    """Terraform's single-dash flags, also accepted with two dashes."""
    p.add_argument(f"-{name}", f"--{name}", **kw)  # type: ignore[arg-type]


def _parallelism(text: str) -> int:
    """-parallelism: a whole number of at least 1."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def _duration(text: str) -> float:
    """`10s`, `2m`, `500ms` or plain seconds (Terraform's -lock-timeout)."""
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    for unit in ("ms", "s", "m", "h"):
        if text.endswith(unit) and text[:-len(unit)].replace(".", "", 1).isdigit():
            return float(text[:-len(unit)]) * units[unit]
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a duration like 10s, got {text!r}") \
            from None


def _run_flags(p: argparse.ArgumentParser, command: str) -> None:
    p.add_argument("target_dir", nargs="?", default=None, metavar="DIR" if command != "apply"
                   else "PLANFILE|DIR")
    p.add_argument("-var", "--var", action=_Ordered, dest="vars", metavar="NAME=VALUE")
    p.add_argument("-var-file", "--var-file", action=_Ordered, dest="vars", metavar="FILE")
    _flag(p, "target", action="append", default=[], metavar="ADDR")
    _flag(p, "exclude", action="append", default=[], metavar="ADDR")
    _flag(p, "replace", action="append", default=[], metavar="ADDR")
    _flag(p, "refresh", type=_bool_flag, default=True, metavar="BOOL")
    _flag(p, "parallelism", type=_parallelism, default=10, metavar="N")
    _flag(p, "lock", type=_bool_flag, default=True, metavar="BOOL")
    _flag(p, "lock-timeout", dest="lock_timeout", type=_duration, default=0.0,
          metavar="DURATION")
    _flag(p, "input", type=_bool_flag, default=True, metavar="BOOL")
    _flag(p, "no-color", dest="no_color", action="store_true")
    _flag(p, "json", dest="json_ui", action="store_true",
          help="stream Terraform's machine-readable UI: one JSON object per line")
    _policy_flags(p)
    if command == "plan":
        _flag(p, "out", type=Path, metavar="FILE")
        _flag(p, "json-out", dest="json_out", type=Path, metavar="FILE",
              help="also write the plan in Terraform's JSON plan format to FILE (sensitive "
              "values included; readable by its owner only)")
        _flag(p, "destroy", action="store_true")
        _flag(p, "refresh-only", dest="refresh_only", action="store_true")
        _flag(p, "detailed-exitcode", dest="detailed_exitcode", action="store_true")
    else:
        _flag(p, "auto-approve", dest="auto_approve", action="store_true")
        if command == "apply":
            _flag(p, "destroy", action="store_true")
            _flag(p, "refresh-only", dest="refresh_only", action="store_true")


def _policy_flags(p: argparse.ArgumentParser) -> None:
    _flag(p, "policy-dir", dest="policy_dirs", action="append", default=[], type=Path,
          metavar="DIR", help="also check the policies in DIR (repeatable)")
    _flag(p, "override-policy", dest="override_policies", action="append", default=[],
          metavar="NAME", help="let an overridable policy's failures through (repeatable)")
    _flag(p, "reason", dest="override_reason", default=None, metavar="TEXT",
          help="why: recorded in the plan and the audit log")


def _run_options(args: argparse.Namespace, colour: bool | None) -> object:
    from govctl.commands.run import RunOptions

    _check_modes(args)

    target = Path(args.target_dir) if args.target_dir else Path(".")
    plan_file = None
    if args.command == "apply" and args.target_dir and target.is_file():
        plan_file, target = target, Path(".")
    mode = "destroy" if args.command == "destroy" or getattr(args, "destroy", False) else \
        "refresh-only" if getattr(args, "refresh_only", False) else "normal"
    return RunOptions(
        directory=target, vars=args.vars or [], out=getattr(args, "out", None),
        plan_file=plan_file, mode=mode, refresh=args.refresh, targets=args.target,
        excludes=args.exclude, replace=args.replace,
        detailed_exitcode=getattr(args, "detailed_exitcode", False),
        parallelism=args.parallelism, lock=args.lock, lock_timeout=args.lock_timeout,
        auto_approve=getattr(args, "auto_approve", False), input=args.input, colour=colour,
        policy_dirs=args.policy_dirs, override_policies=args.override_policies,
        override_reason=args.override_reason, json=getattr(args, "json_ui", False),
        json_out=getattr(args, "json_out", None))


def _check_modes(args: argparse.Namespace) -> None:
    """Flags that cannot go together, refused as Terraform refuses them rather
    than one silently winning (-destroy over -refresh-only destroyed
    everything)."""
    from govctl.diagnostics import DiagnosticError, error

    destroy = args.command == "destroy" or getattr(args, "destroy", False)
    refresh_only = getattr(args, "refresh_only", False)
    problems = []
    if destroy and refresh_only:
        problems.append(error("Incompatible plan mode options",
                              "The -destroy and -refresh-only options are mutually-exclusive."))
    if refresh_only and not args.refresh:
        problems.append(error("Incompatible refresh options",
                              "It doesn't make sense to use -refresh-only at the same time as "
                              "-refresh=false, because govctl would have nothing to do."))
    if refresh_only and args.replace:
        problems.append(error("Incompatible plan options",
                              "The -replace option is not allowed in refresh-only mode, which "
                              "changes no object."))
    if problems:
        raise DiagnosticError(problems)


def _state_backend(directory: Path, state_path: Path | None,
                   colour: bool | None, vars: list[Any] | None = None) -> object | None:
    """The backend of the configuration in `directory` (None after printing why
    there is none): `-state` if given, else the configuration's backend block,
    else `<directory>/govctl.tfstate`."""
    from govctl.state.local import LocalBackend

    if state_path is not None:
        return LocalBackend(state_path)
    from govctl.commands.run import _Stop, backend_for, encryption_values
    from govctl.config.loader import load_config
    from govctl.diagnostics import DiagnosticError, Severity, warning
    from govctl.render.diagnostics import print_diagnostics
    from govctl.state.backends import LocalBackends

    def local_default() -> object | None:
        """The fallback when the configuration's backend is unknown."""
        try:
            return LocalBackends(directory.resolve() / "govctl.tfstate").current(
                directory.resolve())
        except DiagnosticError as exc:
            print_diagnostics(exc.diagnostics, colour=colour)
            return None

    try:
        module, diags = load_config(directory, allow_empty=True)
    except (DiagnosticError, OSError):
        return local_default()
    if module.settings.backend_type is None and any(d.severity is Severity.ERROR
                                                    for d in diags):
        default = local_default()
        if default is None:
            return None
        print_diagnostics([warning(
            "Configuration not loaded",
            f"The configuration in {directory} has errors (govctl validate shows them), so "
            f"its backend settings are unknown: using the state file "
            f"{default.where}.")], colour=colour)  # type: ignore[attr-defined]
        return default
    try:
        return backend_for(module, encryption_values(module, vars or []))
    except _Stop as stop:
        print_diagnostics(stop.diags, colour=colour)
        return None
    except DiagnosticError as exc:
        print_diagnostics(exc.diagnostics, colour=colour)
        return None


def _state_command(args: argparse.Namespace, colour: bool | None) -> int:
    from govctl.state import commands

    if args.command == "state" and args.state_command is None:
        args.print_state_help()
        return 1
    directory = args.dir if args.command == "force-unlock" else Path(".")
    backend: Any = _state_backend(directory, getattr(args, "state_path", None), colour,
                                  getattr(args, "vars", None))
    if backend is None:
        return 1
    if args.command == "output":
        return commands.output(backend, args.name, json=args.json, raw=args.raw)
    if args.command == "force-unlock":
        if not args.force and not _confirm_unlock():
            print("\nforce-unlock cancelled.")
            return 1
        return commands.force_unlock(backend, args.lock_id)
    sub = args.state_command
    if sub == "list":
        return commands.state_list(backend, args.addresses)
    if sub == "show":
        return commands.state_show(backend, args.address)
    if sub == "pull":
        return commands.state_pull(backend)
    if sub == "push":
        return commands.state_push(backend, args.push_file, args.force, args.lock_timeout)
    if sub == "rekey":
        return commands.state_rekey(backend, args.lock_timeout)
    if sub == "rm":
        return commands.state_rm(backend, args.addresses, args.lock_timeout, args.lock)
    return commands.state_mv(backend, args.source, args.destination, args.lock_timeout,
                             args.lock)


def _audit_command(args: argparse.Namespace, colour: bool | None) -> int:
    from govctl.commands import audit

    if args.audit_command is None:
        args.print_audit_help()
        return 1
    backend: Any = _state_backend(Path("."), args.state_path, colour,
                                  getattr(args, "vars", None))
    if backend is None:
        return 1
    opts = audit.AuditOptions(log=args.log, state=args.state_path,
                              json=getattr(args, "json", False),
                              count=getattr(args, "count", None), colour=colour)
    if args.audit_command == "verify":
        return audit.verify_command(opts, backend)
    return audit.show_command(opts, backend)


def _confirm_unlock() -> bool:
    print("Do you really want to force-unlock?\n"
          "  govctl will remove the lock on the state.\n"
          "  This will allow local govctl commands to modify this state, even though it\n"
          "  may still be in use. Only 'yes' will be accepted to confirm.\n")
    try:
        answer = input("  Enter a value: ")
    except (EOFError, OSError):
        return False
    return answer.strip() == "yes"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version or args.command == "version":
        print(f"govctl v{__version__}")
        return 0
    if args.chdir:
        import os

        os.chdir(args.chdir)
    colour = False if getattr(args, "no_color", False) else None
    if args.allow_state_rollback:
        from govctl.state.backend import ROLLBACK

        token = ROLLBACK.set(True)
        try:
            return _dispatch(args, colour)
        finally:
            ROLLBACK.reset(token)
    return _dispatch(args, colour)


def _dispatch(args: argparse.Namespace, colour: bool | None) -> int:
    try:
        if args.command == "validate":
            from govctl.commands import validate

            return validate.run(validate.ValidateOptions(args.dir, args.json, colour))
        if args.command == "fmt":
            from govctl.commands import fmt

            return fmt.run(fmt.FmtOptions(args.targets, args.check, args.diff, args.recursive,
                                          args.write, args.list))
        if args.command in ("plan", "apply", "destroy"):
            from govctl.commands import run

            opts = _run_options(args, colour)
            return run.plan(opts) if args.command == "plan" else run.apply(opts)  # type: ignore[arg-type]
        if args.command == "approve":
            from govctl.commands import approve

            return approve.run(approve.ApproveOptions(args.plan_file, args.approver,
                                                      args.key_file, args.comment, colour))
        if args.command == "check":
            from govctl.commands import check
            from govctl.commands.run import RunOptions

            return check.run(RunOptions(directory=args.dir, vars=args.vars or [],
                                        parallelism=args.parallelism, colour=colour,
                                        policy_dirs=args.policy_dirs), args.json)
        if args.command == "drift":
            from govctl.commands import drift

            return drift.run(drift.DriftOptions(args.dir, args.vars or [], args.drift_format,
                                                args.all_types, args.fail_on_unmanaged,
                                                args.parallelism, colour))
        if args.command == "graph":
            from govctl import graph

            return graph.command(args.dir, args.type)
        if args.command == "console":
            from govctl.commands import console

            return console.run(console.ConsoleOptions(args.dir, args.vars or [], colour))
        if args.command == "init":
            from govctl.commands import init

            return init.run(args.dir, colour, init.InitOptions(
                args.migrate_state, args.reconfigure, args.force_copy, args.vars or []))
        if args.command == "providers":
            from govctl.commands import providers

            return providers.run(args.dir, colour)
        if args.command in ("state", "output", "force-unlock"):
            return _state_command(args, colour)
        if args.command == "sandbox":
            from govctl.commands import sandbox

            command = list(args.sandbox_command)
            if command[:1] == ["--"]:
                command = command[1:]
            return sandbox.run(args.name, args.port, command, args.env_file)
        if args.command == "show":
            from govctl.commands import show

            if args.markdown or args.template is not None:
                return show.markdown(args.plan_file, args.template, args.json, colour)
            backend: Any = None
            if args.plan_file is None:
                backend = _state_backend(Path("."), args.state_path, colour,
                                         getattr(args, "vars", None))
                if backend is None:
                    return 1
            return show.run(args.plan_file, backend, args.json, colour)
        if args.command == "audit":
            return _audit_command(args, colour)
        if args.command == "workspace":
            from govctl.commands import workspace

            if args.workspace_command is None:
                args.print_workspace_help()
                return 1
            return workspace.run(workspace.WorkspaceOptions(
                args.workspace_command, args.dir, getattr(args, "name", None),
                force=getattr(args, "force", False),
                or_create=getattr(args, "or_create", False),
                lock_timeout=getattr(args, "lock_timeout", 0.0), colour=colour,
                vars=getattr(args, "vars", None) or []))
        if args.command == "import":
            import importlib

            # govctl/commands/importing.py: run(directory, addr, id, vars, lock_timeout)
            importing = importlib.import_module("govctl.commands.importing")
            code: int = importing.run(args.config, args.addr, args.id, args.vars or [],
                                      args.lock_timeout, colour=colour)
            return code
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`govctl show | head`): stop quietly, as Unix tools do
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        # what a command did not report itself (a storage it cannot reach while
        # looking at the state) is still a diagnostic, never a traceback
        from govctl.diagnostics import DiagnosticError

        if not isinstance(exc, DiagnosticError):
            raise
        from govctl.render.diagnostics import print_diagnostics

        print_diagnostics(exc.diagnostics, colour=colour)
        return 1
    _parser().print_help()
    return 1


def run() -> None:
    """The `govctl` command: main(), then exit without tearing the heap down.
    A run ends holding its whole configuration, plan and state in memory;
    freeing it object by object took 0.1-0.15 s after a 1,000-resource apply
    for nothing, since the process is about to end. Output is flushed first,
    and every file govctl writes is already fsynced and closed by then."""
    import os

    try:
        code = main()
    except SystemExit as exc:       # argparse's usage errors and --help
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        code = 130
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        code = code or 1
    os._exit(code)


if __name__ == "__main__":
    run()
