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

A skeleton is a file with resource and data blocks cut down to their headers
and what other files may need from them (`count`/`for_each`, which shape
references).
Every other block is kept whole, so both sides decode the same module and
report duplicates the same way; diagnostics are merged without repeats.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

from govctl.config.evaluate import Options, evaluate_config
from govctl.config.loader import config_files, decode_module, finish_root, parse_files
from govctl.config.schemas import check_schemas
from govctl.diagnostics import Diagnostic, Severity, error
from govctl.hcl import ast
from govctl.hcl.source import SourceFile

# Below this many bytes of configuration a second process costs more than it saves.
MIN_BYTES = 256 * 1024
_SHAPING = ("count", "for_each")


def enabled() -> bool:
    return hasattr(os, "fork") and sys.platform == "linux" and \
        os.environ.get("GOVCTL_PARALLEL", "1") != "0"


# The parent also evaluates module-wide values and checks, so it takes a little
# less of the files than the child.
PARENT_SHARE = 0.45


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
            theirs = [rebuild(sk) for sk in sent]
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
        theirs = [rebuild(sk) for sk in sent]
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
    from govctl.config.settings_checks import settings_diagnostics
    from govctl.policy.checks import policy_diagnostics

    return diags + result.diagnostics + check_schemas(module, own) \
        + policy_diagnostics(module, own) + settings_diagnostics(module, own)


def skeleton(f: ast.File) -> Skeleton:
    """What the other half needs of `f`: every block whole, except resource and
    data blocks, reduced to their header and count/for_each (the bulk of a
    large configuration, and of no use to the other half)."""
    items: list[ast.Block | _Stub] = []
    for b in f.body.blocks:
        if b.type in ("resource", "data"):
            shaping = {k: a for k, a in b.body.attributes.items() if k in _SHAPING}
            items.append((b.start, b.end, b.type, b.labels, b.label_spans, b.type_end,
                          b.body.start, b.body.end, shaping))
        else:
            items.append(b)
    return (f.src, f.start, f.end, f.body.start, f.body.end, f.body.attributes, items)


# A resource block header as plain data: pickles at C speed, unlike syntax trees.
_Stub = tuple[int, int, str, list[str], list[tuple[int, int]], int, int, int,
              dict[str, ast.Attribute]]
Skeleton = tuple[SourceFile, int, int, int, int, dict[str, ast.Attribute],
                 list[ast.Block | _Stub]]


def rebuild(sk: Skeleton) -> ast.File:
    src, start, end, body_start, body_end, attrs, items = sk
    blocks = []
    for item in items:
        if isinstance(item, ast.Block):
            blocks.append(item)
            continue
        b_start, b_end, type_, labels, spans, type_end, inner_start, inner_end, shaping = item
        body = ast.Body(src, inner_start, inner_end, shaping, [])
        blocks.append(ast.Block(src, b_start, b_end, type_, labels, spans, body, type_end))
    return ast.File(src, start, end, ast.Body(src, body_start, body_end, attrs, blocks))


def _unique(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for d in diags:
        key = (d.summary, d.detail, str(d.range) if d.range else "")
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out
