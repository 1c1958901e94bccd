"""Command line: flags -> options objects -> a command's run(). No logic here.

Flags are Terraform's single-dash style (-var, -json, -check). Imports are
lazy so that `govctl --version` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from govctl import __version__


class _Ordered(argparse.Action):
    """Keep -var and -var-file in command-line order (later ones win)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        items = list(getattr(namespace, "vars", None) or [])
        items.append(("var-file" if option_string == "-var-file" else "var", str(values)))
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
    p.add_argument("-chdir", help="switch to this directory before doing anything")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    v = sub.add_parser("validate", help="check that the configuration is valid")
    v.add_argument("dir", nargs="?", default=".", type=Path)
    v.add_argument("-json", action="store_true", help="machine-readable output")
    v.add_argument("-no-color", dest="no_color", action="store_true")

    f = sub.add_parser("fmt", help="rewrite configuration files in the canonical format")
    f.add_argument("targets", nargs="*", type=Path, default=[Path(".")])
    f.add_argument("-check", action="store_true", help="exit 3 if any file needs changes")
    f.add_argument("-diff", action="store_true", help="show the changes as a diff")
    f.add_argument("-recursive", action="store_true", help="also format subdirectories")
    f.add_argument("-write", type=_bool_flag, default=True, metavar="BOOL")
    f.add_argument("-list", type=_bool_flag, default=True, metavar="BOOL")
    f.add_argument("-no-color", dest="no_color", action="store_true")

    c = sub.add_parser("console", help="evaluate expressions read from standard input")
    c.add_argument("dir", nargs="?", default=".", type=Path)
    c.add_argument("-var", action=_Ordered, dest="vars", metavar="NAME=VALUE")
    c.add_argument("-var-file", action=_Ordered, dest="vars", metavar="FILE")
    c.add_argument("-no-color", dest="no_color", action="store_true")

    for name, help_ in (("plan", "show the changes required by the configuration"),
                        ("apply", "make the changes required by the configuration"),
                        ("destroy", "destroy every object managed by the configuration")):
        _run_flags(sub.add_parser(name, help=help_), name)

    g = sub.add_parser("graph", help="print the dependency graph in DOT")
    g.add_argument("dir", nargs="?", default=".", type=Path)
    _flag(g, "type", default="plan", metavar="TYPE")

    sub.add_parser("version", help="print the version")
    return p


def _flag(p: argparse.ArgumentParser, name: str, **kw: object) -> None:
    """Terraform's single-dash flags, also accepted with two dashes."""
    p.add_argument(f"-{name}", f"--{name}", **kw)  # type: ignore[arg-type]


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
    _flag(p, "parallelism", type=int, default=10, metavar="N")
    _flag(p, "lock", type=_bool_flag, default=True, metavar="BOOL")
    _flag(p, "lock-timeout", dest="lock_timeout", type=_duration, default=0.0,
          metavar="DURATION")
    _flag(p, "input", type=_bool_flag, default=True, metavar="BOOL")
    _flag(p, "no-color", dest="no_color", action="store_true")
    if command == "plan":
        _flag(p, "out", type=Path, metavar="FILE")
        _flag(p, "destroy", action="store_true")
        _flag(p, "refresh-only", dest="refresh_only", action="store_true")
        _flag(p, "detailed-exitcode", dest="detailed_exitcode", action="store_true")
    else:
        _flag(p, "auto-approve", dest="auto_approve", action="store_true")
        if command == "apply":
            _flag(p, "destroy", action="store_true")
            _flag(p, "refresh-only", dest="refresh_only", action="store_true")


def _run_options(args: argparse.Namespace, colour: bool | None) -> object:
    from govctl.commands.run import RunOptions

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
        auto_approve=getattr(args, "auto_approve", False), input=args.input, colour=colour)


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
        if args.command == "graph":
            from govctl import graph

            return graph.command(args.dir, args.type)
        if args.command == "console":
            from govctl.commands import console

            return console.run(console.ConsoleOptions(args.dir, args.vars or [], colour))
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    parser.print_help()
    return 1


if __name__ == "__main__":
    sys.exit(main())
