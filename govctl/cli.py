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

    sub.add_parser("version", help="print the version")
    return p


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
