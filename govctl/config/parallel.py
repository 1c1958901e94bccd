"""Validate a large root module on two processes.

Parsing (tree-sitter, then the walk into our AST) and checking resource bodies
are most of `govctl validate`'s time, and both are independent per file; a
second process halves them on a two-core machine. The work is split by files:

    parent: files[:k]                     child: files[k:]
      parse own files                       parse own files
      <- receive child's skeleton  <-------  send skeleton (headers + globals)
      send skeleton ---------------------->  receive parent's skeleton
      decode own files + child skeleton     decode parent skeleton + own files
      evaluate own resources and all        evaluate own resources
      module-wide values and checks
      <- receive child's diagnostics <-----  send diagnostics, exit

A skeleton is a file with resource and data bodies blanked out but for what
other files may need from them (`count`/`for_each`, which shape references).
Every other block is kept whole, so both sides decode the same module and
report duplicates the same way; diagnostics are merged without repeats.
"""

from __future__ import annotations

import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

from govctl.config.evaluate import Options, evaluate_config
from govctl.config.loader import config_files, decode_module, finish_root, parse_files
from govctl.diagnostics import Diagnostic, Severity, error
from govctl.hcl import ast
from govctl.hcl.parser import parse

# Below this many bytes of configuration a second process costs more than it saves.
MIN_BYTES = 256 * 1024
_SHAPING = ("count", "for_each")


def enabled() -> bool:
    return hasattr(os, "fork") and sys.platform == "linux" and \
        os.environ.get("GOVCTL_PARALLEL", "1") != "0"


# The parent also evaluates module-wide values and checks, so it takes a little
# less of the files than the child.
PARENT_SHARE = 0.40


def split(paths: list[Path]) -> int:
    """Index that splits `paths` into two runs (order kept), the first about
    PARENT_SHARE of the bytes."""
    sizes = [p.stat().st_size for p in paths]
    total, acc = sum(sizes), 0
    for i, size in enumerate(sizes):
        acc += size
        if acc >= total * PARENT_SHARE:
            return max(1, min(i + 1, len(paths) - 1))
    return len(paths) // 2


def validate(root: Path, min_bytes: int = MIN_BYTES) -> list[Diagnostic] | None:
    """Diagnostics of `govctl validate`, or None when the serial path is better."""
    root = root.resolve()
    if not enabled() or not root.is_dir():
        return None
    paths = config_files(root)
    if len(paths) < 2 or sum(p.stat().st_size for p in paths) < min_bytes:
        return None
    k = split(paths)
    to_parent_r, to_parent_w = os.pipe()
    to_child_r, to_child_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            os.close(to_parent_r)
            os.close(to_child_w)
            _child(root, paths[k:], to_parent_w, to_child_r)
        except BaseException:  # the parent reports a dead worker
            code = 1
        finally:
            os._exit(code)
    os.close(to_parent_w)
    os.close(to_child_r)
    with os.fdopen(to_parent_r, "rb") as inbox, os.fdopen(to_child_w, "wb") as outbox:
        own, diags = parse_files(paths[:k])
        try:
            sent, their_errors = pickle.load(inbox)
            pickle.dump(([skeleton(f) for f in own], _has_errors(diags)), outbox,
                        pickle.HIGHEST_PROTOCOL)
            outbox.flush()
            theirs = [sk.parse() for sk in sent]
        except (EOFError, BrokenPipeError, pickle.UnpicklingError):
            theirs = None
        if theirs is not None:
            diags += _check(root, own + theirs, _names(own), True,
                            their_errors or _has_errors(diags))
            try:
                diags += pickle.load(inbox)
            except (EOFError, pickle.UnpicklingError):
                theirs = None
    _, status = os.waitpid(pid, 0)
    if theirs is None or status != 0:
        diags.append(error("Internal error in parallel validation",
                           "A worker process failed; run again with GOVCTL_PARALLEL=0."))
    return _unique(diags)


def _child(root: Path, paths: list[Path], outbox_fd: int, inbox_fd: int) -> None:
    with os.fdopen(outbox_fd, "wb") as outbox, os.fdopen(inbox_fd, "rb") as inbox:
        own, diags = parse_files(paths)
        pickle.dump(([skeleton(f) for f in own], _has_errors(diags)), outbox,
                    pickle.HIGHEST_PROTOCOL)
        outbox.flush()
        sent, their_errors = pickle.load(inbox)
        theirs = [sk.parse() for sk in sent]
        diags += _check(root, theirs + own, _names(own), False,
                        their_errors or _has_errors(diags))
        pickle.dump(diags, outbox, pickle.HIGHEST_PROTOCOL)
        outbox.flush()


def _names(files: list[ast.File]) -> frozenset[str]:
    return frozenset(f.src.filename for f in files)


def _has_errors(diags: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diags)


def _check(root: Path, files: list[ast.File], own: frozenset[str], module_wide: bool,
           syntax_errors: bool) -> list[Diagnostic]:
    """Decode and evaluate; as in the serial path, any syntax error anywhere in
    the module stops before evaluation (that error is reported by its half)."""
    files = sorted(files, key=lambda f: f.src.filename)
    module, diags = decode_module(root, files)
    diags = finish_root(module, root, diags)
    if syntax_errors or _has_errors(diags):
        return diags
    result = evaluate_config(module, {}, Options(validate_only=True, own_files=own,
                                                 module_wide=module_wide))
    return diags + result.diagnostics


def skeleton(f: ast.File) -> Skeleton:
    """What the other half needs of `f`: its bytes and the spans to blank out
    (resource and data bodies, except their count/for_each arguments).

    Sending spans instead of syntax trees keeps the exchange to a memory copy;
    the receiver parses the text with those spans turned into comments, which
    tree-sitter skips as single tokens.
    """
    data = f.src.data
    spans: list[tuple[int, int]] = []
    for b in f.body.blocks:
        if b.type not in ("resource", "data"):
            continue
        keep = sorted((a.start, a.end) for k, a in b.body.attributes.items() if k in _SHAPING)
        pos = b.body.start
        for start, end in keep:
            spans.append((pos, start))
            line_end = data.find(b"\n", end)
            pos = len(data) if line_end == -1 else line_end + 1
        spans.append((pos, b.body.end))
    return Skeleton(f.src.filename, data, [(s, e) for s, e in spans if e - s >= 4])


# every byte but a line break becomes a space: lines and offsets stay put
_BLANK = bytes(b if b == 0x0A else 0x20 for b in range(256))


@dataclass(frozen=True)
class Skeleton:
    filename: str
    data: bytes
    blank: list[tuple[int, int]]

    def parse(self) -> ast.File:
        masked = bytearray(self.data)
        for start, end in self.blank:
            masked[start:end] = b"/*" + self.data[start + 2:end - 2].translate(_BLANK) + b"*/"
        f, _ = parse(self.data, self.filename, bytes(masked))
        assert f is not None  # the sender parsed the whole file without errors
        return f


def _unique(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for d in diags:
        key = (d.summary, d.detail, str(d.range) if d.range else "")
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out
