"""`govctl fmt`: rewrite configuration files in the canonical style.

Exit codes follow Terraform: 0 done, 3 with -check when a file needs
formatting, 2 when a file cannot be parsed (it is never rewritten then).
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from govctl.diagnostics import error
from govctl.hcl.source import SourceFile
from govctl.render.diagnostics import print_diagnostics

FORMATTABLE = (".hcl", ".tfvars")


@dataclass
class FmtOptions:
    targets: Sequence[Path] = field(default_factory=lambda: [Path(".")])
    check: bool = False
    diff: bool = False
    recursive: bool = False
    write: bool = True
    list: bool = True


def _files(target: Path, recursive: bool) -> list[Path]:
    if target.is_file():
        return [target]
    pattern = "**/*" if recursive else "*"
    return sorted(p for p in target.glob(pattern)
                  if p.is_file() and p.suffix in FORMATTABLE
                  and not any(part.startswith(".") for part in p.parts[len(target.parts):]))


def run(opts: FmtOptions) -> int:
    from govctl.hcl.fmt import FormatError, format_source

    status = 0
    for target in opts.targets:
        if str(target) == "-":
            data = sys.stdin.buffer.read()
            try:
                sys.stdout.buffer.write(format_source(data))
            except FormatError as exc:
                _report("<stdin>", data, exc)
                return 2
            continue
        if not target.exists():
            print_diagnostics([error("No file or directory at " + str(target),
                                     "The given path does not exist.")])
            return 2
        for path in _files(target, opts.recursive):
            data = path.read_bytes()
            try:
                new = format_source(data)
            except FormatError as exc:
                _report(str(path), data, exc)
                status = 2
                continue
            if new == data:
                continue
            if opts.list:
                print(path)
            if opts.diff:
                sys.stdout.writelines(difflib.unified_diff(
                    data.decode("utf-8", "replace").splitlines(True),
                    new.decode("utf-8", "replace").splitlines(True),
                    f"old/{path}", f"new/{path}"))
            if opts.check:
                status = max(status, 3)
            elif opts.write:
                _write_atomically(path, new)
    return status


def _report(name: str, data: bytes, exc: Exception) -> None:
    src = SourceFile(name, data)
    line = getattr(exc, "line", 1)
    col = getattr(exc, "column", 1)
    starts = [0] + [i + 1 for i, b in enumerate(data) if b == 10]
    byte = starts[min(line, len(starts)) - 1] if starts else 0
    byte += len(src.text.splitlines()[line - 1][:col - 1].encode()) if \
        line - 1 < len(src.text.splitlines()) else 0
    print_diagnostics([error("Invalid syntax: file not formatted",
                             getattr(exc, "message", str(exc)), src.range(byte, byte + 1))])


def _write_atomically(path: Path, data: bytes) -> None:
    """A crash mid-write must never leave a half-formatted configuration file."""
    from govctl import atomic

    atomic.replace(path, data, mode=path.stat().st_mode & 0o7777)
